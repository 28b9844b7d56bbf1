"""Keras 3's colour augmentations: RandomBrightness, RandomColorDegeneration, RandomSaturation, RandomHue,
RandomInvert, RandomGrayscale, RandomColorJitter.

Shapes: any image batch ``(batch, h, w, c)`` (channels_first, or one image) -> the same; the HSV-based ones
(saturation, hue, jitter with either) and the grayscale ones need 3 channels. Active unless
``training=False`` (a plain call augments, Keras' default); then the input (as floats) is returned. Each image
draws its own parameters; ``seed`` makes the draws reproducible. ``value_range`` is the pixel range, ``(0, 255)``
by default, as in Keras. On a device they compute with the images' array module and draw the per-image factors
there (``self._draws``), as :mod:`neuroflow.layers.augmentation` describes.
"""
from __future__ import annotations

from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from ..ops import image as image_ops
from ..registry import register_builtin
from .augmentation import RandomContrast
from .augmentation_data import _DataAugmentation, keras_factor, parse_value_range, rescale


def _rgb_only(images, who):
    if images.shape[-1] != 3:
        raise ShapeError(f"{who}: expected RGB images (3 channels), got {images.shape[-1]} channels")


def to_hsv(images):
    """``(b, h, w, 3)`` RGB -> HSV, hue and saturation in [0, 1], value in the input's scale (ratios only)."""
    return image_ops.rgb_to_hsv(images).data.astype(images.dtype, copy=False)


def to_rgb(hsv):
    """Inverse of :func:`to_hsv`: ``(b, h, w, 3)`` HSV -> RGB in the value channel's scale."""
    return image_ops.hsv_to_rgb(hsv).data.astype(hsv.dtype, copy=False)


def grayscale(images):
    """Luma of ``(b, h, w, 3)`` as ``(b, h, w, 1)`` (``ops.image.rgb_to_grayscale``'s weights)."""
    return image_ops.rgb_to_grayscale(images).data.astype(images.dtype, copy=False)


class _ColorAugmentation(_DataAugmentation):
    """A per-image colour change with Keras' ``factor`` (within ``_BOUNDS``), ``value_range`` and ``seed``."""

    _MOVES_PIXELS = False
    _BOUNDS = (0.0, 1.0)

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._where = f"{type(self).__name__} {self.name!r}"
        self.factor = keras_factor(factor, "factor", self._where, self._BOUNDS)
        self.value_range = parse_value_range(value_range, self._where)

    def _draw(self, images):
        """One factor per image of ``images`` ``(b, h, w, c)``, drawn on their device: ``(b, 1, 1, 1)``."""
        return self._draws(images).uniform(*self.factor, size=(images.shape[0], 1, 1, 1)).astype(images.dtype)

    def _clip(self, images):
        return get_array_module(images).clip(images, *self.value_range, out=images)

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor), "value_range": list(self.value_range)}


@register_builtin
class RandomBrightness(_ColorAugmentation):
    """Adds ``delta * (high - low)`` to every pixel, ``delta`` drawn per image from ``factor``, then clips.

    Args: ``factor`` in [-1, 1] (a number ``f`` -> ``[-f, f]``, or a pair), ``value_range``, ``seed``.
    """

    _BOUNDS = (-1.0, 1.0)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor, value_range, seed, **kwargs)

    def _augment(self, images):
        delta = self._draw(images) * (self.value_range[1] - self.value_range[0])
        return self._clip(images + delta)


@register_builtin
class RandomColorDegeneration(_ColorAugmentation):
    """Blends each image toward its grayscale version by a random ``f`` (0: unchanged, 1: gray), then clips.

    Args: ``factor`` in [0, 1] (a number ``f`` -> ``[0, f]``), ``value_range``, ``data_format``, ``seed``.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, **kwargs)

    def _augment(self, images):
        _rgb_only(images, self._where)
        f = self._draw(images)
        return self._clip(images + f * (grayscale(images) - images))


@register_builtin
class RandomSaturation(_ColorAugmentation):
    """Scales each image's HSV saturation by ``f / (1 - f)``, ``f`` drawn from ``factor`` (0.5: unchanged,
    0: gray, 1: fully saturated); the scaled saturation is clipped to ``value_range`` as in Keras.

    Args: ``factor`` in [0, 1] (a number ``f`` -> ``[0, f]``), ``value_range``, ``data_format``, ``seed``.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, **kwargs)

    def _augment(self, images):
        _rgb_only(images, self._where)
        f = self._draw(images)[..., 0]
        scale = f / (1.0 - f + 1e-7)  # Keras' epsilon keeps f = 1 finite
        hsv = to_hsv(images)
        hsv[..., 1] = get_array_module(hsv).clip(hsv[..., 1] * scale, *self.value_range)
        return to_rgb(hsv)


