"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector."""
from __future__ import annotations

import math

import numpy as np

from .. import _validate as check
from .. import activations as nf_activations, initializers as nf_initializers
from .. import constraints as nf_constraints, ops, regularizers as nf_regularizers
from ..errors import ConfigError, ShapeError
from ..ops.fused import Linear
from ..ops.shape import Reshape as ReshapeNode, Transpose
from ..registry import register_builtin
from .base import Layer
from . import lora, quantized
from .kernel import IDENTITY, Kernel, Step, TensorStep, activation_only, activation_steps, run


@register_builtin
class Dense(Layer):
    """``activation(inputs @ kernel + bias)``.

    Shapes: ``(batch, ..., in)`` -> ``(batch, ..., units)``; kernel ``(in, units)``, bias ``(units,)``.
    relu, tanh and linear run fused with the matmul in one graph node; any other activation is a node of its own
    (sigmoid's and softmax's output carries the logits, which a cross-entropy loss reads).
    """

    supports_masking = True  # a mask from an earlier layer passes through unchanged

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        who = f"Dense {self.name!r}"
        self.quantization_config = quantized.config_argument(quantization_config, who)
        lora.arguments(self, lora_rank, lora_alpha, who)
        self.units = check.positive_int(units, who, "units")
        self.activation = check.resolved(nf_activations.get, activation, who, "activation")
        self._act_name = nf_activations.serialize(self.activation)
        self.use_bias = check.boolean(use_bias, who, "use_bias")
        self.kernel_initializer = check.resolved(nf_initializers.get, kernel_initializer, who, "kernel_initializer")
        self.bias_initializer = check.resolved(nf_initializers.get, bias_initializer, who, "bias_initializer")
        self.kernel_regularizer = nf_regularizers.get(kernel_regularizer)
        self.bias_regularizer = nf_regularizers.get(bias_regularizer)
        self._activity_regularizer = nf_regularizers.get(activity_regularizer)
        self.kernel_constraint = nf_constraints.get(kernel_constraint)
        self.bias_constraint = nf_constraints.get(bias_constraint)

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
            raise ShapeError(f"Dense {self.name!r}: takes one input tensor, got a list of {len(input_shape)} "
                             f"inputs of shapes {[tuple(s) for s in input_shape]}; merge them first, e.g. "
                             f"Concatenate()([a, b])")
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ShapeError(f"Dense {self.name!r}: needs inputs of shape (batch, ..., features) with a known "
                             f"feature axis, got {tuple(input_shape)}")
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units), self.kernel_initializer,
                                      self.kernel_regularizer, self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), self.bias_initializer, self.bias_regularizer,
                                    self.bias_constraint) if self.use_bias else None
        self.built = True
        lora.build(self)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze ``kernel`` and train ``lora_kernel_a`` ``(in, rank)`` @ ``lora_kernel_b`` ``(rank, units)``
        scaled by ``lora_alpha / rank`` in its place (see :mod:`neuroflow.layers.lora`)."""
        lora.enable(self, rank, lora_alpha, a_initializer, b_initializer)

    def call(self, inputs):
        if self.lora_enabled:  # the merged kernel is an op result, not the Variable the fused plan reads
            x = ops.matmul(inputs, lora.weight(self))
            x = x + self.bias if self.bias is not None else x
            return self.activation(x) if self.activation is not None else x
        return run(self, inputs)

    def _forward_kernel(self, input_shape, dtype):
        """One linear node (``ops.linear``'s), its activation fused in where :func:`activation_steps` says so, then
        the activation's own node otherwise."""
        if not input_shape or input_shape[-1] != self.kernel.shape[0]:
            raise ShapeError(f"Dense {self.name!r}: expected inputs with {self.kernel.shape[0]} features "
                             f"(shape (batch, {self.kernel.shape[0]})), got shape {input_shape}")
        act, after = activation_steps(self.activation)
        has_bias = self.bias is not None
        return Kernel(Step(lambda needs: Linear(act, has_bias), ("kernel", "bias") if has_bias else ("kernel",)),
                      *after)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def quantize(self, mode=None, type_check=True, config=None):
        """Store the kernel in int8 with a per-unit ``kernel_scale`` (``mode="int8"``: Keras' scheme)."""
        quantized.quantize(self, mode, type_check, Dense, config)

    def build_quantized(self):
        quantized.build_quantized(self)

    def quantized_call(self, inputs):
        return quantized.dense_call(self, inputs)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self._act_name,
                "use_bias": self.use_bias,
                "kernel_initializer": nf_initializers.serialize(self.kernel_initializer),
                "bias_initializer": nf_initializers.serialize(self.bias_initializer),
                "kernel_regularizer": nf_regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": nf_regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": nf_regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": nf_constraints.serialize(self.kernel_constraint),
                "bias_constraint": nf_constraints.serialize(self.bias_constraint), **lora.config(self)}


@register_builtin
class Activation(Layer):
    """Applies an activation function. Shapes: any -> same."""

    supports_masking = True  # a mask from an earlier layer passes through unchanged

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = check.resolved(nf_activations.get, activation, f"Activation {self.name!r}", "activation")
        self._act_name = nf_activations.serialize(self.activation)

    def call(self, inputs):
        return run(self, inputs)

    def _forward_kernel(self, input_shape, dtype):
        return Kernel(*activation_only(self.activation))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "activation": self._act_name}


