"""Focal cross-entropies (Lin et al., 2018) and the generalized cross-entropy (Zhang & Sabuncu, 2018).

The focal losses scale each element's cross-entropy by ``(1 - p_t) ** gamma`` (``p_t``: the probability given to
the true class), so that confidently right examples count less; ``gamma = 0`` gives the plain cross-entropy.
The generalized cross-entropy ``(1 - p ** q) / q`` goes from cross-entropy (``q -> 0``) to MAE (``q = 1``) and is
robust to noisy labels. Definitions, defaults and clipping are Keras 3's.
"""
from __future__ import annotations

from .. import ops
from ..backend import epsilon
from ..errors import ConfigError
from .base import LossFunctionWrapper, as_pred, as_true, prepare
from .probabilistic import _check_categorical, _check_smoothing, _class_ids


def _check_gamma(gamma, who):
    if gamma < 0:
        raise ConfigError(f"{who}: gamma must be >= 0; got {gamma!r}")


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal cross-entropy, averaged over ``axis``.

    ``focal_bce = (1 - p_t) ** gamma * bce`` with ``p_t = y * p + (1 - y) * (1 - p)``; with
    ``apply_class_balancing`` each element is also weighted by ``alpha`` (class 1) or ``1 - alpha`` (class 0).
    Shapes: ``y_true`` and ``y_pred`` ``(N, ..., d)`` (or ``(N,)`` against ``(N, 1)``) -> ``(N, ...)``.
    """
    _check_smoothing(label_smoothing, "binary_focal_crossentropy")
    _check_gamma(gamma, "binary_focal_crossentropy")
    y_true, y_pred = prepare(y_true, y_pred, "binary_focal_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    probs = ops.sigmoid(y_pred) if from_logits else y_pred
    bce = ops.binary_crossentropy(y_true, probs)
    p_t = probs * y_true + (1.0 - probs) * (1.0 - y_true)
    focal = ops.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = focal * (y_true * alpha + (1.0 - y_true) * (1.0 - alpha))
    return ops.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                                   axis=-1):
    """Alpha-balanced categorical focal cross-entropy: ``sum(-alpha * (1 - p) ** gamma * y * log(p), axis)``
    with ``p`` renormalised over ``axis`` and clipped to ``[eps, 1 - eps]`` (Keras' definition).
    Shapes: one-hot ``y_true`` and ``y_pred`` ``(N, ..., classes)`` -> ``(N, ...)``.
    """
    _check_smoothing(label_smoothing, "categorical_focal_crossentropy")
    _check_gamma(gamma, "categorical_focal_crossentropy")
    y_pred = as_pred(y_pred)
    y_true = as_true(y_true, like=y_pred)
    _check_categorical(y_true, y_pred, axis, "categorical_focal_crossentropy")
    y_true = y_true.astype(y_pred.dtype, copy=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    probs = ops.softmax(y_pred, axis=axis) if from_logits else y_pred
    probs = ops.clip(probs / ops.sum(probs, axis=axis, keepdims=True), epsilon(), 1.0 - epsilon())
    focal = ops.power(1.0 - probs, gamma) * (-alpha * y_true) * ops.log(probs)
    return ops.sum(focal, axis=axis)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """Generalized cross-entropy ``(1 - p ** q) / q``, ``p`` the predicted probability of the true class.

    Shapes: ``y_true`` ``(N,)`` or ``(N, 1)`` integer class ids, ``y_pred`` ``(N, classes)`` probabilities
    -> ``(N,)``. ``q`` in ``(0, 1)``.
    """
    if not 0 < q < 1:
        raise ConfigError(f"categorical_generalized_cross_entropy: q must be in the interval (0, 1); got {q!r}")
    y_pred = as_pred(y_pred)
    ids = as_true(_class_ids(y_true, y_pred, "categorical_generalized_cross_entropy"), like=y_pred)
    picked = ops.take_along_axis(y_pred, ops.expand_dims(ops.convert_to_tensor(ids), -1), axis=-1)
    return (1.0 - ops.power(ops.squeeze(picked, -1), q)) / q


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary focal cross-entropy. See :func:`binary_focal_crossentropy`."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction="sum_over_batch_size", name="binary_focal_crossentropy", dtype=None):
        _check_smoothing(label_smoothing, "BinaryFocalCrossentropy")
        _check_gamma(gamma, "BinaryFocalCrossentropy")
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=bool(apply_class_balancing), alpha=float(alpha), gamma=float(gamma),
                         from_logits=bool(from_logits), label_smoothing=float(label_smoothing), axis=axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical focal cross-entropy for one-hot targets. See :func:`categorical_focal_crossentropy`."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        _check_smoothing(label_smoothing, "CategoricalFocalCrossentropy")
        _check_gamma(gamma, "CategoricalFocalCrossentropy")
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         alpha=float(alpha), gamma=float(gamma), from_logits=bool(from_logits),
                         label_smoothing=float(label_smoothing), axis=axis)


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy for integer class ids. See :func:`categorical_generalized_cross_entropy`."""

    def __init__(self, q=0.5, reduction="sum_over_batch_size", name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0 < q < 1:
            raise ConfigError(f"CategoricalGeneralizedCrossEntropy: q must be in the interval (0, 1); got {q!r}")
        super().__init__(categorical_generalized_cross_entropy, reduction=reduction, name=name, dtype=dtype,
                         q=float(q))
