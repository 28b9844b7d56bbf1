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


def mask_array(mask, like=None):
    """A mask (Tensor, device array or host array-like) as an array: device masks stay where they are (no
    transfer); host ones become a NumPy array, copied to the device of ``like`` (the data the mask applies to)
    when that lives on a device, as Keras converts a NumPy mask to a tensor. Shapes: any -> same."""
    data = mask.data if isinstance(mask, Tensor) else mask
    if not backend.is_host(data):
        return data
    data = np.asarray(data)
    device = "cpu" if like is None else backend.device_of(like)
    return data if device == "cpu" else backend.to_device(data, device)


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
