"""The strict stand-in's array type (:class:`ndarray`) and its transfer counters (see :mod:`.strict`).

A device array holds a NumPy array privately: operators and methods compute with NumPy, results come back as
device arrays, host NumPy arrays mixed in are refused (a ``DeviceError`` naming the function), implicit conversions
to NumPy raise as CuPy's do, and every device-to-host copy is counted. Shapes and dtypes are NumPy's.
"""
from __future__ import annotations

import contextlib
import operator
import sys

import numpy as _np

from ..errors import DeviceError


class _Counts:
    """Transfer counters (device-to-host and host-to-device copies)."""

    device_to_host = 0
    host_to_device = 0


def transfers() -> int:
    """How many device-to-host transfers (``get``, ``asnumpy``, ``item``, ``float()``...) happened so far."""
    return _Counts.device_to_host


def uploads() -> int:
    """How many explicit host-to-device copies (``asarray``/``array`` of host data, host index arrays) so far."""
    return _Counts.host_to_device


class TransferCount:
    """What :func:`counting` yields: ``count`` (device-to-host transfers in the block so far) and ``uploads``."""

    def __init__(self):
        self._start, self._start_up = _Counts.device_to_host, _Counts.host_to_device
        self._end = self._end_up = None

    @property
    def count(self) -> int:
        end = _Counts.device_to_host if self._end is None else self._end
        return end - self._start

    @property
    def uploads(self) -> int:
        end = _Counts.host_to_device if self._end_up is None else self._end_up
        return end - self._start_up


@contextlib.contextmanager
def counting():
    """``with strict.counting() as c: ...`` then ``c.count`` is the device-to-host transfers made in the block."""
    counter = TransferCount()
    try:
        yield counter
    finally:
        counter._end, counter._end_up = _Counts.device_to_host, _Counts.host_to_device


def _download(a: _np.ndarray) -> _np.ndarray:
    _Counts.device_to_host += 1
    return a


def _refuse_host(where: str, value) -> None:
    raise DeviceError(
        f"{where}: got a host numpy.ndarray (shape {value.shape}, dtype {value.dtype}) mixed with strict device "
        f"arrays; copy it to the device first (neuroflow.backend.to_device(array, 'strict') or xp.asarray(array))")


# --- wrapping and unwrapping ----------------------------------------------------------------------------------------
def _unwrap(value, where: str):
    """The NumPy value behind ``value``: device arrays unwrapped (also inside lists, tuples, dicts); host arrays
    refused; scalars, slices, dtypes and everything else passed through."""
    cls = type(value)
    if cls is ndarray:
        return value._a
    if cls is _np.ndarray:
        _refuse_host(where, value)
    if cls is list or cls is tuple:
        return cls(_unwrap(v, where) for v in value)
    if cls is dict:
        return {k: _unwrap(v, where) for k, v in value.items()}
    return value


