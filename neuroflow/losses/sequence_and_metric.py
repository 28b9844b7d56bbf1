"""The CTC loss for unaligned sequences and the Circle loss for embeddings (Keras 3's definitions).

``ctc``: labels ``(N, L)`` with ``0`` as blank and padding, logits ``(N, T, C)``; every one of the ``T`` frames
counts, and a label's length is its count of non-zero entries (Keras' convention). The forward-backward kernel is
:func:`neuroflow.ops.ctc_loss`.

``circle`` (Sun et al., 2020): pairs of L2-normalised embeddings with equal labels are pulled together, others
pushed apart, each pair weighted by how far it is from its optimum; samples whose loss is 0 are left out of the
mean, as Keras' mask does.
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..backend import get_array_module
from ..errors import ShapeError
from .base import LossFunctionWrapper, as_pred, as_true

#: Stands in for -inf in the masked log-sum-exps: a row with no pair then gives softplus(-huge) = 0 with a zero
#: gradient instead of NaN.
_VERY_NEGATIVE = -1e30


def ctc(y_true, y_pred):
    """CTC loss per sample. Shapes: ``y_true`` ``(N, L)`` integer labels (0 = blank / padding), ``y_pred``
    ``(N, T, C)`` logits -> ``(N,)``."""
    y_pred = as_pred(y_pred)
    labels = as_true(y_true)
    if labels.ndim != 2:
        raise ShapeError(f"ctc: y_true must have shape (batch_size, max_length) of integer labels; got "
                         f"{labels.shape}")
    if y_pred.ndim != 3:
        raise ShapeError(f"ctc: y_pred must have shape (batch_size, max_length, num_classes) of logits; got "
                         f"{y_pred.shape}")
    label_length = (labels != 0).sum(axis=-1)
    output_length = np.full((y_pred.shape[0],), y_pred.shape[1], dtype=np.int64)
    return ops.ctc_loss(labels, y_pred, label_length, output_length, mask_index=0)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Circle loss per sample. Shapes: ``y_true`` ``(N,)`` integer labels, ``y_pred`` ``(N, D)`` L2-normalised
    embeddings (``ref_labels`` ``(M,)`` and ``ref_embeddings`` ``(M, D)``: the pairs' other side, default the
    batch itself) -> ``(N,)``."""
    y_pred = as_pred(y_pred)
    labels = as_true(y_true).reshape(-1).astype(np.int64)
    refs = y_pred if ref_embeddings is None else as_pred(ref_embeddings)
    ref_ids = labels if ref_labels is None else as_true(ref_labels).reshape(-1).astype(np.int64)
    if y_pred.ndim != 2 or labels.shape[0] != y_pred.shape[0]:
        raise ShapeError(f"circle: expected y_true (N,) labels and y_pred (N, D) embeddings; got y_true "
                         f"{as_true(y_true).shape} and y_pred {y_pred.shape}")
    distance = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(refs)), 0.0)
    positive = labels[:, None] == ref_ids[None, :]
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~get_array_module(positive).eye(len(labels), len(ref_ids), dtype=bool)
    pos_weight = ops.maximum((margin + distance) * positive.astype(y_pred.dtype), 0.0)
    neg_weight = ops.maximum((1.0 + margin - distance) * negative.astype(y_pred.dtype), 0.0)
    pos_term = -gamma * pos_weight * (margin - distance)
    neg_term = gamma * neg_weight * ((1.0 - margin) - distance)
    p_loss = ops.logsumexp(ops.where(positive, pos_term, _VERY_NEGATIVE), axis=1)
    n_loss = ops.logsumexp(ops.where(negative, neg_term, _VERY_NEGATIVE), axis=1)
    return ops.softplus(p_loss + n_loss)


class CTC(LossFunctionWrapper):
    """CTC loss. See :func:`ctc`."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)


class Circle(LossFunctionWrapper):
    """Circle loss over a batch of L2-normalised embeddings and their integer labels. See :func:`circle`.

    Samples with loss 0 are masked out of the reduction (the mean divides by the others' count), as in Keras.
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size", name="circle",
                 dtype=None):
        super().__init__(circle, reduction=reduction, name=name, dtype=dtype, gamma=float(gamma),
                         margin=float(margin), remove_diagonal=bool(remove_diagonal))

    def compute_mask(self, y_true, values):
        return values.data > 0
