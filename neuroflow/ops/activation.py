"""Activation functions, each written in a numerically stable form with its derivative beside it.

Shapes: every function here maps a tensor to one of the same shape (softmax/log_softmax normalise over ``axis``).

``sigmoid`` and ``softmax`` (over the last axis) hand their input along with their output, as Keras 3 does: the
output Tensor's ``_keras_logits`` is the input Tensor, so that a cross-entropy given these probabilities computes
from the logits instead (:mod:`neuroflow.ops.loss`). Anything computed from the output carries nothing.
"""
from __future__ import annotations

import math

from .._validate import finite_float
from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module
from ._axes import normalize_axes
from ._binary import float_input
from ._registry import differentiable

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def stable_sigmoid(xp, x):
    """``1 / (1 + exp(-x))`` without overflow and with full relative precision for large negative ``x``."""
    z = xp.exp(-abs(x))
    return xp.where(x >= 0, 1.0, z).astype(x.dtype, copy=False) / (1 + z)


class Sigmoid(Function):
    __slots__ = ("y",)

    def apply(self, x):
        y = super().apply(x)
        y._keras_logits = x  # a cross-entropy reads the logits (see the module docstring)
        return y

    def forward(self, x):
        self.y = stable_sigmoid(get_array_module(x), x)
        return self.y

    def backward(self, g):
        y = self.y
        return (g * y * (1 - y),)

    def backward_graph(self, g):  # with ops, so that the gradient is differentiable again (create_graph)
        y = sigmoid(self.inputs[0])
        return (g * y * (1 - y),)


class Tanh(Function):
    __slots__ = ("y",)

    def forward(self, x):
        self.y = get_array_module(x).tanh(x)
        return self.y

    def backward(self, g):
        y = self.y
        return (g * (1 - y * y),)

    def backward_graph(self, g):
        y = tanh(self.inputs[0])
        return (g * (1 - y * y),)


class Relu(Function):
    __slots__ = ("y",)

    def forward(self, x):
        self.y = get_array_module(x).maximum(x, 0)
        return self.y

    def backward(self, g):
        return (g * (self.y > 0),)

    def backward_graph(self, g):
        return (g * _constant((self.y > 0).astype(g.dtype)),)


class LeakyRelu(Function):
    __slots__ = ("x", "slope")

    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        self.x = x
        return get_array_module(x).where(x > 0, x, x * self.slope)

    def backward(self, g):
        return (get_array_module(g).where(self.x > 0, g, g * self.slope),)

    def backward_graph(self, g):
        xp = get_array_module(self.x)
        return (g * _constant(xp.where(self.x > 0, 1, self.slope).astype(g.dtype)),)


class Elu(Function):
    __slots__ = ("x", "y", "alpha", "scale")

    def __init__(self, alpha, scale=1.0):
        self.alpha, self.scale = alpha, scale

    def forward(self, x):
        xp = get_array_module(x)
        self.x = x
        self.y = self.scale * xp.where(x > 0, x, self.alpha * xp.expm1(xp.minimum(x, 0)))
        return self.y

    def backward(self, g):
        xp = get_array_module(g)
        # For x <= 0: d/dx scale*alpha*(e^x - 1) = y + scale*alpha.
        return (g * xp.where(self.x > 0, self.scale, self.y + self.scale * self.alpha),)

    def backward_graph(self, g):
        from .math import exp, minimum, where
        x = self.inputs[0]
        negative = (self.scale * self.alpha) * exp(minimum(x, 0.0))  # d/dx scale*alpha*(e^x - 1) for x <= 0
        return (g * where(self.x > 0, self.scale, negative),)


class Softplus(Function):
    __slots__ = ("x",)

    def forward(self, x):
        self.x = x
        return get_array_module(x).logaddexp(x.dtype.type(0), x)

    def backward(self, g):
        return (g * stable_sigmoid(get_array_module(g), self.x),)

    def backward_graph(self, g):
        return (g * sigmoid(self.inputs[0]),)


