"""``CallbackList``: dispatches every hook to a list of callbacks, adding the History and the progress bar that
``fit`` always has. The training loop drives one."""
from __future__ import annotations

from ..distribution.data_parallel import is_chief
from ..errors import ConfigError
from .base import HOOK_NAMES, Callback
from .history import History
from .progbar import ProgbarLogger

__all__ = ["CallbackList"]


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


#: Callbacks that write files or draw progress: under DataParallel only rank 0 runs them (the others hold the
#: same weights and, after each epoch's reduction, the same logs). A callback of any class may set
#: ``chief_only = True`` (or False) to choose.
_CHIEF_ONLY_CLASSES = ("ProgbarLogger", "ModelCheckpoint", "CSVLogger", "BackupAndRestore", "TensorBoard")


def _chief_only(callback: Callback) -> bool:
    flag = getattr(callback, "chief_only", None)
    if flag is not None:
        return bool(flag)
    return any(k.__name__ in _CHIEF_ONLY_CLASSES and k.__module__.startswith("neuroflow.callbacks")
               for k in type(callback).__mro__)


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
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def _refresh(self) -> None:
        """Cache, per hook, the bound methods of the callbacks that implement it (rebuilt at each loop start).
        In a data-parallel job, callbacks that write files or draw progress run on rank 0 only."""
        chief = is_chief()
        self._active = {h: [getattr(cb, h) for cb in self.callbacks if _overrides(cb, h)
                            and (chief or not _chief_only(cb))] for h in HOOK_NAMES}

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
