"""The one array-module seam.

Every numerical call in neuroflow reaches its array library through this module: ``xp`` is NumPy today, and a
GPU backend (CuPy) slots in by teaching :func:`get_array_module` to recognise its arrays. Nothing outside this
file may assume NumPy beyond what ``xp`` offers.

Also here: the default float dtype (``floatx``, float32 unless changed) and BLAS thread control.
"""
from __future__ import annotations

import os

import numpy

#: The array module used for new arrays. Code reads it as ``backend.xp`` or via :func:`get_array_module`.
xp = numpy

_FLOATX = numpy.dtype("float32")
_FLOAT_NAMES = ("float16", "float32", "float64")


def get_array_module(*arrays):
    """Return the array module (``numpy`` today) that operates on ``arrays``.

    Shapes: any arrays. Returns: a module with NumPy's API.
    """
    return xp


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


def epsilon() -> float:
    """Keras' fuzz factor (1e-7), used to keep logs and divisions finite."""
    return 1e-7


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
