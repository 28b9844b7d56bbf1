"""Metrics from confusion counts at thresholds: TruePositives... Precision, Recall, AUC; and ``confusion_matrix``.

A prediction counts as positive when it is strictly above a threshold (Keras' rule). Counts at every threshold come
from one sort-free pass: each prediction falls into the bucket ``searchsorted(thresholds, p)`` (the number of
thresholds strictly below it), and cumulative sums of the weighted bucket counts give the true/false positives at
every threshold at once, O(N log T) for N predictions and T thresholds.
"""
from __future__ import annotations

import numpy as np

from ..backend import epsilon, get_array_module, is_host, kept_on_device, to_host
from ..errors import ConfigError, DataError, ShapeError
from ..losses.base import host_values
from .base import Metric, align_ranks, follow, to_array

NEG_INF = -1e10  # Keras' threshold when only top_k decides


def _as_thresholds(thresholds, default, who):
    """Thresholds as a host float64 array ``(T,)`` (configuration: :func:`_config_on` copies it to the data's
    device) and whether ``result`` returns one float (one threshold)."""
    t = np.atleast_1d(np.asarray(default if thresholds is None else thresholds, dtype="float64"))
    if t.size == 0 or t.ndim != 1:
        raise ConfigError(f"{who}: thresholds must be a number or a list of numbers, got {thresholds!r}")
    if not (((t >= 0) & (t <= 1)) | (t == NEG_INF)).all():
        raise ConfigError(f"{who}: thresholds must lie in [0, 1], got {thresholds!r}")
    return t, t.size == 1


def _config_on(metric, name, like):
    """The host configuration array ``metric.<name>`` (thresholds, label weights; ``None`` stays ``None``) on
    the device of ``like``, copied there once per device and kept."""
    value = getattr(metric, name)
    return None if value is None else kept_on_device(metric, name, like, lambda: value)


def _check_probabilities(y_pred, who):
    """Host predictions must be probabilities (device ones are not read: a transfer per batch)."""
    values = host_values(y_pred)
    if values is not None and values.size and (values.min() < 0 or values.max() > 1):
        raise DataError(f"{who}: y_pred holds values in [{values.min():g}, {values.max():g}] but this metric takes "
                        f"probabilities in [0, 1]; apply a sigmoid/softmax first (AUC also takes from_logits=True)")


def _flatten_inputs(y_true, y_pred, sample_weight, who, class_id=None, top_k=None, multi_label=False,
                    label_weights=None):
    """Labels, predictions and weights as 2-D ``(M, L)`` arrays (``L == 1`` unless ``multi_label``) on the
    predictions' device (``label_weights`` already there)."""
    _check_probabilities(y_pred, who)
    y_pred = to_array(y_pred)
    xp = get_array_module(y_pred)
    y_true, y_pred = align_ranks(to_array(y_true, like=y_pred), y_pred)
    if y_true.shape != y_pred.shape:
        raise ShapeError(f"{who}: y_true shape {y_true.shape} does not match y_pred shape {y_pred.shape}")
    y_pred = y_pred.astype("float64", copy=False)
    if sample_weight is None:
        w = xp.ones(y_pred.shape)
    else:
        w = to_array(sample_weight, like=y_pred).astype("float64", copy=False)
        if w.ndim == y_pred.ndim + 1 and w.shape[-1] == 1:
            w = w[..., 0]
        while 1 <= w.ndim < y_pred.ndim:  # (N,) weights: one per sample, spread over its entries
            w = w[..., None]
        try:
            w = xp.broadcast_to(w, y_pred.shape)
        except ValueError:
            raise ShapeError(f"{who}: sample_weight shape {to_array(sample_weight).shape} does not fit y_pred shape "
                             f"{y_pred.shape}") from None
    if top_k is not None:
        # Keep each row's k highest predictions; the rest can never count as positive.
        drop = xp.argsort(-y_pred, axis=-1, kind="stable")[..., top_k:]
        y_pred = y_pred.copy()
        xp.put_along_axis(y_pred, drop, NEG_INF, axis=-1)
    if label_weights is not None:
        w = w * label_weights  # pooled curve: a label's weight scales its column's entries
    if class_id is not None:
        if not 0 <= class_id < y_pred.shape[-1]:
            raise ConfigError(f"{who}: class_id {class_id} is out of range for y_pred with {y_pred.shape[-1]} classes")
        y_true, y_pred, w = y_true[..., class_id], y_pred[..., class_id], w[..., class_id]
    labels = y_pred.shape[-1] if multi_label else 1
    return (y_true.reshape(-1, labels).astype(bool), y_pred.reshape(-1, labels), w.reshape(-1, labels))


