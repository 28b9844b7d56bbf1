"""Activation functions by Keras name: ``get('relu')`` returns a function Tensor -> Tensor of the same shape.

All are the differentiable ops of :mod:`neuroflow.ops.activation`; ``linear`` returns its input.
"""
from __future__ import annotations

from . import ops
from .errors import ConfigError, close_matches
from .registry import deserialize_by_get


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
    return ops.relu6(x)


def mish(x):
    """``x * tanh(softplus(x))`` (Misra, 2019)."""
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def celu(x, alpha=1.0):
    """Continuously differentiable ELU."""
    return ops.celu(x, alpha)


def glu(x, axis=-1):
    """Gated linear unit over ``axis``: its first half times the sigmoid of its second half."""
    return ops.glu(x, axis)


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    return ops.hard_shrink(x, threshold)


def soft_shrink(x, threshold=0.5):
    """``x`` moved ``threshold`` towards 0, and 0 within ``threshold``."""
    return ops.soft_shrink(x, threshold)


def squareplus(x, b=4):
    """``(x + sqrt(x^2 + b)) / 2``."""
    return ops.squareplus(x, b)


def sparsemax(x, axis=-1):
    """A distribution over ``axis`` like softmax, with exact zeros."""
    return ops.sparsemax(x, axis)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    return ops.threshold(x, threshold, default_value)


hard_silu = hard_swish = ops.hard_silu
hard_tanh, log_sigmoid, tanh_shrink = ops.hard_tanh, ops.log_sigmoid, ops.tanh_shrink
sparse_plus, sparse_sigmoid = ops.sparse_plus, ops.sparse_sigmoid


_BY_NAME = {
    "linear": linear, "relu": relu, "sigmoid": ops.sigmoid, "tanh": ops.tanh, "softmax": softmax,
    "log_softmax": log_softmax, "elu": ops.elu, "selu": ops.selu, "softplus": ops.softplus,
    "softsign": ops.softsign, "gelu": gelu, "swish": ops.silu, "silu": ops.silu, "leaky_relu": leaky_relu,
    "hard_sigmoid": ops.hard_sigmoid, "exponential": exponential, "relu6": relu6, "mish": mish, "celu": celu,
    "glu": glu, "hard_shrink": hard_shrink, "hard_silu": ops.hard_silu, "hard_swish": ops.hard_silu,
    "hard_tanh": ops.hard_tanh, "log_sigmoid": ops.log_sigmoid, "soft_shrink": soft_shrink,
    "sparse_plus": ops.sparse_plus, "sparse_sigmoid": ops.sparse_sigmoid, "sparsemax": sparsemax,
    "squareplus": squareplus, "tanh_shrink": ops.tanh_shrink, "threshold": threshold,
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


def deserialize(config, custom_objects=None):
    """The activation a config names (a name or ``{"class_name": name}``); custom objects win."""
    return deserialize_by_get(get, config.get("class_name", config) if isinstance(config, dict) else config,
                              custom_objects)


def serialize(fn) -> str:
    """The Keras name of an activation function (for configs); custom callables serialise by ``__name__``."""
    for name, f in _BY_NAME.items():
        if f is fn:
            return name
    return getattr(fn, "__name__", str(fn))


def names() -> list:
    """All activation names ``get`` knows."""
    return sorted(_BY_NAME)
