"""Image ops (Keras' ``keras.ops.image``): this module defines ``resize`` and gathers the rest from
``image_affine`` (warps), ``image_filters`` (colour, crops, patches, blur, SSIM) and ``image_warp`` (coordinates).

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

from .._validate import fits_in_memory
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from ._registry import not_differentiable
from ._image_layout import (DATA_FORMATS, FILL_MODES, INTERPOLATIONS, check_choice,  # noqa: F401 - re-exported
                            float_images, from_batched_last, standardize_data_format, to_batched_last)
from .image_affine import affine_transform, affine_transform_array, fill_index, image_array  # noqa: F401
from .image_filters import *  # noqa: F401,F403 - colour spaces, crops, pads, patches, blur, edges, ssim
from .image_warp import *  # noqa: F401,F403 - map_coordinates, perspective_transform, elastic_transform
from .image_scale import scale_and_translate  # noqa: F401 - re-exported


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
    fits_in_memory((x.shape[0], th, tw, x.shape[-1]), "resize", "size")  # before the gathers allocate it
    # Resample the axis that shrinks most first: the second pass then runs on the smaller array.
    order = (1, 2) if th / x.shape[1] <= tw / x.shape[2] else (2, 1)
    for axis in order:
        target = th if axis == 1 else tw
        if x.shape[axis] != target:
            x = _resample_axis(x, axis, target, interpolation)
    return x


@not_differentiable
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize images to ``size = (height, width)`` (Keras' ``ops.image.resize``); no gradient.

    Bilinear and nearest use half-pixel centres, as TF2/Keras and torch's ``interpolate(...,
    align_corners=False)`` (nearest: torch's ``'nearest-exact'``). ``crop_to_aspect_ratio`` first crops the
    largest centred window of the target aspect ratio; ``pad_to_aspect_ratio`` pads instead, with
    ``fill_value`` (``fill_mode`` must be ``'constant'``, Keras' only mode). ``antialias`` with bilinear widens
    the triangle filter when shrinking (as PyTorch's and JAX's antialiased resize: :func:`scale_and_translate`);
    nearest ignores it, as in Keras.

    Shapes: ``(batch, h, w, c)`` or ``(h, w, c)`` (channels_first: ``(batch, c, h, w)``) -> the same with the
    new height and width. Returns a float Tensor with no graph node.
    """
    where = "resize"
    check_choice(interpolation, INTERPOLATIONS, "interpolation", where)
    data_format = standardize_data_format(data_format, where)
    if len(size) != 2 or any(int(s) < 1 for s in size):
        raise ConfigError(f"{where}: size must be (height, width) of positive integers, got {size!r}")
    check_choice(fill_mode, ("constant",), "fill_mode", where)
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ConfigError(f"{where}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True")
    size = (int(size[0]), int(size[1]))
    arr = image_array(images)
    x, unbatched = to_batched_last(float_images(arr), data_format, where)
    x = crop_or_pad_to_aspect(x, size, crop_to_aspect_ratio, pad_to_aspect_ratio, fill_value)
    if antialias and interpolation == "bilinear":
        scale = get_array_module().asarray([size[0] / x.shape[1], size[1] / x.shape[2]], dtype="float32")
        out = scale_and_translate(x, (x.shape[0],) + size + (x.shape[3],), scale, scale * 0, (1, 2), "linear").data
    else:
        out = resize_array(x, size, interpolation)
    return Tensor._from_op(from_batched_last(out, data_format, unbatched), None)