def confusion_counts(y_true, y_pred, weights, thresholds):
    """Weighted tp, fp, tn, fn at each threshold (``pred > threshold`` is positive).

    Shapes: ``y_true`` (bool), ``y_pred``, ``weights`` ``(M, L)``; ``thresholds`` ``(T,)`` -> four ``(T, L)``.
    """
    xp = get_array_module(y_pred)
    order = xp.argsort(thresholds)
    t = thresholds[order]
    n_t, n_l = t.size, y_pred.shape[1]
    # bucket b = number of thresholds strictly below p: p > t[j] exactly for j < b.
    bucket = xp.searchsorted(t, y_pred, side="left") + (n_t + 1) * xp.arange(n_l)
    size = (n_t + 1) * n_l
    pos = xp.bincount(bucket.ravel(), weights=(weights * y_true).ravel(), minlength=size).reshape(n_l, n_t + 1)
    neg = xp.bincount(bucket.ravel(), weights=(weights * ~y_true).ravel(), minlength=size).reshape(n_l, n_t + 1)
    # count at threshold j = sum of buckets j+1..T (reverse cumulative sum, first entry dropped).
    tp = xp.cumsum(pos[:, ::-1], axis=1)[:, ::-1][:, 1:].T
    fp = xp.cumsum(neg[:, ::-1], axis=1)[:, ::-1][:, 1:].T
    fn = pos.sum(axis=1) - tp
    tn = neg.sum(axis=1) - fp
    inverse = xp.empty_like(order)
    inverse[order] = xp.arange(n_t)
    return tp[inverse], fp[inverse], tn[inverse], fn[inverse]


def _divide_no_nan(a, b):
    xp = get_array_module(a)
    return xp.where(b == 0, 0.0, a / xp.where(b == 0, 1.0, b))


