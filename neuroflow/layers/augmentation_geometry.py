"""Keras 3's newer geometric augmentations: RandomShear, RandomPerspective, RandomElasticTransform, and
RandomErasing (which cuts a box out rather than moving pixels).

Shapes: any image batch ``(batch, h, w, c)`` (channels_first, or one image) -> the same. Active unless
``training=False`` (a plain call augments, Keras' default). Each image draws its own parameters from the layer's
generator (``seed``); the warps are one vectorised gather per batch (``ops.image``'s affine, perspective and
elastic kernels).
"""
from __future__ import annotations

from .. import _validate as check
from ..backend import get_array_module
from ..errors import ConfigError
from ..ops import image as image_ops
from ..registry import register_builtin
from .augmentation import _AffineAugmentation, _factor_range
from .augmentation_data import _DataAugmentation, keras_factor, parse_value_range, random_boxes


def _shear_range(factor, arg, where):
    """Keras' shear factor: a number ``f`` in [0, 1] -> ``(-f, f)``; a pair -> sorted (values in [-1, 1], so
    the stored pair loads back)."""
    if check.is_number(factor) and not isinstance(factor, bool):
        if not 0.0 <= float(factor) <= 1.0:
            raise ConfigError(f"{where}: {arg} must lie in [0, 1], got {factor!r}")
        return -abs(float(factor)), abs(float(factor))
    return _factor_range(factor, arg, where, bounds=(-1.0, 1.0))


@register_builtin
class RandomShear(_DataAugmentation, _AffineAugmentation):
    """Shears each image along x and y by random amounts (one random sign per image for both).

    Output pixel ``(x, y)`` reads the input at ``(x + sx y, sy x + y)``. Args: ``x_factor``, ``y_factor`` (a
    number ``f`` in [0, 1] -> ``[-f, f]``, or a pair), ``interpolation``, ``fill_mode`` (default
    ``'reflect'``), ``fill_value``, ``data_format``, ``seed``.
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 data_format=None, seed=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        where = f"RandomShear {self.name!r}"
        self.x_factor = _shear_range(x_factor, "x_factor", where)
        self.y_factor = _shear_range(y_factor, "y_factor", where)

    def _matrices(self, rng, xp, b, h, w):
        sign = xp.where(rng.random(b) > 0.5, -1.0, 1.0)
        sy = rng.uniform(*self.y_factor, size=b) * sign
        sx = rng.uniform(*self.x_factor, size=b) * sign
        one, zero = xp.ones(b), xp.zeros(b)
        return xp.stack([one, sx, zero, sy, one, zero, zero, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "x_factor": list(self.x_factor), "y_factor": list(self.y_factor)}


class _ChanceAugmentation(_DataAugmentation):
    """Applies its change to each image with probability ``p``, ``p`` drawn per image from ``factor`` in [0, 1]."""

    def _init_factor(self, factor):
        self._where = f"{type(self).__name__} {self.name!r}"
        self.factor = keras_factor(factor, "factor", self._where)

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


@register_builtin
class RandomPerspective(_ChanceAugmentation):
    """Moves each corner of a chosen image by up to ``scale / 2`` of its coordinate and warps the image to fit.

    Args: ``factor`` (chance per image, default 1.0), ``scale`` in [0, 1], ``interpolation``, ``fill_value``
    (read outside the image), ``seed``, ``data_format``.
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._init_factor(factor)
        self.scale = check.finite_float(scale, self._where, "scale", low=0.0, high=1.0)
        self.interpolation = image_ops.check_choice(interpolation, image_ops.INTERPOLATIONS, "interpolation",
                                                    self._where)
        self.fill_value = check.finite_float(fill_value, self._where, "fill_value")

    def _augment(self, images):
        b, h, w, _ = images.shape
        xp = get_array_module(images)
        apply = self._chosen(images)
        shift = self._draws(images).uniform(-0.5 * self.scale, 0.5 * self.scale, size=(b, 4, 2))
        corners = xp.asarray([[0.0, 0.0], [w - 1, 0.0], [0.0, h - 1], [w - 1, h - 1]])
        start = xp.broadcast_to(corners, (b, 4, 2))
        end = start + start * shift
        warped = image_ops.perspective_transform(images, start, end, interpolation=self.interpolation,
                                                 fill_value=self.fill_value).data
        return xp.where(apply, warped, images).astype(images.dtype)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


