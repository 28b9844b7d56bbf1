"""Spatial reshaping layers (Keras 3 names and arguments): UpSampling1D/2D/3D, ZeroPadding1D/2D/3D,
Cropping1D/2D/3D.

Built from differentiable ops: ``repeat`` (nearest upsampling), a constant interpolation matrix and ``matmul``
per axis (bilinear upsampling), ``pad`` and ``getitem``. Layouts as the convolution layers:
``(batch, *spatial, channels)`` by default, ``(batch, channels, *spatial)`` with ``data_format='channels_first'``.
"""
from __future__ import annotations

import math
import numbers

from .. import ops
from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from ..ops.conv import int_tuple
from ..registry import register_builtin
from .base import Layer
from .conv import check_spatial_input, data_format_of, layer_label


def _spatial_axes(rank: int, data_format: str) -> tuple:
    first = 2 if data_format == "channels_first" else 1
    return tuple(range(first, first + rank))


class _Spatial(Layer):
    """Shared by the layers below: ``rank`` spatial axes in ``data_format``, shape checks naming the layer."""

    rank = 2

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(self, data_format)
        self._axes = _spatial_axes(self.rank, self.data_format)

    def _check(self, shape):
        check_spatial_input(self, shape, self.rank, self.data_format, need_channels=False)

    def build(self, input_shape):
        self._check(input_shape)
        self.compute_output_shape(input_shape)  # size errors (e.g. over-cropping) surface at build time
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        out = list(input_shape)
        for i, ax in enumerate(self._axes):
            out[ax] = None if input_shape[ax] is None else self._out_size(i, input_shape[ax])
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


# --- upsampling ---------------------------------------------------------------------------------------------------
def _linear_matrix(n_in: int, scale: int, dtype):
    """(n_in * scale, n_in) matrix of half-pixel linear interpolation (TensorFlow's ``resize`` bilinear, PyTorch's
    ``align_corners=False``): output ``i`` samples ``(i + 0.5) / scale - 0.5``, clamped to the input's edges."""
    xp = get_array_module()
    src = xp.maximum((xp.arange(n_in * scale, dtype=xp.float64) + 0.5) / scale - 0.5, 0.0)
    i0 = xp.minimum(xp.floor(src).astype(int), n_in - 1)
    i1 = xp.minimum(i0 + 1, n_in - 1)
    w1 = src - i0
    cols = xp.arange(n_in)[None, :]
    # At the last input element i0 == i1: both one-hot terms land there and sum to weight 1.
    m = (cols == i0[:, None]) * (1.0 - w1)[:, None] + (cols == i1[:, None]) * w1[:, None]
    return m.astype(dtype)


