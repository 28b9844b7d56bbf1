"""Axis normalisation shared by reductions and shape ops, with errors in the user's terms."""
from __future__ import annotations

from .._validate import ArgumentTypeError, describe, is_int
from ..errors import ShapeError


def normalize_axes(axis, ndim: int, op: str) -> tuple:
    """``axis`` (None, int or sequence) as a sorted tuple of non-negative axes; None means all axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if is_int(axis) else tuple(axis) if isinstance(axis, (tuple, list)) else None
    if axes is None or not all(is_int(a) for a in axes):
        raise ArgumentTypeError(f"{op}: axis must be None, an int or a tuple of ints, got {describe(axis)}")
    out = []
    for a in axes:
        if not -ndim <= a < ndim:  # NumPy's rule: a 0-d tensor has no axis (torch's 0 and -1 are a quirk)
            raise ShapeError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimension(s)")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out))


def keepdims_shape(shape: tuple, axes: tuple) -> tuple:
    """``shape`` with the reduced ``axes`` set to 1 (the shape a keepdims reduction returns)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))
