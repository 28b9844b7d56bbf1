"""Keras 3's ``keras.mixed_precision``: the legacy names of the dtype policy API, and ``LossScaleOptimizer``.

``set_global_policy("mixed_float16")`` makes layers created afterwards keep float32 weights and compute in float16
(:mod:`neuroflow.dtype_policies`); ``compile`` then wraps the optimizer in a :class:`LossScaleOptimizer`.
"""
from __future__ import annotations

from .dtype_policies import DTypePolicy, dtype_policy, set_dtype_policy
from .optimizers.loss_scale import LossScaleOptimizer

#: Keras' legacy aliases.
Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "Policy", "LossScaleOptimizer", "dtype_policy", "global_policy", "set_dtype_policy",
           "set_global_policy"]
