"""The update step: the optimizer's element-wise kernel on each unit, and gathering the gradients it runs on."""
from __future__ import annotations

import numpy

from ..autograd.tensor import Tensor
from ..backend import SPLIT_MIN_SIZE, device_of, is_host, module_device, run_split
from ..errors import DeviceError, ShapeError


def collect_gradients(items, index: dict, owner: str, xp):
    """``(VariableUnit, gradient array)`` pairs from ``(gradient, variable)`` items: Tensors unwrapped, other
    array-likes made arrays of ``xp`` (the state's module: host data is copied to the device, as ``Tensor`` does),
    cast to the variable's dtype; a ShapeError names a variable whose gradient has another shape, a DeviceError one
    whose gradient lives on another device. None when a variable has no unit yet (``index``: ``id(variable) ->
    unit``)."""
    pairs = []
    array_type = xp.ndarray
    for g, v in items:
        unit = index.get(id(v))
        if unit is None:
            return None
        if isinstance(g, Tensor):
            g = g.data
        w = v.data
        if type(g) is not array_type:
            if not is_host(g):
                raise DeviceError(f"{owner}: the gradient of variable {getattr(v, 'path', None) or v.name!r} lives "
                                  f"on {device_of(g)}, the variable's optimizer state on {module_device(xp)}; move "
                                  "them to one device (neuroflow.backend.to_device(array, device))")
            g = xp.asarray(g)
        if g.shape != w.shape:
            raise ShapeError(f"{owner}: the gradient of variable {getattr(v, 'path', None) or v.name!r} has shape "
                             f"{g.shape}, expected {w.shape}")
        if g.dtype != w.dtype:
            g = g.astype(w.dtype)
        pairs.append((unit, g))
    return pairs


def run_kernels(work: list, kernel, scalars: tuple, xp, elementwise: bool = True) -> None:
    """``kernel(w, g, slots, scratch, k)`` on each ``(unit, gradient)`` pair of ``work``; on the host an
    element-wise kernel runs a unit of ``backend.SPLIT_MIN_SIZE`` elements or more in slices, one per thread (a
    kernel that needs whole variables, such as a per-layer trust ratio, sees each unit whole; so does a device,
    where slicing would only launch more kernels)."""
    # The scalars go to the kernels in the unit's dtype, so float32 stays float32: on the host as 0-d arrays,
    # which NumPy handles markedly faster than Python floats (no weak-scalar conversion per call); on a device as
    # NumPy scalars, which travel as kernel arguments (no upload, no device allocation per step). Both are strongly
    # typed, so the results are the same bits.
    on_host = xp is numpy
    by_dtype = {}
    for unit, g in work:
        w = unit.weights
        k = by_dtype.get(w.dtype)
        if k is None:
            k = by_dtype[w.dtype] = tuple([numpy.asarray(x, dtype=w.dtype) if on_host else w.dtype.type(x)
                                           for x in scalars])
        if w.size < SPLIT_MIN_SIZE or not elementwise or not on_host:
            kernel(w, g, unit.slots, unit.scratch, k)
        else:
            n_slots = len(unit.slots)
            run_split(lambda w, g, *rest: kernel(w, g, rest[:n_slots], rest[n_slots:], k),
                      (w, xp.ascontiguousarray(g)) + unit.slots + unit.scratch)
