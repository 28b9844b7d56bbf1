"""The update step: the optimizer's element-wise kernel on each unit, and gathering the gradients it runs on."""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..backend import SPLIT_MIN_SIZE, run_split
from ..errors import ShapeError


def collect_gradients(items, index: dict, owner: str, xp):
    """``(VariableUnit, gradient array)`` pairs from ``(gradient, variable)`` items: Tensors unwrapped, other
    array-likes made arrays, cast to the variable's dtype; a ShapeError names a variable whose gradient has
    another shape. None when a variable has no unit yet (``index``: ``id(variable) -> unit``)."""
    pairs = []
    for g, v in items:
        unit = index.get(id(v))
        if unit is None:
            return None
        if isinstance(g, Tensor):
            g = g.data
        w = v.data
        if type(g) is not type(w):
            g = xp.asarray(g)
        if g.shape != w.shape:
            raise ShapeError(f"{owner}: the gradient of variable {getattr(v, 'path', None) or v.name!r} has shape "
                             f"{g.shape}, expected {w.shape}")
        if g.dtype != w.dtype:
            g = g.astype(w.dtype)
        pairs.append((unit, g))
    return pairs


def run_kernels(work: list, kernel, scalars: tuple, xp, elementwise: bool = True) -> None:
    """``kernel(w, g, slots, scratch, k)`` on each ``(unit, gradient)`` pair of ``work``; an element-wise kernel
    runs a unit of ``backend.SPLIT_MIN_SIZE`` elements or more in slices, one per thread (a kernel that needs whole
    variables, such as a per-layer trust ratio, sees each unit whole)."""
    # The scalars go to the kernels as 0-d arrays of the unit's dtype: NumPy handles those markedly faster than
    # Python floats (no weak-scalar conversion per call), with the same float32 result.
    by_dtype = {}
    for unit, g in work:
        w = unit.weights
        k = by_dtype.get(w.dtype)
        if k is None:
            k = by_dtype[w.dtype] = tuple([xp.asarray(x, dtype=w.dtype) for x in scalars])
        if w.size < SPLIT_MIN_SIZE or not elementwise:
            kernel(w, g, unit.slots, unit.scratch, k)
        else:
            n_slots = len(unit.slots)
            run_split(lambda w, g, *rest: kernel(w, g, rest[:n_slots], rest[n_slots:], k),
                      (w, xp.ascontiguousarray(g)) + unit.slots + unit.scratch)
