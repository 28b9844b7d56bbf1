"""Keras 3's activation layers: ``ReLU``, ``LeakyReLU``, ``PReLU`` (a learned slope), ``ELU`` and ``Softmax``
(with an optional mask).

Each is one element-wise function of its input, differentiable through ``ops``. Shapes: any -> same.
"""
from __future__ import annotations

from .. import _validate as check
from .. import constraints as nf_constraints, initializers as nf_initializers, ops
from .. import regularizers as nf_regularizers
from ..errors import ShapeError
from ..registry import register_builtin
from .base import Layer
from .masking import mask_array


class _Elementwise(Layer):
    """An activation layer: shape-preserving, passes a mask through."""

    supports_masking = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


@register_builtin
class ReLU(_Elementwise):
    """Rectified linear unit with Keras' options.

    ``f(x) = min(x, max_value)`` for ``x > threshold``, ``negative_slope * (x - threshold)`` otherwise (so ``0``
    at the threshold itself, as Keras computes it). Shapes: any -> same.

    Args: ``max_value`` (float >= 0 or None), ``negative_slope`` (float >= 0), ``threshold`` (float >= 0).
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        who = f"ReLU {self.name!r}"
        self.max_value = check.non_negative_float(max_value, who, "max_value", allow_none=True)
        self.negative_slope = check.non_negative_float(negative_slope, who, "negative_slope")
        self.threshold = check.non_negative_float(threshold, who, "threshold")

    def call(self, inputs):
        x = inputs
        if self.threshold == 0.0 and self.negative_slope == 0.0 and self.max_value is None:
            return ops.relu(x)
        # Keras: x > threshold keeps x (strictly), then clipping to [0, max_value], then the slope below.
        above = ops.where(ops.greater(x, self.threshold), x, 0.0) if self.threshold else ops.relu(x)
        if self.max_value is not None:
            above = ops.minimum(above, self.max_value)
        if self.negative_slope == 0.0:
            return above
        return above - self.negative_slope * ops.relu(self.threshold - x)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


@register_builtin
class LeakyReLU(_Elementwise):
    """``x`` for ``x >= 0``, ``negative_slope * x`` otherwise. Shapes: any -> same.

    Args: ``negative_slope`` (float >= 0, default 0.3; the legacy name ``alpha`` is accepted).
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:  # Keras 2's name, still accepted by Keras 3
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = check.non_negative_float(negative_slope, f"LeakyReLU {self.name!r}",
                                                       "negative_slope")

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


@register_builtin
class ELU(_Elementwise):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise. Shapes: any -> same."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check.finite_float(alpha, f"ELU {self.name!r}", "alpha")

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


@register_builtin
class PReLU(_Elementwise):
    """Parametric ReLU: ``max(x, 0) - alpha * max(-x, 0)`` with a learned ``alpha``.

    Shapes: ``(batch, d1, ..., dk)`` -> same; ``alpha`` ``(d1, ..., dk)`` with size 1 on the ``shared_axes``
    (axis numbers counting the batch axis as 0, as in Keras: ``shared_axes=[1, 2]`` shares one slope per channel
    of an image).

    Args: ``alpha_initializer`` (default ``'Zeros'``), ``alpha_regularizer``, ``alpha_constraint``,
    ``shared_axes`` (an int or a list of ints >= 1).
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        who = f"PReLU {self.name!r}"
        self.alpha_initializer = check.resolved(nf_initializers.get, alpha_initializer, who, "alpha_initializer")
        self.alpha_regularizer = check.resolved(nf_regularizers.get, alpha_regularizer, who, "alpha_regularizer")
        self.alpha_constraint = check.resolved(nf_constraints.get, alpha_constraint, who, "alpha_constraint")
        if shared_axes is not None and not isinstance(shared_axes, (list, tuple)):
            shared_axes = [shared_axes]
        self.shared_axes = None if shared_axes is None else \
            [check.positive_int(a, who, "shared_axes") for a in shared_axes]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if axis > len(shape):
                raise ShapeError(f"PReLU {self.name!r}: shared_axes {self.shared_axes} name axis {axis}, but the "
                                 f"inputs {tuple(input_shape)} have axes 1..{len(shape)} besides the batch")
            shape[axis - 1] = 1
        if any(s is None for s in shape):
            raise ShapeError(f"PReLU {self.name!r}: every axis but the batch and the shared_axes must be known, "
                             f"got inputs {tuple(input_shape)} with shared_axes {self.shared_axes}")
        self.alpha = self.add_weight("alpha", shape, self.alpha_initializer, self.alpha_regularizer,
                                     self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        return ops.relu(inputs) - self.alpha * ops.relu(-inputs)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": nf_initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": nf_regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": nf_constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


@register_builtin
class Softmax(_Elementwise):
    """Softmax over ``axis`` (an int, or a list of ints normalised together).

    ``layer(x, mask=m)``: positions where the mask ``m`` (bool, or float read as ``> 0.5``; broadcastable to
    ``x``) is False get probability 0 and are left out of the normalisation. Shapes: any -> same.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        who = f"Softmax {self.name!r}"
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        if not axes or not all(check.is_int(a) for a in axes):
            raise check.ArgumentTypeError(f"{who}: axis must be an int or a list of ints, got "
                                          f"{check.describe(axis)}")
        self.axis = [int(a) for a in axis] if isinstance(axis, (list, tuple)) else int(axis)

    def call(self, inputs, mask=None):
        return masked_softmax(inputs, self.axis, mask, f"Softmax {self.name!r}")

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def masked_softmax(inputs, axis, mask=None, who="softmax", zero_masked=True):
    """Softmax of ``inputs`` over ``axis`` (an int or a list), positions where ``mask`` is False (or a float mask
    ``<= 0.5``) set to 0 and left out of the normalisation, as Keras' ``Softmax`` layer computes it.

    ``zero_masked=False`` skips that last zeroing: a row with nothing unmasked then gets even weights.
    Shapes: inputs any; mask broadcastable to the inputs -> the inputs' shape."""
    keep = None
    if mask is not None:
        keep = mask_array(mask, like=inputs)
        if keep.ndim > inputs.ndim or any(m != 1 and m != i for m, i in zip(keep.shape[::-1], inputs.shape[::-1])):
            raise ShapeError(f"{who}: the mask of shape {keep.shape} does not broadcast to the inputs of shape "
                             f"{tuple(inputs.shape)}")
        keep = keep if keep.dtype == bool else keep > 0.5
        inputs = ops.where(keep, inputs, -1e9)  # Keras' large negative: its exp underflows to 0
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if len(axes) == 1:
        out = ops.softmax(inputs, axis=axes[0])
    else:
        out = ops.exp(inputs - ops.logsumexp(inputs, axis=tuple(axes), keepdims=True))
    return ops.where(keep, out, 0.0) if keep is not None and zero_masked else out


__all__ = ["masked_softmax", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]
