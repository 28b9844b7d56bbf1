"""LambdaCallback: a callback made of plain functions."""
from __future__ import annotations

from ..errors import ConfigError, close_matches
from .base import HOOK_NAMES, Callback

__all__ = ["LambdaCallback"]


class LambdaCallback(Callback):
    """Build a callback from functions, one per hook.

    Epoch hooks are called as ``f(epoch, logs)``, batch hooks as ``f(batch, logs)`` and the begin/end hooks of
    train, test and predict as ``f(logs)``. Any hook name of :class:`Callback` may be given as a keyword
    (``on_test_end=...``, ``on_predict_batch_end=...``).

    Example::

        LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for name, fn in hooks.items():
            if name not in HOOK_NAMES:
                raise ConfigError(f"LambdaCallback: unknown hook {name!r}; {close_matches(name, HOOK_NAMES)}")
            if fn is None:
                continue
            if not callable(fn):
                raise ConfigError(f"LambdaCallback: {name} must be callable, got {type(fn).__name__}")
            setattr(self, name, fn)  # an instance attribute shadows the no-op method of the base class
