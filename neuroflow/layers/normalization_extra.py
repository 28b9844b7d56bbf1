"""Keras 3's other normalizations: ``GroupNormalization`` (statistics per sample and group of channels),
``UnitNormalization`` (unit L2 norm) and ``RMSNormalization`` (divide by the root mean square, learned scale).
All behave the same in training and inference (no moving statistics). Shapes: any -> same."""
from __future__ import annotations

from .. import _validate as check
from .. import constraints as nf_constraints, initializers as nf_initializers, ops
from .. import regularizers as nf_regularizers
from ..errors import ShapeError
from ..registry import register_builtin
from .base import Layer


def _axes(axis, who):
    """An int or a list of ints, checked."""
    if check.is_int(axis):
        return int(axis)
    if isinstance(axis, (list, tuple)) and axis and all(check.is_int(a) for a in axis):
        return [int(a) for a in axis]
    raise check.ArgumentTypeError(f"{who}: axis must be an int or a list of ints, got {check.describe(axis)}")


def _check_axes(axes, input_shape, who):
    """Axes as non-negative ints, each within the input's rank."""
    rank = len(input_shape)
    for a in axes:
        if not -rank <= a < rank:
            raise ShapeError(f"{who}: axis {a} is out of bounds for inputs of shape {tuple(input_shape)}")
    return [a % rank for a in axes]


class _Normalization(Layer):
    supports_masking = True

    def compute_output_shape(self, input_shape):
        _check_axes(self.axis if isinstance(self.axis, list) else [self.axis], input_shape, self._who)
        return tuple(input_shape)


@register_builtin
class GroupNormalization(_Normalization):
    """Normalizes each sample over groups of channels: the ``axis`` channels split into ``groups`` groups, each
    normalized over its channels and every other non-batch axis, then ``gamma * x + beta`` per channel.

    Shapes: any ``(batch, ..., channels, ...)`` -> same; gamma/beta ``(channels,)``. Args: ``groups`` (divides
    the channel count; ``-1``: one group per channel, instance normalization), ``axis``, ``epsilon``, ``center``,
    ``scale`` and the beta/gamma initializers, regularizers, constraints.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        who = self._who = f"GroupNormalization {self.name!r}"
        if not (check.is_int(groups) and (groups > 0 or groups == -1)):
            raise check.ArgumentTypeError(f"{who}: groups must be a positive int (or -1 for one group per "
                                          f"channel), got {check.describe(groups)}")
        self.groups = int(groups)
        self.axis = check.integer(axis, who, "axis")
        self.epsilon = check.positive_float(epsilon, who, "epsilon")
        self.center = check.boolean(center, who, "center")
        self.scale = check.boolean(scale, who, "scale")
        self.beta_initializer = check.resolved(nf_initializers.get, beta_initializer, who, "beta_initializer")
        self.gamma_initializer = check.resolved(nf_initializers.get, gamma_initializer, who, "gamma_initializer")
        self.beta_regularizer = nf_regularizers.get(beta_regularizer)
        self.gamma_regularizer = nf_regularizers.get(gamma_regularizer)
        self.beta_constraint = nf_constraints.get(beta_constraint)
        self.gamma_constraint = nf_constraints.get(gamma_constraint)

    def build(self, input_shape):
        (axis,) = _check_axes([self.axis], input_shape, self._who)
        dim = input_shape[axis]
        if dim is None:
            raise ShapeError(f"{self._who}: axis {self.axis} of the inputs {tuple(input_shape)} must be known")
        groups = dim if self.groups == -1 else self.groups
        if dim < groups or dim % groups:
            raise ShapeError(f"{self._who}: {dim} channels (axis {self.axis} of {tuple(input_shape)}) cannot be "
                             f"split into {groups} equal groups")
        self._groups = groups
        self.gamma = self.add_weight("gamma", (dim,), self.gamma_initializer, self.gamma_regularizer,
                                     self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", (dim,), self.beta_initializer, self.beta_regularizer,
                                    self.beta_constraint) if self.center else None
        self.built = True

    def call(self, inputs):
        rank = inputs.ndim
        axis = self.axis % rank
        dim = inputs.shape[axis]
        grouped_shape = list(inputs.shape)
        grouped_shape[axis:axis + 1] = [self._groups, dim // self._groups]  # (..., groups, per_group, ...)
        x = ops.reshape(inputs, grouped_shape)
        reduce = tuple(a for a in range(1, rank + 1) if a != axis)  # all but batch and the group axis
        mean, variance = ops.moments(x, axes=reduce, keepdims=True)
        x = (x - mean) / ops.sqrt(variance + self.epsilon)
        x = ops.reshape(x, inputs.shape)
        param_shape = [1] * rank
        param_shape[axis] = dim
        if self.gamma is not None:
            x = x * ops.reshape(self.gamma, param_shape)
        if self.beta is not None:
            x = x + ops.reshape(self.beta, param_shape)
        return x

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": nf_initializers.serialize(self.beta_initializer),
                "gamma_initializer": nf_initializers.serialize(self.gamma_initializer),
                "beta_regularizer": nf_regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": nf_regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": nf_constraints.serialize(self.beta_constraint),
                "gamma_constraint": nf_constraints.serialize(self.gamma_constraint)}


@register_builtin
class UnitNormalization(_Normalization):
    """``x / max(||x||_2, 1e-12)`` over ``axis`` (an int or a list of ints). Shapes: any -> same."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self._who = f"UnitNormalization {self.name!r}"
        self.axis = _axes(axis, self._who)

    def call(self, inputs):
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        # the Frobenius norm over several axes (a matrix 2-norm would be the largest singular value); the floor
        # under the squared sum keeps an all-zero slice's output and gradient finite
        squared = ops.sum(ops.square(inputs), axis=axis, keepdims=True)
        return inputs / ops.sqrt(ops.maximum(squared, 1e-24))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


@register_builtin
class RMSNormalization(_Normalization):
    """``x / sqrt(mean(x**2, axis) + epsilon) * scale`` (Zhang & Sennrich 2019) with a learned ``scale`` over
    ``axis``. Shapes: any -> same; scale: the sizes of ``axis``. Args: ``axis`` (int or list), ``epsilon``."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self._who = f"RMSNormalization {self.name!r}"
        self.axis = _axes(axis, self._who)
        self.epsilon = check.positive_float(epsilon, self._who, "epsilon")

    def build(self, input_shape):
        axes = sorted(_check_axes(self.axis if isinstance(self.axis, list) else [self.axis], input_shape,
                                  self._who))
        if any(input_shape[a] is None for a in axes):
            raise ShapeError(f"{self._who}: axis {self.axis} of the inputs {tuple(input_shape)} must be known")
        self._norm_axes = tuple(axes)
        self._scale_shape = [input_shape[a] if a in axes else 1 for a in range(len(input_shape))]
        self.scale = self.add_weight("scale", [input_shape[a] for a in axes], "ones")
        self.built = True

    def call(self, inputs):
        scale = ops.reshape(self.scale, self._scale_shape)
        return ops.rms_normalization(inputs, scale=scale, axis=self._norm_axes, epsilon=self.epsilon)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


__all__ = ["GroupNormalization", "UnitNormalization", "RMSNormalization"]
