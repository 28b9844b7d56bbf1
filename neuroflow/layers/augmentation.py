"""Random image augmentation layers (Keras 3): RandomTranslation, RandomFlip, RandomRotation, RandomZoom,
RandomContrast, RandomCrop.

Shapes: ``(batch, height, width, channels)`` (``data_format='channels_last'``, the default) or
``(batch, channels, height, width)``, or one image without the batch axis; the output has the input's shape
(RandomCrop: the target height and width). Integer images come out as floats (the layer's dtype), as in Keras.

As in Keras 3 (``call(data, training=True)``), they augment unless called with ``training=False``: inside
``fit`` and on a plain call ``layer(images)`` or ``model(images)`` (``training`` None means the layer's default,
True); ``predict`` and ``evaluate`` pass ``training=False`` and get the inputs unchanged (RandomCrop:
centre-cropped and resized to its target size). Each image of a batch gets its own random draw, from the layer's
generator (``seed``, or neuroflow's root seed from ``set_seed``).

Gradients do not flow through an active augmentation: the output is a constant Tensor computed from the input's
values (an augmentation sits before any trainable layer, so nothing upstream needs one). At inference the input
Tensor itself is returned, graph and all.

Devices: the work runs with the array module of the images (NumPy, CuPy, the strict stand-in); the random draws
come from the layer's generator through ``random.device_generator`` (:meth:`_ImageAugmentation._draws`), so they
stay on the images' device and, on the strict stand-in, equal the CPU run's; a draw that sets a shape (a crop's
corner) is a host integer.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _validate as check
from .. import ops, random as nf_random
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from ..errors import ConfigError
from ..ops import image as image_ops
from ..registry import register_builtin
from .base import Layer


def _factor_range(factor, arg: str, where: str, bounds=(-1.0, 1.0), symmetric=True):
    """Keras' factor convention: a number ``f`` -> ``(-|f|, |f|)`` (or ``(|f|, |f|)`` when not ``symmetric``),
    a pair -> ``sorted(pair)``; every value inside ``bounds``."""
    lo_b, hi_b = bounds
    if isinstance(factor, (list, tuple)):
        if len(factor) != 2 or not all(isinstance(f, (int, float)) for f in factor):
            raise ConfigError(f"{where}: {arg} must be a number or a pair (lower, upper), got {factor!r}")
        lower, upper = sorted(float(f) for f in factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        f = float(factor)
        if not lo_b <= f <= hi_b:
            raise ConfigError(f"{where}: {arg} must lie in [{lo_b}, {hi_b}], got {factor!r}")
        lower, upper = (-abs(f) if symmetric else abs(f)), abs(f)
    else:
        raise ConfigError(f"{where}: {arg} must be a number or a pair (lower, upper), got {factor!r}")
    if lower < lo_b or upper > hi_b:
        raise ConfigError(f"{where}: {arg} values must lie in [{lo_b}, {hi_b}], got {factor!r}")
    return lower, upper


def _json_factor(factor):
    return list(factor) if isinstance(factor, tuple) else factor


def resolve_training(training) -> bool:
    """Keras 3's augmentation default: ``training`` None (a plain call, or a container passing None on) means
    True; only an explicit False (``predict``, ``evaluate``) turns the augmentation off."""
    return True if training is None else bool(training)


class _ImageAugmentation(Layer):
    """Shared plumbing: seed, data_format, inference pass-through, batched channels_last arrays for ``_augment``.

    Subclasses implement ``_augment(images) -> images`` on a float array ``(batch, h, w, c)`` of any device; they
    draw per-image values with ``self._draws(images)`` (on the images' device), never NumPy on the images.
    """

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = check.non_negative_int(seed, f"{type(self).__name__} {self.name!r}", "seed", allow_none=True)
        self.data_format = image_ops.standardize_data_format(data_format, type(self).__name__)
        if seed is not None:
            self._rng = nf_random.generator(seed)

    def _draws(self, images):
        """The layer's generator drawing on the device of ``images`` (an array): ``self.rng`` itself for NumPy
        arrays; on the strict stand-in the same values (it shares ``self.rng``'s state, so a seeded layer augments
        alike on every device); on CuPy a generator seeded from ``self.rng``."""
        return nf_random.device_generator(self.rng, get_array_module(images))

    def _spatial_axes(self, ndim):
        """(height axis, width axis) of an input of ``ndim`` dimensions."""
        return (ndim - 3, ndim - 2) if self.data_format == "channels_last" else (ndim - 2, ndim - 1)

    def _as_float(self, inputs):
        """The inputs in the layer's float dtype (the same Tensor when already so)."""
        return inputs if inputs.dtype == np.dtype(self.dtype) else ops.cast(inputs, self.dtype)

    def call(self, inputs, training=True):
        where = f"{type(self).__name__} {self.name!r}"
        arr = inputs.data
        image_ops.to_batched_last(arr, self.data_format, where)  # checks the rank, names the layer
        if not resolve_training(training):
            return self._inference(inputs)
        arr = arr.astype(self.dtype, copy=False)
        x, unbatched = image_ops.to_batched_last(arr, self.data_format, where)
        out = self._augment(x)
        return Tensor._from_op(image_ops.from_batched_last(out, self.data_format, unbatched), None)

    def _inference(self, inputs):
        return self._as_float(inputs)

    def _augment(self, images):  # pragma: no cover - abstract
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = {**super().get_config(), "seed": self.seed}
        config["data_format"] = self.data_format
        return config


class _AffineAugmentation(_ImageAugmentation):
    """An augmentation that warps each image by its own affine matrix: ``_matrices(rng, xp, batch, h, w)`` ->
    ``(batch, 8)`` on ``xp``'s device, drawn from ``rng`` (the layer's generator on that device)."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        where = type(self).__name__
        self.fill_mode = image_ops.check_choice(fill_mode, image_ops.FILL_MODES, "fill_mode", where)
        self.interpolation = image_ops.check_choice(interpolation, image_ops.INTERPOLATIONS, "interpolation",
                                                    where)
        self.fill_value = check.finite_float(fill_value, f"{where} {self.name!r}", "fill_value")

    def _augment(self, images):
        b, h, w, _ = images.shape
        matrices = self._matrices(self._draws(images), get_array_module(images), b, h, w)
        return image_ops.affine_transform_array(images, matrices, self.interpolation, self.fill_mode,
                                                self.fill_value)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


@register_builtin
class RandomTranslation(_AffineAugmentation):
    """Shifts each image by a random fraction of its size unless ``training=False``.

    Args:
        height_factor: fraction of the height; a number ``f`` shifts by up to ``f * height`` up or down, a pair
            ``(lower, upper)`` draws the shift from ``[lower, upper] * height``; negative shifts up.
        width_factor: the same for the width; negative shifts left. ``width_factor=(-15/28, -15/28)`` shifts a
            28-pixel-wide image exactly 15 pixels left.
        fill_mode: ``'reflect'`` (default), ``'wrap'``, ``'constant'`` or ``'nearest'``.
        interpolation: ``'bilinear'`` (default) or ``'nearest'``.
        seed, fill_value (read outside the image with ``fill_mode='constant'``), data_format.
    Shapes: any image batch -> same.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height_range = _factor_range(height_factor, "height_factor", f"RandomTranslation {self.name!r}")
        self._width_range = _factor_range(width_factor, "width_factor", f"RandomTranslation {self.name!r}")

    def _matrices(self, rng, xp, b, h, w):
        dy = rng.uniform(*self._height_range, size=b) * h
        dx = rng.uniform(*self._width_range, size=b) * w
        one, zero = xp.ones(b), xp.zeros(b)
        # Output pixel (x, y) reads input (x - dx, y - dy): the image moves by (+dx, +dy).
        return xp.stack([one, zero, -dx, zero, one, -dy, zero, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": _json_factor(self.height_factor),
                "width_factor": _json_factor(self.width_factor)}


@register_builtin
class RandomRotation(_AffineAugmentation):
    """Rotates each image about its centre by a random angle unless ``training=False``.

    Args:
        factor: fraction of a full turn (2*pi); a number ``f`` draws from ``[-f, f]``, a pair from
            ``[lower, upper]``. Positive angles rotate counter-clockwise: ``factor=(0.25, 0.25)`` with nearest
            interpolation equals ``np.rot90`` on a square image.
        fill_mode, interpolation, seed, fill_value, data_format: as for :class:`RandomTranslation`.
    Shapes: any image batch -> same.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor
        self._range = _factor_range(factor, "factor", f"RandomRotation {self.name!r}")

    def _matrices(self, rng, xp, b, h, w):
        angle = rng.uniform(self._range[0] * 2 * math.pi, self._range[1] * 2 * math.pi, size=b)
        cos, sin = xp.cos(angle), xp.sin(angle)
        # Inverse rotation about the centre ((w-1)/2, (h-1)/2), as Keras/TF build it: with y pointing down, this
        # turns the picture counter-clockwise for positive angles.
        x_off = ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / 2.0
        y_off = ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / 2.0
        zero = xp.zeros(b)
        return xp.stack([cos, -sin, x_off, sin, cos, y_off, zero, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "factor": _json_factor(self.factor)}


@register_builtin
class RandomZoom(_AffineAugmentation):
    """Zooms each image in or out about its centre by a random amount unless ``training=False``.

    Args:
        height_factor: a number ``f`` draws the vertical zoom from ``1 + [-f, f]``, a pair from
            ``1 + [lower, upper]``; positive values zoom out (the image shrinks), negative zoom in.
        width_factor: the same horizontally; ``None`` (default) reuses the vertical zoom (keeps the aspect).
        fill_mode, interpolation, seed, fill_value, data_format: as for :class:`RandomTranslation`.
    Shapes: any image batch -> same.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        where = f"RandomZoom {self.name!r}"
        self._height_range = _factor_range(height_factor, "height_factor", where)
        self._width_range = None if width_factor is None else _factor_range(width_factor, "width_factor", where)

    def _matrices(self, rng, xp, b, h, w):
        zy = 1.0 + rng.uniform(*self._height_range, size=b)
        zx = zy if self._width_range is None else 1.0 + rng.uniform(*self._width_range, size=b)
        zero = xp.zeros(b)
        # Output (x, y) reads input centre + z * (offset from centre): z > 1 shows more of the input (zoom out).
        return xp.stack([zx, zero, (w - 1) / 2.0 * (1.0 - zx), zero, zy, (h - 1) / 2.0 * (1.0 - zy), zero, zero],
                        axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": _json_factor(self.height_factor),
                "width_factor": _json_factor(self.width_factor)}


@register_builtin
class RandomFlip(_ImageAugmentation):
    """Flips each image left-right and/or top-bottom, each with probability 1/2, unless ``training=False``.

    Args:
        mode: ``'horizontal_and_vertical'`` (default; the two flips drawn independently), ``'horizontal'``
            (left-right) or ``'vertical'`` (top-bottom).
        seed, data_format.
    Shapes: any image batch -> same.
    """

    MODES = ("horizontal_and_vertical", "horizontal", "vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = image_ops.check_choice(mode, self.MODES, "mode", f"RandomFlip {self.name!r}")

    def _augment(self, images):
        b, rng, xp = images.shape[0], self._draws(images), get_array_module(images)
        if self.mode != "vertical":
            flip = rng.random(b) < 0.5
            images = xp.where(flip[:, None, None, None], images[:, :, ::-1], images)
        if self.mode != "horizontal":
            flip = rng.random(b) < 0.5
            images = xp.where(flip[:, None, None, None], images[:, ::-1], images)
        return images

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


@register_builtin
class RandomContrast(_ImageAugmentation):
    """Scales each image's deviation from its per-channel mean by a random factor unless ``training=False``.

    Each pixel ``x`` of a channel becomes ``(x - mean) * c + mean`` (``mean`` over that image's height and width),
    then is clipped to ``value_range``, as in Keras 3. One ``c`` per image.

    Args:
        factor: a number ``f`` in [0, 1] draws ``c`` from ``[1 - f, 1 + f]``; a pair ``(lower, upper)`` from
            ``[1 - lower, 1 + upper]``.
        value_range: ``(low, high)`` of the pixel values (default ``(0, 255)``); outputs are clipped to it.
        seed, data_format.
    Shapes: any image batch -> same.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        where = f"RandomContrast {self.name!r}"
        self.factor = factor
        if isinstance(factor, (list, tuple)):
            self._range = _factor_range(factor, "factor", where, bounds=(0.0, 1.0))
        else:
            self._range = _factor_range(factor, "factor", where, bounds=(0.0, 1.0), symmetric=False)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2 \
                or not all(check.is_number(v) for v in value_range) or not value_range[0] < value_range[1]:
            raise ConfigError(f"{where}: value_range must be (low, high) with low < high, got {value_range!r}")
        self.value_range = (float(value_range[0]), float(value_range[1]))

    def _augment(self, images):
        lower, upper = self._range
        c = self._draws(images).uniform(1.0 - lower, 1.0 + upper, size=(images.shape[0], 1, 1, 1))
        mean = images.mean(axis=(1, 2), keepdims=True, dtype=images.dtype)
        out = (images - mean) * c.astype(images.dtype) + mean
        return get_array_module(images).clip(out, self.value_range[0], self.value_range[1], out=out)

    def get_config(self):
        return {**super().get_config(), "factor": _json_factor(self.factor),
                "value_range": list(self.value_range)}


@register_builtin
class RandomCrop(_ImageAugmentation):
    """Crops a random ``height x width`` window (unless ``training=False``); otherwise centre-crops and resizes.

    When augmenting and the images are larger than the target on both axes, one random window (the same for
    the whole batch, as in Keras) is cut out. Otherwise, and always with ``training=False``, the largest centred
    window of the target aspect ratio is cropped and resized (bilinear) to ``(height, width)``.

    Args: ``height``, ``width`` (output size), ``seed``, ``data_format``.
    Shapes: ``(batch, h, w, c)`` -> ``(batch, height, width, c)`` (channels_first and unbatched alike).
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        who = f"RandomCrop {self.name!r}"
        self.height, self.width = check.positive_int(height, who, "height"), check.positive_int(width, who, "width")

    def _center(self, images):
        x = image_ops.crop_or_pad_to_aspect(images, (self.height, self.width), crop=True, pad=False)
        return image_ops.resize_array(x, (self.height, self.width), "bilinear")

    def _inference(self, inputs):
        h_axis, w_axis = self._spatial_axes(inputs.ndim)
        if inputs.shape[h_axis] == self.height and inputs.shape[w_axis] == self.width:
            return self._as_float(inputs)
        where = f"RandomCrop {self.name!r}"
        x, unbatched = image_ops.to_batched_last(inputs.data.astype(self.dtype, copy=False), self.data_format,
                                                 where)
        out = self._center(x)
        return Tensor._from_op(image_ops.from_batched_last(out, self.data_format, unbatched), None)

    def _augment(self, images):
        _, h, w, _ = images.shape
        if h > self.height and w > self.width:
            top = int(self.rng.integers(0, h - self.height + 1))
            left = int(self.rng.integers(0, w - self.width + 1))
            return images[:, top:top + self.height, left:left + self.width].copy()
        return self._center(images)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis, w_axis = self._spatial_axes(len(shape))
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
