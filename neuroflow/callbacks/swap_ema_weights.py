"""SwapEMAWeights: evaluate (and, with ``swap_on_epoch``, checkpoint) with the optimizer's moving average of the
weights instead of the weights themselves (Keras 3's callback, for optimizers built with ``use_ema=True``)."""
from __future__ import annotations

from ..errors import ConfigError
from .base import Callback

__all__ = ["SwapEMAWeights"]


class SwapEMAWeights(Callback):
    """Swap the model's weights with the optimizer's moving averages around evaluation and prediction.

    ``evaluate`` / ``predict`` (and fit's validation) run on the averages, and the weights come back afterwards.
    With ``swap_on_epoch=True`` the averages are also in the model from each epoch's end to the next epoch's
    start, so that callbacks listed after this one (``ModelCheckpoint``) see them; after the last epoch they stay.
    The optimizer (or a ``LossScaleOptimizer``'s inner one) must have ``use_ema=True``. (Keras' ``on_predict_end``
    tests the wrong flag and leaves the averages in the model after ``predict``; here the weights come back.)
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = bool(swap_on_epoch)
        self._ema_weights_in_model = False

    def _optimizer(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if not getattr(optimizer, "use_ema", False):
            raise ConfigError(f"SwapEMAWeights needs an optimizer with use_ema=True; got "
                              f"{type(optimizer).__name__} with use_ema={getattr(optimizer, 'use_ema', None)}")
        return optimizer

    def _swap(self) -> None:
        for unit in self._optimizer()._units:  # the optimizer's per-variable state: weights and their average
            held = unit.weights.copy()
            unit.weights[...] = unit.average
            unit.average[...] = held
        self._ema_weights_in_model = not self._ema_weights_in_model

    def _finalize(self) -> None:
        """The averages are in the model: make the optimizer's averages equal them, so that fit's final
        ``finalize_variable_values`` keeps them."""
        for unit in self._optimizer()._units:
            unit.average[...] = unit.weights

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap()
            if epoch == self.params.get("epochs", 0) - 1:
                self._finalize()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap()

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap()

    on_predict_begin = on_test_begin
    on_predict_end = on_test_end
