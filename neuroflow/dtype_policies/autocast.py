"""What a layer's dtype policy does at each call (Keras 3's autocast), kept out of ``Layer`` itself.

Under a mixed policy (compute dtype float16 or bfloat16, variable dtype float32) a layer's call

- rounds its float inputs to the compute dtype (integer inputs, e.g. token ids, untouched);
- reads its float weights rounded to the compute dtype: for the call, each weight attribute (``self.kernel``)
  is replaced by its rounded copy (a float32 array of float16 values), made by a graph node whose gradient passes
  straight through in float32 to the weight; weights made with ``add_weight(autocast=False)`` and those of the
  numerically sensitive layers Keras keeps in float32 (normalizations, softmax) are not rounded;
- does its arithmetic on those values in float32, and returns its outputs in the compute dtype (float16
  arrays: a gradient that overflows float16 at a layer boundary becomes inf there, which is what the loss-scale
  optimizer detects).

So every value a layer reads or returns is a float16 (bfloat16) value, as in Keras; between those points
NumPy computes in float32, which is how torch's CPU kernels accumulate too, and what keeps mixed precision usable
here: NumPy has no float16 BLAS, and a float16 matmul runs several hundred times slower than a float32 one
(``python -m benchmarks.mixed_precision``). float16 outputs are float16 arrays; bfloat16 values, which NumPy arrays can hold only
through ml_dtypes and neuroflow's Tensors not at all, stay in float32 arrays (rounded to bfloat16).

A softmax output keeps its float32 logits, so a cross-entropy on it stays in float32. Weights held inside lists
or dicts (rather than as attributes) are used unrounded.
"""
from __future__ import annotations

import numpy as np

from ..autograd.variable import Variable
from ..errors import ConfigError
from .casting import cast_floats, round_through
from .policy import DTypePolicy, numpy_dtype, resolve

#: Layers whose weights Keras does not round to the compute dtype (they compute in float32 in Keras too).
FLOAT32_LAYERS = frozenset(("BatchNormalization", "LayerNormalization", "GroupNormalization", "Softmax",
                            "RMSNormalization", "SpectralNormalization"))


def layer_policy(dtype, who: str) -> DTypePolicy:
    """The policy a layer's ``dtype=`` argument names (``None``: the global policy); errors name ``who``."""
    try:
        return resolve(dtype)
    except ConfigError as error:
        raise ConfigError(f"{who}: dtype={dtype!r} is neither a dtype nor a dtype policy ({error})") from None


def acts(policy: DTypePolicy) -> bool:
    """Whether ``policy`` changes a layer's call (mixed dtypes or quantized weights)."""
    return policy.compute_dtype != policy.variable_dtype or policy.quantization_mode is not None


def _computes_in_float32(layer) -> bool:
    return type(layer).__name__ in FLOAT32_LAYERS


def call(layer, run, inputs, kwargs):
    """``run(inputs, **kwargs)`` (the layer's ``call`` or ``quantized_call``) under the layer's policy: mixed,
    quantized, or a plain one meeting float16 inputs, which it widens to its compute dtype as Keras does (Keras'
    recipe: a float32 softmax last under mixed_float16)."""
    policy = layer.dtype_policy
    compute = policy.compute_dtype
    if callable(getattr(layer, "compile", None)):  # a model: its layers cast for themselves, the last one decides
        return run(inputs, **kwargs)
    if not layer.__dict__.get("autocast", True):  # Keras' Layer(autocast=False): inputs and weights as they are
        return run(inputs, **kwargs)
    if compute == policy.variable_dtype:  # a plain policy (or a quantized layer with one)
        if np.dtype(compute).kind == "f" and np.dtype(compute).itemsize >= 4:
            inputs = _widen(inputs, compute)
        return run(inputs, **kwargs)
    boundary = _rounding(compute)
    inputs = cast_floats(boundary(inputs), policy.variable_dtype)
    swapped = [] if _computes_in_float32(layer) else _round_weights(layer, numpy_dtype(compute))
    try:
        return boundary(run(inputs, **kwargs))
    finally:
        for name, variable in swapped:
            object.__setattr__(layer, name, variable)


def _widen(x, compute: str):
    """``x`` with its float16 parts cast to ``compute``."""
    if isinstance(x, (list, tuple)):
        return type(x)(_widen(v, compute) for v in x)
    if isinstance(x, dict):
        return {k: _widen(v, compute) for k, v in x.items()}
    return cast_floats(x, compute) if getattr(x, "dtype", None) == np.float16 else x


def _rounding(compute: str):
    """The function rounding a layer's values to ``compute``: a cast for float16 (a dtype Tensors hold), a
    rounding kept in float32 for bfloat16."""
    if compute == "bfloat16":
        bfloat16 = numpy_dtype(compute)
        return lambda x: round_through(x, bfloat16)
    return lambda x: cast_floats(x, compute)


def _round_weights(layer, compute) -> list:
    """Replace the layer's float32 weight attributes by float32 copies rounded to ``compute`` (their gradient
    passes through in float32); the ``(name, weight)`` pairs to restore."""
    keep = layer.__dict__.get("_no_autocast", ())
    swapped = [(name, value) for name, value in layer.__dict__.items()
               if isinstance(value, Variable) and value.data.dtype == np.float32 and id(value) not in keep]
    for name, variable in swapped:  # object.__setattr__, not Layer's: the tracking stays as it is
        object.__setattr__(layer, name, round_through(variable, compute))
    return swapped
