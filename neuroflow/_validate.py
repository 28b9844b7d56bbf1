"""Argument checks shared by every constructor and ``fit``/``evaluate``/``predict``.

Each helper returns the value normalised (an ``int``, a ``float``, a tuple) or raises a :class:`ConfigError`
whose message names who was called, the argument, what was expected and what was given, e.g.
``Dropout 'dropout': rate must be in [0, 1), got '0.5' (str)``. A value of the wrong *type* raises
:class:`ArgumentTypeError`, which is both a ``ConfigError`` (a ``ValueError``) and a ``TypeError``, so code
catching either keeps working.

This module sits on the bottom floor: it imports only :mod:`neuroflow.errors` and NumPy.
"""
from __future__ import annotations

import functools
import math
import os
import numbers

import numpy as np

from .errors import ConfigError


class ArgumentTypeError(ConfigError, TypeError):
    """An argument of the wrong type (a string where a number belongs, ``True`` as a unit count...)."""


def describe(value) -> str:
    """``'0.5' (str)``: a value as an error message shows it, with its type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _fail(who, arg, expected, value, type_error=False):
    cls = ArgumentTypeError if type_error else ConfigError
    raise cls(f"{who}: {arg} must be {expected}, got {describe(value)}")


def is_int(value) -> bool:
    """An integer that is not a bool (``True`` is an ``int`` to Python, never a count to a user)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_number(value) -> bool:
    """A real number that is not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def integer(value, who: str, arg: str, minimum: int | None = None, maximum: int | None = None,
            allow_none: bool = False):
    """``value`` as an ``int`` in ``[minimum, maximum]``; an integral float (``32.0``) is accepted, ``2.5`` is
    not."""
    if value is None and allow_none:
        return None
    bounds = _bounds_text(minimum, maximum)
    expected = f"an int{bounds}" + (" or None" if allow_none else "")
    if is_int(value) or (is_number(value) and math.isfinite(value) and float(value).is_integer()):
        value_int = int(value)
    else:
        _fail(who, arg, expected, value, type_error=not is_number(value))
    if (minimum is not None and value_int < minimum) or (maximum is not None and value_int > maximum):
        _fail(who, arg, expected, value)
    return value_int


def positive_int(value, who: str, arg: str, allow_none: bool = False):
    """``value`` as an ``int`` ≥ 1 (``None`` passes through with ``allow_none``)."""
    return integer(value, who, arg, minimum=1, allow_none=allow_none)


def non_negative_int(value, who: str, arg: str, allow_none: bool = False):
    """``value`` as an ``int`` ≥ 0."""
    return integer(value, who, arg, minimum=0, allow_none=allow_none)


def _bounds_text(low, high, low_open=False, high_open=False) -> str:
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""


def finite_float(value, who: str, arg: str, low=None, high=None, low_open=False, high_open=False,
                 allow_none: bool = False):
    """``value`` as a finite ``float`` within the bounds (``low_open``/``high_open`` exclude the bound)."""
    if value is None and allow_none:
        return None
    bounds = _bounds_text(low, high, low_open, high_open)
    # "rate must be in [0, 1)" reads best for a range; one bound needs the noun ("a finite float >= 0")
    expected = (bounds.strip() if low is not None and high is not None else f"a finite float{bounds}") \
        + (" or None" if allow_none else "")
    if not is_number(value):
        _fail(who, arg, expected, value, type_error=True)
    v = float(value)
    if not math.isfinite(v):
        _fail(who, arg, expected, value)
    if low is not None and (v < low or (low_open and v == low)):
        _fail(who, arg, expected, value)
    if high is not None and (v > high or (high_open and v == high)):
        _fail(who, arg, expected, value)
    return v


def probability(value, who: str, arg: str, inclusive_high: bool = False) -> float:
    """A rate in ``[0, 1)`` (``[0, 1]`` with ``inclusive_high``), e.g. a dropout rate."""
    return finite_float(value, who, arg, 0, 1, high_open=not inclusive_high)


def boolean(value, who: str, arg: str) -> bool:
    """A ``bool`` (NumPy's too); ``'yes'``, ``1`` or ``None`` are refused rather than guessed at."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    _fail(who, arg, "True or False", value, type_error=True)


def one_of(value, who: str, arg: str, choices, allow_none: bool = False, lower: bool = False):
    """``value`` if it is one of ``choices`` (strings compared lower-cased with ``lower``)."""
    if value is None and allow_none:
        return None
    probe = value.lower() if lower and isinstance(value, str) else value
    try:
        if probe in choices:
            return probe
    except TypeError:  # an unhashable value tested against a set
        pass
    listed = ", ".join(repr(c) for c in choices) + (", or None" if allow_none else "")
    _fail(who, arg, f"one of {listed}", value, type_error=not isinstance(value, str))


def shape_tuple(value, who: str, arg: str, allow_none_dims: bool = True) -> tuple:
    """A shape without the batch axis: a tuple/list of positive ints (``None`` for a size known only at run
    time). ``0`` and ``-1`` are refused: a zero-size axis holds no data, and ``-1`` is ``Reshape``'s, not a
    shape's."""
    example = "e.g. (784,) or (28, 28, 1)"
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        _fail(who, arg, f"a tuple of axis sizes without the batch axis, {example}", value, type_error=True)
    dims = []
    for d in value:
        if d is None and allow_none_dims:
            dims.append(None)
        elif is_int(d) and d >= 1:
            dims.append(int(d))
        else:
            sizes = "positive ints" + (" (or None)" if allow_none_dims else "")
            raise ConfigError(f"{who}: {arg} must hold {sizes}, {example}; got {tuple(value)!r} with the size "
                              f"{d!r}")
    return tuple(dims)


def non_negative_float(value, who, arg, allow_none=False):
    """A finite float ≥ 0 (a weight decay, a clip value of 0 is refused elsewhere)."""
    return finite_float(value, who, arg, 0, None, allow_none=allow_none)


def positive_float(value, who, arg, allow_none=False):
    """A finite float > 0 (epsilon, a clip norm)."""
    return finite_float(value, who, arg, 0, None, low_open=True, allow_none=allow_none)


def resolved(get, value, who: str, arg: str):
    """``get(value)`` — a lookup by Keras name such as ``activations.get`` — with its ConfigError prefixed by who
    was called and the argument: ``Dense 'dense': activation: unknown activation 'bogus': did you mean ...``."""
    try:
        return get(value)
    except ConfigError as err:
        raise type(err)(f"{who}: {arg}: {err}") from None


class AllocationError(ConfigError, MemoryError):
    """An array larger than this machine's memory, refused before NumPy tries (and the OS kills the process)."""


@functools.lru_cache(maxsize=None)
def _memory_bytes() -> int:
    """The machine's physical memory (read once: shapes are checked on every ``ops.zeros``)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):  # no sysconf (Windows): only refuse the absurd
        return 1 << 50


def int_tuple(value, who: str, arg: str, minimum: int | None = None) -> tuple:
    """An int or a sequence of ints (each >= ``minimum``) as a tuple of ``int``: a shape, reps, a permutation.
    ``2.5``, ``'3'`` or ``True`` as an entry is refused rather than truncated."""
    expected = "an int or a tuple of ints" + (f" >= {minimum}" if minimum is not None else "")
    if isinstance(value, (str, bytes)) or not (is_int(value) or hasattr(value, "__iter__")):
        _fail(who, arg, expected, value, type_error=True)
    dims = (value,) if is_int(value) else tuple(value)
    if not all(is_int(d) for d in dims):
        _fail(who, arg, expected, value, type_error=True)
    if minimum is not None and any(d < minimum for d in dims):
        _fail(who, arg, expected, value)
    return tuple(int(d) for d in dims)


def array_shape(value, who: str, arg: str = "shape", itemsize: int = 4) -> tuple:
    """A full array shape (an int or a sequence of ints >= 0) as a tuple; an array of that shape and
    ``itemsize`` must fit in the machine's memory, so ``(10**8, 10**8)`` is refused here rather than by a
    MemoryError (or the OOM killer) deep inside NumPy."""
    dims = int_tuple(value, who, arg, minimum=0)
    fits_in_memory(dims, who, arg, itemsize)
    return dims


def fits_in_memory(dims: tuple, who: str, arg: str, itemsize: int = 4) -> None:
    """An :class:`AllocationError` naming ``who`` and ``arg`` when an array of shape ``dims`` would not fit."""
    size = math.prod(dims) * itemsize
    if size > _memory_bytes():
        raise AllocationError(f"{who}: {arg} {dims} needs {size / 2 ** 30:.3g} GiB, more than this machine's "
                              f"{_memory_bytes() / 2 ** 30:.3g} GiB of memory")
