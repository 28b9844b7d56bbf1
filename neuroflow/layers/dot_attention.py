"""Single-head attention without projections: ``Attention`` (Luong-style dot product, or ``'concat'`` scores)
and ``AdditiveAttention`` (Bahdanau-style), as Keras 3 defines them.

Called on a list ``[query, value]`` or ``[query, value, key]``; ``mask=[query_mask, value_mask]`` hides padded
value steps (weight 0) and zeroes the outputs of padded query steps; ``use_causal_mask=True`` lets query step
``i`` see value steps ``0..i`` only.
"""
from __future__ import annotations

from .. import _validate as check, ops, random as nf_random
from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from ..registry import register_builtin
from .base import Layer
from .masking import mask_array
from .multi_head_attention import causal_mask


def _as_bool(mask, like):
    return None if mask is None else mask_array(mask, like).astype(bool)


@register_builtin
class Attention(Layer):
    """Dot-product attention: ``softmax(scores(query, key)) @ value``.

    Shapes: query ``(B, Tq, dim)``, value ``(B, Tv, dim_v)``, key ``(B, Tv, dim)`` -> ``(B, Tq, dim_v)``;
    scores ``(B, Tq, Tv)`` with ``return_attention_scores=True``.

    Args: ``use_scale`` (a learned scalar multiplying the scores), ``score_mode`` (``'dot'``: ``q . k``;
    ``'concat'``: ``sum(tanh(q + k))`` times a learned scalar), ``dropout`` (on the attention weights, training
    only), ``seed``.
    """

    supports_masking = True

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        who = self._who = f"{type(self).__name__} {self.name!r}"
        self.use_scale = check.boolean(use_scale, who, "use_scale")
        self.score_mode = check.one_of(score_mode, who, "score_mode", ("dot", "concat"))
        self.dropout = check.probability(dropout, who, "dropout")
        self.seed = check.non_negative_int(seed, who, "seed", allow_none=True)
        if seed is not None:
            self._rng = nf_random.generator(seed)
        self._returning_scores = False

    def __call__(self, inputs, training=None, mask=None, return_attention_scores=False, use_causal_mask=False):
        self._check_inputs(inputs, mask)
        self._returning_scores = bool(return_attention_scores)
        try:
            return super().__call__(list(inputs), training=training, mask=None if mask is None else list(mask),
                                    return_attention_scores=bool(return_attention_scores),
                                    use_causal_mask=bool(use_causal_mask))
        finally:
            self._returning_scores = False

    def _check_inputs(self, inputs, mask):
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ConfigError(f"{self._who}: must be called on a list [query, value] or [query, value, key], got "
                              f"{check.describe(inputs)}")
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ConfigError(f"{self._who}: mask must be a list [query_mask, value_mask], got "
                              f"{check.describe(mask)}")

    def build(self, input_shape):
        query_shape, value_shape = tuple(input_shape[0]), tuple(input_shape[1])
        key_shape = tuple(input_shape[2]) if len(input_shape) > 2 else value_shape
        if key_shape[-2] != value_shape[-2] and None not in (key_shape[-2], value_shape[-2]):
            raise ShapeError(f"{self._who}: key {key_shape} and value {value_shape} must have the same number of "
                             f"steps")
        self.scale = self.add_weight("scale", (), "ones") if self.use_scale else None
        self.concat_score_weight = self.add_weight("concat_score_weight", (), "ones") \
            if self.score_mode == "concat" else None
        self.built = True

    def _scores(self, query, key):
        """``(B, Tq, Tv)`` attention logits."""
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores * self.scale if self.scale is not None else scores
        q, k = ops.expand_dims(query, -2), ops.expand_dims(key, -3)
        summed = q + k if self.scale is None else self.scale * (q + k)
        return self.concat_score_weight * ops.sum(ops.tanh(summed), axis=-1)

    def call(self, inputs, training=None, mask=None, return_attention_scores=False, use_causal_mask=False):
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = _as_bool(mask[0], query) if mask else None
        value_mask = _as_bool(mask[1], query) if mask else None
        scores = self._scores(query, key)
        keep = None if value_mask is None else value_mask[..., None, :]
        if use_causal_mask:
            causal = causal_mask(scores.shape[-2], scores.shape[-1], get_array_module(scores))
            keep = causal if keep is None else keep & causal
        if keep is not None:  # Keras subtracts 1e9 from hidden logits (not a replacement: the gradient flows on)
            scores = ops.where(keep, scores, scores - 1e9)
        weights = ops.softmax(scores, axis=-1)
        dropped = ops.dropout(weights, self.dropout, rng=self.rng) if training and self.dropout else weights
        out = ops.matmul(dropped, value)
        if query_mask is not None:
            out = ops.where(query_mask[..., None], out, 0.0)
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        return None if not mask else mask[0]

    def compute_output_shape(self, input_shape):
        query_shape, value_shape = tuple(input_shape[0]), tuple(input_shape[1])
        out = query_shape[:-1] + value_shape[-1:]
        if self._returning_scores:
            key_shape = tuple(input_shape[2]) if len(input_shape) > 2 else value_shape
            return [out, query_shape[:-1] + key_shape[-2:-1]]
        return out

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode,
                "dropout": self.dropout, "seed": self.seed}


@register_builtin
class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention: scores ``sum(scale * tanh(q + k), axis=-1)`` with a learned
    ``scale`` of shape ``(dim,)`` (``use_scale=True``, the default). Shapes: as :class:`Attention`.

    Args: ``use_scale``, ``dropout``, ``seed``.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        dim = tuple(input_shape[0])[-1]
        if dim is None:
            raise ShapeError(f"{self._who}: the query's last axis must be known, got {tuple(input_shape[0])}")
        self.scale = self.add_weight("scale", (dim,), "glorot_uniform") if self.use_scale else None
        self.concat_score_weight = None
        self.built = True

    def _scores(self, query, key):
        summed = ops.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))  # (B, Tq, Tv, dim)
        return ops.sum(summed * self.scale if self.scale is not None else summed, axis=-1)

    def get_config(self):
        config = super().get_config()
        config.pop("score_mode")
        return config


__all__ = ["Attention", "AdditiveAttention"]
