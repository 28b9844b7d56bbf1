"""The composition function of recursive neural networks over trees (Socher et al., 2013): a parent vector from
its two children, with a tensor (bilinear) term — the RNTN — or without it — the plain recursive net."""
from __future__ import annotations

from .. import _validate as check, activations as nf_activations, ops
from ..registry import register_builtin
from .base import Layer


@register_builtin
class TreeComposition(Layer):
    """``p = f([a; b]^T V [a; b] + W [a; b] + bias)`` for children ``a``, ``b`` (Socher et al.'s RNTN; with
    ``use_tensor=False`` the tensor term is dropped: the plain recursive network).

    Call it on ``[left, right]``. Shapes: left, right ``(n, units)`` -> ``(n, units)``. Weights: ``kernel``
    ``(2 units, units)``, ``bias`` ``(units,)``, ``tensor`` ``(units, 2 units, 2 units)`` (one bilinear form per
    output unit).
    """

    def __init__(self, units, use_tensor=True, activation="tanh", kernel_initializer="glorot_uniform",
                 tensor_initializer="glorot_uniform", tensor_scale=0.01, **kwargs):
        super().__init__(**kwargs)
        who = f"TreeComposition {self.name!r}"
        self.units = check.positive_int(units, who, "units")
        self.use_tensor = check.boolean(use_tensor, who, "use_tensor")
        self.activation = check.resolved(nf_activations.get, activation, who, "activation")
        self._act_name = nf_activations.serialize(self.activation)
        self.kernel_initializer, self.tensor_initializer = kernel_initializer, tensor_initializer
        self.tensor_scale = check.non_negative_float(tensor_scale, who, "tensor_scale")

    def build(self, input_shape):
        d = self.units
        self.kernel = self.add_weight("kernel", (2 * d, d), initializer=self.kernel_initializer)
        self.bias = self.add_weight("bias", (d,), initializer="zeros")
        if self.use_tensor:
            self.tensor = self.add_weight("tensor", (d, 2 * d, 2 * d), initializer=self.tensor_initializer)
            self.tensor.data *= self.tensor_scale  # Socher's small start: the net begins near the plain RNN
        self.built = True

    def call(self, inputs):
        left, right = inputs
        x = ops.concatenate([left, right], axis=-1)  # (n, 2 units)
        h = ops.matmul(x, self.kernel) + self.bias
        if self.use_tensor:
            h = h + ops.einsum("ni,kij,nj->nk", x, self.tensor, x)
        return self.activation(h)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "use_tensor": self.use_tensor,
                "activation": self._act_name, "kernel_initializer": self.kernel_initializer,
                "tensor_initializer": self.tensor_initializer, "tensor_scale": self.tensor_scale}
