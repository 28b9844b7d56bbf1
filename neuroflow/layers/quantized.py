"""``layer.quantize("int8")``: Keras 3's int8 scheme for Dense, EinsumDense and Embedding.

Quantizing replaces the float kernel by an int8 ``kernel`` (abs-max per output channel: the scale
``127 / max|w|`` over the axes the kernel contracts) and a float ``kernel_scale``; both are frozen, the bias stays
trainable. A call quantizes its input the same way per row (over the contracted axes), multiplies the int8
operands (exactly: int8 products summed in float32 are exact below 2**24, i.e. up to ~1000 contracted features at
full scale), and divides by the product of the two scales; with ``Int8QuantizationConfig(activation_quantizer=
None)`` the float input meets the int8 kernel instead (weight-only quantization). The input gradient passes straight through the
dequantized kernel (Keras' custom gradient). Embedding stores int8 rows with one scale per row and dequantizes
the rows it looks up.

The layer's dtype policy becomes ``QuantizedDTypePolicy("int8", <its policy>)``, which is what a saved file
records: loading builds the int8 weights directly (:func:`build_quantized`).
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..autograd.function import is_grad_enabled
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from ..dtype_policies import QUANTIZATION_MODES, QuantizedDTypePolicy
from ..errors import ConfigError
from ..quantizers import AbsMaxQuantizer, get as get_quantizer_object, resolve_config
from . import lora

#: How each quantizable layer stores its quantized weight: (weight attribute, scale attribute).
_ROLES = {"Dense": ("kernel", "kernel_scale"), "EinsumDense": ("kernel", "kernel_scale"),
          "Embedding": ("embeddings", "embeddings_scale")}


def _kind(layer) -> str:
    """The quantizable class ``layer`` is (or derives from): ``'Dense'``, ``'EinsumDense'`` or ``'Embedding'``."""
    return next((k.__name__ for k in type(layer).__mro__ if k.__name__ in _ROLES), type(layer).__name__)


def quantize(layer, mode, type_check, exact_class, config=None) -> None:
    """Quantize ``layer`` (an ``exact_class`` instance, unless ``type_check`` is False) to ``mode``, by
    ``config`` (a ``QuantizationConfig``; None: the mode's default, which quantizes each call's input too)."""
    who = f"{type(layer).__name__} {layer.name!r}"
    mode, config = resolve_config(mode, config, who)
    if type_check and type(layer) is not exact_class:
        raise ConfigError(f"{who}: quantize() is defined for {exact_class.__name__} itself, not its subclass "
                          f"{type(layer).__name__}; pass type_check=False to quantize it anyway")
    if not layer.built:
        raise ConfigError(f"{who}: cannot quantize a layer that is not built yet; call it on data (or build it) "
                          f"first")
    if layer.__dict__.get("_is_quantized"):
        raise ConfigError(f"{who}: already quantized with dtype_policy={layer.dtype_policy.name!r}; got "
                          f"mode={mode!r}")
    _check_mode(who, mode, layer.compute_dtype)
    layer.quantization_config = config
    _to_int8(layer, with_values=True)
    layer.dtype_policy = QuantizedDTypePolicy(mode, layer.dtype_policy.name)


def _check_mode(who, mode, compute_dtype) -> None:
    if mode not in QUANTIZATION_MODES:
        raise ConfigError(f"{who}: quantization mode must be one of {QUANTIZATION_MODES}, got {mode!r}")
    if mode != "int8":
        raise ConfigError(f"{who}: quantization mode {mode!r} is not implemented in neuroflow; 'int8' is")
    if compute_dtype == "float16":
        raise ConfigError(f"{who}: quantization mode 'int8' does not work well with compute_dtype 'float16'; "
                          f"quantize a float32 layer")


def config_argument(value, who: str):
    """A layer's ``quantization_config=`` argument: None, a ``QuantizationConfig`` or its serialized dict."""
    if value is None:
        return None
    config = get_quantizer_object(value) if isinstance(value, dict) else value
    if not hasattr(config, "mode") or not hasattr(config, "activation_quantizer"):
        raise ConfigError(f"{who}: quantization_config must be a QuantizationConfig (or its config dict), got "
                          f"{type(value).__name__}")
    return config


def build_quantized(layer) -> None:
    """Turn a just-built layer whose policy is quantized into its int8 form (values to be loaded)."""
    who = f"{type(layer).__name__} {layer.name!r}"
    if _kind(layer) not in _ROLES:
        raise ConfigError(f"{who}: dtype policy {layer.dtype_policy.name!r} is quantized, but only Dense, "
                          f"EinsumDense and Embedding can be")
    _check_mode(who, layer.quantization_mode, layer.compute_dtype)
    _, layer.quantization_config = resolve_config(layer.quantization_mode, getattr(layer, "quantization_config", None),
                                                  who)
    _to_int8(layer, with_values=False)


