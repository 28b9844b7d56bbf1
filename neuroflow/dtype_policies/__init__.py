"""Keras 3's ``keras.dtype_policies`` and the global dtype policy (``keras.config.set_dtype_policy``).

A layer's policy decides the dtype of its weights (``variable_dtype``) and of its computation
(``compute_dtype``); under ``"mixed_float16"`` weights stay float32 and :mod:`.autocast` casts inputs and weights
to float16 at each call. A plain float policy (``"float32"``...) is ``floatx`` itself: setting one sets ``floatx``,
and without a mixed or quantized global policy the global policy follows ``floatx``.
"""
from __future__ import annotations

from .policy import (QUANTIZATION_MODES, AWQDTypePolicy, DTypePolicy, FloatDTypePolicy, GPTQDTypePolicy,
                     Int4DTypePolicy, QuantizedDTypePolicy, QuantizedFloat8DTypePolicy, deserialize, dtype_policy,
                     numpy_dtype, serialize, set_dtype_policy)
from .policy import resolve as get
from .policy_map import DTypePolicyMap

__all__ = ["DTypePolicy", "FloatDTypePolicy", "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy",
           "Int4DTypePolicy", "GPTQDTypePolicy", "AWQDTypePolicy", "DTypePolicyMap", "get", "serialize",
           "deserialize", "dtype_policy", "set_dtype_policy", "numpy_dtype", "QUANTIZATION_MODES"]
