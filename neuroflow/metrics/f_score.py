"""F-beta and F1 scores (Keras 3's ``FBetaScore`` / ``F1Score``), streamed over batches.

Per class, weighted true positives, false positives and false negatives accumulate (one number each with
``average="micro"``); the score is ``(1 + b^2) * P * R / (b^2 * P + R)``. Without a ``threshold`` each row's
highest prediction (and ties with it) counts as the predicted class, as in Keras.
"""
from __future__ import annotations

import numpy as np

from ..backend import epsilon, get_array_module, is_host
from ..errors import ConfigError, ShapeError
from .base import Metric, follow, to_array

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """F-beta score for multi-class / multi-label outputs.

    Shapes: ``y_true`` and ``y_pred`` ``(N, classes)``; ``sample_weight`` ``(N,)``. ``result()``: a list of per-class
    scores (``average=None``) or one float (``"micro"``, ``"macro"``, ``"weighted"``: by the classes' true counts).
    ``threshold``: a float in ``(0, 1]`` above which a prediction is positive; ``None``: the row's maximum.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        who = type(self).__name__
        if average not in _AVERAGES:
            raise ConfigError(f"{who}: average must be one of {_AVERAGES}; got {average!r}")
        if not isinstance(beta, (int, float)) or isinstance(beta, bool) or beta <= 0:
            raise ConfigError(f"{who}: beta must be a number > 0; got {beta!r}")
        if threshold is not None and (not isinstance(threshold, (int, float)) or not 0 < threshold <= 1):
            raise ConfigError(f"{who}: threshold must be a float with 0 < threshold <= 1, or None; got {threshold!r}")
        self.average, self.beta = average, float(beta)
        self.threshold = None if threshold is None else float(threshold)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.true_positives = self.false_positives = self.false_negatives = self.intermediate_weights = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_array(y_pred).astype("float64")
        y_true = to_array(y_true, like=y_pred).astype("float64")
        if y_true.ndim != 2 or y_pred.ndim != 2 or y_true.shape != y_pred.shape:
            raise ShapeError(f"{type(self).__name__}: expected y_true and y_pred of one shape (batch_size, "
                             f"output_dim); got {y_true.shape} and {y_pred.shape}")
        xp = get_array_module(y_pred)
        if self.threshold is None:
            predicted = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (xp.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype("float64")
        weights = (1.0 if sample_weight is None
                   else to_array(sample_weight, like=y_pred).astype("float64").reshape(-1, 1))
        axis = None if self.average == "micro" else 0
        stats = [(v * weights).sum(axis=axis) for v in
                 (predicted * y_true, predicted * (1 - y_true), (1 - predicted) * y_true, y_true)]
        if self.true_positives is not None and stats[0].shape != self.true_positives.shape:
            raise ShapeError(f"{type(self).__name__}: got {y_pred.shape[1]} classes in this batch but "
                             f"{self.true_positives.shape[0]} before")
        if self.true_positives is None:
            self.true_positives, self.false_positives, self.false_negatives, self.intermediate_weights = stats
        else:
            self.true_positives = follow(self.true_positives, stats[0]) + stats[0]
            self.false_positives = follow(self.false_positives, stats[1]) + stats[1]
            self.false_negatives = follow(self.false_negatives, stats[2]) + stats[2]
            self.intermediate_weights = follow(self.intermediate_weights, stats[3]) + stats[3]

    def result(self):
        if self.true_positives is None:
            return 0.0
        eps = epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        b2 = self.beta ** 2
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            score = (score * self.intermediate_weights / (self.intermediate_weights.sum() + eps)).sum()
        elif self.average is not None:
            score = score.mean()
        if not is_host(score):  # stays on the device: the loop reads every log value in one transfer
            return list(score) if score.ndim else score
        return [float(v) for v in score] if np.ndim(score) else float(score)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score: :class:`FBetaScore` with ``beta=1``."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config
