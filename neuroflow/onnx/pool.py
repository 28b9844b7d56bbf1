"""Pooling: windowed Max/AveragePool (channels first between transposes) and global pooling as reductions.

'same' average pooling divides by the real elements of each window only (``count_include_pad=0``), as neuroflow
and Keras do; a masked GlobalAveragePooling1D averages over the unmasked steps.
"""
from __future__ import annotations

from .conv import from_channels_first, spatial_shape, to_channels_first, window_pads
from .registry import converter


@converter("MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D")
def convert_pooling(g, layer, inputs):
    """Windowed pooling. Shapes: ``(batch, *spatial, C)`` -> ``(batch, *pooled, C)`` (or channels first)."""
    rank, x = layer.rank, inputs[0]
    spatial = spatial_shape(x.shape, rank, layer.data_format)
    pads = window_pads(layer.padding, spatial, layer.pool_size, layer.strides, (1,) * rank)
    op = "MaxPool" if type(layer).__name__.startswith("Max") else "AveragePool"
    attrs = {} if op == "MaxPool" else {"count_include_pad": 0}
    y = g.node(op, [to_channels_first(g, x.name, rank, layer.data_format, layer.name)], layer.name,
               kernel_shape=list(layer.pool_size), strides=list(layer.strides), pads=pads, **attrs)
    return from_channels_first(g, y, rank, layer.data_format, layer.name)


@converter("GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalAveragePooling3D", masks=True)
def convert_global_pooling(g, layer, inputs):
    """Global pooling as a reduction over the spatial axes. Shapes: -> ``(batch, C)`` (keepdims: size-1 axes)."""
    x = inputs[0]
    axes = layer._axes()
    is_max = type(layer).__name__.startswith("GlobalMax")
    if x.mask is None or is_max:
        return g.reduce("ReduceMax" if is_max else "ReduceMean", x.name, axes, layer.keepdims, layer.name)
    # masked mean over the steps: sum(x * m) / sum(m), the mask (batch, steps) broadcast over the channels
    steps = axes[0]
    m = g.unsqueeze(x.mask.name, [1 if steps == 2 else 2], f"{layer.name}/mask")
    total = g.reduce("ReduceSum", g.node("Mul", [x.name, m], f"{layer.name}/masked"), [steps], layer.keepdims)
    count = g.reduce("ReduceSum", m, [steps], layer.keepdims)
    return g.node("Div", [total, count], layer.name)
