"""Convolutions on ONNX ``Conv`` / ``ConvTranspose``, which read channels first (N, C, *spatial).

A channels_last layer (neuroflow's default) transposes its input to channels first, runs the op and transposes
back; runtimes cancel the transpose pairs between consecutive layers. Kernels are rearranged from Keras' layouts
at export time: Conv ``(*k, in // groups, filters)`` -> ``(filters, in // groups, *k)``; depthwise ``(*k, C, M)``
-> ``(C * M, 1, *k)`` with ``group = C`` (output channel ``c * M + m``, Keras' order); transposed ``(*k, filters,
in)`` -> ``(in, filters, *k)``. Paddings are the explicit per-side pads neuroflow computes (TensorFlow's rule for
'same': the odd pixel at the end; 'causal': all before).
"""
from __future__ import annotations

import numpy as np

from ..ops.conv import conv_transpose_geometry, resolve_padding
from . import activation
from .registry import converter


def to_channels_first(g, x, rank: int, data_format: str, hint: str) -> str:
    """``x`` (N, *spatial, C) as (N, C, *spatial); unchanged when already channels first."""
    if data_format == "channels_first":
        return x
    return g.transpose(x, [0, rank + 1] + list(range(1, rank + 1)), f"{hint}/to_nchw")


def from_channels_first(g, y, rank: int, data_format: str, hint: str) -> str:
    """Undo :func:`to_channels_first`."""
    if data_format == "channels_first":
        return y
    return g.transpose(y, [0] + list(range(2, rank + 2)) + [1], f"{hint}/to_nhwc")


def spatial_shape(shape, rank: int, data_format: str) -> tuple:
    return tuple(shape[2:] if data_format == "channels_first" else shape[1:rank + 1])


def window_pads(padding, spatial, kernel, strides, dilation) -> list:
    """ONNX ``pads`` (all befores, then all afters) that give neuroflow's output sizes and alignment."""
    before, out = resolve_padding(padding, spatial, kernel, strides, dilation)
    after = [max((o - 1) * s + d * (k - 1) + 1 - n - b, 0)
             for o, s, d, k, n, b in zip(out, strides, dilation, kernel, spatial, before)]
    return list(before) + after


def _conv_node(g, layer, x, kernel_onnx, bias, rank, strides, dilation, padding, group, hint):
    spatial = spatial_shape(x.shape, rank, layer.data_format)
    k = kernel_onnx.shape[2:]
    ins = [to_channels_first(g, x.name, rank, layer.data_format, hint), g.const(kernel_onnx, f"{hint}/kernel")]
    if bias is not None:
        ins.append(g.const(bias, f"{hint}/bias"))
    return g.node("Conv", ins, hint, kernel_shape=list(k), strides=list(strides), dilations=list(dilation),
                  pads=window_pads(padding, spatial, k, strides, dilation), group=int(group))


def _finish(g, layer, y, rank):
    y = from_channels_first(g, y, rank, layer.data_format, layer.name)
    return activation.apply(g, layer, y, layer.activation, layer.dtype)


def _bias(layer):
    return None if layer.bias is None else layer.bias.data


def _swap_kernel(kernel, rank):
    """(*k, a, b) -> (b, a, *k): Conv's (*k, in, out) -> ONNX (out, in, *k); ConvTranspose's (*k, out, in) ->
    ONNX (in, out, *k)."""
    return np.ascontiguousarray(np.transpose(kernel, (rank + 1, rank) + tuple(range(rank))))


def _depthwise_kernel(kernel, rank):
    """(*k, C, M) -> (C * M, 1, *k)."""
    c, m = kernel.shape[-2:]
    flat = kernel.reshape(kernel.shape[:rank] + (c * m,))
    return np.ascontiguousarray(np.moveaxis(flat, -1, 0)[:, None])


@converter("Conv1D", "Conv2D", "Conv3D")
def convert_conv(g, layer, inputs):
    """Conv1D/2D/3D: ``(batch, *spatial, C)`` -> ``(batch, *new_spatial, filters)`` (or channels first)."""
    rank = layer.rank
    w = _swap_kernel(layer.kernel.data, rank)
    y = _conv_node(g, layer, inputs[0], w, _bias(layer), rank, layer.strides, layer.dilation_rate,
                   layer.padding, layer.groups, layer.name)
    return _finish(g, layer, y, rank)


@converter("DepthwiseConv1D", "DepthwiseConv2D")
def convert_depthwise(g, layer, inputs):
    """DepthwiseConv1D/2D: one group per input channel. Shapes: ``C`` -> ``C * depth_multiplier`` channels."""
    rank = layer.rank
    w = _depthwise_kernel(layer.kernel.data, rank)
    y = _conv_node(g, layer, inputs[0], w, _bias(layer), rank, layer.strides, layer.dilation_rate,
                   layer.padding, layer.kernel.shape[-2], layer.name)
    return _finish(g, layer, y, rank)


@converter("SeparableConv1D", "SeparableConv2D")
def convert_separable(g, layer, inputs):
    """Depthwise (no bias) then a 1x1 convolution with the bias, both channels first between the transposes."""
    rank, x = layer.rank, inputs[0]
    dw = _depthwise_kernel(layer.depthwise_kernel.data, rank)
    y = _conv_node(g, layer, x, dw, None, rank, layer.strides, layer.dilation_rate, layer.padding,
                   layer.depthwise_kernel.shape[-2], f"{layer.name}/depthwise")
    ins = [y, g.const(_swap_kernel(layer.pointwise_kernel.data, rank), f"{layer.name}/pointwise_kernel")]
    if layer.bias is not None:
        ins.append(g.const(layer.bias.data, f"{layer.name}/bias"))
    y = g.node("Conv", ins, layer.name, kernel_shape=[1] * rank)
    return _finish(g, layer, y, rank)


@converter("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")
def convert_conv_transpose(g, layer, inputs):
    """ONNX ConvTranspose without padding gives the full ``(n - 1) * s + eff`` output; neuroflow's output is the
    window of it that starts at the ``pad_before`` neuroflow computes (``pads`` begin), longer at the end only through
    ``output_padding`` (ONNX ``output_padding``)."""
    rank, x = layer.rank, inputs[0]
    spatial = spatial_shape(x.shape, rank, layer.data_format)
    before, out = conv_transpose_geometry(spatial, layer.kernel_size, layer.strides, layer.dilation_rate,
                                          layer.padding, layer.output_padding)
    begin, end, extra = [], [], []
    for n, k, s, d, b, o in zip(spatial, layer.kernel_size, layer.strides, layer.dilation_rate, before, out):
        eff = d * (k - 1) + 1
        full = (n - 1) * s + eff
        start = b  # where neuroflow's window starts in the full output
        begin.append(start)
        end.append(max(full - start - o, 0))
        extra.append(max(start + o - full, 0))
    w = _swap_kernel(layer.kernel.data, rank)
    ins = [to_channels_first(g, x.name, rank, layer.data_format, layer.name), g.const(w, f"{layer.name}/kernel")]
    if layer.bias is not None:
        ins.append(g.const(layer.bias.data, f"{layer.name}/bias"))
    y = g.node("ConvTranspose", ins, layer.name, kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
               dilations=list(layer.dilation_rate), pads=begin + end, output_padding=extra)
    return _finish(g, layer, y, rank)
