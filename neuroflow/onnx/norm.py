"""Normalization: BatchNormalization in its inference form, LayerNormalization.

BatchNormalization folds its moving statistics into one scale and shift per feature (computed in float64, then
stored in the layer's dtype): ``y = x * gamma / sqrt(var + eps) + (beta - mean * gamma / sqrt(var + eps))``, any
``axis``. LayerNormalization over trailing axes is ONNX's ``LayerNormalization`` (opset 17); over other axes it is
written out (mean, biased variance, ``sqrt(var + eps)``), as neuroflow computes it.
"""
from __future__ import annotations

import numpy as np

from .registry import converter


def _broadcast_shape(layer):
    """The weights' shape (sizes along ``layer._axes``) padded with 1s to the input's rank."""
    shape = [1] * layer._ndim
    for a in layer._axes:
        shape[a] = layer._pshape[list(layer._axes).index(a)]
    return shape


@converter("BatchNormalization")
def convert_batch_norm(g, layer, inputs):
    """Inference-form batch normalization. Shapes: any -> same."""
    x = inputs[0]
    dt = np.dtype(layer.dtype)
    mean = layer.moving_mean.data.astype(np.float64)
    var = layer.moving_variance.data.astype(np.float64)
    gamma = layer.gamma.data.astype(np.float64) if layer.gamma is not None else 1.0
    beta = layer.beta.data.astype(np.float64) if layer.beta is not None else 0.0
    scale = gamma / np.sqrt(var + layer.epsilon)
    shift = beta - mean * scale
    shape = _broadcast_shape(layer)
    y = g.node("Mul", [x.name, g.const(scale.reshape(shape), f"{layer.name}/scale", dt)], layer.name)
    return g.node("Add", [y, g.const(shift.reshape(shape), f"{layer.name}/shift", dt)], layer.name)


@converter("LayerNormalization")
def convert_layer_norm(g, layer, inputs):
    """Per-sample normalization over ``axis``, then ``* gamma + beta``. Shapes: any -> same."""
    x = inputs[0]
    dt = np.dtype(layer.dtype)
    axes = list(layer._axes)
    pshape = tuple(layer._pshape)
    gamma = layer.gamma.data if layer.gamma is not None else np.ones(pshape, dt)
    trailing = axes == list(range(layer._ndim - len(axes), layer._ndim))
    if trailing:
        ins = [x.name, g.const(gamma, f"{layer.name}/gamma")]
        if layer.beta is not None:
            ins.append(g.const(layer.beta.data, f"{layer.name}/beta"))
        return g.node("LayerNormalization", ins, layer.name, axis=axes[0], epsilon=layer.epsilon)
    shape = _broadcast_shape(layer)
    mean = g.reduce("ReduceMean", x.name, axes, True, f"{layer.name}/mean")
    centred = g.node("Sub", [x.name, mean], f"{layer.name}/centred")
    var = g.reduce("ReduceMean", g.node("Mul", [centred, centred], f"{layer.name}/sq"), axes, True,
                   f"{layer.name}/var")
    std = g.node("Sqrt", [g.node("Add", [var, g.scalar(layer.epsilon, dt)], f"{layer.name}/var_eps")])
    y = g.node("Div", [centred, std], f"{layer.name}/normed")
    y = g.node("Mul", [y, g.const(gamma.reshape(shape), f"{layer.name}/gamma")], layer.name)
    if layer.beta is not None:
        y = g.node("Add", [y, g.const(layer.beta.data.reshape(shape), f"{layer.name}/beta")], layer.name)
    return y
