"""The callback base class (Keras 3 protocol); ``callback_list.CallbackList`` dispatches the hooks to a set of them.

A training loop calls, in this order::

    on_train_begin
      on_epoch_begin(epoch)                       epoch: 0-based
        on_train_batch_begin(batch) / on_train_batch_end(batch, logs)      batch: 0-based within the epoch
        on_test_begin / on_test_batch_* / on_test_end                      (validation, if any)
      on_epoch_end(epoch, logs)                   logs: {'loss': float, 'accuracy': ..., 'val_loss': ...}
    on_train_end

``evaluate`` (and each validation pass above) and ``predict(callbacks=...)`` call, as Keras' do::

    on_test_begin                                 on_predict_begin
      on_test_batch_begin(batch)                    on_predict_batch_begin(batch)
      on_test_batch_end(batch, logs)                on_predict_batch_end(batch, {'outputs': that batch's outputs})
    on_test_end(logs)                             on_predict_end

Test batch logs are the running loss and metrics of the pass so far; ``on_test_end`` gets the pass's (without
the ``val_`` prefix that ``on_epoch_end`` then adds).
"""
from __future__ import annotations

import sys

from ..distribution.data_parallel import is_chief

__all__ = ["Callback", "HOOK_NAMES", "print_msg"]

# Every hook a callback may implement; ``on_batch_begin``/``on_batch_end`` are the legacy aliases of the train
# batch hooks (the base class forwards one to the other, as Keras does).
HOOK_NAMES = (
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
    "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end",
)


def print_msg(message: str) -> None:
    """Print a callback's message on stdout without breaking a live progress bar (tqdm clears and redraws it).
    In a data-parallel job only rank 0 prints (every rank would print the same line)."""
    if not is_chief():
        return
    tqdm_module = sys.modules.get("tqdm")  # only if a bar can exist at all: never import tqdm just to print
    if tqdm_module is not None and getattr(tqdm_module.tqdm, "_instances", None):
        tqdm_module.tqdm.write(message, file=sys.stdout)
    else:
        print(message, flush=True)


class Callback:
    """Base class of callbacks: every hook is a no-op; subclasses override the ones they need.

    Attributes set by the training loop: ``model`` (the model being trained) and ``params``
    (``{'epochs': int, 'steps': int or None, 'verbose': int}``). Defaults live on the class, so a subclass that
    forgets ``super().__init__()`` still works.
    """

    model = None
    params: dict | None = None

    def __init__(self):
        self.model = None
        self.params = None

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    # --- fit ---
    def on_train_begin(self, logs=None):
        """Called once at the start of ``fit``."""

    def on_train_end(self, logs=None):
        """Called once at the end of ``fit`` (also after early stopping); ``logs`` are the last epoch's."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch (``epoch`` counts from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch with the epoch's training and validation metrics in ``logs``."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training batch; forwards to the legacy ``on_batch_begin``."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training batch with the running metrics of the epoch so far."""
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch, logs=None):
        """Legacy alias of :meth:`on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """Legacy alias of :meth:`on_train_batch_end`."""

    # --- evaluate (and validation inside fit) ---
    def on_test_begin(self, logs=None):
        """Called at the start of ``evaluate`` and of each validation pass inside ``fit``."""

    def on_test_end(self, logs=None):
        """Called at the end of ``evaluate`` and of each validation pass, with its loss and metrics."""

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each evaluation batch (``batch`` counts from 0 within the pass)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each evaluation batch with the running loss and metrics of the pass."""

    # --- predict ---
    def on_predict_begin(self, logs=None):
        """Called at the start of ``predict``."""

    def on_predict_end(self, logs=None):
        """Called at the end of ``predict``."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each prediction batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each prediction batch; ``logs['outputs']`` holds its outputs (an array, or a list of
        them for a model with several outputs)."""
