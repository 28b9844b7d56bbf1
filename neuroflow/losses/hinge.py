"""Hinge losses for maximum-margin classifiers: hinge, squared hinge and categorical hinge (Keras' definitions).

``hinge`` and ``squared_hinge`` take labels -1/1; labels given as 0/1 are converted to -1/1 first (as Keras does,
when every label is 0 or 1). ``y_pred`` is a raw score (no sigmoid).
"""
from __future__ import annotations

from .. import ops
from ..backend import get_array_module, is_host
from .base import LossFunctionWrapper, as_pred, as_true, prepare
from .probabilistic import _check_categorical


def _signed_labels(y_true):
    """0/1 labels -> -1/1 (only when every label is 0 or 1; other labels are used as given)."""
    xp = get_array_module(y_true)
    binary = xp.all((y_true == 0) | (y_true == 1))
    if not is_host(binary):  # decided on the device (Keras' ops.cond), without reading the labels back
        return xp.where(binary, 2 * y_true - 1, y_true)
    if binary:
        return 2 * y_true - 1
    return y_true


def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)``. Shapes: ``(N, ..., d)`` twice (or ``(N,)`` against
    ``(N, 1)``) -> ``(N, ...)``."""
    y_true, y_pred = prepare(y_true, y_pred, "hinge")
    return ops.mean(ops.relu(1.0 - y_pred * _signed_labels(y_true)), axis=-1)


def squared_hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0) ** 2, axis=-1)``. Shapes: as :func:`hinge`."""
    y_true, y_pred = prepare(y_true, y_pred, "squared_hinge")
    return ops.mean(ops.square(ops.relu(1.0 - y_pred * _signed_labels(y_true))), axis=-1)


def categorical_hinge(y_true, y_pred):
    """``max(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred)`` and ``neg = max((1 - y_true) * y_pred)`` over
    the last axis. Shapes: ``y_true`` one-hot and ``y_pred`` ``(N, ..., classes)`` -> ``(N, ...)``."""
    y_pred = as_pred(y_pred)
    y_true = as_true(y_true, like=y_pred)
    _check_categorical(y_true, y_pred, -1, "categorical_hinge")
    y_true = y_true.astype(y_pred.dtype, copy=False)
    pos = ops.sum(y_pred * y_true, axis=-1)
    neg = ops.max(y_pred * (1 - y_true), axis=-1)
    return ops.relu(neg - pos + 1.0)


class Hinge(LossFunctionWrapper):
    """Hinge loss (labels -1/1, or 0/1 converted). See :func:`hinge`."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss (labels -1/1, or 0/1 converted). See :func:`squared_hinge`."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss for one-hot targets. See :func:`categorical_hinge`."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)
