"""An optimizer's state in Keras 3's order: ``optimizer.variables`` and the ``optimizer/vars/<i>`` of ``.keras`` files.

Keras lists ``iteration`` (int32), ``learning_rate`` (float32, when it is a number, not a schedule or a callable),
then the per-variable state: the moving averages (``use_ema``), the gradient accumulators
(``gradient_accumulation_steps``), then the optimizer's slots. Each ``add_optimizer_variables(var_list, names)``
call of Keras' ``build`` is one *group*: its names interleaved per variable (Adam: ``momentum, velocity`` of the
first variable, then of the second...), groups one after another (AMSGrad's ``velocity_hat`` after all of those).
An optimizer class names its groups in ``_keras_slot_groups`` (its own slot names, Keras' spelling in
``_keras_slot_names``); without them its slots form one interleaved group and its state is not exchanged with
Keras' files (the layout could differ).
"""
from __future__ import annotations

import numpy

from ..backend import get_array_module, to_host
from ..errors import SavingError
from .learning_rate import ConstantRate
from .state import on_module, read_scalar


def _groups(opt) -> list:
    """The groups of state names in Keras' order, each cut to the names this optimizer has."""
    names = opt._state_names()
    slot_groups = getattr(opt, "_keras_slot_groups", None) or (tuple(n for n, _ in opt._slot_specs()),)
    groups = [("average",), ("gradient_accumulator",)] + [tuple(g) for g in slot_groups]
    return [tuple(n for n in g if n in names) for g in groups if any(n in names for n in g)]


def slot_entries(opt, units) -> list:
    """``[(unit, keras name, array), ...]``: the per-variable state of ``units`` (VariableUnits) in Keras' order;
    the arrays are the optimizer's own (writing into them changes its state)."""
    names = opt._state_names()
    spelled = getattr(opt, "_keras_slot_names", {})
    return [(u, spelled.get(n, n), u.state_arrays()[names.index(n)]) for group in _groups(opt) for u in units
            for n in group]


def scalar_entries(opt) -> list:
    """``[(name, 0-d host array)]``: Keras' ``iteration`` and, for a numeric rate, ``learning_rate``."""
    out = [("iteration", numpy.asarray(opt.iterations, numpy.int32))]
    if isinstance(opt._rate, ConstantRate):
        out.append(("learning_rate", numpy.asarray(opt._rate.value, numpy.float32)))
    return out


def keras_variables(opt) -> list:
    """``optimizer.variables`` as Keras lists them (non-trainable Variables named ``<optimizer>/<name>``). The
    slot Variables share the optimizer's arrays (assigning one changes the state); ``iteration`` and
    ``learning_rate`` are snapshots of the optimizer's numbers (set them with ``iterations =`` and
    ``learning_rate =``)."""
    from ..autograd.variable import Variable

    out = []
    slots = [(f"{_path(u)}_{n}", a) for u, n, a in slot_entries(opt, opt._units)]
    extra = [(k, numpy.asarray(a, numpy.float32)) for k, a in (opt._extra_state() if opt.built else {}).items()]  # Nadam's u_product
    for name, array in scalar_entries(opt) + slots + extra:
        v = Variable(array, trainable=False, name=name)
        if array.ndim:  # a slot: the Variable is a view of the optimizer's own array
            v.data = array
        v.path = f"{opt.name}/{name}"
        out.append(v)
    return out


def _path(unit) -> str:
    return str(getattr(unit.variable, "path", None) or unit.variable.name or f"variable_{unit.index}").replace("/",
                                                                                                           "_")


def exchangeable(opt) -> bool:
    """Whether this optimizer's state has Keras' layout (so that ``.keras`` files carry it)."""
    return getattr(opt, "_keras_slot_groups", None) is not None


def to_keras(opt, variables) -> list:
    """The host arrays Keras stores as ``optimizer/vars/0..n`` for an optimizer that updates ``variables`` (the
    model's trainable weights, Keras' build order); only the scalars while it has not been built."""
    arrays = [a for _, a in scalar_entries(opt)]
    if not opt.built:
        return arrays
    units = [opt._index.get(id(v)) for v in variables]
    if any(u is None for u in units):
        return arrays  # built on other variables: Keras would not match the slots to the weights either
    return arrays + [to_host(a) for _, _, a in slot_entries(opt, units)]


def from_keras(opt, variables, arrays: list, where: str) -> bool:
    """Restore Keras' ``optimizer/vars`` ``arrays`` into ``opt`` for ``variables`` (built here, as ``fit``
    builds it). False (nothing restored) when their number does not fit this optimizer; a SavingError when a
    shape does not."""
    scalars = scalar_entries(opt)
    opt.build(variables, owns_storage=True)
    units = [opt._index[id(v)] for v in variables]
    slots = slot_entries(opt, units)
    if len(arrays) != len(scalars) + len(slots) or any(a.ndim for a in arrays[:len(scalars)]):
        return False
    for (_, name, dst), src in zip(slots, arrays[len(scalars):]):
        if tuple(src.shape) != tuple(dst.shape):
            raise SavingError(f"{where}: optimizer variable {name!r} has shape {tuple(dst.shape)}, the file's "
                              f"has {tuple(src.shape)}")
    for (_, _, dst), src in zip(slots, arrays[len(scalars):]):  # in place: views of flat buffers stay views
        dst[...] = on_module(numpy.asarray(src, dtype=dst.dtype), get_array_module(dst))
    opt.iterations = int(read_scalar(arrays[0]))
    if len(scalars) > 1 and numpy.float32(read_scalar(arrays[1])) != scalars[1][1]:  # changed (a callback's)
        opt.learning_rate = float(read_scalar(arrays[1]))
    return True
