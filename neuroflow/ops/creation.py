"""Array creation (Keras' ``ops.zeros``, ``ones``, ``full``, ``eye``, ``arange``, ``linspace``, windows...).

Every function returns a constant Tensor (no graph node). Float results take the default float dtype (float32)
unless ``dtype`` says otherwise, as in Keras; integer ranges stay integers.
"""
from __future__ import annotations

import math

from .. import _validate
from ..autograd.tensor import Tensor
from ..backend import default_float_dtype, get_array_module
from ..errors import ConfigError
from ._registry import not_differentiable


def _dtype(dtype, default=None):
    xp = get_array_module()
    if dtype is None:
        return xp.dtype(default) if default is not None else default_float_dtype()
    try:
        return xp.dtype(getattr(dtype, "name", dtype))
    except TypeError:
        raise ConfigError(f"dtype: {dtype!r} is not a dtype name such as 'float32' or 'int32'") from None


def _shape(shape, who):
    return _validate.array_shape(shape, who)


def _const(arr):
    return Tensor(arr, dtype=arr.dtype)


def _data(x):
    return x.data if isinstance(x, Tensor) else get_array_module().asarray(x)


def _like_dtype(x, dtype):
    if dtype is not None:
        return _dtype(dtype)
    # Arrays and Tensors keep their dtype; Python numbers and lists follow Tensor's rules (floatx).
    return x.dtype if hasattr(x, "dtype") else Tensor(x).dtype


@not_differentiable
def zeros(shape, dtype=None):
    """Zeros. Shapes: -> ``shape``."""
    return _const(get_array_module().zeros(_shape(shape, "zeros"), _dtype(dtype)))


@not_differentiable
def ones(shape, dtype=None):
    """Ones. Shapes: -> ``shape``."""
    return _const(get_array_module().ones(_shape(shape, "ones"), _dtype(dtype)))


@not_differentiable
def full(shape, fill_value, dtype=None):
    """``fill_value`` everywhere. Shapes: -> ``shape``."""
    xp = get_array_module()
    value = _data(fill_value)
    if dtype is not None or value.dtype.kind == "f":
        dt = _dtype(dtype)
    else:  # a Python int fills int32, as Keras does; an array keeps its dtype
        dt = value.dtype if hasattr(fill_value, "dtype") else _dtype("int32" if value.dtype.kind in "iu" else None,
                                                                          value.dtype)
    return _const(xp.full(_shape(shape, "full"), value, dtype=dt))


@not_differentiable
def empty(shape, dtype=None):
    """An array of ``shape`` (zero-filled here, so that nothing uninitialised leaks). Shapes: -> ``shape``."""
    return zeros(shape, dtype)


@not_differentiable
def zeros_like(x, dtype=None):
    """Zeros of ``x``'s shape and dtype. Shapes: any -> same."""
    return _const(get_array_module(_data(x)).zeros(_data(x).shape, _like_dtype(x, dtype)))


@not_differentiable
def ones_like(x, dtype=None):
    """Ones of ``x``'s shape and dtype. Shapes: any -> same."""
    return _const(get_array_module(_data(x)).ones(_data(x).shape, _like_dtype(x, dtype)))


@not_differentiable
def full_like(x, fill_value, dtype=None):
    """``fill_value`` in ``x``'s shape and dtype. Shapes: any -> same."""
    return _const(get_array_module(_data(x)).full(_data(x).shape, _data(fill_value), _like_dtype(x, dtype)))


@not_differentiable
def empty_like(x, dtype=None):
    """Zeros of ``x``'s shape and dtype. Shapes: any -> same."""
    return zeros_like(x, dtype)


@not_differentiable
def eye(N, M=None, k=0, dtype=None):
    """Ones on the ``k``-th diagonal. Shapes: -> ``(N, M or N)``."""
    N, M = _shape((N, N if M is None else M), "eye")  # negative or fractional sizes: a ConfigError
    return _const(get_array_module().eye(N, M, int(k), dtype=_dtype(dtype)))


@not_differentiable
def identity(n, dtype=None):
    """The ``n`` x ``n`` identity. Shapes: -> ``(n, n)``."""
    return eye(n, dtype=dtype)


@not_differentiable
def tri(N, M=None, k=0, dtype=None):
    """Ones at and below the ``k``-th diagonal. Shapes: -> ``(N, M or N)``."""
    N, M = _shape((N, N if M is None else M), "tri")  # negative or fractional sizes: a ConfigError
    return _const(get_array_module().tri(N, M, int(k), dtype=_dtype(dtype)))