class Softsign(Function):
    __slots__ = ("d",)

    def forward(self, x):
        self.d = 1 + abs(x)
        return x / self.d

    def backward(self, g):
        return (g / (self.d * self.d),)

    def backward_graph(self, g):
        d = 1 + abs(self.inputs[0])
        return (g / (d * d),)


class Silu(Function):
    __slots__ = ("x", "s")

    def forward(self, x):
        self.x = x
        self.s = stable_sigmoid(get_array_module(x), x)
        return x * self.s

    def backward(self, g):
        s = self.s
        return (g * s * (1 + self.x * (1 - s)),)

    def backward_graph(self, g):
        x = self.inputs[0]
        s = sigmoid(x)
        return (g * s * (1 + x * (1 - s)),)


class HardSigmoid(Function):
    """Keras 3's ``hard_sigmoid``: ``relu6(x + 3) / 6``, i.e. ``clip(x / 6 + 0.5, 0, 1)``."""

    __slots__ = ("x",)

    def forward(self, x):
        self.x = x
        return get_array_module(x).clip(x / 6 + 0.5, 0, 1)

    def backward(self, g):
        return (g * ((self.x > -3) & (self.x < 3)) / 6,)

    def backward_graph(self, g):
        return (g * _constant((((self.x > -3) & (self.x < 3)) / 6).astype(g.dtype)),)


# erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float32's resolution of Phi); NumPy has no erf, and
# SciPy is too heavy a dependency for one function. Its derivative is taken from the same formula, so forward and
# backward agree exactly.
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _erf_and_derivative(xp, t):
    a = abs(t)
    s = 1 / (1 + _AS_P * a)
    poly = s * (_AS_A[0] + s * (_AS_A[1] + s * (_AS_A[2] + s * (_AS_A[3] + s * _AS_A[4]))))
    dpoly = _AS_A[0] + s * (2 * _AS_A[1] + s * (3 * _AS_A[2] + s * (4 * _AS_A[3] + s * 5 * _AS_A[4])))
    e = xp.exp(-a * a)
    erf_abs = 1 - poly * e
    # d/da [1 - poly(s(a)) e^{-a^2}] = -poly' s' e + 2 a poly e, with s' = -p s^2
    derf = dpoly * _AS_P * s * s * e + 2 * a * poly * e
    return xp.sign(t) * erf_abs, derf


class Gelu(Function):
    __slots__ = ("x", "cdf", "pdf", "approximate")

    def __init__(self, approximate):
        self.approximate = approximate

    def forward(self, x):
        xp = get_array_module(x)
        self.x = x
        if self.approximate:
            c = math.sqrt(2 / math.pi)
            inner = c * (x + 0.044715 * x * x * x)
            th = xp.tanh(inner)
            self.cdf = 0.5 * (1 + th)
            self.pdf = 0.5 * (1 - th * th) * c * (1 + 3 * 0.044715 * x * x)  # d cdf / dx
        else:
            erf, derf = _erf_and_derivative(xp, x / math.sqrt(2))
            self.cdf = 0.5 * (1 + erf)
            self.pdf = 0.5 * derf / math.sqrt(2)
        return x * self.cdf

    def backward(self, g):
        return (g * (self.cdf + self.x * self.pdf),)

    def backward_graph(self, g):
        x = self.inputs[0]
        if self.approximate:
            c = math.sqrt(2 / math.pi)
            th = tanh(c * (x + 0.044715 * x * x * x))
            cdf, pdf = 0.5 * (1 + th), 0.5 * (1 - th * th) * c * (1 + 3 * 0.044715 * x * x)
        else:
            erf, derf = _erf_and_derivative(_graph_xp(), x / math.sqrt(2))  # recorded, differentiable again
            cdf, pdf = 0.5 * (1 + erf), 0.5 * derf / math.sqrt(2)
        return (g * (cdf + x * pdf),)


