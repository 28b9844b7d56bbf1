"""A strict stand-in for a GPU array module: CuPy's behaviour, NumPy's arithmetic, no GPU needed.

Why: neuroflow's device seam must be proven on machines without a GPU. This module has its own array type
(:class:`ndarray`, holding a NumPy array privately) and a namespace with NumPy's function names, and it refuses
what CuPy refuses, so code that would silently fall back to the host on a GPU fails here instead:

* implicit conversion to NumPy: ``np.asarray(a)``, ``a.__array__()``, NumPy functions and ufuncs called on ``a``,
  ``float()``/``int()``/``bool()`` of an array with more than one element -> ``TypeError`` (a ``DeviceError``);
* host NumPy arrays mixed into an operation with device arrays (Python and NumPy *scalars* are fine, as in CuPy);
* explicit transfers work and device-to-host ones are counted: ``a.get()``, :func:`asnumpy`, ``a.item()``,
  ``float(a)`` of a one-element array, ``a.tolist()``, ``repr(a)``. :func:`transfers` is the running count,
  :func:`counting` counts a block. Host-to-device copies (:func:`asarray` of host data, :func:`array`) are
  explicit and counted apart (:func:`uploads`).

Shapes and dtypes are NumPy's (dtype objects are NumPy's, as in CuPy). Everything computes with NumPy underneath,
so results equal NumPy's bit for bit. This file is the namespace; the array type and the counters are in
:mod:`.strict_array`.
"""
from __future__ import annotations

import builtins
import sys
import types

import numpy as _np

from ..errors import DeviceError
from . import GENERATOR_METHODS, register
from .strict_array import (TransferCount, _Counts, _unwrap, _wrap, _wrap_function, counting, ndarray,  # noqa: F401
                           transfers, uploads)


class ufunc:  # noqa: N801 - NumPy's spelling
    """A NumPy ufunc on device arrays: call it, or its ``at``/``reduce``/``accumulate``/``reduceat``/``outer``."""

    def __init__(self, fn):
        self._fn = fn
        self.__name__ = fn.__name__
        self.nin, self.nout = fn.nin, fn.nout
        where = f"strict.{fn.__name__}"
        self._call = _wrap_function(fn, where)
        for method in ("at", "reduce", "accumulate", "reduceat", "outer"):
            setattr(self, method, _wrap_function(getattr(fn, method), f"{where}.{method}"))

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)

    def __repr__(self):
        return f"<strict ufunc {self.__name__!r}>"


def _namespace_attribute(source, name: str, where: str):
    """The strict form of ``source.name``: ufuncs and functions wrapped, classes/constants/dtypes passed through."""
    value = getattr(source, name)
    if isinstance(value, _np.ufunc):
        return ufunc(value)
    if isinstance(value, type) or not callable(value):
        return value
    return _wrap_function(value, f"{where}.{name}")


class _Namespace(types.ModuleType):
    """A submodule (``linalg``, ``fft``, ``random``...) wrapping the NumPy submodule of the same name lazily."""

    def __init__(self, name: str, source):
        super().__init__(f"neuroflow.backends.strict.{name}")
        self._source, self._where = source, f"strict.{name}"

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = _namespace_attribute(self._source, name, self._where)
        setattr(self, name, value)  # resolved once
        return value


# --- the namespace ------------------------------------------------------------------------------------------------
def asarray(a, dtype=None, order=None, *, copy=None, **kwargs):
    """``a`` as a device array: device arrays as they are (cast if ``dtype`` differs), host data copied over
    (an explicit, counted upload). Shapes: any."""
    if type(a) is ndarray:
        if dtype is None or _np.dtype(dtype) == a._a.dtype:
            return ndarray._of(a._a.copy()) if copy else a
        return ndarray._of(a._a.astype(dtype))
    if isinstance(a, (list, tuple)):
        a = _unwrap(a, "strict.asarray")  # lists of device scalars (CuPy accepts them too)
    _Counts.host_to_device += 1
    return ndarray._of(_np.array(a, dtype=dtype, order=order or "K", copy=True))


def array(obj, dtype=None, copy=True, order="K", ndmin=0, **kwargs):
    """A new device array (always a copy unless ``copy=False`` and ``obj`` is one already). Shapes: any."""
    if type(obj) is ndarray:
        out = _np.array(obj._a, dtype=dtype, copy=copy, order=order, ndmin=ndmin)
        return obj if out is obj._a else ndarray._of(out)
    if isinstance(obj, (list, tuple)):
        obj = _unwrap(obj, "strict.array")
    _Counts.host_to_device += 1
    return ndarray._of(_np.array(obj, dtype=dtype, copy=True, order=order, ndmin=ndmin))