class _UpSampling(_Spatial):
    """Repeats each element ``size`` times along each spatial axis ('nearest'), or interpolates ('bilinear')."""

    _interpolations = ("nearest",)

    def __init__(self, size=2, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = int_tuple(layer_label(self), "size", size, self.rank)
        if interpolation not in self._interpolations:
            raise ConfigError(f"{layer_label(self)}: interpolation must be one of {self._interpolations}, "
                              f"got {interpolation!r}")
        self.interpolation = interpolation
        self._matrices = {}

    def _out_size(self, i, n):
        return n * self.size[i]

    def call(self, inputs):
        if inputs.ndim != self.rank + 2:
            self._check(inputs.shape)
        y = inputs
        for i, ax in enumerate(self._axes):
            if self.size[i] == 1:
                continue
            if self.interpolation == "nearest":
                y = ops.repeat(y, self.size[i], axis=ax)
            else:
                y = self._interpolate(y, ax, self.size[i])
        return y

    def _interpolate(self, y, ax, scale):
        """Linear interpolation along ``ax``: ``(A @ y)`` with ``y`` seen as ``(before, n, after)``."""
        shape = y.shape
        key = (shape[ax], scale, str(y.dtype))
        if key not in self._matrices:  # a constant per input size: built once
            self._matrices[key] = _linear_matrix(shape[ax], scale, y.dtype)
        y3 = ops.reshape(y, (math.prod(shape[:ax]), shape[ax], math.prod(shape[ax + 1:])))
        out = ops.matmul(self._matrices[key], y3)
        return ops.reshape(out, shape[:ax] + (shape[ax] * scale,) + shape[ax + 1:])

    def get_config(self):
        config = {**super().get_config(), "size": list(self.size)}
        if len(self._interpolations) > 1:
            config["interpolation"] = self.interpolation
        return config


@register_builtin
class UpSampling1D(_UpSampling):
    """Repeats each step ``size`` times. Shapes: ``(batch, steps, C)`` -> ``(batch, steps * size, C)``."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, **kwargs)


@register_builtin
class UpSampling2D(_UpSampling):
    """Upsamples rows and cols by ``size`` (int or (rows, cols), default 2). ``interpolation``: 'nearest' (repeat)
    or 'bilinear' (half-pixel, as Keras/TensorFlow ``resize`` and PyTorch ``align_corners=False``).

    Shapes: ``(batch, rows, cols, C)`` -> ``(batch, rows * size[0], cols * size[1], C)``.
    """

    rank = 2
    _interpolations = ("nearest", "bilinear")


@register_builtin
class UpSampling3D(_UpSampling):
    """Repeats along the three spatial axes. Shapes: ``(batch, d1, d2, d3, C)`` -> ``(batch, d1*s1, d2*s2, d3*s3,
    C)``."""

    rank = 3

    def __init__(self, size=2, data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)


# --- zero padding and cropping --------------------------------------------------------------------------------------
def _pairs(layer, name: str, value, rank: int) -> tuple:
    """Keras' forms as ``rank`` (before, after) pairs: an int (everywhere), ``rank`` ints (symmetric per axis;
    for rank 1 a pair (before, after)), or ``rank`` pairs."""
    def is_int(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0

    if is_int(value):
        return ((int(value),) * 2,) * rank
    try:
        items = list(value)
        if rank == 1 and len(items) == 2 and all(is_int(v) for v in items):
            return ((int(items[0]), int(items[1])),)
        if len(items) == rank and all(is_int(v) for v in items):
            return tuple((int(v), int(v)) for v in items)
        if len(items) == rank and all(len(p) == 2 and all(is_int(v) for v in p) for p in items):
            return tuple((int(a), int(b)) for a, b in items)
    except TypeError:
        pass
    form = "an int or a pair (before, after)" if rank == 1 else \
        f"an int, {rank} ints (symmetric per axis) or {rank} pairs (before, after)"
    raise ConfigError(f"{layer_label(layer)}: {name} must be {form} of non-negative ints, got {value!r}")


class _ZeroPadding(_Spatial):
    """Adds rows/cols of zeros before and after each spatial axis."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(self, "padding", padding, self.rank)

    def _out_size(self, i, n):
        return n + sum(self.padding[i])

    def call(self, inputs):
        if inputs.ndim != self.rank + 2:
            self._check(inputs.shape)
        width = [(0, 0)] * inputs.ndim
        for ax, pair in zip(self._axes, self.padding):
            width[ax] = pair
        return ops.pad(inputs, width)

    def get_config(self):
        return {**super().get_config(), "padding": [list(p) for p in self.padding]}


@register_builtin
class ZeroPadding1D(_ZeroPadding):
    """Zeros before/after the steps; ``padding``: int or (before, after). Shapes: ``(batch, steps, C)`` ->
    ``(batch, steps + before + after, C)``."""

    rank = 1


@register_builtin
class ZeroPadding2D(_ZeroPadding):
    """Zeros around the image; ``padding``: int, (sym_rows, sym_cols) or ((top, bottom), (left, right)).
    Shapes: ``(batch, rows, cols, C)`` -> ``(batch, rows + top + bottom, cols + left + right, C)``."""

    rank = 2


@register_builtin
class ZeroPadding3D(_ZeroPadding):
    """Zeros around a volume; ``padding``: int, 3 ints or 3 pairs. Shapes: ``(batch, d1, d2, d3, C)`` -> padded."""

    rank = 3


class _Cropping(_Spatial):
    """Removes elements at the start and end of each spatial axis."""

    def __init__(self, cropping=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(self, "cropping", cropping, self.rank)

    def _out_size(self, i, n):
        out = n - sum(self.cropping[i])
        if out < 1:
            raise ShapeError(f"{layer_label(self)}: cropping {self.cropping[i]} removes all {n} elements of "
                             f"spatial axis {i}; crop less (output sizes must stay >= 1)")
        return out

    def call(self, inputs):
        if inputs.ndim != self.rank + 2:
            self._check(inputs.shape)
        index = [slice(None)] * inputs.ndim
        for i, (ax, (a, b)) in enumerate(zip(self._axes, self.cropping)):
            index[ax] = slice(a, a + self._out_size(i, inputs.shape[ax]))
        return ops.getitem(inputs, tuple(index))

    def get_config(self):
        return {**super().get_config(), "cropping": [list(p) for p in self.cropping]}


@register_builtin
class Cropping1D(_Cropping):
    """Crops the steps; ``cropping``: int or (start, end), default (1, 1). Shapes: ``(batch, steps, C)`` ->
    ``(batch, steps - start - end, C)``."""

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)


@register_builtin
class Cropping2D(_Cropping):
    """Crops the image; ``cropping``: int, (sym_rows, sym_cols) or ((top, bottom), (left, right)), default none.
    Shapes: ``(batch, rows, cols, C)`` -> ``(batch, rows - top - bottom, cols - left - right, C)``."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


@register_builtin
class Cropping3D(_Cropping):
    """Crops a volume; ``cropping``: int, 3 ints or 3 pairs, default none. Shapes: ``(batch, d1, d2, d3, C)`` ->
    cropped."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
