"""``scale_and_translate`` (Keras' ``ops.image.scale_and_translate``, ``jax.image.scale_and_translate``'s
semantics): separable resampling with a linear, Keys cubic or Lanczos kernel, widened when downsampling
(``antialias``).

Each spatial axis is one product with a weight matrix ``(in, out)`` built here from the kernel (a constant), so
the op is linear in the images: its gradient (and every higher one) is the same products transposed. The matrix
depends only on sizes and the scale/translation numbers: it is built on the host and copied to the images' device.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor, as_tensor
from ..errors import ConfigError, DTypeError, ShapeError
from ._registry import differentiable
from .arrays import moveaxis
from .math import cast
from .products import tensordot

_METHODS = {"linear": "linear", "bilinear": "linear", "trilinear": "linear", "triangle": "linear",
            "cubic": "cubic", "bicubic": "cubic", "tricubic": "cubic", "lanczos3": "lanczos3",
            "lanczos5": "lanczos5"}


def _triangle(x):
    return np.maximum(0.0, 1.0 - x)


def _keys_cubic(x):  # Keys (1981) with a = -0.5; x >= 0
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(x):  # x >= 0; the sinc ratio is 1 at (and very near) 0
        safe = np.where(x > 1e-3, x, 1.0)
        value = radius * np.sin(np.pi * safe) * np.sin(np.pi * safe / radius) / (np.pi ** 2 * safe ** 2)
        return np.where(x > radius, 0.0, np.where(x > 1e-3, value, 1.0))
    return kernel


_KERNELS = {"linear": _triangle, "cubic": _keys_cubic, "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0)}


def weight_matrix(input_size: int, output_size: int, scale: float, translation: float, method: str,
                  antialias: bool, dtype) -> np.ndarray:
    """How much input pixel ``i`` contributes to output pixel ``j``. Shapes: -> (input_size, output_size).

    Output pixel ``j`` samples the input at ``(j + 0.5 - translation) / scale - 0.5`` (half-pixel centres); the
    kernel is stretched by ``1 / scale`` when downsampling with ``antialias``; each column sums to 1, and a
    sample outside ``[-0.5, input_size - 0.5]`` gets no weight (the output is 0 there).
    """
    inv = 1.0 / scale
    stretch = max(inv, 1.0) if antialias else 1.0
    sample = (np.arange(output_size) + 0.5) * inv - translation * inv - 0.5
    weights = _KERNELS[method](np.abs(sample[None, :] - np.arange(input_size)[:, None]) / stretch)
    total = weights.sum(axis=0, keepdims=True)
    weights = np.where(np.abs(total) > 1000.0 * np.finfo(np.float32).eps,
                       weights / np.where(total != 0, total, 1.0), 0.0)
    inside = (sample >= -0.5) & (sample <= input_size - 0.5)
    return np.where(inside[None, :], weights, 0.0).astype(dtype)


def _per_axis(value, k: int, name: str):
    # a few numbers that shape the weight matrices: read on the host (an explicit copy for device values)
    arr = np.asarray(backend.to_host(value), dtype=np.float64).reshape(-1)
    if arr.size != k:
        raise ShapeError(f"scale_and_translate: {name} needs one value per spatial dimension ({k}), got {arr.size}")
    return arr


@differentiable
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    """Resample ``images`` so that input location ``x`` lands at ``x * scale + translation`` on each axis of
    ``spatial_dims`` (half-pixel centres; outside the input the output is 0).

    Args: ``output_shape`` (the full output shape, ``images.ndim`` ints; only the ``spatial_dims`` entries may
    differ from the input's), ``scale`` and ``translation`` (one value per spatial dim), ``method``
    (``'linear'``/``'bilinear'``/``'trilinear'``/``'triangle'``, ``'cubic'``/``'bicubic'``/``'tricubic'`` (Keys),
    ``'lanczos3'``, ``'lanczos5'``), ``antialias`` (widen the kernel when downsampling).
    Shapes: images (any rank) -> ``output_shape``. Float images get a gradient (the op is linear in them);
    integer images are rounded and clipped to their input range, as Keras does.
    """
    x = as_tensor(images)
    if method not in _METHODS:
        raise ConfigError(f"scale_and_translate: method must be one of {sorted(_METHODS)}, got {method!r}")
    dims = tuple(spatial_dims)
    if not all(isinstance(d, numbers.Integral) and -x.ndim <= d < x.ndim for d in dims):
        raise ShapeError(f"scale_and_translate: spatial_dims {dims} must be axes of images of rank {x.ndim}")
    output_shape = tuple(int(s) for s in output_shape)
    if len(output_shape) != x.ndim:
        raise ShapeError(f"scale_and_translate: output_shape {output_shape} must have one entry per axis of images "
                         f"{x.shape}")
    scales, shifts = _per_axis(scale, len(dims), "scale"), _per_axis(translation, len(dims), "translation")
    if x.dtype.kind not in "fiu":
        raise DTypeError(f"scale_and_translate: images must be numbers, got dtype {x.dtype}")
    out = x if x.dtype.kind == "f" else cast(x, "float32")
    for d, s, t in zip(dims, scales, shifts):
        d = d % x.ndim
        w = weight_matrix(x.shape[d], output_shape[d], float(s), float(t), _METHODS[method], bool(antialias),
                          out.dtype)
        w = backend.get_array_module(x.data).asarray(w)  # the images' device (NumPy: w itself)
        out = moveaxis(tensordot(out, Tensor(w, dtype=w.dtype), axes=([d], [0])), -1, d)
    if x.dtype.kind != "f":  # Keras: round back into the input's range and dtype
        xp = backend.get_array_module(out.data)
        data = xp.clip(xp.round(out.data), x.data.min(), x.data.max()).astype(x.dtype)
        return Tensor(data, dtype=data.dtype)
    return out


__all__ = ["scale_and_translate"]