@register_builtin
class RandomHue(_ColorAugmentation):
    """Rotates each image's hue by ``±f / 2`` of a turn (sign and ``f`` drawn per image from ``factor``).

    Args: ``factor`` in [0, 1] (a number ``f`` -> ``[0, f]``; 1 allows half a turn), ``value_range``,
    ``data_format``, ``seed``.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, **kwargs)

    def _augment(self, images):
        _rgb_only(images, self._where)
        b = images.shape[0]
        xp, rng = get_array_module(images), self._draws(images)
        sign = xp.where(rng.random(b) > 0.5, -1.0, 1.0)
        shift = (sign * rng.uniform(*self.factor, size=b) * 0.5).astype(images.dtype)
        hsv = to_hsv(rescale(images, self.value_range, (0.0, 1.0)))
        hue = hsv[..., 0] + shift[:, None, None]
        hsv[..., 0] = hue - xp.floor(hue)  # wrap into [0, 1)
        return rescale(xp.clip(to_rgb(hsv), 0.0, 1.0), (0.0, 1.0), self.value_range)


@register_builtin
class RandomInvert(_ColorAugmentation):
    """Replaces an image by ``high - x`` with probability ``p`` (``p`` drawn per image from ``factor``).

    Args: ``factor`` in [0, 1] (default 1.0 -> ``p`` uniform in [0, 1]; ``(1, 1)`` inverts every image),
    ``value_range``, ``seed``, ``data_format``.
    """

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(factor, value_range, seed, data_format, **kwargs)

    def _augment(self, images):
        xp = get_array_module(images)
        inverted = self.value_range[1] - images
        return xp.where(self._chosen(images), inverted, images).astype(images.dtype)


@register_builtin
class RandomGrayscale(_DataAugmentation):
    """Turns each image gray (its luma copied into the 3 channels) with probability ``factor``.

    Args: ``factor`` in [0, 1] (default 0.5), ``data_format``, ``seed``.
    """

    _MOVES_PIXELS = False

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0.0 <= factor <= 1.0:
            raise ConfigError(f"RandomGrayscale {self.name!r}: factor must be a number in [0, 1], got {factor!r}")
        self.factor = float(factor)

    def _augment(self, images):
        _rgb_only(images, f"RandomGrayscale {self.name!r}")
        xp, rng = get_array_module(images), self._draws(images)
        apply = (rng.random(images.shape[0]) < self.factor)[:, None, None, None]
        return xp.where(apply, grayscale(images), images).astype(images.dtype)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@register_builtin
class RandomColorJitter(_DataAugmentation):
    """Brightness, contrast, saturation and hue changes in that order, each only when its factor is given.

    Args: ``value_range``; ``brightness_factor`` (:class:`RandomBrightness`), ``contrast_factor``
    (:class:`RandomContrast`), ``saturation_factor`` (:class:`RandomSaturation`), ``hue_factor``
    (:class:`RandomHue`), each ``None`` (skipped) or that layer's ``factor``; ``seed``, ``data_format``.
    """

    _MOVES_PIXELS = False

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None, saturation_factor=None,
                 hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = parse_value_range(value_range, f"RandomColorJitter {self.name!r}")
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        steps = [("brightness", RandomBrightness, brightness_factor), ("contrast", RandomContrast, contrast_factor),
                 ("saturation", RandomSaturation, saturation_factor), ("hue", RandomHue, hue_factor)]
        # Named after this layer, so a saved model finds them again; they draw from this layer's generator.
        self._steps = [cls(factor, value_range=value_range, name=f"{self.name}_{key}")
                       for key, cls, factor in steps if factor is not None]

    def _augment(self, images):
        for step in self._steps:
            step._rng = self.rng
            images = step._augment(images)
        return images

    def get_config(self):
        factor = lambda f: list(f) if isinstance(f, tuple) else f  # noqa: E731 - JSON has no tuples
        return {**super().get_config(), "value_range": list(self.value_range),
                "brightness_factor": factor(self.brightness_factor), "contrast_factor": factor(self.contrast_factor),
                "saturation_factor": factor(self.saturation_factor), "hue_factor": factor(self.hue_factor)}
