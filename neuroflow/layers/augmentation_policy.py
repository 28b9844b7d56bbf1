"""Layers that compose augmentations: Pipeline (a list applied in order), RandAugment (Cubuk et al., 2020) and
AugMix (Hendrycks et al., 2020).

Shapes: images ``(batch, h, w, c)`` (channels_first, or one image) -> the same. RandAugment and AugMix pick
their operations once per batch (as Keras does); each operation then draws per-image parameters. They are
active unless ``training=False`` (Keras' default for a plain call is True) and draw everything from the layer's
own generator (``seed``).
"""
from __future__ import annotations

import numpy as np

from .. import _validate as check
from ..backend import get_array_module
from ..errors import ConfigError
from ..registry import register_builtin
from .augmentation import RandomContrast, RandomRotation, RandomTranslation, resolve_training
from .augmentation_color import RandomBrightness, RandomColorDegeneration
from .augmentation_data import _DataAugmentation, keras_factor, parse_value_range
from .augmentation_geometry import RandomShear
from .augmentation_tone import AutoContrast, Equalization, RandomPosterization, RandomSharpness, Solarization
from .base import Layer
from .serialization import deserialize_layer, serialize_layer


@register_builtin
class Pipeline(Layer):
    """Applies ``layers`` one after the other (Keras' ``layers.Pipeline``): a plain layer, not a model.

    ``training`` is passed on to every layer (None, a plain call, as True: Keras' default), so augmentations
    inside act unless ``training=False``. Dict inputs
    (``{"images": ..., "labels": ...}``) flow through layers that take them. Args: ``layers`` (a list of
    layers), ``name``. Shapes: whatever the chain maps the input to.
    """

    def __init__(self, layers, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(layers, (list, tuple)) or not all(isinstance(l, Layer) for l in layers):
            raise ConfigError(f"Pipeline {self.name!r}: layers must be a list of layers, got {layers!r:.80}")
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True):
        training = resolve_training(training)
        for layer in self._pipeline_layers:
            inputs = layer(inputs, training=training)
        return inputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self):
        return {**super().get_config(), "layers": [serialize_layer(l) for l in self._pipeline_layers]}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        layers = config.pop("layers", None)
        if not isinstance(layers, list):
            raise ConfigError(f"Pipeline: the config needs 'layers', a list of serialized layers, got {layers!r:.80}")
        return cls([deserialize_layer(entry) for entry in layers], **config)


