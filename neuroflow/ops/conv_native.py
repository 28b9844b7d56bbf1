"""Compiled forms (neuroflow/_native/kernels.c) of the element-wise passes around the convnet GEMMs.

Each function here runs its kernel and returns the result, or returns None when the kernel cannot take the call
(kernels not built or disabled, not float32, not C-contiguous NumPy, a geometry the kernel does not cover); the
caller then runs its NumPy twin, which stays the reference: the kernels give bitwise the same arrays (tests/ops/
test_conv_native.py compares them). What each replaces, per MNIST-convnet step, measured in CPU time on one thread:

* ``max_pool2d`` / ``max_pool2d_grad``: the offset loop of ``pooling.MaxPool`` (per offset a slice copy, a compare,
  an integer update and a ``maximum``: ~6 passes over the input) by one pass that keeps each window's running
  maximum and argmax in registers; backward writes each window once.
* ``col2im``: the input gradient's K strided in-place adds (one read-modify-write pass over the input per kernel
  offset, after a zeroing pass) as one gather that writes each input position once.
* ``bias_relu``: a convolution's ``y += b`` then ``maximum(y, 0)`` in one pass; ``relu_grad``: ``g * (y > 0)``
  without the boolean temporary.

Work is split over the batch (rows) across :func:`neuroflow.backend.elementwise_threads` threads: ctypes releases
the GIL during each call, so the shares run in parallel, as PyTorch splits its element-wise kernels.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _native
from ..backend import elementwise_threads

#: Below this many elements a kernel runs in one call on the calling thread (a hand-over costs ~50 us).
_SPLIT_MIN = 1 << 17
_pool = None


def split_rows(fn, rows: int, elements: int) -> None:
    """``fn(lo, hi)`` over ``[0, rows)``: one contiguous share per thread when the work (``elements``) is large."""
    global _pool
    threads = min(elementwise_threads(), rows)
    if threads < 2 or elements < _SPLIT_MIN:
        fn(0, rows)
        return
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor
        _pool = ThreadPoolExecutor(max_workers=max(1, elementwise_threads() - 1), thread_name_prefix="neuroflow-conv")
    bounds = [rows * i // threads for i in range(threads + 1)]
    futures = [_pool.submit(fn, lo, hi) for lo, hi in zip(bounds[1:-1], bounds[2:])]
    fn(bounds[0], bounds[1])
    for f in futures:
        f.result()


def copy_rows(view):
    """A C-contiguous copy of NumPy ``view`` (e.g. im2col's window view (N, *out, *k, C)), its first axis split over
    the threads (NumPy releases the GIL while it copies); None for other array types."""
    if type(view) is not np.ndarray:
        return None
    out = np.empty(view.shape, view.dtype)
    split_rows(lambda lo, hi: np.copyto(out[lo:hi], view[lo:hi]), view.shape[0], view.size)
    return out


def _plane_geometry(g):
    """``(kh, kw, sh, sw)`` of a 1-D or 2-D undilated window geometry (1-D as a 1-row plane), else None."""
    if any(d != 1 for d in g.dilation) or math.prod(g.kernel) >= 128:
        return None
    if len(g.kernel) == 2:
        return g.kernel + g.strides
    if len(g.kernel) == 1:
        return (1, g.kernel[0], 1, g.strides[0])
    return None


def max_pool2d(xpd, g, keep_index: bool):
    """Max pooling of padded channels-last ``xpd`` (N, *padded, C) under geometry ``g`` (1-D or 2-D): returns
    ``(maxima (N, *out, C), index (N, *out, C) int8 or None)``, or None when the kernel does not apply."""
    lib = _native.library()
    plane = _plane_geometry(g)
    if lib is None or plane is None or not _native.usable(xpd):
        return None
    n, c = xpd.shape[0], xpd.shape[-1]
    h, w = (1,) + xpd.shape[1:-1] if len(g.kernel) == 1 else xpd.shape[1:-1]
    oh, ow = (1,) + g.out_shape if len(g.kernel) == 1 else g.out_shape
    y = np.empty((n,) + g.out_shape + (c,), np.float32)
    index = np.empty(y.shape, np.int8) if keep_index else None
    ad = _native.address
    ip = ad(index) if keep_index else None
    split_rows(lambda lo, hi: lib.nf_max_pool2d(ad(xpd), ad(y), ip, lo, hi, h, w, c, oh, ow, *plane),
               n, xpd.size)
    return y, index


def max_pool2d_grad(gy, index, g, n: int, c: int):
    """The input gradient (N, *padded, C) of :func:`max_pool2d` for non-overlapping windows, from the output
    gradient ``gy`` (N, *out, C) and the saved int8 ``index``; None when the kernel does not apply."""
    lib = _native.library()
    plane = _plane_geometry(g)
    if (lib is None or plane is None or index is None or index.dtype != np.int8 or not _native.usable(gy)
            or not index.flags.c_contiguous or any(s < k for s, k in zip(g.strides, g.kernel))):
        return None
    h, w = (1,) + g.padded_shape if len(g.kernel) == 1 else g.padded_shape
    oh, ow = (1,) + g.out_shape if len(g.kernel) == 1 else g.out_shape
    # windows that tile the input exactly write every element: no zeroing pass needed
    tiled = all(s == k and o * k == p for s, k, o, p in zip(g.strides, g.kernel, g.out_shape, g.padded_shape))
    gx = (np.empty if tiled else np.zeros)((n,) + g.padded_shape + (c,), np.float32)
    ad = _native.address
    split_rows(lambda lo, hi: lib.nf_max_pool2d_grad(ad(gy), ad(index), ad(gx), lo, hi, h, w, c, oh, ow, *plane),
               n, gx.size)
    return gx


def col2im(cols, g):
    """The padded input gradient (N, *padded, C) from per-offset output gradients ``cols`` (K, N, *out, C) of a
    1-D or 2-D convolution (``conv._input_grad``'s layout): each position the sum, in offset order, of what its
    windows send it. None when the kernel does not apply."""
    lib = _native.library()
    if lib is None or len(g.kernel) > 2 or not _native.usable(cols):
        return None
    one_d = len(g.kernel) == 1
    n, c = cols.shape[1], cols.shape[-1]
    ph, pw = (1,) + g.padded_shape if one_d else g.padded_shape
    oh, ow = (1,) + g.out_shape if one_d else g.out_shape
    geometry = ((1,) + g.kernel + (1,) + g.strides + (1,) + g.dilation if one_d
                else g.kernel + g.strides + g.dilation)
    gx = np.empty((n,) + g.padded_shape + (c,), np.float32)
    ad = _native.address
    split_rows(lambda lo, hi: lib.nf_col2im2d(ad(cols), ad(gx), lo, hi, n, ph, pw, c, oh, ow, *geometry),
               n, cols.size)
    return gx


def bias_relu(y, b) -> bool:
    """``y = max(y + b, 0)`` in place on channels-last ``y`` (..., C) with ``b`` (C,); False (nothing done) when
    the kernel does not apply."""
    lib = _native.library()
    if lib is None or b is None or not _native.usable(y, b) or b.shape != y.shape[-1:]:
        return False
    c = y.shape[-1]
    ad = _native.address
    split_rows(lambda lo, hi: lib.nf_bias_relu(ad(y), ad(b), lo, hi, c), y.size // c, y.size)
    return True


def relu_grad(g, y):
    """``g * (y > 0)`` (same shapes) as a new float32 array; None when the kernel does not apply."""
    lib = _native.library()
    if lib is None or g.shape != y.shape or not _native.usable(g, y) or g.ndim == 0:
        return None
    out = np.empty_like(g)
    ad = _native.address
    rows, per_row = g.shape[0], g.size // max(g.shape[0], 1)
    split_rows(lambda lo, hi: lib.nf_relu_grad(ad(g) + lo * per_row * 4, ad(y) + lo * per_row * 4,
                                               ad(out) + lo * per_row * 4, (hi - lo) * per_row), rows, g.size)
    return out