def upload(array):
    """The device adapters' host-to-device copy (``neuroflow.backends.cupy.upload`` stages it through pinned memory
    on a stream): here a plain copy, counted in :func:`uploads`. Shapes: any -> same, dtype kept."""
    return asarray(_np.asarray(array))


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    """A host NumPy array for ``a`` (a counted transfer when ``a`` is a device array). Shapes: any."""
    if type(a) is ndarray:
        return a.get(order=order, out=out)
    return _np.asarray(a, order=order)


def get_array_module(*args):
    """This module if any argument is a device array, else NumPy (CuPy's ``get_array_module``)."""
    return sys.modules[__name__] if any(type(a) is ndarray for a in args) else _np


def ascontiguousarray(a, dtype=None):
    """A C-contiguous device array for device array ``a``. Shapes: any."""
    if type(a) is not ndarray:
        return asarray(_np.ascontiguousarray(a, dtype=dtype))
    return ndarray._of(_np.ascontiguousarray(a._a, dtype=dtype))


def fuse(*args, **kwargs):
    """CuPy's ``fuse`` decorator: on the stand-in the function runs as written (its ``xp`` calls are this module's)."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda fn: fn


class ElementwiseKernel:
    """CuPy's ``ElementwiseKernel`` is CUDA source and cannot run here: constructing one says so, so a caller
    keeps its ``xp`` twin for this module."""

    def __init__(self, *args, **kwargs):
        raise DeviceError("strict.ElementwiseKernel: the stand-in runs no CUDA source; use the xp form of the kernel")


ndarray.__module__ = __name__
generic = _np.generic
random = _Namespace("random", _np.random)
linalg = _Namespace("linalg", _np.linalg)
fft = _Namespace("fft", _np.fft)
lib = types.ModuleType("neuroflow.backends.strict.lib")
lib.stride_tricks = _Namespace("lib.stride_tricks", _np.lib.stride_tricks)


class Generator:
    """``strict.random.default_rng(seed)``: a NumPy ``Generator`` behind the wrapper, drawing device arrays (the
    same values NumPy's generator draws from that seed)."""

    def __init__(self, bit_generator_or_seed=None):
        self._rng = _np.random.default_rng(bit_generator_or_seed)

    def __getattr__(self, name):
        if name not in GENERATOR_METHODS:  # as on CuPy (backends/cupy.Generator): a missing name fails here too
            raise AttributeError(f"strict.random.Generator has no method {name!r}: a device generator offers "
                                 f"{sorted(GENERATOR_METHODS)} (neuroflow.backends.GENERATOR_METHODS)")
        return _wrap_function(getattr(self._rng, name), f"strict.random.Generator.{name}")

    @property
    def bit_generator(self):
        """The shared NumPy bit generator, its draws (``random_raw``) returned as device arrays."""
        return _BitGenerator(self._rng.bit_generator)


class _BitGenerator:
    def __init__(self, bit_generator):
        self._bits = bit_generator

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(self._bits, name)
        return _wrap_function(value, f"strict.random.BitGenerator.{name}") if callable(value) else value


register(ndarray, sys.modules[__name__], "strict")
random.default_rng = Generator
random.Generator = Generator
_LOCAL = {"random", "linalg", "fft", "lib"}


def __getattr__(name):
    # every other NumPy name: functions wrapped (unwrap, call, wrap), ufuncs as ufunc, classes and constants as is
    if name.startswith("__") or name in ("matrix", "char", "rec", "ma", "polynomial", "testing"):
        raise AttributeError(f"module 'neuroflow.backends.strict' has no attribute {name!r}")
    try:
        value = _namespace_attribute(_np, name, "strict")
    except AttributeError:
        raise AttributeError(f"module 'neuroflow.backends.strict' has no attribute {name!r}") from None
    if not hasattr(builtins, name):  # resolved once; never shadow a builtin this module uses (any, bool, round...)
        globals()[name] = value
    return value


__all__ = ["ndarray", "asarray", "array", "asnumpy", "upload", "get_array_module", "transfers", "uploads", "counting",
           "random", "linalg", "fft", "fuse", "ElementwiseKernel", "Generator"]
