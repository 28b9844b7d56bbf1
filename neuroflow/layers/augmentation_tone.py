"""Keras 3's tone and filter augmentations: AutoContrast, Equalization, ContrastLimitedAdaptiveHistogramEqualization
(CLAHE), RandomPosterization, Solarization, RandomSharpness, RandomGaussianBlur.

Shapes: any image batch ``(batch, h, w, c)`` (channels_first, or one image) -> the same. ``value_range``
(default ``(0, 255)``) is the pixel range; the histogram layers work on 256 levels of it.

When they act, as in Keras: AutoContrast and CLAHE always (they are deterministic preprocessing); Equalization
and the random ones unless ``training=False`` (so also on a plain call, Keras' default; ``predict``/``evaluate``
leave images as they are, as Keras' code does). On a device the histograms, lookups and filters run with the
images' array module (``bincount``, ``take_along_axis``, ``pad`` of CuPy or the strict stand-in).
"""
from __future__ import annotations

import numpy as np

from .. import _validate as check
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from ..errors import ConfigError
from ..ops import image as image_ops
from ..registry import register_builtin
from .augmentation_color import _ColorAugmentation
from .augmentation_data import _DataAugmentation, keras_factor, parse_value_range, rescale


class _Preprocessing(_DataAugmentation):
    """A deterministic image change with a ``value_range``; applied at inference too (``_INFERENCE = True``)."""

    _MOVES_PIXELS = False
    _INFERENCE = True

    def __init__(self, value_range=(0, 255), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = parse_value_range(value_range, f"{type(self).__name__} {self.name!r}")

    def _inference(self, inputs):
        if not self._INFERENCE:
            return super()._inference(inputs)
        where = f"{type(self).__name__} {self.name!r}"
        x, unbatched = image_ops.to_batched_last(inputs.data.astype(self.dtype, copy=False), self.data_format, where)
        return Tensor._from_op(image_ops.from_batched_last(self._augment(x), self.data_format, unbatched), None)

    def get_config(self):
        config = {**super().get_config(), "value_range": list(self.value_range)}
        del config["seed"]  # deterministic: Keras' config has no seed
        return config


@register_builtin
class AutoContrast(_Preprocessing):
    """Stretches each channel of each image so that its minimum maps to ``low`` and its maximum to ``high``.

    A flat channel (minimum = maximum) is left unchanged. Args: ``value_range``, ``data_format``.
    """

    def _augment(self, images):
        xp = get_array_module(images)
        x = rescale(images, self.value_range, (0.0, 255.0))
        low = x.min(axis=(1, 2), keepdims=True)
        high = x.max(axis=(1, 2), keepdims=True)
        flat = high == low
        scale = np.float32(255.0) / xp.where(flat, 1.0, high - low).astype(x.dtype)
        out = xp.clip((x - low) * scale, 0.0, 255.0)
        return xp.where(flat, images, rescale(out, (0.0, 255.0), self.value_range)).astype(images.dtype)


def _level_indices(x, bins):
    """Histogram bin of each value of ``x`` (in [0, 255]): Keras' truncation toward zero, then clipping."""
    xp = get_array_module(x)
    return xp.clip((x * np.float32(bins - 1) / np.float32(255.0)).astype(np.int64), 0, bins - 1)


def _grouped_histograms(idx, bins):
    """``idx`` ``(groups, n)`` of bins -> counts ``(groups, bins)``: one bincount, each group offset by ``bins``."""
    xp = get_array_module(idx)
    groups = idx.shape[0]
    offsets = (xp.arange(groups) * bins)[:, None]
    return xp.bincount((idx + offsets).ravel(), minlength=groups * bins).reshape(groups, bins)


@register_builtin
class Equalization(_Preprocessing):
    """Histogram equalization of each channel of each image (``bins`` levels over ``value_range``).

    Each image's channel is remapped by its own cumulative histogram (neuroflow equalizes every image on its
    own; Keras 3.15's code pools the histogram over the whole batch, which makes an image's result depend on
    its batch-mates; the two agree for one image). A channel with a single occupied bin is unchanged.
    Args: ``value_range``, ``bins`` (default 256), ``data_format``.
    """

    _INFERENCE = False  # training=False leaves images as they are (Keras' code; its docstring says otherwise)

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(value_range, data_format, **kwargs)
        self.bins = check.integer(bins, f"Equalization {self.name!r}", "bins", minimum=2)

    def _augment(self, images):
        xp = get_array_module(images)
        b, h, w, c = images.shape
        x = rescale(images, self.value_range, (0.0, 255.0))
        groups = x.transpose(0, 3, 1, 2).reshape(b * c, h * w)  # one histogram per (image, channel)
        hist = _grouped_histograms(_level_indices(groups, self.bins), self.bins)
        cdf = xp.cumsum(hist, axis=1)
        cdf_min = xp.take_along_axis(cdf, xp.argmax(cdf > 0, axis=1)[:, None], axis=1)
        denominator = cdf[:, -1:] - cdf_min
        denominator = xp.where(denominator == 0, 1, denominator)
        lut = xp.clip(xp.round((cdf - cdf_min) * 255.0 / denominator), 0, 255).astype(x.dtype)
        where = xp.clip(groups / np.float32(255.0) * np.float32(self.bins - 1), 0, self.bins - 1).astype(np.int64)
        equalized = xp.take_along_axis(lut, where, axis=1)
        keep = (xp.count_nonzero(hist, axis=1) <= 1)[:, None]
        out = xp.where(keep, groups, equalized).reshape(b, c, h, w).transpose(0, 2, 3, 1)
        return rescale(xp.ascontiguousarray(out), (0.0, 255.0), self.value_range).astype(images.dtype)

    def get_config(self):
        return {**super().get_config(), "bins": self.bins}


@register_builtin
class ContrastLimitedAdaptiveHistogramEqualization(_Preprocessing):
    """CLAHE: histogram equalization per tile of a ``tile_grid_size`` grid, each tile's histogram clipped at
    ``clip_limit`` times the mean bin (the excess spread over all bins), tiles blended bilinearly.

    Images whose size is not a multiple of the grid are padded symmetrically for the tiling, as in Keras.
    All tiles of all images and channels are counted by one ``bincount``. Args: ``value_range``,
    ``clip_limit`` (default 4.0; 0 disables clipping), ``tile_grid_size`` (default ``(8, 8)``), ``data_format``.
    """

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None, **kwargs):
        super().__init__(value_range, data_format, **kwargs)
        who = f"ContrastLimitedAdaptiveHistogramEqualization {self.name!r}"
        self.clip_limit = check.finite_float(clip_limit, who, "clip_limit", low=0.0)
        if not isinstance(tile_grid_size, (tuple, list)) or len(tile_grid_size) != 2:
            raise ConfigError(f"{who}: tile_grid_size must be (rows, columns), got {tile_grid_size!r}")
        self.tile_grid_size = tuple(check.positive_int(t, who, "tile_grid_size") for t in tile_grid_size)

    def _augment(self, images):
        b, h, w, c = images.shape
        gh, gw = self.tile_grid_size
        th, tw = -(-h // gh), -(-w // gw)
        xp = get_array_module(images)
        x = rescale(images, self.value_range, (0.0, 255.0))
        x = xp.pad(x, ((0, 0), (0, th * gh - h), (0, tw * gw - w), (0, 0)), mode="symmetric")
        levels = xp.clip(x, 0, 255).astype(np.int64)
        tiles = levels.reshape(b, gh, th, gw, tw, c).transpose(0, 1, 3, 5, 2, 4).reshape(-1, th * tw)
        hist = _grouped_histograms(tiles, 256).astype(x.dtype).reshape(b, gh, gw, c, 256)
        if self.clip_limit > 0:
            limit = np.float32(self.clip_limit * th * tw / 256.0)
            clipped = xp.minimum(hist, limit)
            hist = clipped + (hist - clipped).sum(axis=-1, keepdims=True) / np.float32(256.0)
        cdf = xp.cumsum(hist, axis=-1)
        cdf_min = cdf.min(axis=-1, keepdims=True)
        denominator = np.float32(th * tw) - cdf_min
        cdf = xp.clip((cdf - cdf_min) * np.float32(255.0) / xp.where(denominator == 0, 1, denominator), 0, 255)
        cdf = xp.pad(cdf, ((0, 0), (1, 1), (1, 1), (0, 0), (0, 0)), mode="edge")  # outer tiles extend outward
        # Each pixel blends the four tile maps around it: tile centres sit at (i + 1/2) * tile size.
        rows, r_w = self._taps(xp, th * gh, th, gh)
        cols, c_w = self._taps(xp, tw * gw, tw, gw)
        r_w, c_w = r_w[None, :, None, None], c_w[None, None, :, None]
        # Flat offsets into the (b, gh + 2, gw + 2, c, 256) maps: one 1-D take per neighbour.
        flat = cdf.reshape(-1)
        s_q = c * 256
        s_r = s_q * (gw + 2)
        base = levels + (xp.arange(b) * s_r * (gh + 2))[:, None, None, None] + (xp.arange(c) * 256)
        row_off = [(r * s_r)[None, :, None, None] for r in rows]
        col_off = [(q * s_q)[None, None, :, None] for q in cols]

        def read(i, j):
            return xp.take(flat, base + row_off[i] + col_off[j])

        top = read(0, 0) * (1 - c_w) + read(0, 1) * c_w
        bottom = read(1, 0) * (1 - c_w) + read(1, 1) * c_w
        out = (top * (1 - r_w) + bottom * r_w)[:, :h, :w]
        return rescale(out.astype(images.dtype), (0.0, 255.0), self.value_range)

    @staticmethod
    def _taps(xp, size, tile, grid):
        """For each pixel of an axis: its two neighbouring tile rows (in the edge-padded map) and the weight of the
        second, ``(2, size)`` and ``(size,)``, made on ``xp``'s device."""
        pos = (xp.arange(size, dtype=np.float32) - tile / 2.0) / tile + 1.0
        first = xp.floor(pos)
        weight = (pos - first).astype(np.float32)
        taps = xp.clip(xp.stack([first, first + 1]), 0, grid + 1).astype(np.int64)
        return taps, weight

    def get_config(self):
        return {**super().get_config(), "clip_limit": self.clip_limit, "tile_grid_size": list(self.tile_grid_size)}


@register_builtin
class RandomPosterization(_ColorAugmentation):
    """Keeps only the top ``bits`` bits of each 8-bit level, ``bits`` drawn per image from ``factor``.

    Args: ``factor`` in [1, 8] (a number ``n`` -> bits drawn from ``[1, n)``, as Keras' ``randint``; a pair
    ``(n, n)`` fixes it), ``value_range``, ``data_format``, ``seed``.
    """

    _BOUNDS = (1.0, 8.0)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, **kwargs)

    def _augment(self, images):
        lo, hi = int(self.factor[0]), int(self.factor[1])
        b = images.shape[0]
        xp, rng = get_array_module(images), self._draws(images)
        bits = rng.integers(lo, hi, size=b) if lo != hi else xp.full(b, lo)
        shift = (8 - bits).astype(np.uint8)[:, None, None, None]
        levels = xp.clip(rescale(images, self.value_range, (0.0, 255.0)), 0, 255).astype(np.uint8)
        kept = ((levels >> shift) << shift).astype(images.dtype)
        return rescale(kept, (0.0, 255.0), self.value_range)


