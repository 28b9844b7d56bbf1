"""Helpers shared by the callbacks that watch a metric (direction, missing values) or change the learning rate."""
from __future__ import annotations

import math
import warnings

from .._validate import ArgumentTypeError
from ..errors import ConfigError

MODES = ("auto", "min", "max")

# Name fragments of metrics for which larger is better; checked after the lower-is-better fragments, so that
# e.g. 'val_accuracy' is maximised but 'binary_crossentropy' (which contains no such fragment) is minimised.
_LOWER_IS_BETTER = ("loss", "error", "crossentropy", "hinge", "divergence", "poisson", "logcosh", "mse", "mae",
                    "mape", "msle", "false_positives", "false_negatives")
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fbeta", "r2", "iou", "cosine_similarity",
                     "true_positives", "true_negatives")


def check_mode(mode, who: str) -> str:
    """``mode``, or ``'auto'`` with a warning when it is not one of :data:`MODES` (Keras falls back the same way)."""
    if mode not in MODES:
        warnings.warn(f"{who} mode {mode!r} is unknown (expected 'auto', 'min' or 'max'), fallback to auto mode.",
                      stacklevel=3)
        return "auto"
    return mode


def resolve_direction(monitor: str, mode: str, model=None, who: str = "callback") -> str:
    """``'min'`` or ``'max'`` for ``monitor`` under ``mode``.

    In ``'auto'`` mode a metric object on the model that declares ``direction`` ('up'/'down') decides; else the
    metric's name (without ``val_``): losses and errors are minimised, accuracies, AUC, precision, recall...
    maximised. An unknown name raises ConfigError (a ValueError) that says to pass ``mode``, as Keras does.
    """
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    try:
        metrics = list(getattr(model, "metrics", None) or ())
    except Exception:  # a model may refuse to list metrics before it is built
        metrics = []
    for m in [inner for m in metrics for inner in _compiled(m)]:
        if getattr(m, "name", None) == name:
            direction = getattr(m, "direction", None) or getattr(m, "_direction", None)
            if direction in ("up", "max"):
                return "max"
            if direction in ("down", "min"):
                return "min"
    lowered = name.lower()
    if any(f in lowered for f in _LOWER_IS_BETTER):
        return "min"
    if any(f in lowered for f in _HIGHER_IS_BETTER):
        return "max"
    raise ConfigError(f"{who} callback received monitor={monitor!r}, but cannot tell whether that metric should be "
                      f"maximized or minimized: pass mode='max' to monitor the highest value, or mode='min' for the "
                      f"lowest")


def _compiled(metric) -> list:
    """``[metric]``, or the metrics inside ``model.metrics``' ``"compile_metrics"`` entry (by their log names)."""
    entries = getattr(metric, "_entries", None)
    return [m for m, _ in entries()] if callable(entries) else [metric]


def monitor_value(logs, monitor: str, who: str):
    """The monitored value from ``logs`` as a float, or ``None`` with a warning listing the available keys."""
    logs = logs or {}
    value = logs.get(monitor)
    if value is None:
        available = ", ".join(map(str, logs)) or "(none)"
        warnings.warn(f"{who} is conditioned on metric {monitor!r}, which is not in the logs. "
                      f"Available metrics are: {available}", stacklevel=3)
        return None
    return float(value)


def get_learning_rate(model, who: str) -> float:
    """``model.optimizer.learning_rate`` as a float (a clear error for a missing optimizer or a schedule)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ConfigError(f"{who} needs a compiled model with an optimizer (model.optimizer is None)")
    lr = optimizer.learning_rate
    for candidate in (lr, getattr(lr, "data", None)):
        try:
            return float(candidate)
        except (TypeError, ValueError):
            continue
    raise ArgumentTypeError(f"{who} needs optimizer.learning_rate to be a number; got {type(lr).__name__} "
                      "(a learning-rate schedule cannot be changed by a callback)")


def set_learning_rate(model, value: float) -> None:
    model.optimizer.learning_rate = float(value)


def is_close(a: float, b: float) -> bool:
    """Equal up to float32 rounding (a learning rate may be stored in float32)."""
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=0.0)
