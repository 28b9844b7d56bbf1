"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector."""
from __future__ import annotations

import numpy as np

from .. import activations as nf_activations, initializers as nf_initializers
from .. import constraints as nf_constraints, ops, regularizers as nf_regularizers
from ..errors import ConfigError, ShapeError
from ..ops.nn import FUSABLE_ACTIVATIONS, Linear
from ..saving.registry import register_builtin
from .base import Layer, identity, on_tensors


@register_builtin
class Dense(Layer):
    """``activation(inputs @ kernel + bias)``.

    Shapes: ``(batch, ..., in)`` -> ``(batch, ..., units)``; kernel ``(in, units)``, bias ``(units,)``.
    relu, sigmoid, tanh and linear run fused with the matmul in one graph node.
    """

    supports_masking = True  # a mask from an earlier layer passes through unchanged

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, (int, np.integer)) or units <= 0:
            raise ConfigError(f"Dense {self.name!r}: units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = nf_activations.get(activation)
        self._act_name = nf_activations.serialize(self.activation)
        self.use_bias = use_bias
        self.kernel_initializer = nf_initializers.get(kernel_initializer)
        self.bias_initializer = nf_initializers.get(bias_initializer)
        self.kernel_regularizer = nf_regularizers.get(kernel_regularizer)
        self.bias_regularizer = nf_regularizers.get(bias_regularizer)
        self._activity_regularizer = nf_regularizers.get(activity_regularizer)
        self.kernel_constraint = nf_constraints.get(kernel_constraint)
        self.bias_constraint = nf_constraints.get(bias_constraint)

    def build(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ShapeError(f"Dense {self.name!r}: needs inputs of shape (batch, ..., features) with a known "
                             f"feature axis, got {tuple(input_shape)}")
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units), self.kernel_initializer,
                                      self.kernel_regularizer, self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), self.bias_initializer, self.bias_regularizer,
                                    self.bias_constraint) if self.use_bias else None
        self.built = True

    def call(self, inputs):
        if inputs.shape[-1] != self.kernel.shape[0]:
            raise ShapeError(f"Dense {self.name!r}: expected inputs with {self.kernel.shape[0]} features "
                             f"(shape (batch, {self.kernel.shape[0]})), got shape {inputs.shape}")
        act = "linear" if self._emit_logits else self._act_name
        if act in FUSABLE_ACTIVATIONS:
            return ops.linear(inputs, self.kernel, self.bias, act)
        return self.activation(ops.linear(inputs, self.kernel, self.bias))

    def _inference_fn(self, input_shape):
        if input_shape[-1] != self.kernel.shape[0]:
            return None  # the ordinary call raises the error that names the layer
        act, has_bias = self._act_name, self.bias is not None
        fused = act in FUSABLE_ACTIVATIONS  # relu/sigmoid/tanh inside the linear kernel, as in call
        then = identity if fused else on_tensors(self.activation)
        act = act if fused else "linear"
        return lambda a: then(Linear(act, has_bias).forward(a, self.kernel.data, self.bias.data if has_bias else None))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self._act_name,
                "use_bias": self.use_bias,
                "kernel_initializer": nf_initializers.serialize(self.kernel_initializer),
                "bias_initializer": nf_initializers.serialize(self.bias_initializer),
                "kernel_regularizer": nf_regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": nf_regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": nf_regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": nf_constraints.serialize(self.kernel_constraint),
                "bias_constraint": nf_constraints.serialize(self.bias_constraint)}


@register_builtin
class Activation(Layer):
    """Applies an activation function. Shapes: any -> same."""

    supports_masking = True  # a mask from an earlier layer passes through unchanged

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = nf_activations.get(activation)
        self._act_name = nf_activations.serialize(self.activation)

    def call(self, inputs):
        return inputs if self._emit_logits else self.activation(inputs)

    def _inference_fn(self, input_shape):
        return on_tensors(self.activation)

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
        if not 0 <= rate < 1:
            raise ConfigError(f"Dropout {self.name!r}: rate must be in [0, 1), got {rate}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed
        if seed is not None:
            from .. import random as nf_random
            self._rng = nf_random.generator(seed)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        return ops.dropout(inputs, self.rate, rng=self.rng, noise_shape=self.noise_shape)

    def _inference_fn(self, input_shape):
        return identity

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}


@register_builtin
class Flatten(Layer):
    """Flattens all axes but the batch axis. Shapes: ``(batch, d1, ..., dn)`` -> ``(batch, d1*...*dn)``."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = ops.transpose(inputs, (0,) + tuple(range(2, inputs.ndim)) + (1,))
        return ops.reshape(inputs, (inputs.shape[0], -1))

    def _inference_fn(self, input_shape):
        if self.data_format == "channels_first" and len(input_shape) > 2:
            return None
        return lambda a: a.reshape(a.shape[0], -1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if any(s is None for s in rest) else int(np.prod(rest)))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


@register_builtin
class Reshape(Layer):
    """Reshapes the non-batch axes to ``target_shape`` (one entry may be -1).

    Shapes: ``(batch, ...)`` -> ``(batch, *target_shape)``.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

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
        self.dims = tuple(dims)
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
        self.n = int(n)

    def call(self, inputs):
        if inputs.ndim != 2:
            raise ShapeError(f"RepeatVector {self.name!r}: expected 2-D inputs (batch, features), got {inputs.shape}")
        return ops.broadcast_to(ops.expand_dims(inputs, 1), (inputs.shape[0], self.n, inputs.shape[1]))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