@register_builtin
class Solarization(_DataAugmentation):
    """Adds ``a`` to each pixel (clipped), then inverts every pixel at or above a threshold ``t``.

    In 8-bit units: ``x' = clip(x + a, 0, 255)``, ``x' if x' < t else 255 - x'``; ``a`` and ``t`` are drawn per
    image from ``addition_factor`` and ``threshold_factor`` times 255 (a number ``f`` -> ``[0, f]``; both ends
    are scaled, as Keras documents; Keras 3.15's code scales only the upper one). With the defaults (0, 0) every
    pixel is inverted. Args: ``addition_factor``, ``threshold_factor`` (in [0, 1]), ``value_range``, ``seed``.
    """

    _MOVES_PIXELS = False

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        where = f"Solarization {self.name!r}"
        self.addition_factor = keras_factor(addition_factor, "addition_factor", where)
        self.threshold_factor = keras_factor(threshold_factor, "threshold_factor", where)
        self.value_range = parse_value_range(value_range, where)

    def _augment(self, images):
        shape = (images.shape[0], 1, 1, 1)
        xp, rng = get_array_module(images), self._draws(images)
        add = (rng.uniform(*self.addition_factor, size=shape) * 255).astype(images.dtype)
        threshold = (rng.uniform(*self.threshold_factor, size=shape) * 255).astype(images.dtype)
        x = xp.clip(rescale(images, self.value_range, (0.0, 255.0)) + add, 0.0, 255.0)
        x = xp.where(x < threshold, x, np.float32(255.0) - x).astype(images.dtype)
        return rescale(x, (0.0, 255.0), self.value_range)

    def get_config(self):
        return {**super().get_config(), "addition_factor": list(self.addition_factor),
                "threshold_factor": list(self.threshold_factor), "value_range": list(self.value_range)}


