"""Accuracy metrics: exact match, binary (thresholded), categorical (one-hot), sparse (class ids) and top-k.

Each function returns per-sample matches (1.0 / 0.0) as an array; each class is the running weighted mean of its
function (``MeanMetricWrapper``). Predictions are probabilities or scores (argmax and top-k do not care which).
"""
from __future__ import annotations

import numpy

from ..backend import get_array_module
from ..errors import DataError, ShapeError
from .base import MeanMetricWrapper, align_ranks, to_array


def accuracy(y_true, y_pred):
    """Exact element-wise equality. Shapes: equal (or ``(N,)`` against ``(N, 1)``) -> same shape of 0/1."""
    y_pred = to_array(y_pred)
    y_true, y_pred = align_ranks(to_array(y_true, like=y_pred), y_pred)
    try:
        numpy.broadcast_shapes(y_true.shape, y_pred.shape)  # shapes only: host metadata
    except ValueError:
        raise ShapeError(f"accuracy: y_true shape {y_true.shape} does not match y_pred shape {y_pred.shape}") \
            from None
    return (y_true == y_pred).astype("float32")


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """``y_true == (y_pred > threshold)``. Shapes: ``(N, ...)`` twice (or ``(N,)`` against ``(N, 1)``) -> same."""
    y_pred = to_array(y_pred)
    y_true, y_pred = align_ranks(to_array(y_true, like=y_pred), y_pred)
    if y_true.shape != y_pred.shape:
        raise ShapeError(f"binary_accuracy: y_true shape {y_true.shape} does not match y_pred shape {y_pred.shape}")
    return (y_true == (y_pred > threshold)).astype("float32")


def _check_one_hot(y_true, y_pred, who):
    if y_true.shape == y_pred.shape:
        return
    if y_pred.ndim and y_true.shape in (y_pred.shape[:-1], y_pred.shape[:-1] + (1,)) and y_pred.shape[-1] > 1:
        raise DataError(f"{who}: y_true has shape {y_true.shape}, which looks like integer class ids, but y_pred has "
                        f"shape {y_pred.shape}; use sparse_categorical_accuracy (or one-hot encode the labels)")
    raise ShapeError(f"{who}: y_true shape {y_true.shape} does not match y_pred shape {y_pred.shape}")


def categorical_accuracy(y_true, y_pred):
    """``argmax(y_true) == argmax(y_pred)`` over the last axis. Shapes: ``(N, ..., C)`` twice -> ``(N, ...)``."""
    y_pred = to_array(y_pred)
    y_true = to_array(y_true, like=y_pred)
    _check_one_hot(y_true, y_pred, "categorical_accuracy")
    return (y_true.argmax(axis=-1) == y_pred.argmax(axis=-1)).astype("float32")


def _sparse_ids(y_true, y_pred, who):
    """Class ids of shape ``y_pred.shape[:-1]`` (a trailing 1 is dropped); one-hot targets get a clear error."""
    if y_true.shape == y_pred.shape and y_pred.shape[-1] > 1:
        raise DataError(f"{who}: y_true has shape {y_true.shape}, the same as y_pred, which looks one-hot encoded; "
                        f"this metric expects integer class ids of shape {y_pred.shape[:-1]} (use "
                        f"categorical_accuracy, or pass y.argmax(axis=-1))")
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        raise ShapeError(f"{who}: y_true shape {y_true.shape} does not fit y_pred shape {y_pred.shape} (expected "
                         f"class ids of shape {y_pred.shape[:-1]})")
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """``y_true == argmax(y_pred)``. Shapes: ids ``(N, ...)`` or ``(N, ..., 1)``, ``y_pred`` ``(N, ..., C)`` ->
    ``(N, ...)``."""
    y_pred = to_array(y_pred)
    y_true = _sparse_ids(to_array(y_true, like=y_pred), y_pred, "sparse_categorical_accuracy")
    return (y_true == y_pred.argmax(axis=-1)).astype("float32")


def _in_top_k(ids, y_pred, k):
    """Whether the target's score is among the ``k`` highest (ties count in its favour, as Keras' ``in_top_k``)."""
    xp = get_array_module(y_pred)
    ids = ids.astype("int64")
    target = xp.take_along_axis(y_pred, ids[..., None], axis=-1)
    return ((y_pred > target).sum(axis=-1) < k).astype("float32")


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the true class (argmax of one-hot ``y_true``) is among the ``k`` highest predictions.
    Shapes: ``(N, C)`` twice -> ``(N,)``."""
    y_pred = to_array(y_pred)
    y_true = to_array(y_true, like=y_pred)
    _check_one_hot(y_true, y_pred, "top_k_categorical_accuracy")
    return _in_top_k(y_true.argmax(axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the class id ``y_true`` is among the ``k`` highest predictions. Shapes: ids ``(N,)`` or
    ``(N, 1)``, ``y_pred`` ``(N, C)`` -> ``(N,)``."""
    y_pred = to_array(y_pred)
    y_true = _sparse_ids(to_array(y_true, like=y_pred), y_pred, "sparse_top_k_categorical_accuracy")
    return _in_top_k(y_true, y_pred, k)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly. See :func:`accuracy`."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the 0/1 label. See :func:`binary_accuracy`."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the prediction matches the one-hot label. See :func:`categorical_accuracy`."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the prediction matches the class id. See :func:`sparse_categorical_accuracy`."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is in the top ``k`` predictions. See :func:`top_k_categorical_accuracy`."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the class id is in the top ``k`` predictions. See :func:`sparse_top_k_categorical_accuracy`."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
