"""Keras 3's ``keras.RematScope``: the context manager that asks the layers called inside it to rematerialise.

neuroflow records the mode (``get_current_remat_mode()``) but its layers do not consult it, so inside the scope
results and gradients are exactly those outside it and memory is not reduced (a deliberate, documented no-op;
wrap the expensive function in ``keras.remat`` (:mod:`neuroflow.ops.remat`) to save memory).
"""
from __future__ import annotations

import contextvars

from ..errors import ConfigError

_MODES = (None, "full", "activations", "larger_than", "list_of_layers")
_current_mode = contextvars.ContextVar("neuroflow_remat_mode", default=None)


class RematScope:
    """Keras' ``RematScope(mode="full", output_size_threshold=1024, layer_names=None)``: records the mode for the
    block (``get_current_remat_mode()`` returns this scope). neuroflow's layers run unchanged inside it."""

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in _MODES:
            raise ConfigError(f"RematScope: mode must be one of {list(_MODES)}, got {mode!r}")
        if mode == "list_of_layers" and not layer_names:
            raise ConfigError("RematScope: mode='list_of_layers' needs layer_names")
        self.mode, self.output_size_threshold = mode, output_size_threshold
        self.layer_names = list(layer_names or [])
        self._token = None

    def __enter__(self):
        self._token = _current_mode.set(self)
        return self

    def __exit__(self, *exc):
        _current_mode.reset(self._token)
        return False


def get_current_remat_mode():
    """The innermost open :class:`RematScope` (``None`` outside any, or for ``mode=None``)."""
    scope = _current_mode.get()
    return scope if scope is not None and scope.mode is not None else None


__all__ = ["RematScope", "get_current_remat_mode"]
