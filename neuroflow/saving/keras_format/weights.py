"""Keras 3's weights store <-> a neuroflow model's variables, by the layout of :mod:`.layout`.

Loading checks the whole store against the model first (every group's dataset count and every shape) and
assigns only when everything fits, so a mismatched file leaves the model as it was.
"""
from __future__ import annotations

import warnings

from ...errors import SavingError
from ..tensors import host
from . import h5
from .layout import variable_groups


def store_bytes(model, where: str) -> bytes:
    """The model's weights as Keras 3's HDF5 store."""
    groups = [(path, name, [host(v.data) for v in variables] + [host(e) for e in extras])
              for path, name, variables, extras in variable_groups(model)] + optimizer_arrays(model)
    return h5.write_store(groups, where)


def assign_from_store(model, source, where: str) -> dict:
    """Read Keras' weights store ``source`` (HDF5 bytes or a path) into ``model``; SavingError on any mismatch.
    Returns every array of the store by path (the optimizer's state is read from it after compiling)."""
    arrays, _ = h5.read_store(source, where)
    plan, used = [], set()
    for path, name, variables, extras in variable_groups(model):
        prefix = f"{path}/vars/" if path else "vars/"
        stored = sorted((k for k in arrays if k.startswith(prefix) and "/" not in k[len(prefix):]),
                        key=lambda k: (len(k), k))
        expected = [f"{prefix}{i}" for i in range(len(variables))]
        if extras and stored == [f"{prefix}{i}" for i in range(len(variables) + len(extras))]:
            used.update(stored[len(variables):])
            stored = stored[:len(variables)]
        if stored != expected:
            raise SavingError(f"{where}: layer {name!r} ({path or 'the model'}) has {len(variables)} weight(s) but "
                              f"the file holds {len(stored)} at {prefix}: the file describes a different "
                              f"architecture" + ("" if stored else " (or a weight is missing)"))
        for key, variable in zip(expected, variables):
            value = arrays[key]
            if tuple(value.shape) != tuple(variable.shape):
                raise SavingError(f"{where}: weight {variable.path or variable.name!r} of layer {name!r} has shape "
                                  f"{tuple(variable.shape)}, the file's {key} has shape {tuple(value.shape)}")
            plan.append((variable, value))
        used.update(expected)
    extra = sorted(k for k in arrays if k not in used and not k.startswith("optimizer/"))
    if extra:
        raise SavingError(f"{where}: the file holds weights the model has no place for (first: {extra[0]!r}): it "
                          f"describes a different architecture")
    for variable, value in plan:
        variable.assign(value.astype(variable.data.dtype, copy=False))
    return arrays


def optimizer_arrays(model) -> list:
    """``[(group path, name, [arrays])]``: Keras' ``optimizer/vars`` for a compiled model whose optimizer has
    Keras' layout (:mod:`neuroflow.optimizers.keras_state`); nothing otherwise."""
    from ...optimizers import keras_state

    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or getattr(model, "_specs", None) is None or not keras_state.exchangeable(optimizer):
        return []
    return [("optimizer", optimizer.name, keras_state.to_keras(optimizer, model.trainable_weights))]


def restore_optimizer(model, arrays: dict, where: str) -> None:
    """Keras' ``optimizer/vars/0..n`` of the store into the compiled ``model``'s optimizer (built for its
    trainable weights, as ``fit`` builds it). As Keras does, a file whose count does not fit is skipped with a
    warning; an optimizer without Keras' layout starts fresh."""
    from ...optimizers import keras_state

    optimizer = getattr(model, "optimizer", None)
    stored = [arrays[f"optimizer/vars/{i}"] for i in range(len(arrays)) if f"optimizer/vars/{i}" in arrays]
    if optimizer is None or not stored or not keras_state.exchangeable(optimizer):
        return
    if not keras_state.from_keras(optimizer, model.trainable_weights, stored, where):
        warnings.warn(f"{where}: skipping the optimizer state: the file holds {len(stored)} optimizer variables, "
                      f"which do not fit {type(optimizer).__name__} {optimizer.name!r} for this model (Keras "
                      f"skips such state too)", UserWarning, stacklevel=4)