class _ConfusionMetric(Metric):
    """Base of the threshold metrics: accumulates tp, fp, tn, fn at each threshold over batches."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        who = type(self).__name__
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds, self._scalar = _as_thresholds(thresholds, default, who)
        # What get_config reports: None (the default), one float, or a list of floats (JSON-friendly).
        self._config_thresholds = (None if thresholds is None else float(self.thresholds[0])
                                   if np.ndim(thresholds) == 0 else self.thresholds.tolist())
        if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
            raise ConfigError(f"{who}: top_k must be a positive integer, got {top_k!r}")
        self.top_k, self.class_id = top_k, class_id
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        xp = get_array_module()  # on the current device; the first batch from another device moves them (follow)
        self.tp, self.fp, self.tn, self.fn = (xp.zeros(self.thresholds.size) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p, w = _flatten_inputs(y_true, y_pred, sample_weight, type(self).__name__, self.class_id, self.top_k)
        tp, fp, tn, fn = confusion_counts(t, p, w, _config_on(self, "thresholds", p))
        self.tp = follow(self.tp, p) + tp[:, 0]
        self.fp = follow(self.fp, p) + fp[:, 0]
        self.tn = follow(self.tn, p) + tn[:, 0]
        self.fn = follow(self.fn, p) + fn[:, 0]

    def _out(self, values):
        if not is_host(values):  # stays on the device: the loop reads every log value in one transfer
            return values[0] if self._scalar else list(values)
        return float(values[0]) if self._scalar else [float(v) for v in values]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(thresholds=self._config_thresholds, top_k=self.top_k, class_id=self.class_id)
        return config


class Precision(_ConfusionMetric):
    """``tp / (tp + fp)`` at each threshold (default 0.5; 0 when nothing is predicted positive).

    ``thresholds``: a number (result: a float) or a list (result: a list); ``top_k``: only each sample's k
    highest predictions can be positive; ``class_id``: score one column of a multi-class/multi-label output.
    """

    def result(self):
        return self._out(_divide_no_nan(self.tp, self.tp + self.fp))


class Recall(_ConfusionMetric):
    """``tp / (tp + fn)`` at each threshold (default 0.5; 0 when there are no positives). Arguments as
    :class:`Precision`."""

    def result(self):
        return self._out(_divide_no_nan(self.tp, self.tp + self.fn))


class _CountMetric(_ConfusionMetric):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["top_k"], config["class_id"]
        return config


class TruePositives(_CountMetric):
    """Weighted count of positives predicted positive (``y_pred > threshold``, default 0.5)."""

    def result(self):
        return self._out(self.tp)


class FalsePositives(_CountMetric):
    """Weighted count of negatives predicted positive."""

    def result(self):
        return self._out(self.fp)


class TrueNegatives(_CountMetric):
    """Weighted count of negatives predicted negative."""

    def result(self):
        return self._out(self.tn)


class FalseNegatives(_CountMetric):
    """Weighted count of positives predicted negative."""

    def result(self):
        return self._out(self.fn)


class AUC(Metric):
    """Area under the ROC or precision-recall curve, approximated on ``num_thresholds`` thresholds (Keras' AUC).

    Thresholds are evenly spaced in (0, 1) plus end points ``-eps`` and ``1 + eps``; the curve's points are the
    (fpr, tpr) or (recall, precision) pairs at each threshold, summed by ``summation_method``: ``'interpolation'``
    (trapezoids for ROC; Davis & Goadrich's interpolation for PR, as Keras), ``'minoring'`` or ``'majoring'``.
    ``multi_label=True`` computes one curve per label column and averages them (weighted by ``label_weights``);
    otherwise every entry is pooled. ``from_logits=True`` applies a sigmoid to the predictions first.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ConfigError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}")
        summation_method = str(summation_method).lower()
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ConfigError(f"AUC: summation_method must be 'interpolation', 'minoring' or 'majoring', got "
                              f"{summation_method!r}")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            num_thresholds = len(inner) + 2
        else:
            if not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ConfigError(f"AUC: num_thresholds must be an integer > 1, got {num_thresholds!r}")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.num_thresholds = num_thresholds
        self.curve, self.summation_method = curve, summation_method
        self._init_thresholds = None if thresholds is None else inner
        # configuration on the host; _config_on copies it to the data's device once
        self.thresholds = np.asarray([0.0 - epsilon()] + inner + [1.0 + epsilon()])
        self.multi_label, self.num_labels, self.from_logits = bool(multi_label), num_labels, bool(from_logits)
        self.label_weights = None if label_weights is None else np.asarray(label_weights, dtype="float64")
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.tp = self.fp = self.tn = self.fn = None  # (T, L), created on the first batch (L known then)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.from_logits:
            y_pred = to_array(y_pred)
            y_pred = 0.5 * (1.0 + get_array_module(y_pred).tanh(0.5 * y_pred.astype("float64")))  # overflow-free
        pooled_weights = None if self.multi_label else _config_on(self, "label_weights", y_pred)
        t, p, w = _flatten_inputs(y_true, y_pred, sample_weight, "AUC", multi_label=self.multi_label,
                                  label_weights=pooled_weights)
        counts = confusion_counts(t, p, w, _config_on(self, "thresholds", p))
        if self.tp is None:
            self.tp, self.fp, self.tn, self.fn = counts
        else:
            if counts[0].shape != self.tp.shape:
                raise ShapeError(f"AUC: got {counts[0].shape[1]} labels in this batch but {self.tp.shape[1]} before")
            self.tp, self.fp, self.tn, self.fn = (follow(state, c) + c for state, c in
                                                  zip((self.tp, self.fp, self.tn, self.fn), counts))

    def _interpolate_pr_auc(self):
        """Davis & Goadrich (2006) interpolation of the PR curve between thresholds (Keras' formula)."""
        xp = get_array_module(self.tp)
        tp, fp, fn = self.tp, self.fp, self.fn
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, xp.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = xp.where(both, _divide_no_nan(p[:-1], xp.maximum(p[1:], 0)), 1.0)
        with_log = xp.log(xp.where(ratio > 0, ratio, 1.0))
        return _divide_no_nan(slope * (dtp + intercept * with_log), xp.maximum(tp[1:] + fn[1:], 0)).sum(axis=0)

    def result(self) -> float:
        if self.tp is None:
            return 0.0
        xp = get_array_module(self.tp)
        if self.curve == "PR" and self.summation_method == "interpolation":
            by_label = self._interpolate_pr_auc()
        else:
            recall = _divide_no_nan(self.tp, self.tp + self.fn)
            if self.curve == "ROC":
                x, y = _divide_no_nan(self.fp, self.fp + self.tn), recall
            else:
                x, y = recall, _divide_no_nan(self.tp, self.tp + self.fp)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) / 2
            elif self.summation_method == "minoring":
                heights = xp.minimum(y[:-1], y[1:])
            else:
                heights = xp.maximum(y[:-1], y[1:])
            by_label = ((x[:-1] - x[1:]) * heights).sum(axis=0)
        if not self.multi_label:
            value = by_label[0]
        elif self.label_weights is None:
            value = by_label.mean()
        else:
            label_weights = _config_on(self, "label_weights", by_label)
            value = _divide_no_nan((by_label * label_weights).sum(), label_weights.sum())
        return float(value) if is_host(value) else value  # a device value is read with the other logs

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(num_thresholds=self.num_thresholds, curve=self.curve, summation_method=self.summation_method,
                      thresholds=self._init_thresholds, multi_label=self.multi_label, num_labels=self.num_labels,
                      label_weights=None if self.label_weights is None else self.label_weights.tolist(),
                      from_logits=self.from_logits)
        return config


