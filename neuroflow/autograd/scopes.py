"""Keras 3's backend scopes: ``StatelessScope`` and ``SymbolicScope``.

``StatelessScope(state_mapping=None, collect_losses=False, initialize_variables=True)``: inside the block the
variables named in ``state_mapping`` (pairs ``(variable, value)``) hold those values; what they hold when the block
ends is ``scope.get_current_value(variable)``, and on exit every one of them gets its own value back, so the block
leaves them as it found them (Keras' contract for a stateless call: the new state is read from the scope, never
written to the variables). Variables *not* in the mapping are not intercepted: neuroflow variables are arrays
updated in place, so an assignment to one of them inside the block stays (the documented difference from Keras,
whose variables consult the scope on every read and write). ``in_stateless_scope()`` / ``get_stateless_scope()``.

``SymbolicScope()``: marks a block as symbolic tracing (``in_symbolic_scope()`` is True inside); neuroflow's
symbolic calls (``keras.Input``, functional models) do not need it, so it changes nothing else.
"""
from __future__ import annotations

import contextvars

from ..errors import ConfigError
from .variable import Variable

_stateless = contextvars.ContextVar("neuroflow_stateless_scope", default=None)
_symbolic = contextvars.ContextVar("neuroflow_symbolic_scope", default=None)


class StatelessScope:
    """See the module docstring. ``losses`` collects what ``add_loss`` would add when ``collect_losses`` (neuroflow
    keeps the layers' own loss scopes, so this list stays empty: read ``layer.losses`` instead)."""

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        self.collect_losses, self.initialize_variables = collect_losses, initialize_variables
        self.losses = []
        self._mapping = {}
        for pair in state_mapping or ():
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[0], Variable)):
                raise ConfigError(f"StatelessScope: state_mapping must hold (Variable, value) pairs, got {pair!r:.80}")
            variable, value = pair
            data = getattr(value, "data", value)
            if tuple(getattr(data, "shape", ())) != tuple(variable.shape):
                raise ConfigError(f"StatelessScope: the value for variable {variable.path!r} has shape "
                                  f"{tuple(getattr(data, 'shape', ()))}, expected {tuple(variable.shape)}")
            self._mapping[id(variable)] = (variable, data)
        self._saved, self._final, self._token = {}, {}, None

    def __enter__(self):
        self._saved = {key: variable.data.copy() for key, (variable, _) in self._mapping.items()}
        for variable, value in self._mapping.values():
            variable.assign(value)
        self._token = _stateless.set(self)
        return self

    def __exit__(self, *exc):
        _stateless.reset(self._token)
        for key, (variable, _) in self._mapping.items():
            self._final[key] = variable.data.copy()
            variable.assign(self._saved[key])
        return False

    def add_loss(self, loss):
        self.losses.append(loss)

    def get_current_value(self, variable):
        """The value ``variable`` holds in this scope (inside the block: now; after it: at its end), or ``None``
        for a variable the mapping does not name."""
        key = id(variable)
        if key not in self._mapping:
            return None
        if key in self._final:
            return self._final[key]
        return variable.data.copy()  # a snapshot: the variable gets its own value back on exit


def in_stateless_scope() -> bool:
    return _stateless.get() is not None


def get_stateless_scope():
    return _stateless.get()


class SymbolicScope:
    """A block of symbolic tracing (``in_symbolic_scope()`` is True inside)."""

    def __enter__(self):
        self._token = _symbolic.set(self)
        return self

    def __exit__(self, *exc):
        _symbolic.reset(self._token)
        return False


def in_symbolic_scope() -> bool:
    return _symbolic.get() is not None


__all__ = ["StatelessScope", "SymbolicScope", "in_stateless_scope", "get_stateless_scope", "in_symbolic_scope"]