class Softmax(Function):
    __slots__ = ("y", "axis")

    def __init__(self, axis):
        self.axis = axis

    def apply(self, x):
        y = super().apply(x)
        if self.axis == -1 or self.axis == x.ndim - 1:  # the class axis of a cross-entropy's logits
            y._keras_logits = x
        return y

    def forward(self, x):
        xp = get_array_module(x)
        if x.size == 0:  # an empty axis: nothing to normalise (max() has no identity to start from)
            self.y = x.copy()
            return self.y
        e = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        self.y = e / e.sum(axis=self.axis, keepdims=True)
        return self.y

    def backward(self, g):
        y = self.y
        return (y * (g - (g * y).sum(axis=self.axis, keepdims=True)),)

    def backward_graph(self, g):
        y = softmax(self.inputs[0], axis=self.axis)
        return (y * (g - (g * y).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    __slots__ = ("y", "axis")

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        if x.size == 0:  # as in Softmax
            self.y = x.copy()
            return self.y
        shifted = x - x.max(axis=self.axis, keepdims=True)
        self.y = shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))
        return self.y

    def backward(self, g):
        xp = get_array_module(g)
        return (g - xp.exp(self.y) * g.sum(axis=self.axis, keepdims=True),)

    def backward_graph(self, g):
        return (g - softmax(self.inputs[0], axis=self.axis) * g.sum(axis=self.axis, keepdims=True),)


def _constant(arr):
    """A locally constant factor of a derivative (a mask) as a Tensor outside the graph."""
    return Tensor._from_op(arr, None)


def _graph_xp():
    """The names ``_erf_and_derivative`` uses, as recorded ops (sign is locally constant)."""
    import types
    from .math import exp
    return types.SimpleNamespace(exp=exp, sign=lambda t: _constant(get_array_module(t.data).sign(t.data)))


@differentiable
def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + e^-x)``, stable for large ``|x|``."""
    return Sigmoid().apply(float_input(x))


@differentiable
def tanh(x):
    """Hyperbolic tangent."""
    return Tanh().apply(float_input(x))


@differentiable
def relu(x):
    """``max(x, 0)``; the gradient at 0 is 0 (as in PyTorch and TensorFlow)."""
    return Relu().apply(as_tensor(x))


@differentiable
def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x > 0``, else ``negative_slope * x`` (Keras' default slope is 0.2)."""
    return LeakyRelu(finite_float(negative_slope, "leaky_relu", "negative_slope")).apply(float_input(x))


@differentiable
def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, else ``alpha * (e^x - 1)``."""
    return Elu(finite_float(alpha, "elu", "alpha")).apply(float_input(x))


@differentiable
def selu(x):
    """Scaled ELU with the self-normalising constants (alpha ~ 1.6733, scale ~ 1.0507)."""
    return Elu(SELU_ALPHA, SELU_SCALE).apply(float_input(x))


@differentiable
def softplus(x):
    """``log(1 + e^x)``, computed as ``logaddexp(0, x)`` (no overflow)."""
    return Softplus().apply(float_input(x))


@differentiable
def softsign(x):
    """``x / (1 + |x|)``."""
    return Softsign().apply(float_input(x))


@differentiable
def silu(x):
    """``x * sigmoid(x)`` (also called swish)."""
    return Silu().apply(float_input(x))


swish = silu


@differentiable
def hard_sigmoid(x):
    """Piecewise-linear sigmoid, Keras 3's definition ``relu6(x + 3) / 6``."""
    return HardSigmoid().apply(float_input(x))


@differentiable
def gelu(x, approximate=True):
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate=True`` uses the tanh form (as ``keras.ops.gelu``),
    ``False`` the erf form (Keras' ``activations.gelu`` default)."""
    return Gelu(bool(approximate)).apply(float_input(x))


@differentiable
def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` over ``axis``, shifted by the maximum for stability."""
    x = as_tensor(x)
    normalize_axes(axis, x.ndim, "softmax")  # a bad axis named here, not as NumPy's AxisError
    return Softmax(axis).apply(x)


@differentiable
def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` over ``axis``, stable for large logits."""
    x = as_tensor(x)
    normalize_axes(axis, x.ndim, "log_softmax")  # a bad axis named here, not as NumPy's AxisError
    return LogSoftmax(axis).apply(x)


#: The one-node Function of each Keras activation that has one (default arguments; softmax over the last axis):
#: what a layer's forward kernel runs for its activation, on Tensors and on arrays alike.
NODES = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": Relu, "softmax": lambda: Softmax(-1)}
