"""Normalization ops as fused nodes: batch normalization (training and inference forms) and layer normalization.

Each op is one graph node with a hand-written backward instead of a chain of mean/subtract/divide nodes: the
chain would save several full-size intermediates, while the fused node keeps only ``x_hat`` (the normalized
input) and the per-group inverse standard deviation. With ``x_hat = (x - mean) * inv`` over the reduced axes R
and ``n = |R|``, the input gradient is

    dx = inv * (dx_hat - mean_R(dx_hat) - x_hat * mean_R(dx_hat * x_hat)),   dx_hat = g * scale.

Parameters (``scale``/``offset``, ``mean``/``variance``) have the shape of the parameter axes, in axis order;
they are broadcast against the input internally.
"""
from __future__ import annotations

import warnings

from ..autograd.function import Function, sum_to
from ..autograd.tensor import Tensor, as_tensor
from ..backend import epsilon as backend_epsilon, floatx, get_array_module
from ..errors import ConfigError, DTypeError, ShapeError
from ._axes import normalize_axes
from ._registry import differentiable


class Normalize(Function):
    """``(x - mean_R(x)) / sqrt(var_R(x) + eps) * scale + offset`` with statistics over ``reduce_axes``.

    Batch normalization in training mode reduces over every axis but the feature axes; layer normalization over
    the feature axes. ``bshape`` is the parameters' broadcast shape. ``mean``/``var`` (keepdims) are kept after
    forward so that a layer can update its moving statistics.
    """

    __slots__ = ("reduce_axes", "bshape", "eps", "has_scale", "has_offset", "xhat", "inv", "scale", "mean", "var")

    def __init__(self, reduce_axes, bshape, eps, has_scale, has_offset):
        self.reduce_axes, self.bshape, self.eps = reduce_axes, bshape, eps
        self.has_scale, self.has_offset = has_scale, has_offset

    def forward(self, x, *params):
        xp = get_array_module(x)
        mean = x.mean(axis=self.reduce_axes, keepdims=True)
        xc = x - mean
        var = (xc * xc).mean(axis=self.reduce_axes, keepdims=True)  # two-pass: no E[x^2] - E[x]^2 cancellation
        inv = 1.0 / xp.sqrt(var + x.dtype.type(self.eps))
        xc *= inv
        self.xhat, self.inv, self.mean, self.var = xc, inv, mean, var
        params = list(params)
        self.scale = params.pop(0).reshape(self.bshape) if self.has_scale else None
        y = xc * self.scale if self.has_scale else xc
        if self.has_offset:
            y = y + params.pop(0).reshape(self.bshape)
        return y

    def backward(self, g):
        xhat, inv, axes = self.xhat, self.inv, self.reduce_axes
        inputs = self.inputs
        grads = [None]
        if inputs[0].requires_grad:
            gxhat = g * self.scale if self.has_scale else g
            gx = gxhat - gxhat.mean(axis=axes, keepdims=True)
            gx -= xhat * (gxhat * xhat).mean(axis=axes, keepdims=True)
            gx *= inv
            grads[0] = gx
        k = 1
        if self.has_scale:
            grads.append(sum_to(g * xhat, self.bshape).reshape(inputs[k].shape) if inputs[k].requires_grad else None)
            k += 1
        if self.has_offset:
            grads.append(sum_to(g, self.bshape).reshape(inputs[k].shape) if inputs[k].requires_grad else None)
        return tuple(grads)

    def backward_graph(self, g):
        """The same rule with ops (create_graph): the statistics recomputed as recorded nodes."""
        from ..autograd.higher_order import sum_to_graph
        from .math import sqrt
        from .reduce import mean
        inputs, axes = self.inputs, self.reduce_axes
        x = inputs[0]
        xc = x - mean(x, axis=axes, keepdims=True)
        inv = 1.0 / sqrt(mean(xc * xc, axis=axes, keepdims=True) + self.eps)
        xhat = xc * inv
        gxhat = g * inputs[1].reshape(self.bshape) if self.has_scale else g
        grads = [None]
        if x.requires_grad:
            grads[0] = inv * (gxhat - mean(gxhat, axis=axes, keepdims=True)
                              - xhat * mean(gxhat * xhat, axis=axes, keepdims=True))
        k = 1
        if self.has_scale:
            grads.append(sum_to_graph(g * xhat, self.bshape).reshape(inputs[k].shape)
                         if inputs[k].requires_grad else None)
            k += 1
        if self.has_offset:
            grads.append(sum_to_graph(g, self.bshape).reshape(inputs[k].shape) if inputs[k].requires_grad else None)
        return tuple(grads)


