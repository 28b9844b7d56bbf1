"""Preprocessing layers: Rescaling (``x * scale + offset``), Normalization (``(x - mean) / std`` or its inverse,
with the layer's own adapted statistics), Resizing (per axis, Gathers of neuroflow's own half-pixel taps and their
linear blend, so the file computes what the layer does), Masking (zeroes the padded steps and starts a mask)."""
from __future__ import annotations

import numpy as np

from ..ops.image import _axis_taps
from .builder import Value
from .registry import converter, unsupported


def _as_float(g, layer, x):
    """The input in the layer's float dtype (integer pixels are cast first, as the layers do)."""
    return x.name if x.dtype == np.dtype(layer.dtype) else g.cast(x.name, layer.dtype, f"{layer.name}/to_float")


@converter("Rescaling")
def convert_rescaling(g, layer, inputs):
    """``x * scale + offset``. Shapes: any -> same (float)."""
    y = g.node("Mul", [_as_float(g, layer, inputs[0]), g.const(layer._scale, f"{layer.name}/scale")], layer.name)
    if layer._offset.ndim or float(layer._offset) != 0.0:
        y = g.node("Add", [y, g.const(layer._offset, f"{layer.name}/offset")], layer.name)
    return y


@converter("Normalization")
def convert_normalization(g, layer, inputs):
    """``(x - mean) / std`` (``invert``: ``x * std + mean``). Shapes: any -> same (float)."""
    mean, std = layer._stats()  # the arrays the layer's call uses, already in the broadcast shape
    x = _as_float(g, layer, inputs[0])
    mean_c, std_c = g.const(mean, f"{layer.name}/mean"), g.const(std, f"{layer.name}/std")
    if layer.invert:
        return g.node("Add", [g.node("Mul", [x, std_c], f"{layer.name}/scaled"), mean_c], layer.name)
    return g.node("Div", [g.node("Sub", [x, mean_c], f"{layer.name}/centred"), std_c], layer.name)


@converter("Masking", masks=True)
def convert_masking(g, layer, inputs):
    """keep = any(x != mask_value) over the features; output x * keep, mask keep (batch, timesteps)."""
    x = inputs[0]
    differs = g.node("Not", [g.node("Equal", [x.name, g.scalar(layer.mask_value, x.dtype)], "is_pad")], "differs")
    keep = g.reduce("ReduceMax", g.cast(differs, x.dtype, "differs_f"), [x.ndim - 1], True, f"{layer.name}/keep")
    out = Value(g.node("Mul", [x.name, keep], layer.name), x.shape, x.dtype)
    out.mask = Value(g.squeeze(keep, [x.ndim - 1], f"{layer.name}/mask"), x.shape[:-1], x.dtype)
    return out


@converter("Resizing")
def convert_resizing(g, layer, inputs):
    """``(batch, h, w, c)`` -> ``(batch, height, width, c)`` (channels_first alike)."""
    x = inputs[0]
    if layer.crop_to_aspect_ratio or layer.pad_to_aspect_ratio:
        raise unsupported(layer, "crop_to_aspect_ratio / pad_to_aspect_ratio are not exported; resize without them")
    if x.ndim != 4:
        raise unsupported(layer, f"it is exported for batched images (rank 4), got shape {x.shape}")
    name, dt = _as_float(g, layer, x), np.dtype(layer.dtype)
    for axis, size in zip(layer._spatial_axes(x.ndim), (layer.height, layer.width)):
        if x.shape[axis] == size:
            continue
        i0, i1, weight = _axis_taps(x.shape[axis], size, layer.interpolation, np, dt)
        hint = f"{layer.name}/axis{axis}"
        low = g.node("Gather", [name, g.const(i0.astype(np.int64), f"{hint}/i0")], f"{hint}/low", axis=axis)
        if i1 is None:
            name = low
            continue
        high = g.node("Gather", [name, g.const(i1.astype(np.int64), f"{hint}/i1")], f"{hint}/high", axis=axis)
        shape = [1] * x.ndim
        shape[axis] = size
        step = g.node("Mul", [g.node("Sub", [high, low], f"{hint}/delta"), g.const(weight.reshape(shape),
                                                                                   f"{hint}/weight")], hint)
        name = g.node("Add", [low, step], hint)
    return name
