"""TerminateOnNaN: stop training as soon as the loss becomes NaN or infinite."""
from __future__ import annotations

import math

from .base import Callback, print_msg

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Set ``model.stop_training`` when a training batch reports a NaN or infinite ``'loss'``.

    Prints (and stores) a message naming the epoch and batch (both counted from 1, as the progress display
    does), for example ``"Epoch 3, batch 17: invalid loss (nan), terminating training"``.

    ``raise_error=True`` (Keras' argument) raises RuntimeError there instead.

    Attributes:
        message: that message, or ``None`` if the loss stayed finite.
        epoch, batch: the 0-based epoch and batch where it happened (``None`` if it did not).
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error
        self.message = None
        self.epoch = None
        self.batch = None
        self._epoch = 0

    def on_train_begin(self, logs=None):
        self.message = self.epoch = self.batch = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = logs.get("loss") if logs else None
        if loss is None:
            return
        loss = float(loss)
        if math.isfinite(loss):
            return
        self.epoch, self.batch = self._epoch, batch
        self.message = f"Epoch {self._epoch + 1}, batch {batch + 1}: invalid loss ({loss}), terminating training"
        if self.raise_error:  # Keras' raise_error=True: fail the fit at once instead of stopping it cleanly
            raise RuntimeError(f"NaN or Inf loss encountered at epoch {self._epoch + 1}, batch {batch + 1}: loss "
                               f"{loss}. Terminating training immediately.")
        print_msg(self.message)
        self.model.stop_training = True
