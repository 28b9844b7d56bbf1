"""Normalization layers: BatchNormalization and LayerNormalization (each one fused graph node per call)."""
from __future__ import annotations

import warnings

from .. import _validate as check
from .. import ops as nf_ops
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


def _renorm_clipping(clipping, who) -> dict:
    """BatchNormalization's ``renorm_clipping`` checked as Keras does: keys among rmax/rmin/dmax, rmin <= rmax,
    dmax >= 0 (a missing key: no clipping on that side)."""
    clipping = {} if clipping is None else clipping
    if not isinstance(clipping, dict) or set(clipping) - {"rmax", "rmin", "dmax"}:
        raise ConfigError(f"{who}: renorm_clipping must be a dict with keys among 'rmax', 'rmin', 'dmax', "
                          f"got {clipping!r}")
    rmax, rmin, dmax = clipping.get("rmax"), clipping.get("rmin"), clipping.get("dmax")
    if rmax is not None and rmin is not None and rmax < rmin:
        raise ConfigError(f"{who}: renorm_clipping needs rmax >= rmin, got rmax={rmax}, rmin={rmin}")
    if dmax is not None and dmax < 0:
        raise ConfigError(f"{who}: renorm_clipping needs dmax >= 0, got dmax={dmax}")
    return dict(clipping)


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

    def _bshape(self) -> tuple:
        """The weights' shape broadcast against the input: the input's sizes along ``axis``, 1 elsewhere."""
        return tuple(self._pshape[self._axes.index(a)] if a in self._axes else 1 for a in range(self._ndim))

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

    ``renorm=True`` (Batch Renormalization, as Keras): while training, ``y = (x_hat * r + d) * gamma + beta``
    with ``r = sigma_B / renorm_stddev`` clipped to ``[rmin, rmax]`` and ``d = (mean_B - renorm_mean) /
    renorm_stddev`` clipped to ``[-dmax, dmax]`` (``renorm_clipping``; no gradient through r, d). ``renorm_mean``
    and ``renorm_stddev`` move with ``renorm_momentum``; ``moving_stddev`` moves with ``momentum`` and
    ``moving_variance = relu(moving_stddev**2 - epsilon)``. Inference is unchanged. Extra non-trainable weights
    (Keras' order): ``moving_stddev``, ``renorm_mean``, ``renorm_stddev``, each ``(C,)``.

    Shapes: any input with known size along ``axis`` -> same shape.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        who = f"BatchNormalization {self.name!r}"
        self.momentum = check.probability(momentum, who, "momentum", inclusive_high=True)
        self.renorm = check.boolean(renorm, who, "renorm")
        self.renorm_momentum = check.probability(renorm_momentum, who, "renorm_momentum", inclusive_high=True)
        self.renorm_clipping = _renorm_clipping(renorm_clipping, who) if self.renorm else renorm_clipping
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
        if self.renorm:  # Keras tracks the standard deviation here, started at sqrt of the variance initializer
            self.moving_stddev = self.add_weight("moving_stddev", self._pshape, "ones", trainable=False)
            self.moving_stddev.assign(nf_ops.sqrt(self.moving_variance_initializer(self._pshape)))
            self.renorm_mean = self.add_weight("renorm_mean", self._pshape, self.moving_mean_initializer,
                                               trainable=False)
            self.renorm_stddev = self.add_weight("renorm_stddev", self._pshape, "ones", trainable=False)
            self.renorm_stddev.assign(self.moving_stddev)
        self.built = True

    def call(self, inputs, training=None):
        self._check_input(inputs)
        axis = self._axes if len(self._axes) > 1 else self._axes[0]
        if training and self.trainable and self.renorm:
            return self._renorm_call(inputs, axis)
        if training and self.trainable:
            y, mean, var = nrm.batch_normalization_training(inputs, axis, self.beta, self.gamma, self.epsilon)
            m = self.momentum
            # with ops, not on arrays: a compiled step (neuroflow/compile) records these updates and replays them
            self.moving_mean.assign(self.moving_mean * m + mean * (1.0 - m))
            self.moving_variance.assign(self.moving_variance * m + var * (1.0 - m))
            return y
        return nrm.batch_normalization(inputs, self.moving_mean, self.moving_variance, axis, self.beta, self.gamma,
                                       self.epsilon)

    def _renorm_call(self, inputs, axis):
        """Batch Renormalization's training step (Keras' ``_renorm_correction_and_moments`` and updates)."""
        x_hat, mean, var = nrm.batch_normalization_training(inputs, axis, None, None, self.epsilon)
        stddev = nf_ops.sqrt(var + self.epsilon)
        renorm_stddev = nf_ops.maximum(self.renorm_stddev, float(self.epsilon) ** 0.5)  # no division by ~0
        r = stddev / renorm_stddev
        d = (mean - self.renorm_mean) / renorm_stddev
        clip = self.renorm_clipping
        if clip.get("rmin") is not None:
            r = nf_ops.maximum(r, clip["rmin"])
        if clip.get("rmax") is not None:
            r = nf_ops.minimum(r, clip["rmax"])
        if clip.get("dmax") is not None:
            d = nf_ops.clip(d, -clip["dmax"], clip["dmax"])
        r, d = nf_ops.stop_gradient(r), nf_ops.stop_gradient(d)
        scale = r if self.gamma is None else r * self.gamma
        offset = d if self.gamma is None else d * self.gamma
        if self.beta is not None:
            offset = offset + self.beta
        m, rm = self.momentum, self.renorm_momentum
        self.renorm_mean.assign(self.renorm_mean * rm + mean * (1.0 - rm))
        self.renorm_stddev.assign(self.renorm_stddev * rm + stddev * (1.0 - rm))
        self.moving_mean.assign(self.moving_mean * m + mean * (1.0 - m))
        self.moving_stddev.assign(self.moving_stddev * m + stddev * (1.0 - m))
        self.moving_variance.assign(nf_ops.relu(self.moving_stddev * self.moving_stddev - self.epsilon))
        bshape = self._bshape()
        return x_hat * nf_ops.reshape(scale, bshape) + nf_ops.reshape(offset, bshape)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum,
                "moving_mean_initializer": nf_initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": nf_initializers.serialize(self.moving_variance_initializer),
                "renorm": self.renorm, "renorm_clipping": self.renorm_clipping,
                "renorm_momentum": self.renorm_momentum, "synchronized": self.synchronized}


