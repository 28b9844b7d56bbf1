"""The callback base class and the list that dispatches every hook to a set of callbacks (Keras 3 protocol).

A training loop calls, in this order::

    on_train_begin
      on_epoch_begin(epoch)                       epoch: 0-based
        on_train_batch_begin(batch) / on_train_batch_end(batch, logs)      batch: 0-based within the epoch
        on_test_begin / on_test_batch_* / on_test_end                      (validation, if any)
      on_epoch_end(epoch, logs)                   logs: {'loss': float, 'accuracy': ..., 'val_loss': ...}
    on_train_end

``evaluate`` calls the ``on_test_*`` hooks and ``predict`` the ``on_predict_*`` hooks on their own.
"""
from __future__ import annotations

import sys

from ..errors import ConfigError

__all__ = ["Callback", "CallbackList", "HOOK_NAMES", "print_msg"]

# Every hook a callback may implement; ``on_batch_begin``/``on_batch_end`` are the legacy aliases of the train
# batch hooks (the base class forwards one to the other, as Keras does).
HOOK_NAMES = (
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
    "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end",
)


def print_msg(message: str) -> None:
    """Print a callback's message on stdout without breaking a live progress bar (tqdm clears and redraws it)."""
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
        """Called at the start of ``evaluate`` and of each validation pass."""

    def on_test_end(self, logs=None):
        """Called at the end of ``evaluate`` and of each validation pass."""

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each evaluation batch."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each evaluation batch."""

    # --- predict ---
    def on_predict_begin(self, logs=None):
        """Called at the start of ``predict``."""

    def on_predict_end(self, logs=None):
        """Called at the end of ``predict``."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each prediction batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each prediction batch (``logs`` may hold ``'outputs'``)."""


def _overrides(callback: Callback, hook: str) -> bool:
    """Whether ``callback`` does something on ``hook`` (a method overridden in its class or set on the instance)."""
    names = (hook,)
    if hook == "on_train_batch_begin":
        names = (hook, "on_batch_begin")
    elif hook == "on_train_batch_end":
        names = (hook, "on_batch_end")
    for name in names:
        if name in vars(callback):  # LambdaCallback stores its functions on the instance
            return True
        if getattr(type(callback), name, None) is not getattr(Callback, name):
            return True
    return False


def _flatten(callbacks) -> list:
    if callbacks is None:
        return []
    if isinstance(callbacks, (list, tuple)):
        out = []
        for item in callbacks:
            out.extend(_flatten(item))
        return out
    return [callbacks]


def _to_floats(logs: dict) -> dict:
    """Turn numpy scalars / 0-d arrays in ``logs`` into Python floats, in place (once per epoch, not per batch)."""
    for key, value in logs.items():
        if type(value) is not float:
            try:
                logs[key] = float(value)
            except (TypeError, ValueError):
                pass
    return logs


class CallbackList(Callback):
    """Dispatches every hook to a list of callbacks, in order.

    Args:
        callbacks: a list (possibly nested) of :class:`Callback` instances, or ``None``.
        add_history: append a :class:`~neuroflow.callbacks.History` unless the list already holds one
            (``model.history`` is set to it).
        add_progbar: append a :class:`~neuroflow.callbacks.ProgbarLogger` unless the list already holds one
            (pass ``verbose != 0``).
        model: the model, handed to every callback with ``set_model``.
        **params: ``epochs``, ``steps``, ``verbose``, handed to every callback with ``set_params``.

    The defaults are added at the end, so that values user callbacks write into ``logs`` (``learning_rate``)
    reach the history and the progress display. Batch hooks are only dispatched to callbacks that override
    them, which keeps the per-batch cost of a typical fit (History, EarlyStopping...) near zero.
    """

    def __init__(self, callbacks=None, add_history: bool = False, add_progbar: bool = False, model=None, **params):
        super().__init__()
        self.callbacks = _flatten(callbacks)
        for i, cb in enumerate(self.callbacks):
            if not isinstance(cb, Callback):
                raise ConfigError(f"callbacks[{i}] must be a neuroflow.callbacks.Callback instance, "
                                  f"got {type(cb).__name__}")
        self._add_defaults(add_history, add_progbar)
        self._active: dict = {}
        self._refresh()
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def _add_defaults(self, add_history: bool, add_progbar: bool) -> None:
        from .history import History  # imported here: those modules import this one
        from .progbar import ProgbarLogger

        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def _refresh(self) -> None:
        """Cache, per hook, the bound methods of the callbacks that implement it (rebuilt at each loop start)."""
        self._active = {h: [getattr(cb, h) for cb in self.callbacks if _overrides(cb, h)] for h in HOOK_NAMES}

    def listens(self, hook: str) -> bool:
        """Whether any callback does something on ``hook`` (lets the fit loop skip building unread logs)."""
        return bool(self._active[hook])

    def append(self, callback: Callback) -> None:
        if not isinstance(callback, Callback):
            raise ConfigError(f"CallbackList.append takes a Callback instance, got {type(callback).__name__}")
        self.callbacks.append(callback)
        if self.model is not None:
            callback.set_model(self.model)
        if self.params:
            callback.set_params(self.params)
        self._refresh()

    def set_model(self, model) -> None:
        self.model = model
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict) -> None:
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)

    # --- loop boundaries: refresh the dispatch cache (the list may have been edited) ---
    def on_train_begin(self, logs=None):
        self._refresh()
        logs = {} if logs is None else logs
        for fn in self._active["on_train_begin"]:
            fn(logs)

    def on_train_end(self, logs=None):
        logs = _to_floats({} if logs is None else logs)
        for fn in self._active["on_train_end"]:
            fn(logs)

    def on_test_begin(self, logs=None):
        self._refresh()
        logs = {} if logs is None else logs
        for fn in self._active["on_test_begin"]:
            fn(logs)

    def on_test_end(self, logs=None):
        logs = _to_floats({} if logs is None else logs)
        for fn in self._active["on_test_end"]:
            fn(logs)

    def on_predict_begin(self, logs=None):
        self._refresh()
        logs = {} if logs is None else logs
        for fn in self._active["on_predict_begin"]:
            fn(logs)

    def on_predict_end(self, logs=None):
        logs = {} if logs is None else logs
        for fn in self._active["on_predict_end"]:
            fn(logs)

    # --- epochs: one dict shared by all callbacks, so values one adds (learning_rate) reach the next ---
    def on_epoch_begin(self, epoch, logs=None):
        logs = {} if logs is None else logs
        for fn in self._active["on_epoch_begin"]:
            fn(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = _to_floats({} if logs is None else logs)
        for fn in self._active["on_epoch_end"]:
            fn(epoch, logs)

    # --- batches: the hot path; no conversion of the values, and only the callbacks that listen ---
    def on_train_batch_begin(self, batch, logs=None):
        logs = {} if logs is None else logs
        for fn in self._active["on_train_batch_begin"]:
            fn(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        logs = {} if logs is None else logs
        for fn in self._active["on_train_batch_end"]:
            fn(batch, logs)

    def on_batch_begin(self, batch, logs=None):
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_batch_begin(batch, logs)

    def on_batch_end(self, batch, logs=None):
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            cb.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        logs = {} if logs is None else logs
        for fn in self._active["on_test_batch_begin"]:
            fn(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        logs = {} if logs is None else logs
        for fn in self._active["on_test_batch_end"]:
            fn(batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        logs = {} if logs is None else logs
        for fn in self._active["on_predict_batch_begin"]:
            fn(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        logs = {} if logs is None else logs
        for fn in self._active["on_predict_batch_end"]:
            fn(batch, logs)