class _Policy(_DataAugmentation):
    """Holds the pool of operations (Keras' choice and order), named after the layer so a saved model finds
    them again; they draw from this layer's generator."""

    def __init__(self, value_range, factor, interpolation, seed, data_format, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        where = f"{type(self).__name__} {self.name!r}"
        self.value_range = parse_value_range(value_range, where)
        self.factor = keras_factor(factor, "factor", where)
        self.interpolation = interpolation
        f, vr, n = list(self.factor), list(self.value_range), self.name
        self._ops = {
            "random_shear": RandomShear(f, f, interpolation=interpolation, name=f"{n}_shear"),
            "random_translation": RandomTranslation(f, f, interpolation=interpolation, name=f"{n}_translation"),
            "random_rotation": RandomRotation(f, interpolation=interpolation, name=f"{n}_rotation"),
            "random_posterization": RandomPosterization(max(1, int(8 * self.factor[1])), vr, name=f"{n}_posterize"),
            "solarization": Solarization(f, f, vr, name=f"{n}_solarization"),
            "auto_contrast": AutoContrast(vr, name=f"{n}_auto_contrast"),
            "equalization": Equalization(vr, name=f"{n}_equalization"),
            "random_brightness": RandomBrightness(f, vr, name=f"{n}_brightness"),
            "random_color_degeneration": RandomColorDegeneration(f, vr, name=f"{n}_color_degeneration"),
            "random_contrast": RandomContrast(f, vr, name=f"{n}_contrast"),
            "random_sharpness": RandomSharpness(f, vr, name=f"{n}_sharpness"),
        }

    def _apply(self, key, images):
        op = self._ops[key]
        op._rng = self.rng
        return op._augment(images)

    def get_config(self):
        return {**super().get_config(), "value_range": list(self.value_range), "factor": list(self.factor),
                "interpolation": self.interpolation}


@register_builtin
class RandAugment(_Policy):
    """Applies ``num_ops`` operations drawn (with replacement) from 11 — shear, translation, rotation,
    brightness, colour degeneration, contrast, sharpness, posterization, solarization, auto-contrast,
    equalization — each at strength ``factor``.

    Args: ``value_range``, ``num_ops`` (default 2), ``factor`` in [0, 1] (default 0.5 -> ``[0, 0.5]``),
    ``interpolation``, ``seed``, ``data_format``.
    """

    _ORDER = ("random_shear", "random_translation", "random_rotation", "random_brightness",
              "random_color_degeneration", "random_contrast", "random_sharpness", "random_posterization",
              "solarization", "auto_contrast", "equalization")

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(value_range, factor, interpolation, seed, data_format, **kwargs)
        self.num_ops = check.non_negative_int(num_ops, f"RandAugment {self.name!r}", "num_ops")

    def _augment(self, images):
        for i in self.rng.integers(0, len(self._ORDER), size=self.num_ops):
            images = self._apply(self._ORDER[i], images)
        return images

    def get_config(self):
        return {**super().get_config(), "num_ops": self.num_ops}


@register_builtin
class AugMix(_Policy):
    """Mixes ``num_chains`` chains of up to ``chain_depth`` random operations (each step may be skipped) with
    Dirichlet(alpha) weights, then blends the mix with the original by a Beta(alpha, alpha) weight; clipped to
    ``value_range``.

    Args: ``value_range``, ``num_chains`` (3), ``chain_depth`` (3), ``factor`` (0.3 -> ``[0, 0.3]``), ``alpha``
    (1.0), ``all_ops`` (True: also brightness, colour degeneration, contrast, sharpness), ``interpolation``,
    ``seed``, ``data_format``.
    """

    _SOME = ("random_shear", "random_translation", "random_rotation", "random_posterization", "solarization",
             "auto_contrast", "equalization")
    _ALL = _SOME + ("random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness")

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(value_range, factor, interpolation, seed, data_format, **kwargs)
        where = f"AugMix {self.name!r}"
        self.num_chains = check.positive_int(num_chains, where, "num_chains")
        self.chain_depth = check.non_negative_int(chain_depth, where, "chain_depth")
        self.alpha = check.finite_float(alpha, where, "alpha", low=0.0, low_open=True)
        self.all_ops = check.boolean(all_ops, where, "all_ops")

    def _augment(self, images):
        pool = self._ALL if self.all_ops else self._SOME
        xp = get_array_module(images)
        # The chain weights and the blend are scalars per batch (Keras draws them so): NumPy scalars from the host
        # generator, multiplied into device arrays without a transfer; the operation picks steer Python code.
        weights = self.rng.dirichlet([self.alpha] * self.num_chains).astype(images.dtype)
        keep = np.float32(self.rng.beta(self.alpha, self.alpha))
        mixed = xp.zeros_like(images)
        for weight in weights:
            chain = images
            for pick in self.rng.integers(0, len(pool) + 1, size=self.chain_depth):
                if pick < len(pool):  # the extra index is Keras' "no operation" step
                    chain = self._apply(pool[pick], chain)
            mixed += chain * weight
        return xp.clip(keep * images + (1 - keep) * mixed, *self.value_range).astype(images.dtype)

    def get_config(self):
        return {**super().get_config(), "num_chains": self.num_chains, "chain_depth": self.chain_depth,
                "alpha": self.alpha, "all_ops": self.all_ops}
