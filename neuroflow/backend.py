"""The one array-module seam.

Every numerical call in neuroflow reaches its array library through this module. :func:`get_array_module` picks
the module from its arguments as Chainer's does (CuPy or the strict stand-in for their arrays, NumPy for host
arrays; Tensors count as their data); ``xp`` is the *current device's* module, which creation calls use. The current
device is ``cpu`` (NumPy), ``cuda`` (CuPy) or ``strict`` (a CuPy-like stand-in for tests, ``neuroflow.backends``),
chosen by ``NEUROFLOW_DEVICE`` or :class:`device`. Nothing outside this file may assume NumPy beyond what ``xp``
offers.

Also here: the default float dtype (``floatx``, float32 unless changed) and BLAS thread control.
"""
from __future__ import annotations

import os

import numpy

from .backends import DEVICE_OF_MODULE as _DEVICE_OF_MODULE
from .backends import MODULE_OF_TYPE as _MODULE_OF_TYPE
from .backends import register as _register_array_type

#: The current device's array module, used for new arrays. Code reads it as ``backend.xp`` (never
#: ``from backend import xp``: it changes with the device) or as ``get_array_module()``.
xp = numpy
_device_name = "cpu"

_FLOATX = numpy.dtype("float32")
_FLOAT_NAMES = ("float16", "float32", "float64")

_NDARRAY = numpy.ndarray
#: Tensor classes, whose ``.data`` decides (registered by ``autograd.tensor``: this floor cannot import it).
_TENSOR_TYPES: tuple = ()


def get_array_module(*arrays):
    """The array module that operates on ``arrays`` (Chainer's rule): a device module (CuPy, strict) if any
    argument is one of its arrays, else NumPy if any is a NumPy array; with no arrays among the arguments (or
    none at all), the current device's module (``xp``). Tensors count as their ``.data``.

    Shapes: any arrays. Returns: a module with NumPy's API. Cheap: one type lookup per argument.
    """
    found = None
    for a in arrays:
        cls = type(a)
        if cls is _NDARRAY:  # the NumPy fast path: no dict lookup
            found = numpy
            continue
        module = _MODULE_OF_TYPE.get(cls)
        if module is None:
            if not isinstance(a, _TENSOR_TYPES):
                continue
            module = _MODULE_OF_TYPE.get(type(a.data))
            if module is None:
                continue
        if module is not numpy:
            return module
        found = numpy
    return found or xp


def _register_tensor_type(tensor_type) -> None:
    global _TENSOR_TYPES
    _TENSOR_TYPES = _TENSOR_TYPES + (tensor_type,)


def floatx() -> str:
    """The default float dtype's name (``'float32'`` unless :func:`set_floatx` changed it), as Keras spells it."""
    return _FLOATX.name


def default_float_dtype():
    """The default float dtype as a NumPy dtype object."""
    return _FLOATX


def set_floatx(dtype: str) -> None:
    """Set the default float dtype for new tensors and weights: ``'float16'``, ``'float32'`` or ``'float64'``."""
    global _FLOATX
    name = numpy.dtype(dtype).name
    if name not in _FLOAT_NAMES:
        from .errors import DTypeError

        raise DTypeError(f"set_floatx: expected one of {_FLOAT_NAMES}, got {dtype!r}")
    _FLOATX = numpy.dtype(name)


_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_UIDS: dict = {}


def epsilon() -> float:
    """Keras' fuzz factor (1e-7 unless :func:`set_epsilon` changed it), used to keep logs and divisions finite."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor :func:`epsilon` returns."""
    global _EPSILON
    _EPSILON = float(value)


def backend() -> str:
    """The name of the array library underneath (Keras' ``backend.backend()``): ``'numpy'``."""
    return "numpy"


def image_data_format() -> str:
    """The default image layout, ``'channels_last'`` unless :func:`set_image_data_format` changed it."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Set the default image layout: ``'channels_last'`` or ``'channels_first'``."""
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        from .errors import ConfigError

        raise ConfigError(f"set_image_data_format: expected 'channels_last' or 'channels_first', got {data_format!r}")
    _IMAGE_DATA_FORMAT = data_format


def get_uid(prefix: str = "") -> int:
    """1, 2, 3... per ``prefix`` on successive calls (what automatic layer names count with)."""
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


