"""The converter table: layer class name -> function that writes the layer's ONNX nodes.

A converter is ``fn(g, layer, inputs) -> outputs``: ``g`` the :class:`~neuroflow.onnx.builder.GraphBuilder`,
``inputs`` the list of :class:`~neuroflow.onnx.builder.Value` the layer is called on (one for most layers; a
merge layer's list; a recurrent layer's sequence then its initial states), and the result a Value, an ONNX
name (its shape and dtype then come from ``layer.compute_output_shape``), or a list of those. Converters that
apply or compute Keras masks are registered with ``masks=True`` and set ``Value.mask`` on their outputs
themselves; for the others a mask passes through layers with ``supports_masking`` and ends elsewhere, as in
:func:`neuroflow.layers.base.output_mask`.
"""
from __future__ import annotations

from ..errors import ConfigError
from .builder import Value

CONVERTERS: dict = {}   # class name -> converter
_MASK_AWARE: set = set()  # class names whose converters handle masks themselves


def converter(*class_names, masks: bool = False):
    """Register the decorated function as the converter of the layer classes named ``class_names``."""
    def register(fn):
        for name in class_names:
            CONVERTERS[name] = fn
            if masks:
                _MASK_AWARE.add(name)
        return fn
    return register


class UnsupportedLayerError(ConfigError):
    """A layer (or a setting of one) that has no ONNX form; the message names the layer and its class."""


def label(layer) -> str:
    """``Dense 'dense_1'``: how export errors name a layer."""
    return f"{type(layer).__name__} {layer.name!r}"


def unsupported(layer, why: str) -> UnsupportedLayerError:
    return UnsupportedLayerError(f"ONNX export: layer {label(layer)} cannot be exported: {why}")


def convert_call(g, layer, inputs: list) -> list:
    """Write ``layer``'s nodes for ``inputs`` (a list of Values); returns its outputs as a list of Values."""
    kind = type(layer).__name__
    fn = CONVERTERS.get(kind)
    if fn is None:
        raise unsupported(layer, f"neuroflow has no ONNX converter for class {kind} (exportable classes: "
                                 f"{', '.join(sorted(CONVERTERS))})")
    masked = [v for v in inputs if v.mask is not None]
    if masked and kind not in _MASK_AWARE and getattr(layer, "_call_takes_mask", False):
        raise unsupported(layer, "it receives a Keras mask, which its ONNX form cannot apply; remove the mask "
                                 "(mask_zero=False / no Masking layer) before this layer")
    result = fn(g, layer, inputs)
    many = isinstance(result, list)
    results = result if many else [result]
    if any(not isinstance(r, Value) for r in results):
        shapes = layer.compute_output_shape([v.shape for v in inputs] if len(inputs) > 1 else inputs[0].shape)
        shapes = shapes if isinstance(shapes, list) else [shapes]
        results = [r if isinstance(r, Value) else Value(r, s, layer.dtype) for r, s in zip(results, shapes)]
    if kind not in _MASK_AWARE and len(results) == 1 and getattr(layer, "supports_masking", False):
        results[0].mask = inputs[0].mask
    for r in results:
        g.describe(r)
    return results
