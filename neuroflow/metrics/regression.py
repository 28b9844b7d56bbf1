"""Regression metrics: MSE, MAE, MAPE, MSLE, RMSE, log-cosh error, cosine similarity and R².

Per-sample values are computed in NumPy (float64) with Keras' formulas; the classes stream their weighted mean
over batches. ``(N,)`` and ``(N, 1)`` pair up as in the losses.
"""
from __future__ import annotations

import math

from ..backend import epsilon, get_array_module, is_host
from ..errors import ConfigError, ShapeError
from .base import Mean, MeanMetricWrapper, Metric, align_ranks, follow, to_array


def _pair(y_true, y_pred, who):
    """Targets and predictions as float64 arrays of one shape (1-D pairs read as one value per sample)."""
    y_pred = to_array(y_pred)
    y_true, y_pred = align_ranks(to_array(y_true, like=y_pred), y_pred)
    if y_true.shape != y_pred.shape:
        raise ShapeError(f"{who}: y_true shape {y_true.shape} does not match y_pred shape {y_pred.shape}")
    y_true, y_pred = y_true.astype("float64"), y_pred.astype("float64")
    if y_pred.ndim == 1:
        y_true, y_pred = y_true[:, None], y_pred[:, None]
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """``mean((y_true - y_pred) ** 2, axis=-1)``. Shapes: ``(N, ..., d)`` twice -> ``(N, ...)``."""
    t, p = _pair(y_true, y_pred, "mean_squared_error")
    return ((p - t) ** 2).mean(axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(|y_true - y_pred|, axis=-1)``. Shapes: as :func:`mean_squared_error`."""
    t, p = _pair(y_true, y_pred, "mean_absolute_error")
    return abs(p - t).mean(axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, eps), axis=-1)``. Shapes: as MSE."""
    t, p = _pair(y_true, y_pred, "mean_absolute_percentage_error")
    xp = get_array_module(p)
    return 100.0 * (abs(p - t) / xp.maximum(abs(t), epsilon())).mean(axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log1p(max(y_pred, eps)) - log1p(max(y_true, eps))) ** 2, axis=-1)``. Shapes: as MSE."""
    t, p = _pair(y_true, y_pred, "mean_squared_logarithmic_error")
    xp = get_array_module(p)
    return ((xp.log1p(xp.maximum(p, epsilon())) - xp.log1p(xp.maximum(t, epsilon()))) ** 2).mean(axis=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)`` (overflow-free form). Shapes: as MSE."""
    t, p = _pair(y_true, y_pred, "log_cosh")
    xp = get_array_module(p)
    x = p - t
    return (x + xp.logaddexp(0.0, -2.0 * x) - math.log(2.0)).mean(axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity along ``axis`` (positive: 1 is best; the loss is its negative).
    Shapes: ``(N, ..., d)`` twice -> ``(N, ...)``."""
    p = to_array(y_pred).astype("float64")
    xp = get_array_module(p)
    t, p = align_ranks(to_array(y_true, like=p).astype("float64"), p)
    if t.shape != p.shape:
        raise ShapeError(f"cosine_similarity: y_true shape {t.shape} does not match y_pred shape {p.shape}")
    t = t / xp.sqrt(xp.maximum((t * t).sum(axis=axis, keepdims=True), epsilon()))
    p = p / xp.sqrt(xp.maximum((p * p).sum(axis=axis, keepdims=True), epsilon()))
    return (t * p).sum(axis=axis)


class MeanSquaredError(MeanMetricWrapper):
    """Running mean of the squared error. See :func:`mean_squared_error`."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of the absolute error. See :func:`mean_absolute_error`."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Running mean absolute percentage error. See :func:`mean_absolute_percentage_error`."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Running mean squared logarithmic error. See :func:`mean_squared_logarithmic_error`."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """Running mean of ``log(cosh(error))``. See :func:`log_cosh`."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """Running mean cosine similarity along ``axis`` (1 is best). See :func:`cosine_similarity`."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """``sqrt`` of the running weighted mean of squared errors (the root is taken at the end, over all batches)."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p = _pair(y_true, y_pred, "root_mean_squared_error")
        super().update_state((p - t) ** 2, sample_weight)

    def result(self) -> float:
        mean = super().result()
        return math.sqrt(mean) if is_host(mean) else get_array_module(mean).sqrt(mean)


class R2Score(Metric):
    """Coefficient of determination ``1 - SS_res / SS_tot``, streamed (Keras' ``R2Score``).

    Shapes: ``y_true``, ``y_pred`` ``(N, outputs)`` (or ``(N,)``). ``class_aggregation``: ``"uniform_average"``
    (mean over outputs, default), ``"variance_weighted_average"`` or ``None`` (one score per output, a list).
    ``num_regressors`` > 0 gives the adjusted R².
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        if class_aggregation not in ("uniform_average", "variance_weighted_average", None):
            raise ConfigError(f"R2Score: class_aggregation must be 'uniform_average', 'variance_weighted_average' or "
                              f"None, got {class_aggregation!r}")
        if not isinstance(num_regressors, int) or num_regressors < 0:
            raise ConfigError(f"R2Score: num_regressors must be an integer >= 0, got {num_regressors!r}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.sum = self.squared_sum = self.residual = self.count = None
        self.num_samples = 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p = _pair(y_true, y_pred, "R2Score")
        xp = get_array_module(t)
        if t.ndim != 2:
            raise ShapeError(f"R2Score: expected (N, outputs) or (N,) inputs, got shape {t.shape}")
        w = (xp.ones_like(t) if sample_weight is None
             else to_array(sample_weight, like=t).astype("float64").reshape(-1, 1))
        w = xp.broadcast_to(w, t.shape)
        stats = ((w * t).sum(axis=0), (w * t * t).sum(axis=0), (w * (t - p) ** 2).sum(axis=0), w.sum(axis=0))
        if self.sum is None:
            self.sum, self.squared_sum, self.residual, self.count = stats
        else:
            if stats[0].shape != self.sum.shape:
                raise ShapeError(f"R2Score: got {t.shape[1]} outputs in this batch but {self.sum.shape[0]} before")
            self.sum, self.squared_sum, self.residual, self.count = (follow(a, b) + b for a, b in
                                                                     zip((self.sum, self.squared_sum,
                                                                          self.residual, self.count), stats))
        self.num_samples += t.shape[0]

    def result(self):
        if self.sum is None:
            return 0.0
        xp = get_array_module(self.sum)
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        with xp.errstate(divide="ignore", invalid="ignore"):
            raw = 1 - self.residual / total
        raw = xp.where(xp.isfinite(raw), raw, 0.0)
        if self.class_aggregation == "uniform_average":
            score = raw.mean()
        elif self.class_aggregation == "variance_weighted_average":
            weight = total.sum()
            score = xp.where(weight != 0, (raw * total).sum() / xp.where(weight != 0, weight, 1.0), 0.0)
        else:
            return [float(v) for v in raw] if is_host(raw) else list(raw)
        n, k = self.num_samples, self.num_regressors
        if k and n - k - 1 > 0:
            score = 1 - (1 - score) * (n - 1) / (n - k - 1)
        return float(score) if is_host(score) else score  # a device value is read with the other logs

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(class_aggregation=self.class_aggregation, num_regressors=self.num_regressors)
        return config
