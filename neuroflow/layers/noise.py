"""Noise layers for regularization: ``GaussianNoise`` (additive) and ``GaussianDropout`` (multiplicative).

Both are active only when ``training=True`` (inside ``fit``) and draw from the layer's own generator
(``self.rng``, seeded by ``seed`` or by neuroflow's root seed); at inference they return the inputs unchanged.
"""
from __future__ import annotations

import numpy as np

from .. import _validate as check, random as nf_random
from ..ops.fused import random_noise
from ..registry import register_builtin
from .base import Layer
from .kernel import IDENTITY, run


class _Noise(Layer):
    """Shared ``seed`` handling of the noise layers."""

    supports_masking = True  # a mask from an earlier layer passes through unchanged

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = check.non_negative_int(seed, f"{type(self).__name__} {self.name!r}", "seed", allow_none=True)
        if seed is not None:
            self._rng = nf_random.generator(seed)

    def _noisy(self, inputs, kind, rate):
        """The inputs with noise drawn from this layer's generator inside one graph node (a compiled step redraws
        it), in the inputs' float dtype."""
        dtype = inputs.dtype if inputs.dtype.kind == "f" else np.dtype(self.dtype)
        return random_noise(inputs, kind, rate, self.rng, dtype=dtype)

    def _forward_kernel(self, input_shape, dtype):
        return IDENTITY  # every noise layer passes its inputs through at inference

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


@register_builtin
class GaussianNoise(_Noise):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` while training.

    Shapes: any -> same. Args: ``stddev`` (>= 0), ``seed``.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = check.non_negative_float(stddev, f"GaussianNoise {self.name!r}", "stddev")

    def call(self, inputs, training=None):
        if training and self.stddev:
            return self._noisy(inputs, "gaussian_noise", self.stddev)
        return run(self, inputs)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


@register_builtin
class GaussianDropout(_Noise):
    """Multiplies the inputs by Gaussian noise of mean 1 and standard deviation ``sqrt(rate / (1 - rate))``
    while training (the variance of inverted dropout with drop probability ``rate``).

    Shapes: any -> same. Args: ``rate`` in [0, 1), ``seed``.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check.probability(rate, f"GaussianDropout {self.name!r}", "rate")

    def call(self, inputs, training=None):
        if training and self.rate:
            return self._noisy(inputs, "gaussian_dropout", self.rate)
        return run(self, inputs)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
