"""``ReversibleEmbedding`` (Keras 3): an ``Embedding`` that also maps vectors back to logits over the vocabulary,
with the embedding table itself (tied weights, as language models share their input and output embeddings) or a
separate ``reverse_embeddings`` table."""
from __future__ import annotations

from .. import _validate as check, ops
from ..registry import register_builtin
from . import lora
from .embedding import Embedding


@register_builtin
class ReversibleEmbedding(Embedding):
    """``layer(ids)``: ids (batch, ...) -> (batch, ..., output_dim), as ``Embedding``;
    ``layer(x, reverse=True)``: x (batch, ..., output_dim) -> logits (batch, ..., input_dim) = ``x @ embeddings.T``
    (``tie_weights=True``) or ``x @ reverse_embeddings`` (``reverse_embeddings`` (output_dim, input_dim), made
    with ``embeddings_initializer``).

    Args (besides ``Embedding``'s): ``tie_weights`` (default True), ``reverse_dtype`` (None: the layer's dtype;
    else the dtype the reverse product is computed in), ``logit_soft_cap`` (None, or c > 0: logits become
    ``c * tanh(logits / c)``). The reverse call produces no mask. (With ``reverse_dtype='float64'`` the logits
    are float64; Keras' torch backend returns float32 there, its matmul computing in float32.)
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer, embeddings_constraint=embeddings_constraint,
                         mask_zero=mask_zero, **kwargs)
        who = f"ReversibleEmbedding {self.name!r}"
        self.tie_weights = check.boolean(tie_weights, who, "tie_weights")
        self.reverse_dtype = check.one_of(reverse_dtype, who, "reverse_dtype", ("float16", "bfloat16", "float32",
                                                                               "float64"), allow_none=True)
        self.logit_soft_cap = check.positive_float(logit_soft_cap, who, "logit_soft_cap", allow_none=True)
        self._reverse_call = False

    def build(self, input_shape):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight("reverse_embeddings", (self.output_dim, self.input_dim),
                                                      self.embeddings_initializer)
        self.built = True

    def __call__(self, inputs, *args, reverse=False, **kwargs):
        # compute_mask and compute_output_shape take no ``reverse``: they read it from the call in progress
        self._reverse_call = bool(reverse)
        try:
            return super().__call__(inputs, *args, reverse=reverse, **kwargs)
        finally:
            self._reverse_call = False

    def _looks_up(self) -> bool:
        return not self._reverse_call

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        kernel = ops.transpose(lora.weight(self)) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs, kernel = ops.cast(inputs, self.reverse_dtype), ops.cast(kernel, self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = ops.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs, mask=None):
        return None if self._reverse_call else super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse or self._reverse_call:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return super().compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                "logit_soft_cap": self.logit_soft_cap}


__all__ = ["ReversibleEmbedding"]
