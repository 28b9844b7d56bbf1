"""Correlation metrics (Keras 3's ``pearson_correlation`` / ``concordance_correlation`` and their running-mean
classes): per-sample correlations along ``axis``, averaged over the samples seen so far."""
from __future__ import annotations

import numpy as np

from ..backend import epsilon
from .base import MeanMetricWrapper, align_ranks, to_array


def _pair(y_true, y_pred):
    y_pred = to_array(y_pred)
    y_pred = y_pred.astype(y_pred.dtype if y_pred.dtype.kind == "f" else "float32")
    return align_ranks(to_array(y_true, like=y_pred).astype(y_pred.dtype), y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson correlation along ``axis``. Shapes: ``(N, d)`` twice -> ``(N,)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    t = y_true - y_true.mean(axis=axis, keepdims=True)
    p = y_pred - y_pred.mean(axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant row gives NaN, as in Keras
        return (t / t.std(axis=axis, keepdims=True) * (p / p.std(axis=axis, keepdims=True))).mean(axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along ``axis``, in Keras' form (its covariance term centres ``y_true`` on
    ``y_pred``'s mean). Shapes: ``(N, d)`` twice -> ``(N,)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    true_mean = y_true.mean(axis=axis, keepdims=True)
    pred_mean = y_pred.mean(axis=axis, keepdims=True)
    norm = y_true.var(axis=axis, keepdims=True) + y_pred.var(axis=axis, keepdims=True) + (true_mean - pred_mean) ** 2
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    return (2 * covariance / (norm + epsilon())).mean(axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """Running mean of :func:`pearson_correlation`."""

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)


class ConcordanceCorrelation(MeanMetricWrapper):
    """Running mean of :func:`concordance_correlation`."""

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
