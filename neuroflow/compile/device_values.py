"""Reading and comparing a traced step's values on any device (NumPy, CuPy, the strict stand-in).

Two traces of one signature are compared value by value (``Trace.same_as``); on a device the comparisons run there
and their verdicts come over together with the small constants CSE compares, in one device-to-host transfer
(:func:`read_on_device`). Guards keep host copies of what the step read (:func:`host_copy`).
"""
from __future__ import annotations

import numpy as np

from .. import backend


def values_equal(a, b, on_device) -> bool:
    """Whether ``a`` equals ``b``; device arrays of equal shape and dtype are appended to ``on_device`` as a pair
    (compared by :func:`read_on_device`) and count as equal here."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    if backend.is_array(a):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        on_device.append((a, b))
        return True
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(values_equal(x, y, on_device) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - an object without a usable ==: same only if the same object
        return a is b


def read_on_device(pairs, arrays):
    """``(every pair of device arrays is equal, host copies of arrays)`` in one device-to-host transfer: the
    comparisons and the arrays' bytes joined on the device."""
    xp = backend.get_array_module(pairs[0][0])
    if any(backend.get_array_module(a) is not xp for a in arrays):
        arrays = []  # on another device: not read (CSE then leaves them unmerged)
    flags = xp.stack([xp.array_equal(a, b) for a, b in pairs]).astype(np.uint8)  # 0-d device arrays stacked
    joined = backend.to_host(xp.concatenate([flags] + [xp.ascontiguousarray(a).reshape(-1).view(np.uint8)
                                                       for a in arrays]))
    copies, start = [], len(pairs)
    for a in arrays:
        copies.append(joined[start:start + a.nbytes].view(a.dtype).reshape(a.shape))
        start += a.nbytes
    return bool(joined[:len(pairs)].all()), copies


def host_copy(data):
    """A host copy of ``data`` (a guard's expected value): a counted transfer on a device."""
    return np.array(backend.to_host(data), copy=True)


__all__ = ["values_equal", "read_on_device", "host_copy"]
