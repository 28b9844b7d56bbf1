"""``Masking``: marks the time steps whose features all equal ``mask_value`` as padding for later layers."""
from __future__ import annotations

import numpy as np

from .. import _validate as check
from .. import ops
from .. import backend
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from ..registry import register_builtin
from .base import Layer


def mask_array(mask):
    """A mask (Tensor, device array or host array-like) as an array on its own device: device masks stay where they
    are (no transfer), anything else becomes a NumPy array. Shapes: any -> same."""
    data = mask.data if isinstance(mask, Tensor) else mask
    return data if not backend.is_host(data) else np.asarray(data)


@register_builtin
class Masking(Layer):
    """Skip padded time steps: a step is masked when every feature equals ``mask_value``.

    Shapes: (batch, timesteps, features) -> same, with the masked steps set to 0 (as Keras does);
    :meth:`compute_mask` gives the bool mask (batch, timesteps) that recurrent layers consume (``mask=``).
    """

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = check.finite_float(mask_value, f"Masking {self.name!r}", "mask_value")

    def _keep(self, inputs, keepdims):
        data = inputs.data if isinstance(inputs, Tensor) else inputs
        if data.ndim < 2:
            raise ShapeError(f"Masking {self.name!r}: expects inputs of shape (batch, timesteps, features), got "
                             f"{data.shape}")
        return (data != self.mask_value).any(axis=-1, keepdims=keepdims)

    def call(self, inputs):
        keep = self._keep(inputs, keepdims=True)
        return ops.multiply(inputs, keep.astype(inputs.dtype))

    def compute_mask(self, inputs, mask=None):
        """bool (batch, timesteps): True where some feature differs from ``mask_value``."""
        return self._keep(inputs, keepdims=False)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


__all__ = ["Masking"]
