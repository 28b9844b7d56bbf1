"""Activations as ONNX nodes, the ``Activation`` layer, and the layers that are identities at inference.

Every activation neuroflow names maps to ONNX ops of opset 17: relu, sigmoid, tanh, softmax, log_softmax, elu,
selu, softplus, softsign, exponential, leaky_relu, relu6 directly; gelu (exact: ``0.5 x (1 + erf(x / sqrt 2))``;
tanh form for ``ops.gelu``/``approximate=True``) and silu/swish (``x * sigmoid(x)``) as small subgraphs;
hard_sigmoid as ONNX ``HardSigmoid(alpha=1/6, beta=1/2)``, which is Keras 3's ``relu6(x + 3) / 6``.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .. import activations as nf_activations, ops
from ..errors import ConfigError
from ..ops.activation import SELU_ALPHA, SELU_SCALE
from .registry import converter, unsupported


def _gelu(g, x, dtype, approximate=False):
    half_x = g.node("Mul", [x, g.scalar(0.5, dtype)], "gelu_half")
    if approximate:  # 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
        cube = g.node("Mul", [g.node("Mul", [x, x], "gelu_sq"), x], "gelu_cube")
        inner = g.node("Add", [x, g.node("Mul", [cube, g.scalar(0.044715, dtype)], "gelu_c")], "gelu_inner")
        t = g.node("Tanh", [g.node("Mul", [inner, g.scalar(math.sqrt(2 / math.pi), dtype)], "gelu_s")])
    else:  # 0.5 x (1 + erf(x / sqrt 2))
        t = g.node("Erf", [g.node("Mul", [x, g.scalar(1 / math.sqrt(2), dtype)], "gelu_s")])
    return g.node("Mul", [half_x, g.node("Add", [t, g.scalar(1.0, dtype)], "gelu_1p")], "gelu")


def _relu(g, x, dtype, negative_slope=0.0, max_value=None, threshold=0.0):
    if threshold != 0.0:
        return None  # no single ONNX op; refused by the caller
    y = g.node("LeakyRelu", [x], alpha=float(negative_slope)) if negative_slope else g.node("Relu", [x])
    if max_value is not None:
        y = g.node("Min", [y, g.scalar(max_value, dtype)], "relu_max")
    return y


_EMITTERS = {
    "linear": lambda g, x, dtype: x,
    "relu": _relu,
    "sigmoid": lambda g, x, dtype: g.node("Sigmoid", [x]),
    "tanh": lambda g, x, dtype: g.node("Tanh", [x]),
    "softmax": lambda g, x, dtype, axis=-1: g.node("Softmax", [x], axis=int(axis)),
    "log_softmax": lambda g, x, dtype, axis=-1: g.node("LogSoftmax", [x], axis=int(axis)),
    "elu": lambda g, x, dtype, alpha=1.0: g.node("Elu", [x], alpha=float(alpha)),
    "selu": lambda g, x, dtype: g.node("Selu", [x], alpha=float(SELU_ALPHA), gamma=float(SELU_SCALE)),
    "softplus": lambda g, x, dtype: g.node("Softplus", [x]),
    "softsign": lambda g, x, dtype: g.node("Softsign", [x]),
    "gelu": _gelu,
    "silu": lambda g, x, dtype: g.node("Mul", [x, g.node("Sigmoid", [x])], "silu"),
    "hard_sigmoid": lambda g, x, dtype: g.node("HardSigmoid", [x], alpha=1.0 / 6.0, beta=0.5),
    "leaky_relu": lambda g, x, dtype, negative_slope=0.2: g.node("LeakyRelu", [x], alpha=float(negative_slope)),
    "exponential": lambda g, x, dtype: g.node("Exp", [x]),
    "relu6": lambda g, x, dtype: g.node("Clip", [x, g.scalar(0.0, dtype), g.scalar(6.0, dtype)], "relu6"),
}
_ALIASES = {"swish": "silu"}
# ops functions that compute the activation of the same name with its defaults (ops.gelu does not: tanh form)
_SAME_AS_OPS = {"relu", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "selu", "softplus", "softsign", "silu",
                "hard_sigmoid", "leaky_relu"}


def resolve(fn):
    """``(name, kwargs)`` of the activation function ``fn``, or None when it is not one neuroflow knows.

    Names come from the function object, never from a config string: ``ops.gelu`` (tanh form) and
    ``activations.gelu`` (erf form) share a ``__name__`` but not a formula.
    """
    if isinstance(fn, functools.partial):
        base = resolve(fn.func)
        if base is None or fn.args:
            return None
        return base[0], {**base[1], **fn.keywords}
    if fn is ops.gelu:
        return "gelu", {"approximate": True}
    name = nf_activations.serialize(fn)
    name = _ALIASES.get(name, name)
    try:
        known = nf_activations.get(name)
    except ConfigError:  # an unknown name: a custom callable
        return None
    if known is not fn and not (name in _SAME_AS_OPS and getattr(ops, name, None) is fn):
        return None
    return (name, {}) if name in _EMITTERS else None


def apply(g, layer, x: str, fn, dtype) -> str:
    """``fn(x)`` as ONNX nodes; an UnsupportedLayerError naming ``layer`` for an activation with no ONNX form."""
    spec = resolve(fn)
    out = None
    if spec is not None:
        name, kwargs = spec
        try:
            out = _EMITTERS[name](g, x, np.dtype(dtype), **kwargs)
        except TypeError:  # an argument the emitter does not take
            out = None
    if out is None:
        shown = getattr(fn, "__name__", type(fn).__name__)
        raise unsupported(layer, f"its activation {shown!r} has no ONNX form (exportable: "
                                 f"{', '.join(sorted(set(_EMITTERS) | set(_ALIASES)))})")
    return out


@converter("Activation")
def convert_activation(g, layer, inputs):
    """The ``Activation`` layer. Shapes: any -> same."""
    x = inputs[0]
    return apply(g, layer, x.name, layer.activation, x.dtype)


def _identity(g, layer, inputs):
    """Training-only layers (dropout, noise, augmentation) pass their inputs through at inference; integer
    inputs (uint8 pixels) become the layer's float dtype, as their inference call does."""
    x = inputs[0]
    if x.dtype.kind != "f" and np.dtype(layer.dtype).kind == "f":
        return g.cast(x.name, layer.dtype, "to_float")
    return g.node("Identity", [x.name], layer.name)


for _name in ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
              "GaussianNoise", "GaussianDropout", "ActivityRegularization", "RandomTranslation", "RandomFlip",
              "RandomRotation", "RandomZoom", "RandomContrast", "RandomBrightness"):
    converter(_name)(_identity)


@converter("RandomCrop")
def convert_random_crop(g, layer, inputs):
    """At inference RandomCrop centre-crops and resizes, except when the images already have its size."""
    shape = inputs[0].shape
    h_axis, w_axis = layer._spatial_axes(len(shape))
    if (shape[h_axis], shape[w_axis]) != (layer.height, layer.width):
        raise unsupported(layer, f"at inference it crops and resizes {shape[h_axis]}x{shape[w_axis]} images to "
                                 f"{layer.height}x{layer.width}, which is not exported; apply it before the "
                                 f"exported model or give it images of that size")
    return _identity(g, layer, inputs)
