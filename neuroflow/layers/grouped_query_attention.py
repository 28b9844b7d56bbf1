"""``GroupQueryAttention`` (Keras' GroupedQueryAttention; Ainslie et al. 2023): multi-head attention whose
``num_query_heads`` query heads share ``num_key_value_heads`` key/value heads, in groups — Keras 3's layer and weight layout (query kernel
``(dim, num_query_heads, head_dim)``, key/value ``(dim, num_key_value_heads, head_dim)``, output
``(num_query_heads, head_dim, dim)``)."""
from __future__ import annotations

from .. import _validate as check
from ..errors import ConfigError
from ..registry import register_builtin
from .multi_head_attention import MultiHeadAttention


@register_builtin
class GroupQueryAttention(MultiHeadAttention):
    """Grouped-query attention. Call and masks as :class:`MultiHeadAttention` (``layer(query, value, key=None,
    ..., use_causal_mask=False)``).

    Shapes: query ``(B, T, dim)``, value/key ``(B, S, dim_v)`` -> ``(B, T, dim)``; scores ``(B,
    num_query_heads, T, S)``. Args: ``head_dim``, ``num_query_heads``, ``num_key_value_heads`` (divides
    ``num_query_heads``), ``dropout``, ``use_bias``, ``sliding_window`` and ``use_gate`` (as MultiHeadAttention),
    kernel/bias initializers, regularizers, constraints, ``seed``.
    """

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        super().__init__(num_heads=num_query_heads, key_dim=head_dim, dropout=dropout, use_bias=use_bias,
                         sliding_window=sliding_window, use_gate=use_gate, flash_attention=flash_attention,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, seed=seed, **kwargs)
        kv = check.positive_int(num_key_value_heads, self._who, "num_key_value_heads")
        if self.num_heads % kv:
            raise ConfigError(f"{self._who}: num_query_heads ({self.num_heads}) must be a multiple of "
                              f"num_key_value_heads ({kv})")
        self._kv_heads = kv

    @property
    def head_dim(self):
        return self.key_dim

    @property
    def num_query_heads(self):
        return self.num_heads

    @property
    def num_key_value_heads(self):
        return self._kv_heads

    def get_config(self):
        config = super().get_config()  # MultiHeadAttention's, its head arguments renamed to Keras' GQA ones
        for key in ("num_heads", "key_dim", "value_dim", "output_shape", "attention_axes"):
            config.pop(key)
        return {**config, "head_dim": self.key_dim, "num_query_heads": self.num_heads,
                "num_key_value_heads": self._kv_heads}


__all__ = ["GroupQueryAttention"]
