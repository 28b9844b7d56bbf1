"""Complex-number ops (Keras' ``ops.polar``, ``ops.view_as_complex``, ``ops.view_as_real``).

neuroflow's tensors hold real numbers only (the graph, the optimizers and the file format are real), so a complex
result is a ``complex64``/``complex128`` array of the inputs' array module (NumPy on the CPU, the device's module
on a device): its values equal Keras', it carries no gradient, and
``view_as_real`` turns it back into a real Tensor. The differentiable route through complex values is the pair
``(real, imag)`` that neuroflow's FFTs use: ``view_as_real((re, im))`` stacks the two Tensors with a gradient.
"""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import DTypeError, ShapeError
from ._registry import differentiable, not_differentiable
from .shape import stack


def _complex_dtype(real_dtype):
    """complex128 for float64 parts, complex64 otherwise (Keras' default complex dtype)."""
    return np.complex128 if np.dtype(real_dtype) == np.float64 else np.complex64


def _real_data(x, who: str, arg: str):
    data = x.data if isinstance(x, Tensor) else get_array_module().asarray(x)
    if data.dtype.kind == "c":
        raise DTypeError(f"{who}: {arg} must be real, got an array of dtype {data.dtype}")
    return data if data.dtype.kind == "f" else data.astype(np.float32)


@not_differentiable
def polar(abs_, angle):
    """The complex numbers ``abs_ * (cos(angle) + 1j sin(angle))`` (``torch.polar``), as a complex array (of the
    inputs' device).

    Shapes: ``abs_`` and ``angle`` broadcast together -> that shape, complex64 (complex128 for float64 inputs).
    No gradient: neuroflow's tensors are real (see the module docstring).
    """
    r, theta = _real_data(abs_, "polar", "abs_"), _real_data(angle, "polar", "angle")
    xp = get_array_module(r, theta)
    dtype = _complex_dtype(np.result_type(r.dtype, theta.dtype))
    return (r * xp.cos(theta) + 1j * (r * xp.sin(theta))).astype(dtype)


@not_differentiable
def view_as_complex(x):
    """``x[..., 0] + 1j * x[..., 1]`` as a complex array of ``x``'s device (no gradient: neuroflow's tensors are
    real).

    Shapes: ``(..., 2)`` real -> ``(...)`` complex64 (complex128 for float64 input).
    """
    data = _real_data(x, "view_as_complex", "x")
    if data.ndim < 1 or data.shape[-1] != 2:
        raise ShapeError(f"view_as_complex: the last axis of x must have size 2 (real, imaginary), got shape "
                         f"{tuple(data.shape)}")
    return (data[..., 0] + 1j * data[..., 1]).astype(_complex_dtype(data.dtype))


@differentiable
def view_as_real(x):
    """The real and imaginary parts stacked on a new last axis.

    ``x``: a complex array (the result of :func:`polar`, :func:`view_as_complex`, NumPy or CuPy), or the pair
    ``(real, imag)`` of Tensors that neuroflow's FFTs return (then the result has their gradient).
    Shapes: ``(...)`` -> ``(..., 2)``; float32 for complex64 (float64 for complex128).
    """
    if isinstance(x, (tuple, list)):
        if len(x) != 2:
            raise ShapeError(f"view_as_real: a pair (real, imag) has 2 entries, got {len(x)}")
        re, im = as_tensor(x[0]), as_tensor(x[1])
        if re.shape != im.shape:
            raise ShapeError(f"view_as_real: real {re.shape} and imag {im.shape} parts must have the same shape")
        return stack([re, im], axis=-1)
    data = x.data if isinstance(x, Tensor) else get_array_module().asarray(x)
    dtype = np.float64 if data.dtype == np.complex128 else (data.dtype if data.dtype.kind == "f" else np.float32)
    xp = get_array_module(data)
    imag = data.imag if data.dtype.kind == "c" else xp.zeros_like(data)
    return Tensor(xp.stack([data.real, imag], axis=-1).astype(dtype), dtype=dtype)


__all__ = ["polar", "view_as_complex", "view_as_real"]