@register_builtin
class RandomElasticTransform(_ChanceAugmentation):
    """Elastic distortion of each chosen image: smoothed random displacements of up to ``alpha`` pixels.

    One distortion strength ``d`` per batch from ``scale``; ``alpha = 0.1 d max(h, w)``, ``sigma = 0.05 d
    min(h, w)`` (Keras' rule), then ``ops.image.elastic_transform`` and clipping to ``value_range``.
    Args: ``factor`` (chance per image, default 1.0), ``scale`` in [0, 1] (default 1.0 -> ``[0, 1]``),
    ``interpolation``, ``fill_mode`` (default ``'reflect'``), ``fill_value``, ``value_range``, ``seed``,
    ``data_format``.
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._init_factor(factor)
        self.scale = keras_factor(scale, "scale", self._where)
        self.interpolation = image_ops.check_choice(interpolation, image_ops.INTERPOLATIONS, "interpolation",
                                                    self._where)
        self.fill_mode = image_ops.check_choice(fill_mode, image_ops.FILL_MODES, "fill_mode", self._where)
        self.fill_value = check.finite_float(fill_value, self._where, "fill_value")
        self.value_range = parse_value_range(value_range, self._where)

    def _augment(self, images):
        if self.scale[1] == 0 or self.factor[1] == 0:
            return images
        b, h, w, _ = images.shape
        xp = get_array_module(images)
        apply = self._chosen(images)
        # one strength per batch, a host number: it sets the blur's kernel size
        d = float(self.rng.uniform(*self.scale))
        alpha, sigma = max(h, w) * 0.1 * d, max(min(h, w) * 0.05 * d, 1e-3)
        warped = image_ops.elastic_transform(images, alpha, sigma, self.interpolation, self.fill_mode,
                                             self.fill_value, seed=int(self.rng.integers(2 ** 31))).data
        return xp.clip(xp.where(apply, warped, images), *self.value_range).astype(images.dtype)

    def get_config(self):
        return {**super().get_config(), "scale": list(self.scale), "interpolation": self.interpolation,
                "fill_mode": self.fill_mode, "fill_value": self.fill_value, "value_range": list(self.value_range)}


@register_builtin
class RandomErasing(_ChanceAugmentation):
    """Overwrites a random box of each chosen image (Zhong et al., 2017).

    The box covers ``s_x`` of the width and ``s_y`` of the height, ``s = sqrt(u)``, ``u`` drawn from ``scale``,
    at a random place; it is filled with ``fill_value`` (a number or one per channel) or, when ``None``, with
    Gaussian noise times ``high``; the fill is clipped to ``value_range``.
    Args: ``factor`` (chance per image, default 1.0), ``scale`` (default ``(0.02, 0.33)``), ``fill_value``,
    ``value_range``, ``seed``, ``data_format``.
    """

    _MOVES_PIXELS = False

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._init_factor(factor)
        self.scale = keras_factor(scale, "scale", self._where)
        if fill_value is not None and not check.is_number(fill_value) and not (
                isinstance(fill_value, (list, tuple)) and len(fill_value) == 3
                and all(check.is_number(v) for v in fill_value)):
            raise ConfigError(f"{self._where}: fill_value must be None, a number or 3 numbers (one per channel), "
                              f"got {fill_value!r}")
        self.fill_value = list(fill_value) if isinstance(fill_value, (list, tuple)) else fill_value
        self.value_range = parse_value_range(value_range, self._where)

    def _augment(self, images):
        b, h, w, _ = images.shape
        xp, rng = get_array_module(images), self._draws(images)
        share = xp.sqrt(rng.uniform(*self.scale, size=(b, 2)))
        box, _ = random_boxes(rng, h, w, share[:, 1], share[:, 0])
        if self.fill_value is None:
            fill = rng.standard_normal(images.shape).astype(images.dtype) * images.dtype.type(self.value_range[1])
        else:
            fill = xp.broadcast_to(xp.asarray(self.fill_value, dtype=images.dtype), images.shape)
        fill = xp.clip(fill, *self.value_range)
        return xp.where(box & self._chosen(images), fill, images).astype(images.dtype)

    def get_config(self):
        return {**super().get_config(), "scale": list(self.scale), "fill_value": self.fill_value,
                "value_range": list(self.value_range)}
