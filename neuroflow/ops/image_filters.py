"""Image ops beyond warps (Keras' ``ops.image``): colour spaces, crops and pads, patches, blur and edges, SSIM.

Colour conversions, crops, pads, patches, blur and Sobel edges are built from differentiable ops (slices, pads,
convolutions), so their gradients flow; SSIM is also composed of them. Images are ``(batch, h, w, c)`` or
``(h, w, c)`` (``channels_last``) or the ``channels_first`` forms.
"""
from __future__ import annotations

import math

from ..autograd.tensor import as_tensor
from ..backend import default_float_dtype, get_array_module
from ..errors import ConfigError, ShapeError
from ._image_layout import standardize_data_format
from ._registry import differentiable
from .conv import depthwise_conv
from .index import getitem
from .math import cast, clip, maximum, minimum, sqrt, where
from .reduce import max as _max, mean as _mean, min as _min, sum as _sum
from .shape import concatenate, expand_dims, pad, squeeze, stack, transpose


def _nhwc(images, data_format, who, ndim=4):
    fmt = standardize_data_format(data_format, who)
    x = as_tensor(images)
    if x.dtype.kind != "f":
        x = cast(x, default_float_dtype())
    if x.ndim not in (ndim - 1, ndim):
        raise ShapeError(f"{who}: expected a batch of images of rank {ndim} (or one image of rank {ndim - 1}), "
                         f"got shape {x.shape}")
    single = x.ndim == ndim - 1
    if single:
        x = expand_dims(x, 0)
    if fmt == "channels_first":
        x = transpose(x, (0,) + tuple(range(2, ndim)) + (1,))
    return x, fmt, single


def _back(x, fmt, single):
    if fmt == "channels_first":
        x = transpose(x, (0, x.ndim - 1) + tuple(range(1, x.ndim - 1)))
    return squeeze(x, 0) if single else x


def _channel(x, i):
    return getitem(x, (Ellipsis, slice(i, i + 1)))


# --- colour spaces ---------------------------------------------------------------------------------------------------
@differentiable
def rgb_to_grayscale(images, data_format=None):
    """Luma ``0.2989 R + 0.5870 G + 0.1140 B``. Shapes: ``(..., 3)`` -> ``(..., 1)`` (channels_last)."""
    x, fmt, single = _nhwc(images, data_format, "rgb_to_grayscale")
    if x.shape[-1] != 3:
        raise ShapeError(f"rgb_to_grayscale: expected 3 channels, got {x.shape[-1]}")
    w = get_array_module(x).asarray([0.2989, 0.5870, 0.1140], dtype=x.dtype)
    return _back(_sum(x * w, axis=-1, keepdims=True), fmt, single)