def clear_session(free_memory: bool = True) -> None:
    """Forget automatic names (the next ``Dense`` is ``'dense'`` again), as Keras' ``clear_session`` does; neuroflow
    keeps no other global graph state to reset."""
    _UIDS.clear()


def standardize_dtype(dtype) -> str:
    """A dtype (name, NumPy dtype, Python type, Tensor dtype) as Keras' standard string: ``'float32'``..."""
    if dtype is None:
        return floatx()
    if dtype is int:
        return "int64"
    if dtype is float:
        return "float32"
    if dtype is bool:
        return "bool"
    try:
        return numpy.dtype(getattr(dtype, "name", dtype)).name
    except TypeError:
        from .errors import DTypeError
        raise DTypeError(f"dtype: {dtype!r} is not a dtype; expected a name such as 'float32', 'int32' or "
                         f"'bool'") from None


def is_float_dtype(dtype) -> bool:
    """Whether ``dtype`` is a floating dtype."""
    return numpy.dtype(standardize_dtype(dtype)).kind == "f"


def is_int_dtype(dtype) -> bool:
    """Whether ``dtype`` is a signed or unsigned integer dtype."""
    return numpy.dtype(standardize_dtype(dtype)).kind in "iu"


def result_type(*dtypes) -> str:
    """The dtype an op on these dtypes returns, by Keras' promotion rules: integers and bools never widen a float
    (``int32`` with ``float32`` is ``float32``), floats promote to the widest, integers as NumPy promotes them;
    Python ``float``/``int`` values are weak (they take the other operand's dtype)."""
    strong = [numpy.dtype(standardize_dtype(d)) for d in dtypes if not isinstance(d, (bool, int, float))]
    weak_float = any(isinstance(d, float) for d in dtypes)
    if not strong:
        return floatx() if weak_float or not dtypes else "int32"
    floats = [d for d in strong if d.kind == "f"]
    if floats:
        return max(floats, key=lambda d: d.itemsize).name
    if weak_float:
        return floatx()
    return numpy.result_type(*strong).name


def is_keras_tensor(x) -> bool:
    """Whether ``x`` is a symbolic tensor (a functional model's ``Input`` or a layer output on one)."""
    return type(x).__name__ == "SymbolicTensor"


def blas_info() -> dict:
    """Describe the BLAS library NumPy is linked with and its thread count.

    Returns a dict with keys ``library``, ``version`` and ``threads`` (``None`` where unknown). Uses threadpoolctl
    when it is installed; otherwise reports what the environment variables say.
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
        return {"library": "unknown (install threadpoolctl)", "version": None,
                "threads": int(threads) if threads else None}
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return {"library": pool.get("internal_api"), "version": pool.get("version"),
                    "threads": pool.get("num_threads")}
    return {"library": None, "version": None, "threads": None}


def set_num_threads(n: int):
    """Limit the BLAS thread pool to ``n`` threads (needs threadpoolctl).

    Small models run faster on one thread (thread wake-ups dominate tiny GEMMs); large matrix work wants all
    cores. Returns the threadpoolctl controller, or ``None`` when threadpoolctl is missing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=int(n), user_api="blas")


# --- element-wise work on several threads -------------------------------------------------------------------------
#: On one thread, large element-wise kernels run over slices of this many elements: an optimizer's dozen in-place
#: passes then stay in the core's L2 cache instead of streaming every array from memory a dozen times (Adam on
#: the MNIST MLP's 670K weights: 1.74 -> 1.29 ms a step). On several threads each takes one contiguous share
#: instead: smaller slices there make the threads contend for the GIL between ufunc calls (measured slower).
SPLIT_CHUNK = 1 << 16
#: Arrays smaller than this are updated in one call: below it, slicing costs more than it saves.
SPLIT_MIN_SIZE = 1 << 16
_pool = None


