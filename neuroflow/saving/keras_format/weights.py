"""Keras 3's weights store <-> a neuroflow model's variables, by the layout of :mod:`.layout`.

Loading checks the whole store against the model first (every group's dataset count and every shape) and
assigns only when everything fits, so a mismatched file leaves the model as it was.
"""
from __future__ import annotations

from ...errors import SavingError
from ..tensors import host
from . import h5
from .layout import variable_groups


def store_bytes(model, where: str) -> bytes:
    """The model's weights as Keras 3's HDF5 store."""
    groups = [(path, name, [host(v.data) for v in variables] + [host(e) for e in extras])
              for path, name, variables, extras in variable_groups(model)]
    return h5.write_store(groups, where)


def assign_from_store(model, source, where: str) -> None:
    """Read Keras' weights store ``source`` (HDF5 bytes or a path) into ``model``; SavingError on any mismatch."""
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