@not_differentiable
def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in ``[start, stop)``; integers stay integers (int32 as Keras), floats take floatx.

    Shapes: -> ``(ceil((stop - start) / step),)``.
    """
    xp = get_array_module()
    if step is not None and step == 0:
        raise ConfigError("arange: step must not be 0")
    args = [a for a in (start, stop, step) if a is not None]
    if dtype is None:
        dtype = "int32" if all(float(a).is_integer() and not isinstance(a, float) for a in args) else None
    if all(_validate.is_number(a) for a in args):  # the length, checked before NumPy tries to allocate it
        first, last = (0, start) if stop is None else (start, stop)
        _validate.fits_in_memory((max(0, math.ceil((last - first) / (1 if step is None else step))),), "arange",
                                 "the output shape", itemsize=8)
    return _const(xp.arange(start, stop, 1 if step is None else step).astype(_dtype(dtype)))


@not_differentiable
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop``. Shapes: -> ``(num,)`` (start/stop arrays add axes)."""
    xp, num = get_array_module(), _validate.non_negative_int(num, "linspace", "num")
    _validate.fits_in_memory((num,), "linspace", "num", itemsize=8)
    out = xp.linspace(_data(start), _data(stop), num, endpoint=endpoint, retstep=retstep, axis=axis)
    if retstep:
        return _const(out[0].astype(_dtype(dtype))), out[1]
    return _const(out.astype(_dtype(dtype)))


@not_differentiable
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``. Shapes: -> ``(num,)``."""
    xp, num = get_array_module(), _validate.non_negative_int(num, "logspace", "num")
    _validate.fits_in_memory((num,), "logspace", "num", itemsize=8)
    return _const(xp.logspace(_data(start), _data(stop), num, endpoint=endpoint, base=base,
                              axis=axis).astype(_dtype(dtype)))


@not_differentiable
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` values in geometric progression from ``start`` to ``stop``. Shapes: -> ``(num,)``."""
    xp, num = get_array_module(), _validate.non_negative_int(num, "geomspace", "num")
    _validate.fits_in_memory((num,), "geomspace", "num", itemsize=8)
    return _const(xp.geomspace(_data(start), _data(stop), num, endpoint=endpoint,
                               axis=axis).astype(_dtype(dtype)))


@not_differentiable
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D coordinate vectors (``indexing`` ``"xy"`` or ``"ij"``). Shapes: ``(n_i,)`` each ->
    a list of ``len(x)`` grids."""
    if indexing not in ("xy", "ij"):
        raise ConfigError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    return [_const(g) for g in get_array_module().meshgrid(*[_data(v) for v in x], indexing=indexing)]


@not_differentiable
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of ``x``. Shapes: ``(n,)`` -> ``(n, N or n)``."""
    return _const(get_array_module(_data(x)).vander(_data(x), N, increasing))


@not_differentiable
def array(x, dtype=None):
    """``x`` as a constant Tensor (Keras' ``ops.array``). Shapes: any -> same."""
    arr = get_array_module(_data(x)).asarray(_data(x), dtype=None if dtype is None else _dtype(dtype))
    return Tensor(arr, dtype=arr.dtype) if dtype is not None or arr.dtype.kind != "f" else Tensor(arr)


def _window(name, fn):
    def op(x, *args):
        return _const(fn(get_array_module(), int(_data(x)), *args).astype(default_float_dtype()))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The {name.title()} window of ``x`` points. Shapes: -> ``(x,)``."
    return not_differentiable(op)


bartlett = _window("bartlett", lambda xp, n: xp.bartlett(n))
blackman = _window("blackman", lambda xp, n: xp.blackman(n))
hamming = _window("hamming", lambda xp, n: xp.hamming(n))
hanning = _window("hanning", lambda xp, n: xp.hanning(n))
_kaiser = _window("kaiser", lambda xp, n, beta: xp.kaiser(n, float(beta)))


@not_differentiable
def kaiser(x, beta):
    """The Kaiser window of ``x`` points with shape parameter ``beta``. Shapes: -> ``(x,)``."""
    return _kaiser(x, beta)

__all__ = ["zeros", "ones", "full", "empty", "zeros_like", "ones_like", "full_like", "empty_like", "eye",
           "identity", "tri", "arange", "linspace", "logspace", "geomspace", "meshgrid", "vander", "array",
           "bartlett", "blackman", "hamming", "hanning", "kaiser"]
