"""Loss and metric values that stay on the device between logging steps.

On a GPU, reading a value to the host (``float(loss)``) waits for every queued kernel: done each step it stalls
the pipeline. So a step keeps its loss as a 0-d device array (:func:`keep`), the loop and the metrics accumulate
them there, and a logging step reads all its values in one device-to-host transfer (:func:`read`). On the CPU
both are the plain ``float`` they replace.
"""
from __future__ import annotations

import numpy

from ..backend import get_array_module, is_host, to_host

#: Types that are host values for sure: checked first, as a set lookup (``is_host`` is a function call, and
#: ``keep`` runs every step).
HOST_TYPES = frozenset({float, int, numpy.ndarray, numpy.float64, numpy.float32, numpy.float16, numpy.int64})


def keep(value):
    """A step's loss for accumulation: a Python float for host data, a float64 0-d array on the value's device
    otherwise (no transfer). Shapes: ``()`` or ``(1,)`` -> scalar."""
    if type(value) in HOST_TYPES or is_host(value):
        return float(value)
    return value.reshape(()).astype(numpy.float64)  # accumulated in float64, as the host sums Python floats


def read(values: list) -> list:
    """``values`` (Python numbers and 0-d device arrays, mixed) as Python floats, with at most one device-to-host
    transfer: the device values are stacked on their device and copied over together. Shapes: each ``()``."""
    on_device = [i for i, v in enumerate(values) if not is_host(v)]
    if not on_device:
        return [float(v) for v in values]
    xp = get_array_module(values[on_device[0]])
    host = to_host(xp.stack([xp.asarray(values[i], dtype=numpy.float64).reshape(()) for i in on_device]))
    out = [float(v) if is_host(v) else None for v in values]
    for i, v in zip(on_device, host.tolist()):
        out[i] = v
    return out
