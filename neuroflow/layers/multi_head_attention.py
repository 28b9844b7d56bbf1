"""``MultiHeadAttention`` (Keras 3's layer, its weight layout included, so that weights copied from Keras with
``set_weights`` give the same outputs).

The query, key and value are projected by :class:`EinsumDense` layers to ``(batch, T..., heads, dim)`` (kernels
``(features, heads, key_dim)``), attention runs over ``attention_axes`` (the sequence axis by default), and an
output EinsumDense (kernel ``(heads, value_dim, features)``) maps the heads back. Masks: ``query_mask``,
``value_mask``, ``key_mask`` (from ``Embedding(mask_zero=True)`` in a model, or given), ``attention_mask``
``(batch, T, S)`` and ``use_causal_mask``; positions masked out get weight 0.
"""
from __future__ import annotations

import math
import string

from .. import _validate as check
from .. import constraints as nf_constraints, initializers as nf_initializers, ops
from .. import backend, random as nf_random, regularizers as nf_regularizers
from ..errors import ConfigError, ShapeError
from ..registry import register_builtin
from .activation_layers import masked_softmax
from .base import Layer
from .masking import mask_array
from .einsum_dense import EinsumDense


def projection_equation(free_dims: int, bound_dims: int, output_dims: int):
    """``(equation, bias_axes)`` of a projection keeping ``free_dims`` leading axes, contracting ``bound_dims``
    and producing ``output_dims`` new ones: ``(2, 1, 2)`` is ``'abc,cde->abde'``, ``'de'``."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    new = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{new}->{free}{new}", new


def attention_equations(rank: int, attention_axes: tuple):
    """``(scores equation (key, query -> scores), combine equation (scores, value -> output), scores rank)`` for
    projected tensors of ``rank`` axes ``(batch, T..., heads, dim)`` attending over ``attention_axes``."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch_axes = [i for i in range(rank) if i not in attention_axes and i != rank - 1]
    extra = iter(letters[rank:])
    source = "".join(target[i] if (i in batch_axes or i == rank - 1) else next(extra) for i in range(rank))
    product = "".join([target[i] for i in batch_axes] + [target[i] for i in attention_axes]
                      + [source[i] for i in attention_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def causal_mask(t: int, s: int, xp=None):
    """``(1, t, s)`` bool: query step i sees key steps 0..i; made with ``xp`` (default: the current device's)."""
    xp = backend.xp if xp is None else xp
    return xp.tril(xp.ones((t, s), dtype=bool))[None]


def _mask_array(mask, like):
    return None if mask is None else mask_array(mask, like).astype(bool)


@register_builtin
class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al. 2017), as ``keras.layers.MultiHeadAttention``.

    Call: ``layer(query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
    return_attention_scores=False, training=None, use_causal_mask=False)``.

    Shapes: query ``(B, T, dim_q)``, value ``(B, S, dim_v)``, key ``(B, S, dim_k)`` (more sequence axes with
    ``attention_axes``) -> ``(B, T, dim_q)`` (or ``(B, T) + output_shape``); scores ``(B, heads, T, S)``.

    Args: ``num_heads``, ``key_dim``, ``value_dim`` (default key_dim), ``dropout`` (on the attention weights,
    training only), ``use_bias``, ``output_shape``, ``attention_axes``, ``sliding_window`` (a positive int: each
    query position sees only keys fewer than ``sliding_window`` positions away, ``|t - s| < sliding_window``;
    combines with ``use_causal_mask``), kernel/bias initializers, regularizers and constraints, ``use_gate``
    (Keras' gated attention: a sigmoid projection ``gate`` of the query, ``(B, T, heads, value_dim)``, multiplies
    the attention output before the output projection), ``seed``.
    """

    supports_masking = True

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        who = self._who = f"{type(self).__name__} {self.name!r}"
        self.num_heads = check.positive_int(num_heads, who, "num_heads")
        self.key_dim = check.positive_int(key_dim, who, "key_dim")
        self.value_dim = check.positive_int(value_dim, who, "value_dim", allow_none=True) or self.key_dim
        self.dropout = check.probability(dropout, who, "dropout")
        self.use_bias = check.boolean(use_bias, who, "use_bias")
        self.sliding_window = check.positive_int(sliding_window, who, "sliding_window", allow_none=True)
        self.use_gate = check.boolean(use_gate, who, "use_gate")
        if flash_attention:
            raise ConfigError(f"{who}: flash_attention is not available on neuroflow's CPU backend; use None")
        if check.is_int(output_shape):
            output_shape = (output_shape,)
        self._output_shape = None if not output_shape else check.shape_tuple(output_shape, who, "output_shape",
                                                                             allow_none_dims=False)
        if check.is_int(attention_axes):
            attention_axes = (attention_axes,)
        if attention_axes is not None and (not isinstance(attention_axes, (list, tuple)) or
                                           not all(check.is_int(a) for a in attention_axes)):
            raise check.ArgumentTypeError(f"{who}: attention_axes must be an int, a tuple of ints or None, got "
                                          f"{check.describe(attention_axes)}")
        self.attention_axes = None if attention_axes is None else tuple(int(a) for a in attention_axes)
        self.kernel_initializer = check.resolved(nf_initializers.get, kernel_initializer, who, "kernel_initializer")
        self.bias_initializer = check.resolved(nf_initializers.get, bias_initializer, who, "bias_initializer")
        self.kernel_regularizer = nf_regularizers.get(kernel_regularizer)
        self.bias_regularizer = nf_regularizers.get(bias_regularizer)
        self._activity_regularizer = nf_regularizers.get(activity_regularizer)
        self.kernel_constraint = nf_constraints.get(kernel_constraint)
        self.bias_constraint = nf_constraints.get(bias_constraint)
        self.seed = check.non_negative_int(seed, who, "seed", allow_none=True)
        if seed is not None:
            self._rng = nf_random.generator(seed)
        self._returning_scores = False
        self._kv_heads = self.num_heads  # GroupedQueryAttention: fewer key/value heads, each serving a group

    # --- calling: Keras' (query, value, key) signature over the base class's one list of inputs ------------------
    def __call__(self, query, value=None, key=None, query_mask=None, value_mask=None, key_mask=None,
                 attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False,
                 mask=None):
        if value is None and isinstance(query, (list, tuple)):  # a functional model replays the call with a list
            query, value, key = (list(query) + [None])[:3]
        if value is None:
            raise ConfigError(f"{self._who}: needs a query and a value: layer(query, value) (key defaults to value)")
        inputs = [query, value] + ([key] if key is not None else [])
        if mask is not None:  # masks a model carries from Embedding(mask_zero=True) / Masking
            masks = list(mask) + [None] * 3
            query_mask = query_mask if query_mask is not None else masks[0]
            value_mask = value_mask if value_mask is not None else masks[1]
            key_mask = key_mask if key_mask is not None else masks[2]
        self._returning_scores = bool(return_attention_scores)
        try:
            return super().__call__(inputs, training=training, query_mask=query_mask, value_mask=value_mask,
                                    key_mask=key_mask, attention_mask=attention_mask,
                                    return_attention_scores=bool(return_attention_scores),
                                    use_causal_mask=bool(use_causal_mask))
        finally:
            self._returning_scores = False

    def build(self, input_shape):
        query_shape, value_shape = tuple(input_shape[0]), tuple(input_shape[1])
        key_shape = tuple(input_shape[2]) if len(input_shape) > 2 else value_shape
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ShapeError(f"{self._who}: value {value_shape} and key {key_shape} must agree on every axis but "
                             f"the last")
        if len(query_shape) != len(value_shape):
            raise ShapeError(f"{self._who}: query {query_shape} and value {value_shape} must have the same rank")
        common = dict(kernel_initializer=self.kernel_initializer, bias_initializer=self.bias_initializer,
                      kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
                      kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint, dtype=self.dtype)
        rank = len(query_shape)

        def projection(name, shape, dim, heads=self.num_heads, activation=None):
            equation, bias_axes = projection_equation(rank - 1, 1, 2)
            layer = EinsumDense(equation, [None] * (rank - 2) + [heads, dim], name=name, activation=activation,
                                bias_axes=bias_axes if self.use_bias else None, **common)
            layer.build(shape)
            return layer

        self._query_dense = projection("query", query_shape, self.key_dim)
        self._key_dense = projection("key", key_shape, self.key_dim, self._kv_heads)
        if self.use_gate:  # Keras builds it between key and value: its weights sit there in the layer's order
            self._gate_dense = projection("gate", query_shape, self.value_dim, activation="sigmoid")
        self._value_dense = projection("value", value_shape, self.value_dim, self._kv_heads)
        out_dims = self._output_shape or (query_shape[-1],)
        equation, bias_axes = projection_equation(rank - 1, 2, len(out_dims))
        self._output_dense = EinsumDense(equation, [None] * (rank - 2) + list(out_dims), name="attention_output",
                                         bias_axes=bias_axes if self.use_bias else None, **common)
        self._output_dense.build(tuple(query_shape[:-1]) + (self.num_heads, self.value_dim))
        for sub in self._sublayers():
            for v in sub.weights:  # weight paths under this layer's name, as in Keras' files
                v.path = f"{self.name}/{v.path}"
        projected_rank = rank + 1
        axes = self.attention_axes if self.attention_axes is not None else tuple(range(1, projected_rank - 2))
        self._axes = tuple(a if a >= 0 else projected_rank - 1 + a for a in axes)
        if any(not 1 <= a <= projected_rank - 3 for a in self._axes):
            raise ShapeError(f"{self._who}: attention_axes {self.attention_axes} must name sequence axes of the "
                             f"query {query_shape} (1..{rank - 2})")
        self._scores_eq, self._combine_eq, scores_rank = attention_equations(projected_rank, self._axes)
        self._norm_axes = list(range(scores_rank - len(self._axes), scores_rank))
        self._standard = projected_rank == 4 and self._axes == (1,)
        self.built = True

    def call(self, inputs, training=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, use_causal_mask=False):
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
        q = self._query_dense(query) * (1.0 / math.sqrt(self.key_dim))
        k, v = self._key_dense(key), self._value_dense(value)
        if self._kv_heads != self.num_heads:  # grouped heads: key/value head j serves query heads of group j
            k, v = (ops.repeat(t, self.num_heads // self._kv_heads, axis=-2) for t in (k, v))
        if self._standard:  # (B, T, N, H): batched matmuls over (B, N), BLAS speed
            scores = ops.matmul(ops.transpose(q, (0, 2, 1, 3)), ops.transpose(k, (0, 2, 3, 1)))  # (B, N, T, S)
        else:
            scores = ops.einsum(self._scores_eq, k, q)
        if mask is not None:  # (B, T, S) -> (B, 1, T, S): one mask for every head
            for _ in range(scores.ndim - mask.ndim):
                mask = backend.get_array_module(mask).expand_dims(mask, -2 * len(self._axes) - 1)
        # Keras' own two paths differ for a query that sees nothing: its fused path (no dropout, no scores
        # returned, one sequence axis) spreads the weights evenly, its einsum path gives zeros. Both followed.
        fused = self._standard and not self.dropout and not return_attention_scores
        weights = masked_softmax(scores, self._norm_axes, mask, self._who, zero_masked=not fused)
        dropped = ops.dropout(weights, self.dropout, rng=self.rng) if training and self.dropout else weights
        if self._standard:
            out = ops.transpose(ops.matmul(dropped, ops.transpose(v, (0, 2, 1, 3))), (0, 2, 1, 3))
        else:
            out = ops.einsum(self._combine_eq, dropped, v)
        if self.use_gate:
            out = out * self._gate_dense(query)
        out = self._output_dense(out)
        return (out, weights) if return_attention_scores else out

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask):
        """The combined bool mask ``(B or 1, T, S)`` (None when nothing is masked)."""
        mask = None

        def both(a, b):
            return b if a is None else a & b
        if query_mask is not None:
            mask = _mask_array(query_mask, query)[..., None]
        for m in (value_mask, key_mask):
            if m is not None:
                mask = both(mask, _mask_array(m, query)[..., None, :])
        xp = backend.get_array_module(query)
        if use_causal_mask:
            mask = both(mask, causal_mask(query.shape[1], value.shape[1], xp))
        if self.sliding_window is not None:  # a band |t - s| < sliding_window, (1, T, S)
            t, s = xp.arange(query.shape[1])[:, None], xp.arange(value.shape[1])[None, :]
            mask = both(mask, (abs(t - s) < self.sliding_window)[None])
        if attention_mask is not None:
            mask = both(mask, _mask_array(attention_mask, query))
        return mask

    def compute_mask(self, inputs, mask=None):
        return mask[0] if isinstance(mask, (list, tuple)) else mask

    def compute_output_shape(self, input_shape):
        query_shape, value_shape = tuple(input_shape[0]), tuple(input_shape[1])
        out = query_shape[:-1] + (self._output_shape or query_shape[-1:])
        if self._returning_scores:
            scores = (query_shape[0], self.num_heads) + query_shape[1:-1] + value_shape[1:-1]
            return [out, scores]
        return out

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": None if self._output_shape is None else list(self._output_shape),
                "attention_axes": None if self.attention_axes is None else list(self.attention_axes),
                "sliding_window": self.sliding_window, "use_gate": self.use_gate,
                "kernel_initializer": nf_initializers.serialize(self.kernel_initializer),
                "bias_initializer": nf_initializers.serialize(self.bias_initializer),
                "kernel_regularizer": nf_regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": nf_regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": nf_regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": nf_constraints.serialize(self.kernel_constraint),
                "bias_constraint": nf_constraints.serialize(self.bias_constraint), "seed": self.seed}


__all__ = ["MultiHeadAttention", "projection_equation", "attention_equations", "causal_mask"]
