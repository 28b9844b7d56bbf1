"""Overlap losses for segmentation: Dice and Tversky (Keras 3's definitions).

``dice = 1 - 2 * sum(y * p) / (sum(y) + sum(p) + eps)``; Tversky weighs false positives by ``alpha`` and false
negatives by ``beta`` (``alpha = beta = 0.5`` is Dice). The sums run over ``axis`` (``None``: every axis, one
number for the whole batch, as in Keras).
"""
from __future__ import annotations

from .. import ops
from ..backend import epsilon
from .base import LossFunctionWrapper, as_pred, as_true


def _pair(y_true, y_pred):
    y_pred = as_pred(y_pred)
    return as_true(y_true, like=y_pred).astype(y_pred.dtype, copy=False), y_pred


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def dice(y_true, y_pred, axis=None):
    """Dice loss. Shapes: ``y_true`` and ``y_pred`` of one shape -> the shape without ``axis`` (a scalar for
    ``axis=None``)."""
    y_true, y_pred = _pair(y_true, y_pred)
    axis = _axis(axis)
    overlap = ops.sum(y_pred * y_true, axis=axis)
    return 1.0 - 2.0 * overlap / (ops.sum(y_pred, axis=axis) + y_true.sum(axis=axis) + epsilon())


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """Tversky loss ``1 - TP / (TP + alpha * FP + beta * FN + eps)`` with Keras' reading of FP and FN
    (``FP = sum((1 - p) * y)``, ``FN = sum(p * (1 - y))``). Shapes: as :func:`dice`."""
    y_true, y_pred = _pair(y_true, y_pred)
    axis = _axis(axis)
    overlap = ops.sum(y_pred * y_true, axis=axis)
    missed = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    extra = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - overlap / (overlap + missed * alpha + extra * beta + epsilon())


class Dice(LossFunctionWrapper):
    """Dice loss. See :func:`dice`."""

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=_axis(axis))


class Tversky(LossFunctionWrapper):
    """Tversky loss. See :func:`tversky`."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky", axis=None, dtype=None):
        super().__init__(tversky, reduction=reduction, name=name, dtype=dtype, alpha=float(alpha), beta=float(beta),
                         axis=_axis(axis))
