"""The differentiable backward of :class:`~neuroflow.ops.conv.Conv` (``create_graph=True``).

A convolution is bilinear in its input ``x`` and kernel ``w``: its input gradient ``Bx(g, w)`` and kernel gradient
``Bw(g, x)`` are bilinear too, and each one's derivative is one of the three maps again:

* ``Bx(g, w)``: d/dg of ``<Bx, u>`` is ``conv(u, w)``; d/dw is ``Bw(g, u)``;
* ``Bw(g, x)``: d/dg of ``<Bw, U>`` is ``conv(x, U)``; d/dx is ``Bx(g, U)``;
* ``conv(x, w)``: d/dx is ``Bx(g, w)``; d/dw is ``Bw(g, x)``.

So three nodes (:class:`ConvLinear`, :class:`ConvInputGrad`, :class:`ConvKernelGrad`) differentiate into each other
to any order, on the array kernels of ``conv.py`` (im2col and one GEMM each). The fused bias and activation are
ordinary ops around them. A transposed convolution is ``Bx`` of its forward view, so the same nodes serve it.
Installed on ``Conv`` and ``ConvTranspose`` when ``neuroflow.ops`` loads (``conv.py`` is long already).
Shapes: as ``Conv``: x ``(N, *in, C)`` (or channels first), w ``(*k, C/G, C_out)``, g ``(N, *out, C_out)``.
"""
from __future__ import annotations

import math

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .conv import (Conv, ConvTranspose, _grad_matrix, _im2col, _input_grad, _kernel_from_matrix, _kernel_matrix, _matmul,
                   from_last, to_last)


class _ConvMap(Function):
    """Base: the geometry, layout and shapes shared by the three maps."""

    __slots__ = ("geom", "channels_first", "x_shape", "w_shape")

    def __init__(self, geom, channels_first, x_shape, w_shape):
        self.geom, self.channels_first, self.x_shape, self.w_shape = geom, channels_first, x_shape, w_shape

    def _same(self, cls):
        return cls(self.geom, self.channels_first, self.x_shape, self.w_shape)

    def conv(self, x, w):
        """The linear convolution (no bias, no activation) of arrays."""
        return Conv(self.geom, self.channels_first, False).forward(x, w)

    def input_grad(self, g, w):
        """``Bx``: output gradient ``g`` and kernel ``w`` -> input gradient (arrays)."""
        geom, cf = self.geom, self.channels_first
        n_batch, c = self.x_shape[0], self.x_shape[-1]  # x_shape is channels-last
        return from_last(_input_grad(_grad_matrix(to_last(g, cf), geom.groups), w, geom, n_batch, c), cf)

    def kernel_grad(self, g, x):
        """``Bw``: output gradient ``g`` and input ``x`` -> kernel gradient (arrays)."""
        geom, cf = self.geom, self.channels_first
        c = self.x_shape[-1]
        cols = _im2col(geom.pad(to_last(x, cf)), geom)
        gm = _grad_matrix(to_last(g, cf), geom.groups)
        return _kernel_from_matrix(_matmul(cols.transpose(0, 2, 1), gm), self.w_shape, math.prod(geom.kernel),
                                   c // geom.groups)


class ConvLinear(_ConvMap):
    """``conv(x, w)`` without bias or activation."""

    __slots__ = ("x", "w")
    label = "conv"

    def forward(self, x, w):
        self.x, self.w = x, w
        return self.conv(x, w)

    def backward(self, g):
        return self.input_grad(g, self.w), self.kernel_grad(g, self.x)

    def backward_graph(self, g):
        x, w = self.inputs
        return self._same(ConvInputGrad).apply(g, w), self._same(ConvKernelGrad).apply(g, x)


class ConvInputGrad(_ConvMap):
    """``Bx(g, w)``: the input gradient as a node."""

    __slots__ = ("g", "w")
    label = "conv_input_grad"

    def forward(self, g, w):
        self.g, self.w = g, w
        return self.input_grad(g, w)

    def backward(self, u):
        return self.conv(u, self.w), self.kernel_grad(self.g, u)

    def backward_graph(self, u):
        g, w = self.inputs
        return self._same(ConvLinear).apply(u, w), self._same(ConvKernelGrad).apply(g, u)


class ConvKernelGrad(_ConvMap):
    """``Bw(g, x)``: the kernel gradient as a node."""

    __slots__ = ("g", "x")
    label = "conv_kernel_grad"

    def forward(self, g, x):
        self.g, self.x = g, x
        return self.kernel_grad(g, x)

    def backward(self, u):
        return self.conv(self.x, u), self.input_grad(self.g, u)

    def backward_graph(self, u):
        g, x = self.inputs
        return self._same(ConvLinear).apply(x, u), self._same(ConvInputGrad).apply(g, u)


def conv_backward_graph(node, g):
    """``Conv.backward_graph``: the activation's derivative with ops, then the two bilinear maps and the bias sum."""
    from .reduce import sum as reduce_sum
    inputs = node.inputs
    x, w = inputs[0], inputs[1]
    act, cf = node.act, node.channels_first
    if act == "relu":
        g = g * Tensor._from_op((from_last(node.y, cf) > 0).astype(g.dtype), None)
    elif act != "linear":
        y = Conv(node.geom, cf, w.requires_grad, act).apply(*inputs)  # (its backward needs the columns)
        g = g * y * (1 - y) if act == "sigmoid" else g * (1 - y * y)
    x_shape = (x.shape[0],) + x.shape[2:] + (x.shape[1],) if cf else x.shape  # channels-last
    maps = ConvLinear(node.geom, cf, x_shape, w.shape)
    gx = maps._same(ConvInputGrad).apply(g, w) if x.requires_grad else None
    gw = maps._same(ConvKernelGrad).apply(g, x) if w.requires_grad else None
    if len(inputs) == 2:
        return gx, gw
    channel = 1 if cf else g.ndim - 1
    gb = reduce_sum(g, axis=tuple(a for a in range(g.ndim) if a != channel)) if inputs[2].requires_grad else None
    return gx, gw, gb


def conv_transpose_backward_graph(node, gy):
    """``ConvTranspose.backward_graph``: a transposed convolution *is* ``Bx(x, w)`` of its forward view, so its
    gradients are ``conv(gy, w)`` and ``Bw(x, gy)``, and the bias sum."""
    from .reduce import sum as reduce_sum
    inputs = node.inputs
    x, w = inputs[0], inputs[1]
    cf = node.channels_first
    out_shape = (gy.shape[0],) + gy.shape[2:] + (gy.shape[1],) if cf else gy.shape  # channels-last
    maps = ConvLinear(node.geom, cf, out_shape, w.shape)
    gx = maps._same(ConvLinear).apply(gy, w) if x.requires_grad else None
    gw = maps._same(ConvKernelGrad).apply(x, gy) if w.requires_grad else None
    if len(inputs) == 2:
        return gx, gw
    channel = 1 if cf else gy.ndim - 1
    gb = reduce_sum(gy, axis=tuple(a for a in range(gy.ndim) if a != channel)) if inputs[2].requires_grad else None
    return gx, gw, gb


Conv.backward_graph = conv_backward_graph
ConvTranspose.backward_graph = conv_transpose_backward_graph

__all__: list = []
