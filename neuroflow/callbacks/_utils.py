"""Helpers shared by the callbacks that watch a metric (direction, missing values) or change the learning rate."""
from __future__ import annotations

import math
import warnings

from ..errors import ConfigError

MODES = ("auto", "min", "max")

# Name fragments of metrics for which larger is better; checked after the lower-is-better fragments, so that
# e.g. 'val_accuracy' is maximised but 'binary_crossentropy' (which contains no such fragment) is minimised.
_LOWER_IS_BETTER = ("loss", "error", "crossentropy", "hinge", "divergence", "poisson", "logcosh", "mse", "mae",
                    "mape", "msle", "false_positives", "false_negatives")
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fbeta", "r2", "iou", "cosine_similarity",
                     "true_positives", "true_negatives")


def check_mode(mode, who: str) -> str:
    if mode not in MODES:
        raise ConfigError(f"{who}: mode must be one of 'auto', 'min', 'max'; got {mode!r}")
    return mode


def resolve_direction(monitor: str, mode: str, model=None, who: str = "callback") -> str:
    """``'min'`` or ``'max'`` for ``monitor`` under ``mode``.

    In ``'auto'`` mode a metric object on the model that declares ``direction`` ('up'/'down') decides; else the
    metric's name (without ``val_``): losses and errors are minimised, accuracies, AUC, precision, recall...
    maximised. An unknown name is minimised with a warning that says to pass ``mode``.
    """
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    try:
        metrics = list(getattr(model, "metrics", None) or ())
    except Exception:  # a model may refuse to list metrics before it is built
        metrics = []
    for m in metrics:
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
    warnings.warn(f"{who}: cannot tell whether {monitor!r} should be minimised or maximised; assuming 'min'. "
                  "Pass mode='max' if larger values are better.", stacklevel=3)
    return "min"


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
    raise ConfigError(f"{who} needs optimizer.learning_rate to be a number; got {type(lr).__name__} "
                      "(a learning-rate schedule cannot be changed by a callback)")


def set_learning_rate(model, value: float) -> None:
    model.optimizer.learning_rate = float(value)


def is_close(a: float, b: float) -> bool:
    """Equal up to float32 rounding (a learning rate may be stored in float32)."""
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=0.0)