class BatchNormInference(Function):
    """``(x - mean) / sqrt(variance + eps) * scale + offset`` with given statistics (all parameters broadcast)."""

    __slots__ = ("bshape", "eps", "has_scale", "has_offset", "x", "mean", "inv", "scale")

    def __init__(self, bshape, eps, has_scale, has_offset):
        self.bshape, self.eps, self.has_scale, self.has_offset = bshape, eps, has_scale, has_offset

    def forward(self, x, mean, var, *params):
        xp = get_array_module(x)
        params = list(params)
        self.x, self.mean = x, mean.reshape(self.bshape)
        self.inv = 1.0 / xp.sqrt(var.reshape(self.bshape) + var.dtype.type(self.eps))
        self.scale = params.pop(0).reshape(self.bshape) if self.has_scale else None
        # fold everything into one multiply-add over x: y = x * a + b
        a = self.inv * self.scale if self.has_scale else self.inv
        b = -self.mean * a
        if self.has_offset:
            b = b + params.pop(0).reshape(self.bshape)
        return x * a + b

    def backward(self, g):
        inputs, bshape, inv = self.inputs, self.bshape, self.inv
        a = inv * self.scale if self.has_scale else inv
        ga = g * a  # d/dx
        grads = [ga if inputs[0].requires_grad else None,
                 -sum_to(ga, bshape).reshape(inputs[1].shape) if inputs[1].requires_grad else None]
        need_xc = inputs[2].requires_grad or (self.has_scale and inputs[3].requires_grad)
        gxc = sum_to(g * (self.x - self.mean), bshape) if need_xc else None  # sum of g * (x - mean)
        # d/dvariance of (x - mean) * (var + eps)^-1/2 * scale = -1/2 * (x - mean) * inv^3 * scale
        grads.append((-0.5 * gxc * a * inv * inv).reshape(inputs[2].shape) if inputs[2].requires_grad else None)
        k = 3
        if self.has_scale:
            grads.append((gxc * inv).reshape(inputs[k].shape) if inputs[k].requires_grad else None)
            k += 1
        if self.has_offset:
            grads.append(sum_to(g, bshape).reshape(inputs[k].shape) if inputs[k].requires_grad else None)
        return tuple(grads)

    def backward_graph(self, g):
        """The same rule with ops (create_graph)."""
        from ..autograd.higher_order import sum_to_graph
        from .math import sqrt
        inputs, bshape = self.inputs, self.bshape
        x, mean = inputs[0], inputs[1].reshape(bshape)
        inv = 1.0 / sqrt(inputs[2].reshape(bshape) + self.eps)
        a = inv * inputs[3].reshape(bshape) if self.has_scale else inv
        ga = g * a
        grads = [ga if x.requires_grad else None,
                 -sum_to_graph(ga, bshape).reshape(inputs[1].shape) if inputs[1].requires_grad else None]
        need_xc = inputs[2].requires_grad or (self.has_scale and inputs[3].requires_grad)
        gxc = sum_to_graph(g * (x - mean), bshape) if need_xc else None
        grads.append((-0.5 * gxc * a * inv * inv).reshape(inputs[2].shape) if inputs[2].requires_grad else None)
        k = 3
        if self.has_scale:
            grads.append((gxc * inv).reshape(inputs[k].shape) if inputs[k].requires_grad else None)
            k += 1
        if self.has_offset:
            grads.append(sum_to_graph(g, bshape).reshape(inputs[k].shape) if inputs[k].requires_grad else None)
        return tuple(grads)


def _param(op, name, p, x, axes):
    """``p`` as a tensor of x's dtype, checked to have the parameter shape (x's sizes along ``axes``; size-1 axes
    may be added or left out)."""
    if p is None:
        return None
    p = as_tensor(p, like=x)
    want = tuple(x.shape[a] for a in axes)
    if tuple(s for s in p.shape if s != 1) != tuple(s for s in want if s != 1):
        raise ShapeError(f"{op}: {name} has shape {p.shape}, expected {want} (the input's sizes along axis "
                         f"{axes[0] if len(axes) == 1 else list(axes)}; input shape {x.shape})")
    return p


def _float_input(op, x):
    x = as_tensor(x)
    if x.dtype.kind in "biu":  # integers and bools normalise as floatx (Keras), never NumPy's float64
        x = Tensor._from_op(x.data.astype(floatx()), None)
    if x.dtype.kind != "f":
        raise DTypeError(f"{op}: expected a floating-point input, got dtype {x.dtype}")
    return x


def _bshape(shape, axes):
    return tuple(n if i in axes else 1 for i, n in enumerate(shape))


