"""Checking an optimizer's constructor arguments: numbers, ranges, unknown and obsolete keyword arguments.

Every failure is a :class:`~neuroflow.errors.ConfigError` naming the optimizer, the argument, what was expected and
what was given.
"""
from __future__ import annotations

import inspect
import warnings

from ..autograd.tensor import Tensor
from ..errors import ConfigError, close_matches

# Keys of tf.keras (Keras 2) optimizer configs that mean nothing here; accepted so that old configs load.
IGNORED_KEYS = ("jit_compile", "is_legacy_optimizer")


def as_float(value, what: str) -> float:
    """A Python float from a number, NumPy scalar or one-element array/Tensor (Python floats keep float32 math
    in float32, where a NumPy float64 scalar would upcast)."""
    if isinstance(value, Tensor):
        value = value.data
    if hasattr(value, "item") and getattr(value, "size", 1) == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{what} must be a number, got {value!r} ({type(value).__name__})")
    return float(value)


def optional_number(owner: str, what: str, value, low: float = 0.0):
    """``None`` or a float ``>= low``."""
    if value is None:
        return None
    value = as_float(value, f"{owner}: {what}")
    if not value >= low:
        raise ConfigError(f"{owner}: {what} must be >= {low}, got {value}")
    return value


def bounded(owner: str, what: str, value, low: float, high: float, high_open: bool = False) -> float:
    """A float in ``[low, high]`` (or ``[low, high)``)."""
    value = as_float(value, f"{owner}: {what}")
    if not (low <= value < high if high_open else low <= value <= high):
        rng = f"[{low}, {high})" if high_open else f"[{low}, {high}]"
        raise ConfigError(f"{owner}: {what} must be in {rng}, got {value}")
    return value


def optional_int(owner: str, what: str, value, low: int):
    """``None`` or an integer ``>= low`` (not a bool)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{owner}: {what} must be an integer >= {low} or None, got {value!r}")
    return value


def check_kwargs(cls, kwargs: dict) -> None:
    """Drop Keras 2's ``decay`` (with a warning unless 0) and the ignored keys; any other key is an error that
    lists the close matches among the arguments of ``cls`` and its bases."""
    decay = kwargs.pop("decay", None)
    if decay not in (None, 0, 0.0):
        warnings.warn(f"{cls.__name__}: argument decay={decay!r} is no longer supported (as in Keras 3) "
                      "and is ignored; use a learning rate schedule", stacklevel=4)
    for key in IGNORED_KEYS:
        kwargs.pop(key, None)
    if kwargs:
        valid = []
        for klass in cls.__mro__[:-1]:  # not object
            init = klass.__dict__.get("__init__")
            if init is not None:
                valid += [p for p in inspect.signature(init).parameters
                          if p not in ("self", "kwargs") and p not in valid]
        bad = sorted(kwargs)[0]
        raise ConfigError(f"{cls.__name__}: unknown argument(s) {sorted(kwargs)}: {close_matches(bad, valid)}")