def _smooth3x3(images):
    """PIL's smoothing filter ``[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13`` per channel, zero-padded ('same')."""
    h, w = images.shape[1:3]
    p = get_array_module(images).pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))
    ring = sum(p[:, i:i + h, j:j + w] for i in range(3) for j in range(3))  # nine shifted views, no pixel loop
    return (ring + np.float32(4.0) * images) / np.float32(13.0)


@register_builtin
class RandomSharpness(_ColorAugmentation):
    """Blends each image with its smoothed version: ``x + (1 - 2 f) (smooth(x) - x)``, ``f`` drawn per image
    (0: smoothed, 0.5: unchanged, 1: sharpened), then clipped to ``value_range``.

    Args: ``factor`` in [0, 1] (a number ``f`` -> ``[0, f]``), ``value_range``, ``data_format``, ``seed``.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, **kwargs)

    def _augment(self, images):
        f = self._draw(images) * np.float32(2.0)
        return self._clip(images + (np.float32(1.0) - f) * (_smooth3x3(images) - images))


def _odd_sizes(kernel_size, where):
    sizes = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (kernel_size, kernel_size)
    if len(sizes) != 2 or not all(check.is_int(k) and k > 0 and k % 2 == 1 for k in sizes):
        raise ConfigError(f"{where}: kernel_size must be an odd positive integer or a pair of them, got "
                          f"{kernel_size!r}")
    return int(sizes[0]), int(sizes[1])


@register_builtin
class RandomGaussianBlur(_ColorAugmentation):
    """Blurs each image with probability ``p`` (drawn per image from ``factor``) by a Gaussian whose (height,
    width) sigmas are drawn once per batch from ``sigma``; zero-padded, then clipped to ``value_range``.

    Args: ``factor`` in [0, 1] (default 1.0), ``kernel_size`` (odd; default 3), ``sigma`` in [0, 1] (a number
    ``s`` -> ``[0, s]``), ``value_range``, ``data_format``, ``seed``.
    """

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(factor, value_range, seed, data_format, **kwargs)
        self.kernel_size = _odd_sizes(kernel_size, self._where)
        self.sigma = keras_factor(sigma, "sigma", self._where)

    def _augment(self, images):
        xp = get_array_module(images)
        apply = self._chosen(images)
        # One pair per batch that builds the kernel (Python numbers for gaussian_blur): drawn on the host.
        sigma = tuple(float(s) + 1e-6 for s in self.rng.uniform(*self.sigma, size=2))
        blurred = image_ops.gaussian_blur(images, self.kernel_size, sigma).data.astype(images.dtype, copy=False)
        return self._clip(xp.where(apply, blurred, images))

    def get_config(self):
        return {**super().get_config(), "kernel_size": list(self.kernel_size), "sigma": list(self.sigma)}