def _to_int8(layer, with_values: bool) -> None:
    """Replace the float weight by the int8 weight and its scale (quantized values, or zeros and ones)."""
    name, scale_name = _ROLES[_kind(layer)]
    weight = getattr(layer, name)
    reduced = _reduced_axes(layer, weight.ndim)
    if with_values:
        quantizer = layer.quantization_config.weight_quantizer or AbsMaxQuantizer(axis=reduced)
        q, scale = quantizer(weight.data)
        q, scale = q.data, scale.data.squeeze(axis=reduced)
    else:  # the values are assigned (loaded) next: placeholders of the right shape on the weight's device
        xp = get_array_module(weight.data)
        q = xp.zeros(weight.shape, np.int8)
        scale = xp.ones(tuple(n for i, n in enumerate(weight.shape) if i not in reduced), weight.dtype)
    layer._variables.remove(weight)
    for holder in (layer._weight_regularizers, layer._weight_constraints):
        holder[:] = [(v, fn) for v, fn in holder if v is not weight]  # an int8 weight is neither trained nor kept
    setattr(layer, name, layer.add_weight(name, q.shape, "zeros", dtype="int8", trainable=False))
    setattr(layer, scale_name, layer.add_weight(scale_name, scale.shape, "ones", dtype=weight.dtype,
                                                trainable=False))
    getattr(layer, name).assign(q)
    getattr(layer, scale_name).assign(scale)
    layer.__dict__.pop("_kernels", None)  # the float kernels' cached forward plans
    layer.__dict__["_is_quantized"] = True


def keras_store_order(layer) -> list:
    """An int8 layer's weights in the order Keras' ``save_own_variables`` stores them: weight, bias, scale."""
    name, scale_name = _ROLES[_kind(layer)]
    bias = getattr(layer, "bias", None)
    return [getattr(layer, name)] + ([bias] if bias is not None else []) + [getattr(layer, scale_name)]


def _reduced_axes(layer, ndim) -> tuple:
    """The weight axes a scale is taken over: those the layer contracts (Embedding: the vector axis)."""
    kind = _kind(layer)
    if kind == "Dense":
        return (0,)
    if kind == "Embedding":
        return (ndim - 1,)
    _, kernel, output, _ = parse(layer)
    return tuple(i for i, c in enumerate(kernel) if c not in output)


# --- calls ------------------------------------------------------------------------------------------------------
def dense_call(layer, inputs):
    """Dense's int8 forward. Shapes: ``(batch, ..., in)`` -> ``(batch, ..., units)``."""
    x = _int8_product(inputs, layer.kernel.data, layer.kernel_scale.data, _DENSE, (-1,),
                      layer.quantization_config.activation_quantizer)
    x = lora.add_to_int8(layer, inputs, x)
    if layer.bias is not None:
        x = x + layer.bias
    return layer.activation(x)


def einsum_dense_call(layer, inputs):
    """EinsumDense's int8 forward. Shapes: as the layer's ``equation``."""
    in_spec, kernel_spec, out_spec, side = parse(layer)
    # input axes by position from the side without an ellipsis
    in_axes = tuple(i if side == "right" else i - len(in_spec) for i, c in enumerate(in_spec) if c not in out_spec)
    kernel_axes = tuple(i for i, c in enumerate(kernel_spec) if c not in out_spec)
    scale = layer.kernel_scale.data
    x = _int8_product(inputs, layer.kernel.data, get_array_module(scale).expand_dims(scale, kernel_axes),
                      layer.equation, in_axes, layer.quantization_config.activation_quantizer)
    x = lora.add_to_int8(layer, inputs, x)
    if layer.bias is not None:
        x = x + layer.bias
    return layer.activation(x)


def parse(layer):
    """EinsumDense's equation as ``(input letters, kernel letters, output letters, ellipsis side)``."""
    return layer.equation_parts()


def embedding_call(layer, inputs):
    """Embedding's int8 lookup: the int8 rows of the ids divided by their scales. Shapes: ``(batch, ...)`` ->
    ``(batch, ..., output_dim)``."""
    ids = layer._ids(inputs)
    rows = layer.embeddings.data[ids].astype(layer.compute_dtype)
    return lora.add_to_int8(layer, inputs, Tensor._from_op(rows / layer.embeddings_scale.data[ids][..., None], None),
                            ids)


#: Dense's product as an equation (it runs as one matmul).
_DENSE = "...i,io->...o"


def _int8_product(inputs, q_kernel, kernel_scale, equation, in_axes, input_quantizer):
    """``einsum(equation, inputs, kernel)`` on int8 operands, rescaled. ``kernel_scale`` broadcasts against the
    kernel (size 1 on its contracted axes; Dense's is ``(units,)``); ``in_axes``: the input axes contracted. The
    input gradient is that of the product with the dequantized kernel (straight through the rounding). Without an
    ``input_quantizer`` (weight-only quantization) the float input meets the int8 kernel."""
    x, dense = inputs.data, equation == _DENSE
    compute = x.dtype
    kernel, scale = q_kernel.astype(compute), kernel_scale.astype(compute)
    if input_quantizer is None:  # as Keras: Dense divides the product, EinsumDense dequantizes the kernel first
        if dense:
            return ops.matmul(inputs, Tensor._from_op(kernel, None)) / Tensor._from_op(scale, None)
        return ops.einsum(equation, inputs, Tensor._from_op(kernel / scale, None))
    q_in, in_scale = input_quantizer(x, axis=in_axes)
    q_in = q_in.data.astype(compute)
    if dense:  # the input scale is (..., 1)
        out = (q_in @ kernel) / (scale * in_scale.data)
    else:  # both scales have size 1 on the contracted axes: their einsum is their product, aligned with the output
        xp = get_array_module(q_in)
        out = xp.einsum(equation, q_in, kernel, optimize=True) / xp.einsum(equation, in_scale.data, scale)
    if not (is_grad_enabled() and inputs.requires_grad):
        return Tensor._from_op(out, None)
    dequantized = Tensor._from_op(kernel / scale, None)
    float_product = ops.matmul(inputs, dequantized) if dense else ops.einsum(equation, inputs, dequantized)
    return float_product + Tensor._from_op(out - float_product.data, None)