@register_builtin
class LayerNormalization(_Normalization):
    """Normalize each sample over ``axis`` (int or list of axes), then scale by ``gamma`` and shift by ``beta``:
    ``y = (x - mean) / sqrt(var + epsilon) * gamma + beta``, statistics per sample. Same in training and
    inference. ``rms_scaling=True`` (deprecated in Keras, kept for its programs): ``y = x / sqrt(var + epsilon) *
    gamma`` with no ``beta`` (Keras' formula, which scales by the variance, not the root mean square; prefer
    ``RMSNormalization``).

    Weights: ``gamma`` (if ``scale``), ``beta`` (if ``center``), shaped as the input along ``axis``.
    Shapes: any -> same.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, rms_scaling=False, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        self.rms_scaling = check.boolean(rms_scaling, f"LayerNormalization {self.name!r}", "rms_scaling")
        if self.rms_scaling:
            warnings.warn("LayerNormalization: rms_scaling=True is deprecated in Keras (it scales by the variance, "
                          "not the root mean square); use RMSNormalization", stacklevel=2)

    def build(self, input_shape):
        # Keras: rms_scaling always has gamma and never beta
        scale, center = self.scale, self.center
        self.scale, self.center = scale or self.rms_scaling, center and not self.rms_scaling
        try:
            self._pshape = self._build_affine(input_shape)
        finally:
            self.scale, self.center = scale, center
        self.built = True

    def call(self, inputs):
        self._check_input(inputs)
        if self.rms_scaling:
            _, var = nf_ops.moments(inputs, self._axes, keepdims=True)
            y = inputs * nf_ops.rsqrt(var + self.epsilon)
            return y if self.gamma is None else y * nf_ops.reshape(self.gamma, self._bshape())
        return nrm.layer_normalization(inputs, self.gamma, self.beta, self._axes, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "rms_scaling": self.rms_scaling}