def elementwise_threads() -> int:
    """Threads for large element-wise work (NumPy's ufuncs use one core; BLAS uses its own pool): the first of
    ``NEUROFLOW_NUM_THREADS``, ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` that is set, else the CPU count."""
    global _cpu_count
    for name in ("NEUROFLOW_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    if _cpu_count is None:
        _cpu_count = os.cpu_count() or 1  # asked once: about 20 us a call, twice per optimizer step
    return _cpu_count


_cpu_count = None


def run_split(fn, arrays, threads: int | None = None, chunk: int | None = None) -> None:
    """Call ``fn(*parts)`` on slices of the same-sized ``arrays`` (each raveled): one contiguous share per thread
    (``threads``, default :func:`elementwise_threads`), or on one thread consecutive ``chunk``-sized slices
    (default ``SPLIT_CHUNK``) that stay in cache.

    For element-wise in-place kernels (an optimizer's update); NumPy releases the GIL inside each ufunc, so the
    threads' shares run in parallel. Runs ``fn(*arrays)`` directly when the arrays are small or an array would
    not ravel to a view (not C-contiguous: the writes would be lost). Shapes: any, all the same size.
    """
    global _pool
    size = arrays[0].size
    if size < SPLIT_MIN_SIZE or not all(a.flags.c_contiguous for a in arrays):
        fn(*arrays)
        return
    threads = elementwise_threads() if threads is None else threads
    chunk = (SPLIT_CHUNK if threads < 2 else size) if chunk is None else chunk
    flat = [a.reshape(-1) for a in arrays]

    def work(lo, hi):
        for start in range(lo, hi, chunk):
            fn(*[a[start:min(start + chunk, hi)] for a in flat])

    if threads < 2:
        work(0, size)
        return
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor
        _pool = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="neuroflow")
    bounds = [size * i // threads for i in range(threads + 1)]
    futures = [_pool.submit(work, lo, hi) for lo, hi in zip(bounds[1:-1], bounds[2:])]
    work(bounds[0], bounds[1])
    for f in futures:
        f.result()


# --- memory -------------------------------------------------------------------------------------------------------
_memory_kept = None


def keep_freed_memory() -> bool:
    """Ask glibc's allocator to keep freed blocks (up to 32 MiB each) for reuse instead of returning them to the OS.

    Why: a training step allocates and frees the same large arrays every step (im2col columns, gradients). By
    default glibc unmaps every block above 128 KiB-32 MiB when it is freed, so the next step pays a page fault and
    a kernel zeroing for every 4 KiB of it: measured, half of an MNIST convnet step at 2 threads (3.76 -> 1.92 s
    for 50 steps). ``fit``, ``evaluate`` and ``predict`` call this once; the process then keeps its peak memory
    reserved, as PyTorch's caching allocator does. ``NEUROFLOW_KEEP_MEMORY=0`` turns it off. Does nothing (returns
    False) off glibc. Returns whether the setting is in effect.
    """
    global _memory_kept
    if _memory_kept is not None:
        return _memory_kept
    _memory_kept = False
    if os.environ.get("NEUROFLOW_KEEP_MEMORY", "1").strip() == "0":
        return False
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's mallopt parameter numbers
        # 32 MiB is the largest mmap threshold glibc accepts on 64-bit systems
        _memory_kept = bool(libc.mallopt(m_mmap_threshold, 32 << 20) and libc.mallopt(m_trim_threshold, 1 << 30))
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl)
        pass
    return _memory_kept


class name_scope:  # noqa: N801 - Keras' spelling
    """``with keras.name_scope("block"):`` groups names under a path (``name_scope.current()`` gives
    ``"outer/block"``). neuroflow keeps the path for inspection; it does not rename weights."""

    _stack: list = []

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or not name:
            from .errors import ConfigError

            raise ConfigError(f"name_scope: name must be a non-empty string, got {name!r}")
        self.name, self.caller, self.override_parent = name, caller, override_parent

    def __enter__(self):
        name_scope._stack.append(self.name if self.override_parent is None else f"{self.override_parent}/{self.name}")
        return self

    def __exit__(self, *exc):
        name_scope._stack.pop()
        return False

    @staticmethod
    def current() -> str:
        """The open scopes joined by ``/`` (empty outside any scope)."""
        return "/".join(name_scope._stack)


# --- devices -------------------------------------------------------------------------------------------------------
_DEVICE_KINDS = ("cpu", "cuda", "gpu", "strict")