@differentiable
def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] to HSV in [0, 1] (hue as a fraction of a turn). Shapes: same as ``images``."""
    x, fmt, single = _nhwc(images, data_format, "rgb_to_hsv")
    r, g, b = (_channel(x, i) for i in range(3))
    v = _max(x, axis=-1, keepdims=True)
    c = v - _min(x, axis=-1, keepdims=True)
    cd = c.data
    safe_c = where(cd > 0, c, 1.0)
    vd = v.data
    s = where(vd > 0, c / where(vd > 0, v, 1.0), 0.0)
    hr = ((g - b) / safe_c) / 6.0
    hg = ((b - r) / safe_c + 2.0) / 6.0
    hb = ((r - g) / safe_c + 4.0) / 6.0
    h = where(vd == r.data, hr, where(vd == g.data, hg, hb))
    h = where(cd > 0, h - get_array_module(h).floor(h.data), 0.0)  # wrap into [0, 1)
    return _back(concatenate([h, s, v], axis=-1), fmt, single)


@differentiable
def hsv_to_rgb(images, data_format=None):
    """HSV in [0, 1] back to RGB in [0, 1]. Shapes: same as ``images``."""
    x, fmt, single = _nhwc(images, data_format, "hsv_to_rgb")
    h, s, v = (_channel(x, i) for i in range(3))
    out = []
    for n in (5.0, 3.0, 1.0):  # f(n) = v - v s max(0, min(k, 4 - k, 1)), k = (n + 6 h) mod 6
        k = h * 6.0 + n
        k = k - 6.0 * get_array_module(k).floor(k.data / 6.0)
        out.append(v - v * s * maximum(minimum(minimum(k, 4.0 - k), 1.0), 0.0))
    return _back(concatenate(out, axis=-1), fmt, single)


# --- crops and pads --------------------------------------------------------------------------------------------------
def _box(total, first, last, target, grow, who, what):
    """The two side widths from exactly two of (first, last, target size); ``grow``: padding (else cropping)."""
    if [first, last, target].count(None) != 1:
        raise ConfigError(f"{who}: give exactly two of {what} and the target size")
    if target is not None:
        spare = int(target) - total if grow else total - int(target)
        if first is None:
            first = spare - int(last)
        else:
            last = spare - int(first)
    return int(first), int(last)


@differentiable
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """Zero-pad images to a box (two of top/bottom/target_height, and of left/right/target_width).
    Shapes: ``(N, H, W, C)`` -> ``(N, H + top + bottom, W + left + right, C)``."""
    x, fmt, single = _nhwc(images, data_format, "pad_images")
    t, b = _box(x.shape[1], top_padding, bottom_padding, target_height, True, "pad_images",
                "top_padding, bottom_padding")
    l_, r = _box(x.shape[2], left_padding, right_padding, target_width, True, "pad_images",
                 "left_padding, right_padding")
    if min(t, b, l_, r) < 0:
        raise ConfigError(f"pad_images: the padding would be negative ({t}, {b}, {l_}, {r}) for images of size "
                          f"{x.shape[1:3]}")
    return _back(pad(x, ((0, 0), (t, b), (l_, r), (0, 0))), fmt, single)


@differentiable
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """Crop images to a box (two of top/bottom/target_height, and of left/right/target_width).
    Shapes: ``(N, H, W, C)`` -> ``(N, H - top - bottom, W - left - right, C)``."""
    x, fmt, single = _nhwc(images, data_format, "crop_images")
    t, b = _box(x.shape[1], top_cropping, bottom_cropping, target_height, False, "crop_images",
                "top_cropping, bottom_cropping")
    l_, r = _box(x.shape[2], left_cropping, right_cropping, target_width, False, "crop_images",
                 "left_cropping, right_cropping")
    if min(t, b, l_, r) < 0 or t + b >= x.shape[1] or l_ + r >= x.shape[2]:
        raise ConfigError(f"crop_images: cropping ({t}, {b}, {l_}, {r}) does not fit images of size {x.shape[1:3]}")
    return _back(getitem(x, (slice(None), slice(t, x.shape[1] - b), slice(l_, x.shape[2] - r))), fmt, single)


# --- patches ---------------------------------------------------------------------------------------------------------
def _patches(x, size, strides, dilation, padding, spatial, who):
    xp = get_array_module(x)  # the index arrays live with the data
    size = (size,) * spatial if isinstance(size, int) else tuple(int(s) for s in size)
    strides = size if strides is None else ((strides,) * spatial if isinstance(strides, int) else tuple(strides))
    dil = (dilation,) * spatial if isinstance(dilation, int) else tuple(dilation)
    if padding not in ("valid", "same"):
        raise ConfigError(f"{who}: padding must be 'valid' or 'same', got {padding!r}")
    if padding == "same":
        pads = [(0, 0)]
        for n, k, s, d in zip(x.shape[1:1 + spatial], size, strides, dil):
            out = -(-n // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
            pads.append((total // 2, total - total // 2))
        x = pad(x, pads + [(0, 0)])
    index = [slice(None)]
    out_sizes = []
    for axis, (k, s, d) in enumerate(zip(size, strides, dil)):
        n = x.shape[1 + axis]
        out = (n - (k - 1) * d - 1) // s + 1
        if out < 1:
            raise ShapeError(f"{who}: patch size {size} does not fit an input of spatial size {x.shape[1:1 + spatial]}")
        out_sizes.append(out)
        idx = (xp.arange(out) * s)[:, None] + (xp.arange(k) * d)[None, :]  # (out, k)
        shape = [1] * (2 * spatial)
        shape[axis], shape[spatial + axis] = out, k
        index.append(idx.reshape(shape))
    from .shape import reshape
    y = getitem(x, tuple(index))  # (N, *out, *k, C)
    n, c = x.shape[0], x.shape[-1]
    return reshape(y, (n, *out_sizes, -1 if c else 0))


@differentiable
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Patches of ``size`` every ``strides`` as channel vectors (TF's ``extract_patches`` order: rows, cols,
    channels). Shapes: ``(N, H, W, C)`` -> ``(N, out_h, out_w, kh * kw * C)``."""
    x, fmt, single = _nhwc(images, data_format, "extract_patches")
    return _back(_patches(x, size, strides, dilation_rate, padding, 2, "extract_patches"), fmt, single)


