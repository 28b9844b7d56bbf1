"""neuroflow's optional compiled kernels (``kernels.c``), loaded with ctypes.

Each kernel fuses a chain of element-wise passes that NumPy would run one ufunc at a time (Adam's update, an LSTM
step's gate arithmetic). ``pip install`` builds them when a C compiler is present; without one, or with the
environment variable ``NEUROFLOW_NATIVE=0``, :func:`library` is None and every caller runs its NumPy form. ctypes
releases the GIL during a call, so kernels on slices of one array can run on several threads.

Callers pass raw addresses (:func:`address`) and sizes: float32, C-contiguous NumPy arrays only (:func:`usable`).
Arrays of a device module (CuPy, the strict stand-in) never reach a kernel: ``usable`` refuses them and the caller
runs its twin written with ``xp``.
"""
from __future__ import annotations

import contextlib
import ctypes
import importlib.machinery
import os
from pathlib import Path

import numpy as np

_P, _N, _F = ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_float
#: argument types of each kernel (see kernels.c for their meaning)
_SIGNATURES = {
    "nf_tanh": [_P, _P, _N],
    "nf_sigmoid": [_P, _P, _N],
    "nf_adam": [_P, _P, _P, _P, _N, _F, _F, _F, _F],
    "nf_lstm_forward_step": [_P, _P, _P, _P, _P, _P, _N, _N],
    "nf_lstm_backward_step": [_P, _P, _P, _P, _P, _N, _P, _P, _N, _N],
    "nf_max_pool2d": [_P, _P, _P] + [_N] * 11,
    "nf_max_pool2d_grad": [_P, _P, _P] + [_N] * 11,
    "nf_col2im2d": [_P, _P] + [_N] * 14,
    "nf_bias_relu": [_P, _P, _N, _N, _N],
    "nf_relu_grad": [_P, _P, _P, _N],
}

_library = None
_looked = False
_enabled = True


def _load():
    if os.environ.get("NEUROFLOW_NATIVE", "1").strip() == "0":
        return None
    here = Path(__file__).resolve().parent
    path = next((here / f"_kernels{s}" for s in importlib.machinery.EXTENSION_SUFFIXES
                 if (here / f"_kernels{s}").exists()), None)
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(str(path))
    except OSError:
        return None
    if not all(hasattr(lib, name) for name in _SIGNATURES):
        return None  # built from an older kernels.c: the NumPy forms, until it is rebuilt
    for name, argtypes in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = argtypes, None
    return lib


def library():
    """The loaded kernels (a ``ctypes.CDLL``), or None: not built, disabled by ``NEUROFLOW_NATIVE=0`` or by
    :func:`disabled`."""
    global _library, _looked
    if not _looked:
        _library, _looked = _load(), True
    return _library if _enabled else None


@contextlib.contextmanager
def disabled():
    """Run the NumPy form of every kernel inside the ``with`` block (tests compare the two forms)."""
    global _enabled
    before, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = before


def usable(*arrays) -> bool:
    """Whether the kernels can take these arrays: NumPy, float32 and C-contiguous."""
    return all(type(a) is np.ndarray and a.dtype == np.float32 and a.flags.c_contiguous for a in arrays)


def address(a) -> int:
    """The address of the first element of NumPy array ``a``."""
    return a.__array_interface__["data"][0]


__all__ = ["library", "disabled", "usable", "address"]