def _resolve_device(device_name, select: bool = True):
    """``(canonical name, array module)`` for a device name: ``'cpu'``, ``'cuda'``/``'gpu'`` (``':N'`` picks the
    card; ``select`` makes it CuPy's current card, as choosing a device does, while a copy only checks it),
    ``'strict'``. Imports CuPy only for ``cuda``."""
    text = str(getattr(device_name, "device_name", device_name)).strip().lower()
    kind, _, index = text.partition(":")
    if kind == "cpu":
        return "cpu", numpy
    if kind == "strict":
        from .backends import strict  # registers its array type

        return "strict", strict
    if kind in ("cuda", "gpu"):
        if index and not index.isdigit():
            from .errors import ConfigError

            raise ConfigError(f"device: expected 'cuda' or 'cuda:<index>', got {device_name!r}")
        from .backends import cupy as cupy_backend

        cupy = cupy_backend.select(int(index or 0), make_current=select)
        _register_array_type(cupy.ndarray, cupy, "cuda")
        return f"cuda:{int(index or 0)}", cupy
    from .errors import ConfigError

    raise ConfigError(f"device: expected one of 'cpu', 'cuda' (or 'cuda:<index>', 'gpu'), 'strict'; got "
                      f"{device_name!r}")


def set_device(device_name) -> None:
    """Make ``device_name`` (``'cpu'``, ``'cuda'``, ``'cuda:1'``, ``'strict'``) the current device: new tensors,
    weights and random draws are created there. ``NEUROFLOW_DEVICE`` sets the starting device."""
    global xp, _device_name
    _device_name, xp = _resolve_device(device_name)


def get_device() -> str:
    """The current device's name: ``'cpu'``, ``'cuda:0'``... or ``'strict'``."""
    return _device_name


def device_of(array) -> str:
    """The device an array (or a Tensor's data) lives on, by the name :func:`to_device` takes: ``'cpu'``,
    ``'cuda:N'`` (its card) or ``'strict'``."""
    data = array.data if isinstance(array, _TENSOR_TYPES) else array
    kind = _DEVICE_OF_MODULE[_MODULE_OF_TYPE.get(type(data), numpy)]  # Python and NumPy scalars: the host's
    return f"cuda:{data.device.id}" if kind == "cuda" else kind


def is_host(array) -> bool:
    """Whether ``array`` is host data (a NumPy array, a Python value), whose values can be read for free.

    Argument checks that read values (index and label ranges) run on host data only: on a device each would cost
    a device-to-host transfer (a synchronisation) per call, so there an out-of-range index follows the device
    library's rule, as in CuPy and PyTorch."""
    return _MODULE_OF_TYPE.get(type(array), numpy) is numpy


def is_array(value) -> bool:
    """Whether ``value`` is an array of a known array module (a NumPy, CuPy or strict array; not a Tensor, list or
    Python number): one type lookup."""
    return type(value) in _MODULE_OF_TYPE or isinstance(value, numpy.ndarray)


def module_device(module) -> str:
    """The device kind an array module computes on: ``'cpu'`` (NumPy), ``'cuda'`` (CuPy), ``'strict'``."""
    return _DEVICE_OF_MODULE.get(module, "cpu")


def to_device(array, device_name=None):
    """``array`` on ``device_name`` (default: the current device): returned as is when already there, else copied
    (through the host between two devices; a device-to-host copy is counted). Host data goes through the device
    adapter's ``upload`` (CuPy: a pinned staging buffer copied on a non-blocking stream, the current stream waiting
    on its event; the strict stand-in: a plain copy), counted by :func:`uploads`. Shapes: any -> same."""
    name, module = _resolve_device(device_name if device_name is not None else _device_name, select=False)
    source = get_array_module(array) if _MODULE_OF_TYPE.get(type(array)) else numpy
    if source is module and (module is numpy or device_of(array) == name):
        return array
    if source is not numpy:
        array = to_host(array)
    if module is numpy:
        return numpy.asarray(array)
    if _DEVICE_OF_MODULE[module] == "cuda":
        from .backends import cupy as cupy_backend

        with module.cuda.Device(int(name.partition(":")[2])):  # that card, without changing the current one
            return cupy_backend.upload(array)
    return module.upload(array)