@differentiable
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """3-D patches as channel vectors. Shapes: ``(N, D, H, W, C)`` -> ``(N, od, oh, ow, kd * kh * kw * C)``."""
    x, fmt, single = _nhwc(volumes, data_format, "extract_patches_3d", ndim=5)
    return _back(_patches(x, size, strides, dilation_rate, padding, 3, "extract_patches_3d"), fmt, single)


# --- filters ---------------------------------------------------------------------------------------------------------
def _gaussian_taps(k, sigma, xp):
    t = xp.arange(k) - (k - 1) / 2
    g = xp.exp(-(t * t) / (2 * sigma * sigma))
    return g / g.sum()


@differentiable
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Gaussian blur per channel, zero-padded to the same size (TensorFlow's ``'SAME'``, as Keras).
    Shapes: same as ``images``."""
    x, fmt, single = _nhwc(images, data_format, "gaussian_blur")
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sh, sw = (sigma, sigma) if isinstance(sigma, (int, float)) else sigma
    xp = get_array_module(x)
    taps = xp.outer(_gaussian_taps(int(kh), float(sh), xp), _gaussian_taps(int(kw), float(sw), xp)).astype(x.dtype)
    c = x.shape[-1]
    kernel = xp.broadcast_to(taps[:, :, None, None], (kh, kw, c, 1)).copy()
    ph, pw = (kh - 1) // 2, (kw - 1) // 2
    x = pad(x, ((0, 0), (ph, kh - 1 - ph), (pw, kw - 1 - pw), (0, 0)))
    return _back(depthwise_conv(x, kernel), fmt, single)


@differentiable
def sobel_edges(images, data_format=None):
    """Vertical and horizontal Sobel responses per channel, reflect-padded as TensorFlow's ``sobel_edges`` (Keras'
    torch backend zero-pads instead: the two differ on the one-pixel border).
    Shapes: ``(N, H, W, C)`` -> ``(N, H, W, C, 2)`` ([dy, dx] in the last axis)."""
    x, fmt, single = _nhwc(images, data_format, "sobel_edges")
    xp = get_array_module(x)
    ky = xp.asarray([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=x.dtype)
    c = x.shape[-1]
    xpad = pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    outs = [depthwise_conv(xpad, xp.broadcast_to(k[:, :, None, None], (3, 3, c, 1)).copy()) for k in (ky, ky.T)]
    y = stack(outs, axis=-1)
    if fmt == "channels_first":
        y = transpose(y, (0, 3, 1, 2, 4))
    return squeeze(y, 0) if single else y


@differentiable
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None):
    """Structural similarity per image (Wang et al., 2004; Gaussian window, 'valid' filtering, mean over pixels
    and channels). Shapes: two ``(N, H, W, C)`` batches -> ``(N,)``."""
    a, fmt, single = _nhwc(image1, data_format, "ssim")
    b, _, _ = _nhwc(image2, data_format, "ssim")
    if a.shape != b.shape:
        raise ShapeError(f"ssim: image1 {a.shape} and image2 {b.shape} must have the same shape")
    xp = get_array_module(a)
    g = _gaussian_taps(int(filter_size), float(filter_sigma), xp)
    taps = xp.outer(g, g).astype(a.dtype)
    c = a.shape[-1]
    kernel = xp.broadcast_to(taps[:, :, None, None], (filter_size, filter_size, c, 1)).copy()

    def blur(t):
        return depthwise_conv(t, kernel)

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a * mu_a
    var_b = blur(b * b) - mu_b * mu_b
    cov = blur(a * b) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a * mu_a + mu_b * mu_b + c1) * (var_a + var_b + c2)
    out = _mean(num / den, axis=(1, 2, 3))
    return squeeze(out, 0) if single else out


_ = (clip, math, sqrt)
__all__ = ["rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb", "pad_images", "crop_images", "extract_patches",
           "extract_patches_3d", "gaussian_blur", "sobel_edges", "ssim"]
