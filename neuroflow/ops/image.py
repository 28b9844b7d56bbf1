"""Image ops (Keras' ``keras.ops.image``): ``affine_transform`` and ``resize`` of image batches, no gradient.

Both work out, for every output pixel, where it samples the input, then read the whole batch with one vectorised
gather (no Python loop over images or pixels). Neither records a graph node: they serve data augmentation and
preprocessing, where no gradient with respect to the images is needed, so the Tensor they return is a constant.

Conventions (Keras / TensorFlow): images are ``(batch, height, width, channels)`` (``data_format=
'channels_last'``, the default) or ``(batch, channels, height, width)`` (``'channels_first'``), or either without
the batch axis. ``affine_transform`` puts pixel centres at integer coordinates (``x`` = column, ``y`` = row);
``resize`` uses half-pixel centres (TF2, ``jax.image.resize``, torch's ``align_corners=False``).

Fill modes (how points outside the input are read), Keras' definitions on the integer pixel grid, then
interpolated: ``reflect`` ``(d c b a | a b c d | d c b a)``, ``wrap`` ``(a b c d | a b c d | a b c d)``,
``nearest`` ``(a a a a | a b c d | d d d d)``, ``constant`` ``(k k k k | a b c d | k k k k)`` with
``k = fill_value``.
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..backend import default_float_dtype, get_array_module
from ..errors import ConfigError, ShapeError
from ._registry import not_differentiable

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")
DATA_FORMATS = ("channels_last", "channels_first")


# --- argument checks shared with the image layers -------------------------------------------------------------
def check_choice(value, choices, arg: str, where: str) -> str:
    """``value`` if it is one of ``choices``; a ConfigError naming ``where`` and ``arg`` otherwise."""
    if value not in choices:
        raise ConfigError(f"{where}: {arg} must be one of {list(choices)}, got {value!r}")
    return value


def standardize_data_format(data_format, where: str) -> str:
    """``'channels_last'`` (also for ``None``, Keras' default) or ``'channels_first'``."""
    if data_format is None:
        return "channels_last"
    return check_choice(str(data_format).lower(), DATA_FORMATS, "data_format", where)


def to_batched_last(images, data_format: str, where: str):
    """``(array (batch, h, w, c), unbatched)`` from a 3-D or 4-D image array laid out as ``data_format``.

    Transposes are views: no copy is made here.
    """
    if images.ndim not in (3, 4):
        layout = "(height, width, channels)" if data_format == "channels_last" else "(channels, height, width)"
        raise ShapeError(f"{where}: expected images of shape (batch, ...) or {layout} with "
                         f"data_format={data_format!r}, got shape {tuple(images.shape)}")
    unbatched = images.ndim == 3
    if unbatched:
        images = images[None]
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    return images, unbatched


def from_batched_last(images, data_format: str, unbatched: bool):
    """Undo :func:`to_batched_last` on a ``(batch, h, w, c)`` result."""
    if data_format == "channels_first":
        images = images.transpose(0, 3, 1, 2)
    return images[0] if unbatched else images


def float_images(images):
    """The image array as floats: float arrays keep their dtype, integer/bool ones become ``floatx``."""
    if images.dtype.kind == "f":
        return images
    return images.astype(default_float_dtype())


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

    The indices span a small range, so the fill rule is evaluated once per distinct index (a lookup table) and
    read with a gather; ``i`` is consumed (shifted in place). Several times faster than ``%`` and ``where`` over
    every pixel.
    """
    xp = get_array_module(i)
    lo, hi = int(i.min()), int(i.max()) + 1
    if hi - lo > 64 * (size + 2):  # wild coordinates (e.g. a degenerate projective row): skip the table
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
    if xp.any(t[:, 6:] != 0):  # projective rows: divide by k = c0 x + c1 y + 1
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
    arr = images.data if isinstance(images, Tensor) else get_array_module().asarray(images)
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


# --- resizing ---------------------------------------------------------------------------------------------------
def _axis_taps(in_size: int, out_size: int, interpolation: str, xp, dtype):
    """Source indices (and bilinear weights) of one axis, half-pixel centres.

    Returns ``(i0, None, None)`` for nearest, ``(i0, i1, weight_of_i1)`` for bilinear; 1-D of ``out_size``.
    """
    scale = in_size / out_size
    centres = (xp.arange(out_size, dtype=xp.float64) + 0.5) * scale  # output pixel centres in input units
    if interpolation == "nearest":
        return xp.minimum(xp.floor(centres).astype(xp.intp), in_size - 1), None, None
    # Clamping at 0 (torch) equals renormalising the in-range taps (TF, jax) at the edges.
    src = xp.maximum(centres - 0.5, 0.0)
    i0 = xp.minimum(xp.floor(src).astype(xp.intp), in_size - 1)
    i1 = xp.minimum(i0 + 1, in_size - 1)
    return i0, i1, (src - i0).astype(dtype)


def _resample_axis(x, axis: int, out_size: int, interpolation: str):
    xp = get_array_module(x)
    i0, i1, wt = _axis_taps(x.shape[axis], out_size, interpolation, xp, x.dtype)
    a = xp.take(x, i0, axis=axis)
    if i1 is None:
        return a
    shape = [1] * x.ndim
    shape[axis] = out_size
    return a + (xp.take(x, i1, axis=axis) - a) * wt.reshape(shape)


def crop_or_pad_to_aspect(x, size, crop: bool, pad: bool, fill_value=0.0):
    """Keras' ``crop_to_aspect_ratio`` (largest centred window of the target aspect ratio) or
    ``pad_to_aspect_ratio`` (centred padding with ``fill_value``). Shapes: ``(batch, h, w, c)`` in and out."""
    xp = get_array_module(x)
    height, width = x.shape[1], x.shape[2]
    th, tw = size
    if crop:
        ch = max(min(height, int(float(width * th) / tw)), 1)
        cw = max(min(width, int(float(height * tw) / th)), 1)
        h0, w0 = int(float(height - ch) / 2), int(float(width - cw) / 2)
        return x[:, h0:h0 + ch, w0:w0 + cw]
    if pad:
        ph = max(height, int(float(width * th) / tw))
        pw = max(width, int(float(height * tw) / th))
        h0, w0 = int(float(ph - height) / 2), int(float(pw - width) / 2)
        return xp.pad(x, ((0, 0), (h0, ph - height - h0), (w0, pw - width - w0), (0, 0)),
                      constant_values=fill_value)
    return x


def resize_array(x, size, interpolation="bilinear"):
    """Array kernel of :func:`resize`: ``(batch, h, w, c)`` float -> ``(batch, *size, c)``, separable gathers."""
    th, tw = size
    # Resample the axis that shrinks most first: the second pass then runs on the smaller array.
    order = (1, 2) if th / x.shape[1] <= tw / x.shape[2] else (2, 1)
    for axis in order:
        target = th if axis == 1 else tw
        if x.shape[axis] != target:
            x = _resample_axis(x, axis, target, interpolation)
    return x


@not_differentiable
def resize(images, size, interpolation="bilinear", crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
           fill_value=0.0, data_format=None):
    """Resize images to ``size = (height, width)`` (Keras' ``ops.image.resize``, ``antialias=False``); no gradient.

    Bilinear and nearest use half-pixel centres, as TF2/Keras and torch's ``interpolate(...,
    align_corners=False)`` (nearest: torch's ``'nearest-exact'``). ``crop_to_aspect_ratio`` first crops the
    largest centred window of the target aspect ratio; ``pad_to_aspect_ratio`` pads instead, with
    ``fill_value``.

    Shapes: ``(batch, h, w, c)`` or ``(h, w, c)`` (channels_first: ``(batch, c, h, w)``) -> the same with the
    new height and width. Returns a float Tensor with no graph node.
    """
    where = "resize"
    check_choice(interpolation, INTERPOLATIONS, "interpolation", where)
    data_format = standardize_data_format(data_format, where)
    if len(size) != 2 or any(int(s) < 1 for s in size):
        raise ConfigError(f"{where}: size must be (height, width) of positive integers, got {size!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ConfigError(f"{where}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True")
    size = (int(size[0]), int(size[1]))
    arr = images.data if isinstance(images, Tensor) else get_array_module().asarray(images)
    x, unbatched = to_batched_last(float_images(arr), data_format, where)
    x = crop_or_pad_to_aspect(x, size, crop_to_aspect_ratio, pad_to_aspect_ratio, fill_value)
    out = resize_array(x, size, interpolation)
    return Tensor._from_op(from_batched_last(out, data_format, unbatched), None)