def to_host(array):
    """A host NumPy array for ``array``: NumPy arrays as they are, device arrays copied to the host (an explicit
    device-to-host transfer, counted by :func:`transfers`); a Tensor gives its data. Shapes: any -> same."""
    if type(array) is numpy.ndarray:
        return array
    if isinstance(array, _TENSOR_TYPES):
        array = array.data
    module = get_array_module(array)
    if module is numpy or _MODULE_OF_TYPE.get(type(array)) is None:
        return numpy.asarray(array)
    if _DEVICE_OF_MODULE[module] == "cuda":
        from .backends import cupy as cupy_backend

        return cupy_backend.to_host(array)
    return module.asnumpy(array)


def _device_count(counter: str) -> int:
    """The sum of the loaded device adapters' ``counter()`` (``'transfers'`` or ``'uploads'``)."""
    total = 0
    for module, name in _DEVICE_OF_MODULE.items():
        if name == "strict":
            total += getattr(module, counter)()
        elif name == "cuda":
            from .backends import cupy as cupy_backend

            total += getattr(cupy_backend, counter)()
    return total


def transfers() -> int:
    """Device-to-host transfers so far: the strict stand-in counts every one, CuPy those through :func:`to_host`."""
    return _device_count("transfers")


def uploads() -> int:
    """Host-to-device copies so far: the strict stand-in counts every one, CuPy those through :func:`to_device`."""
    return _device_count("uploads")


def device_generator(module, rng):
    """A generator drawing on device module ``module``'s device for host generator ``rng`` (see
    ``neuroflow.random.device_generator``): on the strict stand-in one sharing ``rng``'s bit generator (NumPy's very
    values), on CuPy ``backends.cupy.Generator`` seeded from one draw of ``rng``."""
    if _DEVICE_OF_MODULE[module] == "strict":
        return module.random.default_rng(rng.bit_generator)
    from .backends import cupy as cupy_backend

    return cupy_backend.Generator(int(rng.integers(2 ** 63)))


def kept_on_device(owner, name: str, like, host):
    """A host constant of ``owner`` (a layer's fixed mean, a metric's thresholds, a vocabulary table) on the device
    of array or Tensor ``like``: ``host()`` itself when ``like`` is host data; on a device ``host()`` copied there on
    first use and kept in ``owner._device_constants`` (keyed by ``name`` and the device; an owner whose constant
    changes empties that dict), so each call after the first uploads nothing. Shapes: ``host()``'s."""
    device = device_of(like)
    if device == "cpu":
        return host()
    kept = owner.__dict__.setdefault("_device_constants", {})  # in __dict__: a copied owner copies it
    if (name, device) not in kept:
        kept[name, device] = to_device(host(), device)
    return kept[name, device]


def check_same_device(op_name: str, arrays) -> None:
    """Raise a :class:`~neuroflow.errors.DeviceError` naming ``op_name`` when ``arrays`` live on different devices
    (called where an op failed, to say why). Shapes: any."""
    places = {device_of(a) for a in arrays if _MODULE_OF_TYPE.get(type(a)) is not None}
    if len(places) > 1:
        from .errors import DeviceError

        raise DeviceError(f"{op_name}: inputs live on different devices ({', '.join(sorted(places))}); move them to "
                          f"one with neuroflow.backend.to_device(array, device) or tensor.to(device)")


class device:  # noqa: N801 - Keras' spelling
    """Choose the device new tensors, weights and random draws are created on: ``'cpu'`` (NumPy), ``'cuda'`` /
    ``'cuda:N'`` / ``'gpu'`` (CuPy, ``pip install "neuroflow[gpu]"``) or ``'strict'`` (the CuPy-like stand-in).

    ``with neuroflow.device("cuda"):`` (Keras' ``keras.device``) switches for the block and restores the previous
    device after it; a plain call ``neuroflow.device("cuda")`` switches from then on (as :func:`set_device`). An
    unknown or unavailable device is a clear error.
    """

    def __init__(self, device_name):
        global xp, _device_name
        self._previous = (_device_name, xp)
        _device_name, xp = _resolve_device(device_name)
        self.device_name = _device_name

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global xp, _device_name
        previous = self._previous[0]
        # a CUDA card is CuPy's own global state too: make the previous one current again
        _device_name, xp = _resolve_device(previous) if previous.startswith("cuda") else self._previous
        return False

    def __repr__(self):
        return f"device({self.device_name!r})"


if os.environ.get("NEUROFLOW_DEVICE", "").strip():
    set_device(os.environ["NEUROFLOW_DEVICE"])
