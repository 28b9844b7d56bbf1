"""The CuPy adapter: NVIDIA GPUs behind neuroflow's device seam.

CuPy is imported only when the ``cuda`` device is chosen (``NEUROFLOW_DEVICE=cuda``, ``neuroflow.device("cuda")``)
or asked about (:func:`available`), so ``import neuroflow`` never pays for it. Install it with
``pip install "neuroflow[gpu]"`` (the ``cupy-cuda12x`` wheel).
"""
from __future__ import annotations

from ..errors import ConfigError, MissingDependencyError

_transfers = [0]


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


def select(index: int):
    """Make CUDA device ``index`` current for CuPy and return the ``cupy`` module."""
    cupy = module()
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # noqa: BLE001 - CUDA driver errors come in several types
        raise ConfigError(f"device 'cuda:{index}': CuPy sees no CUDA device ({error})") from None
    if not 0 <= index < count:
        raise ConfigError(f"device 'cuda:{index}': expected an index in [0, {count}), got {index}")
    cupy.cuda.Device(index).use()
    return cupy


def to_host(array):
    """A host NumPy copy of CuPy array ``array`` (counted in :func:`transfers`)."""
    _transfers[0] += 1
    return array.get()


def transfers() -> int:
    """Device-to-host copies made through :func:`to_host` so far."""
    return _transfers[0]
