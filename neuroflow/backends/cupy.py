"""The CuPy adapter: NVIDIA GPUs behind neuroflow's device seam.

CuPy is imported only when the ``cuda`` device is chosen (``NEUROFLOW_DEVICE=cuda``, ``neuroflow.device("cuda")``)
or asked about (:func:`available`), so ``import neuroflow`` never pays for it. Install it with
``pip install "neuroflow[gpu]"`` (the ``cupy-cuda12x`` wheel).
"""
from __future__ import annotations

import numpy

from ..errors import ConfigError, MissingDependencyError
from . import GENERATOR_METHODS

_transfers = [0]
_uploads = [0]
_uploaders: dict = {}  # CUDA device id -> its Uploader (one pinned staging area and copy stream per card)


def module():
    """The ``cupy`` module, or a :class:`MissingDependencyError` that names the pip extra."""
    try:
        import cupy
    except ImportError as error:
        raise MissingDependencyError(
            f"device 'cuda' needs CuPy ({error}); install it with: pip install \"neuroflow[gpu]\"") from None
    return cupy


def available() -> bool:
    """Whether CuPy is installed and sees at least one CUDA device."""
    try:
        cupy = module()
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no CuPy, no driver, no device: all mean "not available"
        return False


def select(index: int, make_current: bool = True):
    """The ``cupy`` module, having checked that CUDA device ``index`` exists; with ``make_current`` (choosing a
    device) it becomes CuPy's current device, without (a copy to it) CuPy's current device is left alone."""
    cupy = module()
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # noqa: BLE001 - CUDA driver errors come in several types
        raise ConfigError(f"device 'cuda:{index}': CuPy sees no CUDA device ({error})") from None
    if not 0 <= index < count:
        raise ConfigError(f"device 'cuda:{index}': expected an index in [0, {count}), got {index}")
    if make_current:
        cupy.cuda.Device(index).use()
    return cupy


class Generator:
    """NumPy ``Generator``'s names (``neuroflow.backends.GENERATOR_METHODS``) drawing on the current CUDA card:
    CuPy's own ``Generator`` has only a few distributions (no ``normal``, ``uniform``, ``permutation``), so these
    come from a ``cupy.random.RandomState`` seeded with ``seed`` (reproducible from the same seed; not NumPy's
    values). Shapes: as NumPy's methods."""

    def __init__(self, seed: int):
        self._state = module().random.RandomState(seed)

    def random(self, size=None, dtype=numpy.float64):
        """Uniform [0, 1) floats (NumPy's ``Generator.random``)."""
        return self._state.random_sample(size, dtype)

    def integers(self, low, high=None, size=None, dtype=numpy.int64, endpoint=False):
        """Integers in [low, high) (``endpoint``: [low, high]); ``high=None``: [0, low) (NumPy's rule)."""
        low, high = (0, low) if high is None else (low, high)
        return self._state.randint(low, high + 1 if endpoint else high, size, dtype)

    def permutation(self, x, axis=0):
        """``range(x)`` shuffled for an int, else a copy of array ``x`` shuffled along ``axis`` (RandomState's
        ``permutation`` has no ``axis``)."""
        if isinstance(x, (int, numpy.integer)):
            return self._state.permutation(int(x))
        x = module().asarray(x)
        return x.take(self._state.permutation(x.shape[axis]), axis=axis)

    def __getattr__(self, name):
        if name not in GENERATOR_METHODS:
            raise AttributeError(f"neuroflow's CUDA generator has no method {name!r}; it offers "
                                 f"{sorted(GENERATOR_METHODS)}")
        return getattr(self._state, name)  # normal, uniform, standard_normal, shuffle, beta, binomial, gamma


def to_host(array):
    """A host NumPy copy of CuPy array ``array`` (counted in :func:`transfers`)."""
    _transfers[0] += 1
    return array.get()


def transfers() -> int:
    """Device-to-host copies made through :func:`to_host` so far."""
    return _transfers[0]


class Uploader:
    """Host-to-device copies that overlap the device's work: each host array is staged in a reusable pinned
    (page-locked) host buffer, copied from there on a non-blocking CUDA stream, and the consumer's stream (the
    current one) waits on the copy's event, so kernels queued after it see the data while the host goes on (the
    next batch is prepared during this step's kernels: ``training.data_adapter.on_device`` prefetches).

    ``cupy``: the CuPy module (anything with its ``cuda.alloc_pinned_memory``, ``cuda.Stream``,
    ``cuda.get_current_stream`` and ``empty``). Two staging buffers are used in turn, each grown to the largest
    array it carried; before a buffer is refilled, the copy that last read it is waited for (its event). The copy
    itself starts after the work queued on the current stream so far (an event it waits on): the memory pool may
    hand out a block that those kernels still read; kernels queued later (the current step's) overlap it.
    ``upload(array) -> cupy.ndarray``. Shapes: any -> same, dtype kept.
    """

    def __init__(self, cupy, buffers: int = 2):
        self.cupy = cupy
        self.stream = cupy.cuda.Stream(non_blocking=True)
        self.buffers = [None] * buffers  # NumPy uint8 views of pinned memory (they keep the memory alive)
        self.events = [None] * buffers   # the copy that last read each buffer
        self.turn = 0

    def _staging(self, k: int, nbytes: int):
        buf = self.buffers[k]
        if buf is None or buf.size < nbytes:
            memory = self.cupy.cuda.alloc_pinned_memory(max(nbytes, 1))
            buf = self.buffers[k] = numpy.frombuffer(memory, numpy.uint8, max(nbytes, 1))
        return buf

    def upload(self, array):
        array = numpy.asarray(array)
        if array.dtype.kind not in "biufc":  # strings and objects are not CuPy dtypes: CuPy's own error
            return self.cupy.asarray(array)
        k = self.turn
        self.turn = (k + 1) % len(self.buffers)
        if self.events[k] is not None:
            self.events[k].synchronize()  # the last copy from this buffer has finished reading it
        staged = self._staging(k, array.nbytes)[:array.nbytes].view(array.dtype).reshape(array.shape)
        staged[...] = array  # any layout in, C order out
        current = self.cupy.cuda.get_current_stream()
        out = self.cupy.empty(array.shape, array.dtype)
        self.stream.wait_event(current.record())  # out's memory is free once the kernels queued so far have run
        out.set(staged, stream=self.stream)  # asynchronous: the source is pinned
        self.events[k] = self.stream.record()
        current.wait_event(self.events[k])  # the consumer's kernels wait for the copy
        _uploads[0] += 1
        return out


def upload(array):
    """A CuPy array holding host array ``array``, copied asynchronously through the current device's
    :class:`Uploader` (pinned staging buffer, non-blocking stream, an event the current stream waits on); counted
    in :func:`uploads`. Shapes: any -> same."""
    cupy = module()
    device = cupy.cuda.Device().id
    uploader = _uploaders.get(device)
    if uploader is None:
        uploader = _uploaders[device] = Uploader(cupy)
    return uploader.upload(array)


def uploads() -> int:
    """Host-to-device copies made through :func:`upload` so far."""
    return _uploads[0]
