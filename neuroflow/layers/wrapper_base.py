"""``Wrapper`` (Keras' base class of layers holding one layer) and ``SpectralNormalization``, which keeps the
wrapped layer's kernel at spectral norm 1 (Miyato et al. 2018) by power iteration."""
from __future__ import annotations

import numpy as np

from .. import _validate as check, initializers as nf_initializers
from ..autograd.function import no_grad
from ..backend import get_array_module, is_host
from ..errors import ShapeError
from ..registry import register_builtin
from .base import Layer
from .serialization import deserialize_layer, serialize_layer


@register_builtin
class Wrapper(Layer):
    """A layer holding another ``layer``: builds it on first use and saves it inside its own config.
    Subclasses define ``call``. Shapes: the wrapped layer's."""

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise check.ArgumentTypeError(f"{type(self).__name__} {self.name!r}: layer must be a neuroflow Layer, "
                                          f"got {check.describe(layer)}")
        self.layer = layer

    def build(self, input_shape):
        self.layer._maybe_build(input_shape)
        self.built = True

    def call(self, inputs, training=None):
        return self.layer(inputs, training=training)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(deserialize_layer(config.pop("layer")), **config)


def _unit(v):
    """``v`` over its L2 norm (floored at 1e-12); on a device the norm is not read back."""
    if is_host(v):
        return v / max(float(np.sqrt(np.sum(v * v))), 1e-12)
    xp = get_array_module(v)
    return v / xp.maximum(xp.sqrt(xp.sum(v * v)), 1e-12).astype(v.dtype)


@register_builtin
class SpectralNormalization(Wrapper):
    """Divides the wrapped layer's ``kernel`` (or ``embeddings``) by its largest singular value, estimated by
    ``power_iterations`` steps of power iteration per training call (the vector ``vector_u`` carried between
    calls, a non-trainable weight). As in Keras the kernel is rescaled in place when ``training=True``;
    inference uses it as it stands, and so does a frozen wrapper (``trainable = False``; Keras rescales it anyway).

    Shapes: the wrapped layer's; ``vector_u`` ``(1, kernel.shape[-1])``. Args: ``layer``, ``power_iterations``
    (>= 1).
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        self.power_iterations = check.positive_int(power_iterations, f"SpectralNormalization {self.name!r}",
                                                   "power_iterations")

    def build(self, input_shape):
        super().build(input_shape)
        self._kernel_name = next((n for n in ("kernel", "embeddings") if getattr(self.layer, n, None) is not None),
                                 None)
        if self._kernel_name is None:
            raise ShapeError(f"SpectralNormalization {self.name!r}: the wrapped {type(self.layer).__name__} has "
                             f"neither a 'kernel' nor 'embeddings' weight to normalize")
        kernel = self._kernel
        self.vector_u = self.add_weight("vector_u", (1, kernel.shape[-1]), nf_initializers.TruncatedNormal(stddev=0.02),
                                        trainable=False, dtype=kernel.dtype)
        self.built = True

    @property
    def _kernel(self):
        """The wrapped layer's weight being normalized (read by name: held here it would count twice)."""
        return getattr(self.layer, self._kernel_name)

    def call(self, inputs, training=None):
        data = self._kernel.data
        # frozen, or an all-zero kernel: it stays as it is (on a device decided there, without a read)
        if training and self.trainable and (not is_host(data) or np.any(data != 0)):
            with no_grad():
                self._normalize()
        return self.layer(inputs, training=training)

    def _normalize(self):
        w = self._kernel.data.reshape(-1, self._kernel.shape[-1])
        u = self.vector_u.data
        for _ in range(self.power_iterations):
            v = _unit(u @ w.T)
            u = _unit(v @ w)
        kernel = self._kernel.data
        if is_host(w):
            sigma = float((v @ w @ u.T).item())
            self.vector_u.assign(u.astype(self.vector_u.dtype))
            self._kernel.assign((kernel / sigma).astype(self._kernel.dtype))
            return
        xp = get_array_module(w)
        nonzero = xp.any(w != 0)
        sigma = (v @ w @ u.T).reshape(())
        self.vector_u.assign(xp.where(nonzero, u, self.vector_u.data).astype(self.vector_u.dtype))
        self._kernel.assign(xp.where(nonzero, kernel / sigma, kernel).astype(self._kernel.dtype))

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}


__all__ = ["Wrapper", "SpectralNormalization"]
