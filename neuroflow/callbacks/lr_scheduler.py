"""LearningRateScheduler: set the learning rate at the start of each epoch from a function."""
from __future__ import annotations

import inspect
import math
import numbers

from ..errors import ConfigError
from ._utils import get_learning_rate, set_learning_rate
from .base import Callback, print_msg

__all__ = ["LearningRateScheduler"]


def _takes_lr(fn) -> bool:
    """Whether ``fn`` accepts two positional arguments (``schedule(epoch, lr)``) rather than one."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature: assume the two-argument form
        return True
    positional = 0
    for p in parameters:
        if p.kind is p.VAR_POSITIONAL:
            return True
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= 2


class LearningRateScheduler(Callback):
    """At the start of each epoch, set the learning rate to ``schedule(epoch, lr)`` (or ``schedule(epoch)``).

    Args:
        schedule: a function of the 0-based epoch index and the current learning rate (float), or of the epoch
            only, returning the new learning rate (a non-negative number).
        verbose: ``1`` prints the rate set at each epoch.

    Each epoch's ``logs['learning_rate']`` is set to the rate used during that epoch.
    """

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise ConfigError(f"LearningRateScheduler: schedule must be callable, got {type(schedule).__name__}")
        self.schedule = schedule
        self.verbose = verbose
        self._with_lr = _takes_lr(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        if self._with_lr:
            lr = self.schedule(epoch, get_learning_rate(self.model, "LearningRateScheduler"))
        else:
            lr = self.schedule(epoch)
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr < 0:
            raise ConfigError(f"LearningRateScheduler: schedule({epoch}) must return a finite number >= 0, "
                              f"got {lr!r}")
        set_learning_rate(self.model, float(lr))
        if self.verbose > 0:
            print_msg(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(lr):.4g}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = get_learning_rate(self.model, "LearningRateScheduler")
