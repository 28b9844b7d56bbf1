"""Shape layers: Flatten, Reshape, Permute, RepeatVector, UpSampling (nearest and bilinear), ZeroPadding,
Cropping. Every axis but the batch axis has a static size, so reshapes spell them out (``0`` keeps the batch)."""
from __future__ import annotations

import math

from ..layers.reshaping import _linear_matrix
from .registry import converter


@converter("Flatten")
def convert_flatten(g, layer, inputs):
    """``(batch, d1, ..., dn)`` -> ``(batch, d1*...*dn)`` (channels_first: channels moved last first)."""
    x = inputs[0]
    name = x.name
    if layer.data_format == "channels_first" and x.ndim > 2:
        name = g.transpose(name, [0] + list(range(2, x.ndim)) + [1], f"{layer.name}/to_last")
    return g.node("Flatten", [name], layer.name, axis=1)


@converter("Reshape")
def convert_reshape(g, layer, inputs):
    """``(batch, ...)`` -> ``(batch, *target_shape)``."""
    return g.reshape(inputs[0].name, [0] + list(layer.target_shape), layer.name)


@converter("Permute")
def convert_permute(g, layer, inputs):
    """``(batch, ...)`` -> the non-batch axes in ``dims`` order."""
    return g.node("Transpose", [inputs[0].name], layer.name, perm=[0] + list(layer.dims))


@converter("RepeatVector")
def convert_repeat_vector(g, layer, inputs):
    """(batch, f) -> (batch, 1, f) tiled n times along axis 1."""
    y = g.unsqueeze(inputs[0].name, [1], f"{layer.name}/expand")
    return g.node("Tile", [y, g.ints([1, layer.n, 1], "repeats")], layer.name)


def _repeat_axis(g, x, shape, ax, times, hint):
    """Each element repeated ``times`` along axis ``ax`` (nearest upsampling): insert an axis after ``ax``, tile
    it, merge the two. ``shape`` is the static shape (batch None); returns (name, new shape)."""
    y = g.unsqueeze(x, [ax + 1], f"{hint}/split")
    reps = [1] * (len(shape) + 1)
    reps[ax + 1] = times
    y = g.node("Tile", [y, g.ints(reps, "repeats")], f"{hint}/tile")
    new = list(shape)
    new[ax] = shape[ax] * times
    return g.reshape(y, [0] + new[1:], hint), tuple(new)


def _interpolate_axis(g, x, shape, ax, scale, dtype, hint):
    """Half-pixel linear interpolation along ``ax`` as one MatMul with neuroflow's own (n * scale, n) matrix:
    ``x`` seen as (before, n, after), with ``before`` holding the batch axis."""
    n = shape[ax]
    after = math.prod(shape[ax + 1:])
    y = g.reshape(x, [-1, n, after], f"{hint}/as3d")
    y = g.node("MatMul", [g.const(_linear_matrix(n, scale, dtype), f"{hint}/interp"), y], f"{hint}/interp")
    new = list(shape)
    new[ax] = n * scale
    return g.reshape(y, [-1] + new[1:], hint), tuple(new)


@converter("UpSampling1D", "UpSampling2D", "UpSampling3D")
def convert_upsampling(g, layer, inputs):
    """``(batch, *spatial, C)`` -> each spatial size times its ``size`` (nearest or bilinear)."""
    x = inputs[0]
    name, shape = x.name, x.shape
    for i, ax in enumerate(layer._axes):
        if layer.size[i] == 1:
            continue
        if layer.interpolation == "nearest":
            name, shape = _repeat_axis(g, name, shape, ax, layer.size[i], f"{layer.name}/axis{ax}")
        else:
            name, shape = _interpolate_axis(g, name, shape, ax, layer.size[i], x.dtype, f"{layer.name}/axis{ax}")
    return name


@converter("ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D")
def convert_zero_padding(g, layer, inputs):
    """Zeros before/after each spatial axis (ONNX Pad)."""
    x = inputs[0]
    before, after = [0] * x.ndim, [0] * x.ndim
    for ax, (a, b) in zip(layer._axes, layer.padding):
        before[ax], after[ax] = a, b
    return g.node("Pad", [x.name, g.ints(before + after, "pads")], layer.name, mode="constant")


@converter("Cropping1D", "Cropping2D", "Cropping3D")
def convert_cropping(g, layer, inputs):
    """A static Slice of each spatial axis."""
    x = inputs[0]
    axes = list(layer._axes)
    starts = [a for a, _ in layer.cropping]
    ends = [x.shape[ax] - b for ax, (_, b) in zip(axes, layer.cropping)]
    return g.slice(x.name, starts, ends, axes, hint=layer.name)
