"""Regression losses: MSE, MAE, MAPE, MSLE, Huber, log-cosh and cosine similarity (Keras' definitions).

Each function takes ``y_true`` and ``y_pred`` of the same shape ``(N, ..., d)`` (or ``(N,)`` against ``(N, 1)``)
and returns the per-sample loss ``(N, ...)``: the mean over the last axis (a 1-D pair gives one loss per sample).
``y_pred`` is a Tensor and the result is recorded in the graph; ``y_true`` is a constant.
"""
from __future__ import annotations

import math

from .. import ops
from ..backend import epsilon, get_array_module
from ..errors import ConfigError
from .base import LossFunctionWrapper, prepare


def mean_squared_error(y_true, y_pred):
    """``mean((y_true - y_pred) ** 2, axis=-1)``. Shapes: ``(N, ..., d)`` twice -> ``(N, ...)``."""
    y_true, y_pred = prepare(y_true, y_pred, "mean_squared_error")
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(|y_true - y_pred|, axis=-1)``. Shapes: ``(N, ..., d)`` twice -> ``(N, ...)``."""
    y_true, y_pred = prepare(y_true, y_pred, "mean_absolute_error")
    return ops.mean(ops.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, eps), axis=-1)``. Shapes: as :func:`mean_squared_error`."""
    y_true, y_pred = prepare(y_true, y_pred, "mean_absolute_percentage_error")
    xp = get_array_module(y_true)
    scale = 100.0 / xp.maximum(abs(y_true), epsilon()).astype(y_true.dtype)
    return ops.mean(ops.abs(y_pred - y_true) * scale, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2, axis=-1)``. Shapes: as MSE."""
    y_true, y_pred = prepare(y_true, y_pred, "mean_squared_logarithmic_error")
    xp = get_array_module(y_true)
    log_true = xp.log1p(xp.maximum(y_true, y_true.dtype.type(epsilon())))
    return ops.mean(ops.square(ops.log1p(ops.maximum(y_pred, epsilon())) - log_true), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: ``0.5 e**2`` where ``|e| <= delta``, else ``delta * (|e| - 0.5 delta)``; mean over the last
    axis. Shapes: as :func:`mean_squared_error`."""
    y_true, y_pred = prepare(y_true, y_pred, "huber")
    err = y_pred - y_true
    abs_err = ops.abs(err)
    quadratic = 0.5 * ops.square(err)
    linear = delta * abs_err - 0.5 * delta * delta
    return ops.mean(ops.where(abs_err.data <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed as ``x + softplus(-2x) - log 2`` so that large
    errors do not overflow ``cosh``. Shapes: as :func:`mean_squared_error`."""
    y_true, y_pred = prepare(y_true, y_pred, "log_cosh")
    x = y_pred - y_true
    return ops.mean(x + ops.softplus(-2.0 * x) - math.log(2.0), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along ``axis`` (Keras' loss: -1 is best). Each side is L2-normalised as
    ``x / sqrt(max(sum(x**2), eps))``. Shapes: ``(N, ..., d)`` twice -> ``(N, ...)`` (``axis`` removed)."""
    y_true, y_pred = prepare(y_true, y_pred, "cosine_similarity", batch_of_scalars=False)
    xp = get_array_module(y_true)
    eps = y_true.dtype.type(epsilon())
    t = y_true / xp.sqrt(xp.maximum((y_true * y_true).sum(axis=axis, keepdims=True), eps))
    p = y_pred / ops.sqrt(ops.maximum(ops.sum(ops.square(y_pred), axis=axis, keepdims=True), eps))
    return -ops.sum(p * t, axis=axis)


# --- classes (Keras' names, arguments and default names) -------------------------------------------------------------
class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors over the last axis, then reduced over the batch. See :func:`mean_squared_error`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors. See :func:`mean_absolute_error`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error. See :func:`mean_absolute_percentage_error`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error. See :func:`mean_squared_logarithmic_error`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype)


class Huber(LossFunctionWrapper):
    """Huber loss with threshold ``delta`` (quadratic inside, linear outside). See :func:`huber`."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        if not delta > 0:
            raise ConfigError(f"Huber: delta must be > 0, got {delta!r}")
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=float(delta))


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the error. See :func:`log_cosh`."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along ``axis``. See :func:`cosine_similarity`."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)
