"""Affine and projective warps of image batches (Keras' ``ops.image.affine_transform``), no gradient.

For every output pixel, where it samples the input is worked out, then the whole batch is read with one vectorised
gather (no Python loop over images or pixels). Conventions and fill modes: see :mod:`neuroflow.ops.image`.
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from .. import backend
from ..backend import get_array_module, module_device
from ..errors import ShapeError
from ._image_layout import (FILL_MODES, INTERPOLATIONS, check_choice, float_images, from_batched_last,
                            standardize_data_format, to_batched_last)
from ._registry import not_differentiable


def image_array(images):
    """The array behind ``images`` for an image op: a Tensor's data or a device array as they are (no copy), host
    data (NumPy arrays, lists) on the current device as ``Tensor`` places it, its dtype kept. Shapes: unchanged."""
    if isinstance(images, Tensor):
        return images.data
    return backend.xp.asarray(images) if backend.is_host(images) else images


# --- affine warps -----------------------------------------------------------------------------------------------
def fill_index(idx, size: int, fill_mode: str):
    """Map integer pixel indices (any shape) of an axis of ``size`` pixels by the fill rule.

    For ``'constant'`` the result indexes the axis padded by one fill pixel on each side (``0`` and ``size + 1``
    are fill), so reading outside costs no mask.
    """
    xp = get_array_module(idx)
    if fill_mode == "reflect":
        idx = idx % (2 * size)  # one period of (a b c d d c b a)
        return xp.where(idx >= size, 2 * size - 1 - idx, idx)
    if fill_mode == "wrap":
        return idx % size
    if fill_mode == "nearest":
        return xp.clip(idx, 0, size - 1)
    return xp.clip(idx, -1, size) + 1


def _lookup(i, size: int, fill_mode: str, stride: int, pair: bool = True):
    """``(fill_index(i) * stride, fill_index(i + 1) * stride)`` for integer indices ``i`` (second: ``None``
    unless ``pair``).

    On the host the indices span a small range, so the fill rule is evaluated once per distinct index (a lookup
    table) and read with a gather; ``i`` is consumed (shifted in place). Several times faster than ``%`` and
    ``where`` over every pixel. On a device the rule runs on every index: the table's range would be read back to
    the host (a synchronising transfer), and a GPU evaluates the rule at memory speed anyway.
    """
    xp = get_array_module(i)
    on_host = module_device(xp) == "cpu"
    lo, hi = (int(i.min()), int(i.max()) + 1) if on_host else (0, 0)
    if not on_host or hi - lo > 64 * (size + 2):  # wild coordinates (a degenerate projective row): no table
        return (fill_index(i, size, fill_mode) * stride,
                fill_index(i + 1, size, fill_mode) * stride if pair else None)
    table = fill_index(xp.arange(lo, hi + 1), size, fill_mode) * stride
    i -= lo
    # table[1:][i] == table[i + 1], without an i + 1 array
    return xp.take(table, i), (xp.take(table[1:], i) if pair else None)


def _source_coords(t, h: int, w: int, dtype, xp):
    """Where each output pixel reads the input: ``(xs, ys)``, each ``(batch, h, w)``."""
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, k, None, None] for k in range(8))  # each (batch, 1, 1)
    x = xp.arange(w, dtype=dtype)[None, None, :]
    y = xp.arange(h, dtype=dtype)[None, :, None]
    xs = a0 * x + (a1 * y + a2)  # the small (batch, h, 1) term first: one full-size temporary per axis
    ys = b0 * x + (b1 * y + b2)
    # Projective rows: divide by k = c0 x + c1 y + 1. On a device always (k is exactly 1 for affine rows, so the
    # result is the same) rather than read the test back to the host.
    if module_device(xp) != "cpu" or xp.any(t[:, 6:] != 0):
        k = c0 * x + (c1 * y + 1)
        xs /= k
        ys /= k
    return xs, ys


def affine_transform_array(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """Array kernel of :func:`affine_transform`.

    Shapes: ``images`` ``(batch, h, w, c)`` float, ``transform`` ``(batch, 8)`` -> ``(batch, h, w, c)`` in the
    images' dtype. Written with in-place updates: at MNIST sizes the cost is dominated by allocating (and
    page-faulting) full-size temporaries, not by arithmetic.
    """
    xp = get_array_module(images)
    b, h, w, c = images.shape
    dtype = images.dtype
    xs, ys = _source_coords(xp.asarray(transform).astype(dtype, copy=False), h, w, dtype, xp)

    if fill_mode == "constant":  # a one-pixel fill border replaces masking the out-of-range reads
        images = xp.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=fill_value)
    hs, ws = images.shape[1], images.shape[2]
    flat = images.reshape(b * hs * ws, c)
    base = (xp.arange(b) * (hs * ws))[:, None, None]

    def gather(idx):  # rows of c channels; a 1-D take is about twice as fast for one channel
        return xp.take(flat.reshape(-1), idx)[..., None] if c == 1 else flat[idx]

    if interpolation == "nearest":
        xs += 0.5
        ys += 0.5
        ix, _ = _lookup(xp.floor(xs).astype(xp.intp), w, fill_mode, 1, pair=False)
        iy, _ = _lookup(xp.floor(ys).astype(xp.intp), h, fill_mode, ws, pair=False)
        iy += base
        iy += ix
        return gather(iy)

    x0, y0 = xp.floor(xs), xp.floor(ys)
    xs -= x0  # now the bilinear weights of the right / lower neighbours
    ys -= y0
    ix0, ix1 = _lookup(x0.astype(xp.intp), w, fill_mode, 1)
    r0, r1 = _lookup(y0.astype(xp.intp), h, fill_mode, ws)
    r0 += base
    r1 += base
    idx = xp.empty((4,) + r0.shape, dtype=r0.dtype)
    xp.add(r0, ix0, out=idx[0])
    xp.add(r0, ix1, out=idx[1])
    xp.add(r1, ix0, out=idx[2])
    xp.add(r1, ix1, out=idx[3])
    v = gather(idx)  # one gather for the whole batch: (4, batch, h, w, c)
    fx, fy = xs[..., None], ys[..., None]
    top = v[1] - v[0]
    top *= fx
    top += v[0]
    bottom = v[3] - v[2]
    bottom *= fx
    bottom += v[2]
    bottom -= top
    bottom *= fy
    bottom += top
    return bottom


@not_differentiable
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0.0,
                     data_format=None):
    """Warp images by projective transforms (Keras' ``ops.image.affine_transform``); no gradient.

    Args:
        images: ``(batch, h, w, c)`` or ``(h, w, c)`` (channels_last), or channels_first; Tensor or array.
        transform: ``(8,)`` or ``(batch, 8)``: a row ``[a0, a1, a2, b0, b1, b2, c0, c1]`` maps the *output*
            point ``(x, y)`` to the *input* point ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`` with
            ``k = c0 x + c1 y + 1``.
        interpolation: ``'bilinear'`` or ``'nearest'``.
        fill_mode: ``'constant'``, ``'reflect'``, ``'wrap'`` or ``'nearest'`` (see the module docstring).
        fill_value: the value read outside the input with ``fill_mode='constant'``.
    Returns: a Tensor of the images' shape (float; integer images become ``floatx``) with no graph node.
    """
    where = "affine_transform"
    check_choice(interpolation, INTERPOLATIONS, "interpolation", where)
    check_choice(fill_mode, FILL_MODES, "fill_mode", where)
    data_format = standardize_data_format(data_format, where)
    arr = image_array(images)
    x, unbatched = to_batched_last(float_images(arr), data_format, where)
    xp = get_array_module(x)
    t = xp.asarray(transform.data if isinstance(transform, Tensor) else transform, dtype=xp.float64)
    if t.ndim == 1:
        t = t[None]
    if t.ndim != 2 or t.shape[1] != 8 or t.shape[0] not in (1, x.shape[0]):
        raise ShapeError(f"{where}: transform must have shape (8,) or (batch={x.shape[0]}, 8), got {t.shape}")
    t = xp.broadcast_to(t, (x.shape[0], 8))
    out = affine_transform_array(x, t, interpolation, fill_mode, float(fill_value))
    return Tensor._from_op(from_batched_last(out, data_format, unbatched), None)