def confusion_matrix(y_true, y_pred, num_classes=None, sample_weight=None):
    """The confusion matrix, laid out as scikit-learn's: ``cm[i, j]`` counts samples of true class ``i``
    predicted as class ``j``.

    Shapes: ``y_true`` class ids ``(N,)`` (or ``(N, 1)``, or one-hot ``(N, C)``); ``y_pred`` class ids ``(N,)``,
    scores/probabilities ``(N, C)`` (argmax taken) or binary probabilities ``(N,)`` / ``(N, 1)`` (thresholded at
    0.5) -> ``(num_classes, num_classes)``, int64 (float64 with ``sample_weight``). ``num_classes`` defaults to
    ``max(id) + 1``. Computed where the data lives (host data: a NumPy matrix); ids on a device are checked on the
    device, unread, and read back only for the matrix's size when ``num_classes`` is not given.
    """
    def ids(a, who):
        host = host_values(a)
        a = host if host is not None else to_array(a)  # computed where the data lives
        if a.ndim == 2 and a.shape[1] > 1:
            return a.argmax(axis=1)
        a = a.reshape(-1) if a.ndim == 2 else a
        if a.ndim != 1:
            raise ShapeError(f"confusion_matrix: {who} must be class ids (N,) or scores (N, C), got shape {a.shape}")
        if a.dtype.kind != "f":
            return a.astype("int64")
        xp = get_array_module(a)
        whole = xp.all(a == xp.round(a))
        if not is_host(whole):  # decided on the device, unread: whole numbers are ids, others probabilities
            return xp.where(whole, a, a > 0.5).astype("int64")
        if not whole:
            if a.size and a.min() >= 0 and a.max() <= 1:
                return (a > 0.5).astype("int64")  # binary probabilities
            raise DataError(f"confusion_matrix: {who} holds non-integer values; expected class ids")
        return a.astype("int64")

    t, p = ids(y_true, "y_true"), ids(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ShapeError(f"confusion_matrix: y_true has {t.shape[0]} samples but y_pred has {p.shape[0]}")
    checked = is_host(t) and is_host(p)  # ids on a device are read only for the size, when it is not given
    if checked and t.size and min(t.min(), p.min()) < 0:
        raise DataError("confusion_matrix: class ids must be >= 0")
    xp = get_array_module(t, p)
    t, p = xp.asarray(t), xp.asarray(p)
    if not t.size:
        seen = 0
    elif checked or num_classes is None:  # the matrix's size: one explicit read on a device
        seen = int(to_host(xp.maximum(t.max(), p.max()))) + 1
    else:
        seen = int(num_classes)
    n = seen if num_classes is None else int(num_classes)
    if seen > n:
        raise DataError(f"confusion_matrix: found class id {seen - 1} but num_classes={n}")
    weights = None if sample_weight is None else to_array(sample_weight, like=t).reshape(-1).astype("float64")
    cm = xp.bincount(t * n + p, weights=weights, minlength=n * n).reshape(n, n)
    return cm if weights is not None else cm.astype("int64")


__all__ = ["Precision", "Recall", "AUC", "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
           "confusion_matrix", "confusion_counts"]
