"""EarlyStopping: stop training when a monitored metric stops improving."""
from __future__ import annotations

import math

from ..errors import ConfigError
from ._utils import check_mode, monitor_value, resolve_direction
from .base import Callback, print_msg

__all__ = ["EarlyStopping"]


def _copy_weights(weights) -> list:
    # A model's get_weights() should already return copies; copy again so that an optimizer updating arrays in
    # place can never alter the snapshot.
    return [w.copy() if hasattr(w, "copy") else w for w in weights]


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: the logs key to watch (``'val_loss'``).
        min_delta: an epoch counts as an improvement only if it beats the best value by more than this.
        patience: how many epochs without improvement to allow; training stops at the ``patience``-th
            consecutive one (``0``: at the first).
        verbose: ``1`` prints a line when training stops and when weights are restored.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (from the metric's name: losses minimised, accuracies maximised).
        baseline: a value the metric must beat (by ``min_delta``); epochs that improve on the best value but not
            on the baseline still count against ``patience``, so training stops if the baseline is not reached
            within ``patience`` epochs.
        restore_best_weights: at the end of training, set the weights of the best epoch. Unlike older Keras
            (2.x), which restored only when early stopping had triggered, this also happens when training runs
            to its last epoch without triggering (as in Keras 3): the model always ends at its best epoch.
        start_from_epoch: epochs to let pass (warm-up) before watching the metric at all.

    Attributes:
        stopped_epoch: the 0-based epoch at which training was stopped (``0`` if it was not).
        best, best_epoch: the best value seen and its 0-based epoch.
        wait: consecutive epochs without improvement so far.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0):
        super().__init__()
        if patience < 0:
            raise ConfigError(f"EarlyStopping: patience must be >= 0, got {patience}")
        if start_from_epoch < 0:
            raise ConfigError(f"EarlyStopping: start_from_epoch must be >= 0, got {start_from_epoch}")
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = int(patience)
        self.verbose = verbose
        self.mode = check_mode(mode, "EarlyStopping")
        self.baseline = None if baseline is None else float(baseline)
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = int(start_from_epoch)
        self._direction = None
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.stopped = False
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def _improves(self, current: float, reference: float) -> bool:
        # NaN compares False both ways, so a NaN epoch is never an improvement
        if self._direction == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta

    def on_train_begin(self, logs=None):
        self._reset()  # an instance may be reused across several fit() calls

    def on_epoch_end(self, epoch, logs=None):
        if self._direction is None:  # resolved late: the model's metrics exist only once training has run
            self._direction = resolve_direction(self.monitor, self.mode, self.model, "EarlyStopping")
        if epoch < self.start_from_epoch:
            return
        current = monitor_value(logs, self.monitor, "EarlyStopping")
        if current is None:
            return
        if self.best is None:
            self.best = math.inf if self._direction == "min" else -math.inf

        improved = self._improves(current, self.best)
        if improved:
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = _copy_weights(self.model.get_weights())
        if improved and (self.baseline is None or self._improves(current, self.baseline)):
            self.wait = 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.stopped = True
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