@differentiable
def batch_normalization(x, mean, variance, axis=-1, offset=None, scale=None, epsilon=1e-3):
    """Normalize ``x`` with given statistics (Keras' ``ops.batch_normalization``, the inference form):
    ``(x - mean) / sqrt(variance + epsilon) * scale + offset``.

    Shapes: x ``(..., C, ...)``; ``mean``, ``variance``, ``offset``, ``scale`` ``(C,)`` where ``C`` is x's size
    along ``axis`` (a sequence of axes: the sizes along those axes, in order) -> same shape as x.
    Differentiable in every tensor argument.
    """
    op = "batch_normalization"
    x = _float_input(op, x)
    axes = normalize_axes(axis, x.ndim, op)
    params = [_param(op, n, p, x, axes) for n, p in
              (("mean", mean), ("variance", variance), ("scale", scale), ("offset", offset))]
    fn = BatchNormInference(_bshape(x.shape, axes), float(epsilon), scale is not None, offset is not None)
    return fn.apply(x, *[p for p in params if p is not None])


@differentiable
def batch_normalization_training(x, axis=-1, offset=None, scale=None, epsilon=1e-3):
    """Batch normalization with the batch's own statistics (training mode), one fused node.

    Statistics are taken over every axis except ``axis`` (the feature axis or axes); the variance is the biased
    one (divided by the number of reduced elements), as Keras and PyTorch normalise with.
    Shapes: x ``(..., C, ...)``; ``offset``, ``scale`` ``(C,)`` -> ``(y, mean, variance)``: y the shape of x
    (differentiable in x, offset, scale); ``mean``, ``variance`` ``(C,)`` Tensors without gradient (for moving
    statistics).
    """
    op = "batch_normalization_training"
    x = _float_input(op, x)
    axes = normalize_axes(axis, x.ndim, op)
    reduce_axes = tuple(i for i in range(x.ndim) if i not in axes)
    if not reduce_axes:
        raise ShapeError(f"{op}: axis {axis} leaves no axis to take batch statistics over (input shape "
                         f"{x.shape})")
    scale, offset = _param(op, "scale", scale, x, axes), _param(op, "offset", offset, x, axes)
    fn = Normalize(reduce_axes, _bshape(x.shape, axes), float(epsilon), scale is not None, offset is not None)
    y = fn.apply(x, *[p for p in (scale, offset) if p is not None])
    pshape = tuple(x.shape[a] for a in axes)
    return (y, _SavedStatistic(fn, "mean", pshape).apply_constant(y),
            _SavedStatistic(fn, "var", pshape).apply_constant(y))


class _SavedStatistic(Function):
    """A statistic ``Normalize`` kept (``mean`` or ``var``), reshaped to ``shape``: a node without gradient, so
    that a recorded step (``neuroflow/compile``) reads the statistic of each replay, not a captured array.
    Shapes: its input is the normalized output (read only to order it after that node) -> ``shape``."""

    __slots__ = ("source", "attr", "pshape")

    def __init__(self, source, attr, pshape):
        self.source, self.attr, self.pshape = source, attr, pshape

    def forward(self, y):
        return getattr(self.source, self.attr).reshape(self.pshape).astype(y.dtype, copy=False)

    def backward(self, g):
        return (None,)


@differentiable
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Layer normalization, one fused node: normalize each sample over ``axis`` (int or sequence of axes), then
    ``* gamma + beta``. ``epsilon`` defaults to ``config.epsilon()``, as in Keras; Keras' deprecated
    ``rms_scaling=True`` (``x / sqrt(var(x) + epsilon) * gamma``, uncentred) is accepted with its warning.

    Shapes: x any; ``gamma``, ``beta`` the shape of x along ``axis`` (e.g. ``(C,)`` for ``axis=-1``) -> same
    shape as x.
    """
    op = "layer_normalization"
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise ConfigError(f"{op}: unexpected keyword argument(s) {sorted(kwargs)} (only rms_scaling is accepted)")
    epsilon = backend_epsilon() if epsilon is None else epsilon
    x = _float_input(op, x)
    axes = normalize_axes(axis, x.ndim, op)
    gamma, beta = _param(op, "gamma", gamma, x, axes), _param(op, "beta", beta, x, axes)
    if rms_scaling:
        from .math import multiply, sqrt
        from .reduce import var
        warnings.warn("layer_normalization: rms_scaling=True is deprecated in Keras (it scales by the variance, "
                      "not the root mean square); use ops.rms_normalization", stacklevel=2)
        y = multiply(x, 1.0 / sqrt(var(x, axis=axes, keepdims=True) + float(epsilon)))
        return y if gamma is None else multiply(y, gamma)
    fn = Normalize(axes, _bshape(x.shape, axes), float(epsilon), gamma is not None, beta is not None)
    return fn.apply(x, *[p for p in (gamma, beta) if p is not None])


__all__ = ["batch_normalization", "batch_normalization_training", "layer_normalization"]
