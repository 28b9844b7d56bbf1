"""Dropout variants: ``AlphaDropout`` (keeps a SELU network's mean and variance) and ``SpatialDropout1D/2D/3D``
(drops whole feature maps). All are active only when ``training=True`` and draw from the layer's generator.
"""
from __future__ import annotations

import numpy as np

from .. import _validate as check, backend, ops, random as nf_random
from ..errors import ShapeError
from ..ops.fused import random_noise
from ..registry import register_builtin
from .base import Layer
from .kernel import IDENTITY, run


class _Dropping(Layer):
    """Shared ``rate``/``seed`` handling; the identity at inference."""

    supports_masking = True

    def __init__(self, rate, seed=None, inclusive_rate=False, **kwargs):
        super().__init__(**kwargs)
        who = f"{type(self).__name__} {self.name!r}"
        self.rate = check.probability(rate, who, "rate", inclusive_high=inclusive_rate)
        self.seed = check.non_negative_int(seed, who, "seed", allow_none=True)
        if seed is not None:
            self._rng = nf_random.generator(seed)

    def _forward_kernel(self, input_shape, dtype):
        return IDENTITY

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


@register_builtin
class AlphaDropout(_Dropping):
    """Dropout for self-normalizing (SELU) networks: a dropped unit takes SELU's saturation value
    ``-scale * alpha``, then an affine map ``a * x + b`` restores the input's mean and variance.

    Shapes: any -> same. Args: ``rate`` in [0, 1], ``noise_shape`` (None entries take the input's size),
    ``seed``.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, inclusive_rate=True, **kwargs)
        if noise_shape is not None and not isinstance(noise_shape, (tuple, list)):
            raise check.ArgumentTypeError(f"AlphaDropout {self.name!r}: noise_shape must be a tuple or None, got "
                                          f"{check.describe(noise_shape)}")
        self.noise_shape = None if noise_shape is None else list(noise_shape)

    def call(self, inputs, training=None):
        if not (training and self.rate > 0):
            return run(self, inputs)
        shape = tuple(inputs.shape) if self.noise_shape is None else tuple(
            inputs.shape[i] if n is None else n for i, n in enumerate(self.noise_shape))
        dtype = inputs.dtype if inputs.dtype.kind == "f" else np.dtype(self.dtype)
        return random_noise(inputs, "alpha_dropout", self.rate, self.rng, noise_shape=shape, dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}


class _SpatialDropout(_Dropping):
    """Dropout with one mask value per (sample, channel), shared over the spatial axes."""

    rank = 1  # spatial axes

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        who = f"{type(self).__name__} {self.name!r}"
        self.data_format = check.one_of(data_format or backend.image_data_format(), who, "data_format",
                                        ("channels_last", "channels_first"))

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ShapeError(f"{type(self).__name__} {self.name!r}: expected inputs of rank {self.rank + 2} "
                             f"(batch, {self.rank} spatial axes, channels), got shape {tuple(input_shape)}")
        self.built = True

    def call(self, inputs, training=None):
        if not (training and self.rate > 0):
            return run(self, inputs)
        shape = list(inputs.shape)
        spatial = range(2, inputs.ndim) if self.data_format == "channels_first" else range(1, inputs.ndim - 1)
        for axis in spatial:
            shape[axis] = 1
        return ops.dropout(inputs, self.rate, rng=self.rng, noise_shape=tuple(shape))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "data_format": self.data_format}


@register_builtin
class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of a sequence. Shapes: ``(batch, steps, channels)`` -> same. Args: ``rate`` in
    [0, 1), ``seed``."""

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        kwargs.pop("data_format", None)  # a sequence is always (batch, steps, channels), as in Keras
        super().__init__(rate, data_format="channels_last", seed=seed, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        return config


@register_builtin
class SpatialDropout2D(_SpatialDropout):
    """Drops whole feature maps. Shapes: ``(batch, rows, cols, channels)`` (or channels first) -> same.
    Args: ``rate`` in [0, 1), ``data_format``, ``seed``."""

    rank = 2


@register_builtin
class SpatialDropout3D(_SpatialDropout):
    """Drops whole feature volumes. Shapes: ``(batch, d1, d2, d3, channels)`` (or channels first) -> same.
    Args: ``rate`` in [0, 1), ``data_format``, ``seed``."""

    rank = 3


__all__ = ["AlphaDropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]
