"""Normalization layers: BatchNormalization and LayerNormalization (each one fused graph node per call)."""
from __future__ import annotations

from .. import _validate as check
from .. import constraints as nf_constraints, initializers as nf_initializers, regularizers as nf_regularizers
from ..errors import ConfigError, ShapeError
from ..ops import normalization as nrm
from ..registry import register_builtin
from .base import Layer


def _axes(layer, axis, input_shape) -> tuple:
    """``axis`` (int or list) as sorted non-negative axes of ``input_shape``, each of known size."""
    ndim = len(input_shape)
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ShapeError(f"{type(layer).__name__} {layer.name!r}: axis {a} is out of range for inputs of "
                             f"shape {tuple(input_shape)}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ConfigError(f"{type(layer).__name__} {layer.name!r}: repeated axis in {axis}")
    out.sort()
    for a in out:
        if input_shape[a] is None:
            raise ShapeError(f"{type(layer).__name__} {layer.name!r}: axis {a} of the input shape "
                             f"{tuple(input_shape)} must be known to build the layer's weights")
    return tuple(out)


def _axis_config(axis):
    return axis if isinstance(axis, int) else list(axis)


class _Normalization(Layer):
    """Shared arguments and weights of the normalization layers: ``gamma`` (scale) and ``beta`` (center)."""

    supports_masking = True  # a mask from an earlier layer passes through unchanged

    def __init__(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                 gamma_regularizer, beta_constraint, gamma_constraint, **kwargs):
        super().__init__(**kwargs)
        if not check.is_int(axis) and not (isinstance(axis, (list, tuple)) and axis and
                                           all(check.is_int(a) for a in axis)):
            raise ConfigError(f"{type(self).__name__} {self.name!r}: axis must be an int or a list of ints, "
                              f"got {axis!r}")
        who = f"{type(self).__name__} {self.name!r}"
        self.axis = int(axis) if check.is_int(axis) else tuple(int(a) for a in axis)
        self.epsilon = check.positive_float(epsilon, who, "epsilon")
        self.center, self.scale = check.boolean(center, who, "center"), check.boolean(scale, who, "scale")
        self.beta_initializer = nf_initializers.get(beta_initializer)
        self.gamma_initializer = nf_initializers.get(gamma_initializer)
        self.beta_regularizer = nf_regularizers.get(beta_regularizer)
        self.gamma_regularizer = nf_regularizers.get(gamma_regularizer)
        self.beta_constraint = nf_constraints.get(beta_constraint)
        self.gamma_constraint = nf_constraints.get(gamma_constraint)
        self.gamma = self.beta = None

    def _build_affine(self, input_shape):
        self._axes = _axes(self, self.axis, input_shape)
        self._ndim = len(input_shape)
        pshape = tuple(input_shape[a] for a in self._axes)
        if self.scale:
            self.gamma = self.add_weight("gamma", pshape, self.gamma_initializer, self.gamma_regularizer,
                                         self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", pshape, self.beta_initializer, self.beta_regularizer,
                                        self.beta_constraint)
        return pshape

    def _check_input(self, inputs):
        if inputs.ndim != self._ndim or tuple(inputs.shape[a] for a in self._axes) != self._pshape:
            raise ShapeError(f"{type(self).__name__} {self.name!r}: was built for inputs of rank {self._ndim} "
                             f"with sizes {self._pshape} along axis {_axis_config(self.axis)}, got shape "
                             f"{inputs.shape}")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": _axis_config(self.axis), "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": nf_initializers.serialize(self.beta_initializer),
                "gamma_initializer": nf_initializers.serialize(self.gamma_initializer),
                "beta_regularizer": nf_regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": nf_regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": nf_constraints.serialize(self.beta_constraint),
                "gamma_constraint": nf_constraints.serialize(self.gamma_constraint)}


@register_builtin
class BatchNormalization(_Normalization):
    """Normalize each feature with batch statistics while training, with moving statistics at inference.

    ``training=True``: ``y = (x - mean_B) / sqrt(var_B + epsilon) * gamma + beta`` with the batch's mean and
    (biased) variance over every axis but ``axis``; the moving statistics are then updated as Keras does:
    ``moving = moving * momentum + batch_stat * (1 - momentum)`` (both with the biased batch variance).
    ``training=False`` (``predict``, ``evaluate``, a plain call): the moving mean and variance are used.

    **Frozen layers always run in inference mode**: with ``layer.trainable = False`` the layer uses its moving
    statistics and never updates them, even inside ``fit`` (``training=True``) — the Keras 3 rule that makes
    fine-tuning a frozen pretrained base behave.

    Weights: ``gamma`` (if ``scale``) and ``beta`` (if ``center``), trainable; ``moving_mean`` and
    ``moving_variance``, non-trainable. All have shape ``(C,)``, ``C`` the input's size along ``axis``.
    (PyTorch's ``momentum`` is ``1 - momentum`` here; PyTorch's running variance is the unbiased one.)

    Shapes: any input with known size along ``axis`` -> same shape.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        self.momentum = check.probability(momentum, f"BatchNormalization {self.name!r}", "momentum",
                                          inclusive_high=True)
        self.moving_mean_initializer = nf_initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = nf_initializers.get(moving_variance_initializer)
        # one device: nothing to synchronize; kept for Keras configs
        self.synchronized = check.boolean(synchronized, f"BatchNormalization {self.name!r}", "synchronized")

    def build(self, input_shape):
        self._pshape = self._build_affine(input_shape)
        self.moving_mean = self.add_weight("moving_mean", self._pshape, self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", self._pshape, self.moving_variance_initializer,
                                               trainable=False)
        self.built = True

    def call(self, inputs, training=None):
        self._check_input(inputs)
        axis = self._axes if len(self._axes) > 1 else self._axes[0]
        if training and self.trainable:
            y, mean, var = nrm.batch_normalization_training(inputs, axis, self.beta, self.gamma, self.epsilon)
            m = self.momentum
            # with ops, not on arrays: a compiled step (neuroflow/compile) records these updates and replays them
            self.moving_mean.assign(self.moving_mean * m + mean * (1.0 - m))
            self.moving_variance.assign(self.moving_variance * m + var * (1.0 - m))
            return y
        return nrm.batch_normalization(inputs, self.moving_mean, self.moving_variance, axis, self.beta, self.gamma,
                                       self.epsilon)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum,
                "moving_mean_initializer": nf_initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": nf_initializers.serialize(self.moving_variance_initializer),
                "synchronized": self.synchronized}


@register_builtin
class LayerNormalization(_Normalization):
    """Normalize each sample over ``axis`` (int or list of axes), then scale by ``gamma`` and shift by ``beta``:
    ``y = (x - mean) / sqrt(var + epsilon) * gamma + beta``, statistics per sample. Same in training and
    inference.

    Weights: ``gamma`` (if ``scale``), ``beta`` (if ``center``), shaped as the input along ``axis``.
    Shapes: any -> same.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)

    def build(self, input_shape):
        self._pshape = self._build_affine(input_shape)
        self.built = True

    def call(self, inputs):
        self._check_input(inputs)
        return nrm.layer_normalization(inputs, self.gamma, self.beta, self._axes, self.epsilon)
