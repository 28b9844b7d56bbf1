"""ReduceLROnPlateau: lower the learning rate when a metric has stopped improving."""
from __future__ import annotations

import math

from ..errors import ConfigError
from ._utils import check_mode, get_learning_rate, is_close, monitor_value, resolve_direction, set_learning_rate
from .base import Callback, print_msg

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement of ``monitor``.

    Args:
        monitor: the logs key to watch (``'val_loss'``).
        factor: ``new_lr = lr * factor``, with ``0 < factor < 1``.
        patience: epochs without improvement after which the rate is reduced.
        verbose: ``1`` prints a line at each reduction.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (from the metric's name).
        min_delta: an improvement must beat the best value by more than this.
        cooldown: after a reduction, epochs during which epochs without improvement are not counted (as in
            Keras, the epoch on which the cooldown runs out already counts, so ``cooldown=1`` changes nothing).
        min_lr: the rate is never set below this.

    Each epoch's ``logs['learning_rate']`` is set to the rate used during that epoch (before any reduction).
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0, **kwargs):
        super().__init__()
        if "epsilon" in kwargs:  # the Keras 1/2 name of min_delta
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise ConfigError(f"ReduceLROnPlateau: unexpected arguments {sorted(kwargs)}")
        if not 0.0 < factor < 1.0:
            raise ConfigError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor}")
        if patience < 0 or cooldown < 0 or min_lr < 0:
            raise ConfigError("ReduceLROnPlateau: patience, cooldown and min_lr must be >= 0, got "
                              f"patience={patience}, cooldown={cooldown}, min_lr={min_lr}")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = int(patience)
        self.verbose = verbose
        self.mode = check_mode(mode, "ReduceLROnPlateau")
        self.min_delta = abs(float(min_delta))
        self.cooldown = int(cooldown)
        self.min_lr = float(min_lr)
        self._direction = None
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.cooldown_counter = 0
        self.best = None

    def _improves(self, current: float) -> bool:
        if self._direction == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        lr = get_learning_rate(self.model, "ReduceLROnPlateau")
        logs["learning_rate"] = lr
        if self._direction is None:  # before reading the value: an unknown direction raises, as in Keras
            self._direction = resolve_direction(self.monitor, self.mode, self.model, "ReduceLROnPlateau")
        current = monitor_value(logs, self.monitor, "ReduceLROnPlateau")
        if current is None:
            return
        if self.best is None:
            self.best = math.inf if self._direction == "min" else -math.inf

        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improves(current):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        if lr > self.min_lr and not is_close(lr, self.min_lr):
            new_lr = max(lr * self.factor, self.min_lr)
            set_learning_rate(self.model, new_lr)
            if self.verbose > 0:
                print_msg(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr:.4g}.")
            self.cooldown_counter = self.cooldown
        self.wait = 0
