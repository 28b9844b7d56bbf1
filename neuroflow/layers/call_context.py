"""Keras 3's call context for ``training``: a value given to an outer layer call reaches the layers it calls.

Keras resolves a layer's ``training`` as: the argument passed to this call, if not None; else the value of an
enclosing layer call; else the layer's own ``call`` default. So ``model.predict`` (``training=False``) also turns
off an augmentation that a custom layer calls without forwarding ``training``. One context variable per thread
(and per asyncio task), set for the duration of a call that has a value.
"""
from __future__ import annotations

import contextvars

_TRAINING = contextvars.ContextVar("neuroflow_training", default=None)


def resolve_training(training):
    """``training`` if given, else the enclosing call's value (None when no enclosing call gave one)."""
    return _TRAINING.get() if training is None else training


def enter_training(training):
    """Make ``training`` the value inner calls see; a token for :func:`exit_training` (None: nothing set)."""
    return None if training is None else _TRAINING.set(training)


def exit_training(token) -> None:
    if token is not None:
        _TRAINING.reset(token)