@register_builtin
class Dropout(Layer):
    """Inverted dropout, active only when ``training=True``. Shapes: any -> same.

    Args: ``rate`` in [0, 1), ``noise_shape`` (size-1 axes share a mask value), ``seed``.
    """

    supports_masking = True  # a mask from an earlier layer passes through unchanged

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        who = f"Dropout {self.name!r}"
        self.rate = check.probability(rate, who, "rate")
        self.seed = check.non_negative_int(seed, who, "seed", allow_none=True)
        if noise_shape is not None and not isinstance(noise_shape, (tuple, list)):
            raise check.ArgumentTypeError(f"{who}: noise_shape must be a tuple (None for an axis of the input's "
                                          f"size) or None, got {check.describe(noise_shape)}")
        self.noise_shape = noise_shape
        if seed is not None:
            from .. import random as nf_random
            self._rng = nf_random.generator(seed)

    def call(self, inputs, training=None):
        if training and self.rate:
            return ops.dropout(inputs, self.rate, rng=self.rng, noise_shape=self.noise_shape)
        return run(self, inputs)

    def _forward_kernel(self, input_shape, dtype):
        return IDENTITY  # at inference

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}


@register_builtin
class Flatten(Layer):
    """Flattens all axes but the batch axis. Shapes: ``(batch, d1, ..., dn)`` -> ``(batch, d1*...*dn)``."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check.one_of(data_format, f"Flatten {self.name!r}", "data_format",
                                        ("channels_last", "channels_first"), allow_none=True)

    def call(self, inputs):
        return run(self, inputs)

    def _forward_kernel(self, input_shape, dtype):
        steps = []
        if self.data_format == "channels_first" and len(input_shape) > 2:  # channels last first, as Keras
            axes = (0,) + tuple(range(2, len(input_shape))) + (1,)
            steps.append(Step(lambda needs: Transpose(axes)))
        features = math.prod(input_shape[1:])
        if features:
            steps.append(Step(lambda needs: ReshapeNode((-1, features))))  # any batch size
        else:  # -1 cannot stand beside a 0
            steps.append(TensorStep(lambda x: ops.reshape(x, (x.shape[0], 0))))
        return Kernel(*steps)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if any(s is None for s in rest) else int(np.prod(rest)))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


def _target_shape(value, who) -> tuple:
    """Reshape's ``target_shape``: positive ints, at most one ``-1`` (the size inferred)."""
    if not isinstance(value, (tuple, list)) or not all(check.is_int(d) for d in value):
        raise check.ArgumentTypeError(f"{who}: target_shape must be a tuple of ints without the batch axis, "
                                      f"e.g. (28, 28, 1), got {check.describe(value)}")
    dims = tuple(int(d) for d in value)
    if any(d == 0 or d < -1 for d in dims) or dims.count(-1) > 1:
        raise ConfigError(f"{who}: target_shape must hold positive sizes and at most one -1, got {dims}")
    return dims


@register_builtin
class Reshape(Layer):
    """Reshapes the non-batch axes to ``target_shape`` (one entry may be -1).

    Shapes: ``(batch, ...)`` -> ``(batch, *target_shape)``.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = _target_shape(target_shape, f"Reshape {self.name!r}")

    def call(self, inputs):
        try:
            return ops.reshape(inputs, (inputs.shape[0],) + self.target_shape)
        except ShapeError:
            raise ShapeError(f"Reshape {self.name!r}: cannot reshape inputs of shape {inputs.shape} to "
                             f"(batch,) + {self.target_shape}") from None

    def compute_output_shape(self, input_shape):
        if -1 in self.target_shape and all(s is not None for s in input_shape[1:]):
            known = int(np.prod([s for s in self.target_shape if s != -1]))
            total = int(np.prod(input_shape[1:]))
            return (input_shape[0],) + tuple(total // known if s == -1 else s for s in self.target_shape)
        return (input_shape[0],) + self.target_shape

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


@register_builtin
class Permute(Layer):
    """Permutes the non-batch axes; ``dims`` counts from 1 (Keras). Shapes: ``(batch, ...)`` -> permuted."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(dims, (tuple, list)) or not all(check.is_int(d) for d in dims):
            raise check.ArgumentTypeError(f"Permute {self.name!r}: dims must be a tuple of ints counting the "
                                          f"non-batch axes from 1, e.g. (2, 1), got {check.describe(dims)}")
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ConfigError(f"Permute {self.name!r}: dims must be a permutation of 1..{len(self.dims)}, "
                              f"got {self.dims}")

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


@register_builtin
class RepeatVector(Layer):
    """Repeats the input ``n`` times. Shapes: ``(batch, features)`` -> ``(batch, n, features)``."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = check.positive_int(n, f"RepeatVector {self.name!r}", "n")

    def call(self, inputs):
        if inputs.ndim != 2:
            raise ShapeError(f"RepeatVector {self.name!r}: expected 2-D inputs (batch, features), got {inputs.shape}")
        return ops.broadcast_to(ops.expand_dims(inputs, 1), (inputs.shape[0], self.n, inputs.shape[1]))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
