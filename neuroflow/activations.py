"""Activation functions by Keras name: ``get('relu')`` returns a function Tensor -> Tensor of the same shape.

All are the differentiable ops of :mod:`neuroflow.ops.activation`; ``linear`` returns its input.
"""
from __future__ import annotations

from . import ops
from .errors import ConfigError, close_matches


def linear(x):
    """Identity: ``f(x) = x``."""
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras' relu with its optional arguments (plain ``max(x, 0)`` by default)."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    y = ops.where(ops.greater_equal(x, threshold), x, negative_slope * (x - threshold))
    return ops.minimum(y, max_value) if max_value is not None else y


def gelu(x, approximate=False):
    """GELU; the activation's default is the exact (erf) form, as Keras' ``activations.gelu``."""
    return ops.gelu(x, approximate=approximate)


def exponential(x):
    """``e ** x``."""
    return ops.exp(x)


def softmax(x, axis=-1):
    """Softmax over ``axis``."""
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """Log-softmax over ``axis``."""
    return ops.log_softmax(x, axis=axis)


def leaky_relu(x, negative_slope=0.2):
    """Leaky relu with Keras' default slope 0.2."""
    return ops.leaky_relu(x, negative_slope)


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return ops.clip(x, 0.0, 6.0)


_BY_NAME = {
    "linear": linear, "relu": relu, "sigmoid": ops.sigmoid, "tanh": ops.tanh, "softmax": softmax,
    "log_softmax": log_softmax, "elu": ops.elu, "selu": ops.selu, "softplus": ops.softplus,
    "softsign": ops.softsign, "gelu": gelu, "swish": ops.silu, "silu": ops.silu, "leaky_relu": leaky_relu,
    "hard_sigmoid": ops.hard_sigmoid, "exponential": exponential, "relu6": relu6,
}
sigmoid, tanh, elu, selu, softplus, softsign = ops.sigmoid, ops.tanh, ops.elu, ops.selu, ops.softplus, ops.softsign
swish = silu = ops.silu
hard_sigmoid = ops.hard_sigmoid


def get(identifier):
    """Resolve ``None`` (linear), a Keras name (``'relu'``) or a callable to an activation function."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier.lower())
        if fn is None:
            raise ConfigError(f"unknown activation {identifier!r}: {close_matches(identifier, _BY_NAME)}")
        return fn
    if callable(identifier):
        return identifier
    raise ConfigError(f"activation must be a name or a callable, got {type(identifier).__name__}")


def serialize(fn) -> str:
    """The Keras name of an activation function (for configs); custom callables serialise by ``__name__``."""
    for name, f in _BY_NAME.items():
        if f is fn:
            return name
    return getattr(fn, "__name__", str(fn))


def names() -> list:
    """All activation names ``get`` knows."""
    return sorted(_BY_NAME)