def _wrap(value):
    """Device arrays for the NumPy arrays (and NumPy scalars: CuPy returns 0-d arrays) in ``value``."""
    cls = type(value)
    if cls is _np.ndarray:
        return ndarray._of(value)
    if isinstance(value, _np.generic):
        return ndarray._of(_np.asarray(value))
    if cls is list:
        return [_wrap(v) for v in value]
    if isinstance(value, tuple):
        items = [_wrap(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)  # namedtuples keep their type
    return value


def _wrap_function(fn, where: str):
    def call(*args, **kwargs):
        return _wrap(fn(*_unwrap(args, where), **_unwrap(kwargs, where)))

    call.__name__ = getattr(fn, "__name__", where)
    call.__qualname__ = where
    call.__doc__ = f"{where}: NumPy's function on strict device arrays (host arrays refused)."
    return call



# --- the array type ---------------------------------------------------------------------------------------------------
_NO_ATTRIBUTE = {  # NumPy host-memory attributes a GPU array does not have
    "__array_interface__", "__array_struct__", "ctypes", "data", "tofile", "dump", "dumps", "__array_wrap__",
    "__array_finalize__", "__array_prepare__"}


class ndarray:  # noqa: N801 - CuPy's and NumPy's spelling
    """A device array: a NumPy array held privately, with NumPy's operators and methods, CuPy's refusals.

    Shapes: any. ``get()`` returns a host copy (a counted transfer); ``set(host_array)`` copies host data in.
    """

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 200  # above NumPy's, below neuroflow's Tensor (which then handles Tensor <op> array)
    __array_ufunc__ = None  # NumPy's binary operators return NotImplemented, so ours run (and refuse host arrays)

    def __init__(self, shape, dtype=float, order="C"):
        self._a = _np.empty(shape, dtype=dtype, order=order)

    @classmethod
    def _of(cls, array: _np.ndarray) -> "ndarray":
        obj = object.__new__(cls)
        obj._a = array
        return obj

    # --- refusals, as CuPy's --------------------------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise DeviceError("Implicit conversion to a NumPy array is not allowed (strict device array, shape "
                          f"{self._a.shape}); use .get(), xp.asnumpy() or neuroflow.backend.to_host() explicitly")

    def __array_function__(self, func, types_, args, kwargs):
        raise DeviceError(f"numpy.{func.__name__} called on a strict device array; use the array's module "
                          f"(neuroflow.backend.get_array_module(array).{func.__name__})")

    def _scalar(self, kind: str):
        if self._a.size != 1:
            raise DeviceError(f"only size-1 arrays can be converted to Python scalars ({kind}() of a strict device "
                              f"array of shape {self._a.shape})")
        return _download(self._a)

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __complex__(self):
        return complex(self._scalar("complex"))

    def __index__(self):
        if self._a.ndim != 0 or self._a.dtype.kind not in "iub":
            raise DeviceError(f"only integer scalar arrays can be converted to an index (got shape {self._a.shape},"
                              f" dtype {self._a.dtype})")
        return operator.index(_download(self._a)[()])

    def __bool__(self):
        if self._a.size != 1:
            raise ValueError("The truth value of an array with more than one element is ambiguous "
                             f"(strict device array of shape {self._a.shape})")
        return bool(_download(self._a))

    # --- explicit transfers -----------------------------------------------------------------------------------------
    def get(self, stream=None, order="C", out=None, blocking=True):
        """A host NumPy copy (a counted device-to-host transfer)."""
        host = _np.array(_download(self._a), order=order)
        if out is not None:
            out[...] = host
            return out
        return host

    def set(self, arr, stream=None):
        """Copy host array ``arr`` (same shape) into this device array."""
        if arr.shape != self._a.shape:
            raise DeviceError(f"set: host array shape {arr.shape} does not match the device array's {self._a.shape}")
        _Counts.host_to_device += 1
        self._a[...] = arr

    def item(self, *args):
        return _download(self._a).item(*args)

    def tolist(self):
        return _download(self._a).tolist()

    def tobytes(self, order="C"):
        return _download(self._a).tobytes(order)

    def __repr__(self):
        return repr(_download(self._a)).replace("array(", "strict.array(", 1)

    def __str__(self):
        return str(_download(self._a))

    def __format__(self, spec):
        return format(_download(self._a)[()] if self._a.ndim == 0 else _download(self._a), spec)

    def __array_namespace__(self, api_version=None):
        return sys.modules["neuroflow.backends.strict"]  # the namespace module, which imports this one

    @property
    def device(self) -> str:
        return "strict"

    # --- facts and views --------------------------------------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: ndarray._of(self._a.T))
    mT = property(lambda self: ndarray._of(self._a.mT))
    real = property(lambda self: _wrap(self._a.real))
    imag = property(lambda self: _wrap(self._a.imag))

    @property
    def base(self):
        """``None`` when this array owns its memory, else a device array for the one it views."""
        return None if self._a.base is None else ndarray._of(self._a.base)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        for i in range(len(self._a)):
            yield ndarray._of(self._a[i]) if self._a.ndim > 1 else _wrap(self._a[i])

    __hash__ = None

    def __copy__(self):
        return ndarray._of(self._a.copy())

    def __deepcopy__(self, memo):
        return ndarray._of(self._a.copy())

    def __reduce__(self):
        raise DeviceError("a strict device array cannot be pickled; copy it to the host with .get() first")

    def __getattr__(self, name):
        # NumPy's other methods (sum, mean, max, reshape, transpose, astype, copy, fill, clip, argmax...), wrapped
        if name in _NO_ATTRIBUTE or name.startswith("__"):
            raise AttributeError(f"strict device arrays have no attribute {name!r}")
        value = getattr(self._a, name)
        if callable(value):
            return _wrap_function(value, f"strict.ndarray.{name}")
        return _wrap(value)

    # --- indexing -----------------------------------------------------------------------------------------------------
    @staticmethod
    def _index(key):
        if type(key) is tuple:
            return tuple(ndarray._index(k) for k in key)
        if type(key) is ndarray:
            return key._a
        if type(key) is _np.ndarray or type(key) is list:  # host indices are copied over, as CuPy does
            _Counts.host_to_device += 1
        return key

    def __getitem__(self, key):
        return _wrap(self._a[self._index(key)])

    def __setitem__(self, key, value):
        if type(value) is _np.ndarray:  # CuPy copies host values over too
            _Counts.host_to_device += 1
        else:
            value = _unwrap(value, "strict.ndarray.__setitem__")
        self._a[self._index(key)] = value


def _operand(value, where):
    cls = type(value)
    if cls is ndarray:
        return value._a
    if cls is _np.ndarray:
        _refuse_host(where, value)
    if isinstance(value, (bool, int, float, complex, _np.generic)):
        return value
    return NotImplemented


def _binary(name: str, fn, reflected: bool = False, inplace: bool = False):
    where = f"strict.ndarray.__{name}__"

    def method(self, other):
        b = _operand(other, where)
        if b is NotImplemented:
            return NotImplemented
        if inplace:
            fn(self._a, b)
            return self
        return _wrap(fn(b, self._a) if reflected else fn(self._a, b))

    method.__name__ = f"__{name}__"
    return method


_BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
           "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow, "matmul": operator.matmul,
           "and": operator.and_, "or": operator.or_, "xor": operator.xor, "lshift": operator.lshift,
           "rshift": operator.rshift, "divmod": divmod}
for _name, _fn in _BINARY.items():
    setattr(ndarray, f"__{_name}__", _binary(_name, _fn))
    setattr(ndarray, f"__r{_name}__", _binary(f"r{_name}", _fn, reflected=True))
    if _name != "divmod":
        setattr(ndarray, f"__i{_name}__", _binary(f"i{_name}", getattr(operator, f"i{_name}"), inplace=True))
for _name, _fn in {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
                   "eq": operator.eq, "ne": operator.ne}.items():
    setattr(ndarray, f"__{_name}__", _binary(_name, _fn))
for _name, _fn in {"neg": operator.neg, "pos": operator.pos, "abs": operator.abs, "invert": operator.invert}.items():
    setattr(ndarray, f"__{_name}__", (lambda f: lambda self: _wrap(f(self._a)))(_fn))
