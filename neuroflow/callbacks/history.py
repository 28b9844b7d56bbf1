"""History: records the logs of every epoch; ``fit`` returns it (also ``model.history``)."""
from __future__ import annotations

from .base import Callback

__all__ = ["History"]


class History(Callback):
    """Records each epoch's logs.

    Attributes:
        epoch: the 0-based indices of the epochs run by the last ``fit``.
        history: ``{'loss': [float per epoch], 'val_loss': [...], ...}``.
        params: the fit parameters (``epochs``, ``steps``, ``verbose``).
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self
