"""A layer's dtype policy (Keras 3's ``dtype_policy``, ``compute_dtype``, ``variable_dtype``, ``quantize``), as a
base class of ``Layer``; what a policy does at a call is :mod:`neuroflow.dtype_policies.autocast`, int8
quantization :mod:`.quantized`."""
from __future__ import annotations

from ..dtype_policies import autocast as policy_autocast
from ..errors import ConfigError


class DTypePolicyParts:
    """The dtype-policy properties every layer has. ``Layer.__init__`` sets ``dtype_policy`` from ``dtype=``."""

    @property
    def dtype_policy(self):
        """This layer's :class:`~neuroflow.dtype_policies.DTypePolicy`; ``dtype`` is its ``variable_dtype``."""
        return self.__dict__["_dtype_policy"]

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = policy_autocast.layer_policy(value, f"{type(self).__name__} {self.name!r}")
        self.__dict__["_dtype_policy"] = policy
        self.__dict__["_policy_acts"] = policy_autocast.acts(policy)  # read on every call
        self.dtype = policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype this layer's call computes in (float16 under ``"mixed_float16"``)."""
        return self.dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype this layer's weights are stored in."""
        return self.dtype_policy.variable_dtype

    @property
    def quantization_mode(self):
        """``None``, or ``'int8'``... once :meth:`quantize` ran (or the layer was made with a quantized policy)."""
        return self.dtype_policy.quantization_mode

    def quantize(self, mode=None, type_check=True, config=None) -> None:
        """Quantize every quantizable layer inside this one (Dense, EinsumDense, Embedding: those defining
        ``quantized_call``) to ``mode`` (``"int8"``), as Keras' ``Model.quantize``; see
        :mod:`neuroflow.layers.quantized`. With ``type_check``, subclasses of those are left alone."""
        inner = [layer for layer in self._flatten_layers()[1:] if hasattr(layer, "quantized_call")
                 and not layer.__dict__.get("_is_quantized") and (not type_check or type(layer).__name__ in
                                                                  ("Dense", "EinsumDense", "Embedding"))]
        if not inner:
            raise ConfigError(f"{type(self).__name__} {self.name!r}: nothing to quantize; quantize() applies to "
                              f"Dense, EinsumDense and Embedding layers and to models holding them")
        for layer in inner:
            layer.quantize(mode, type_check=type_check, config=config)
