"""Intersection-over-union metrics (Keras 3's ``IoU``, ``MeanIoU``, ``BinaryIoU``, ``OneHotIoU``,
``OneHotMeanIoU``), streamed through one weighted confusion matrix.

``iou_c = tp_c / (tp_c + fp_c + fn_c)``; the result is the mean over ``target_class_ids`` of the classes that
occurred (a class never seen, in labels or predictions, leaves the mean). Labels or predictions outside
``0..num_classes-1`` and ``ignore_class`` entries are left out.
"""
from __future__ import annotations

import numpy as np

from ..backend import epsilon, get_array_module, is_host
from ..errors import ConfigError, ShapeError
from .base import Metric, follow, to_array


class IoU(Metric):
    """IoU over chosen classes.

    Shapes: ``y_true`` and ``y_pred`` any shape of class ids (flattened; with ``sparse_y_true=False`` /
    ``sparse_y_pred=False`` the argmax over ``axis`` is taken first); ``sample_weight`` of their shape or
    broadcastable. ``result()``: a float.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        who = type(self).__name__
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ConfigError(f"{who}: num_classes must be a positive integer; got {num_classes!r}")
        target_class_ids = [int(c) for c in target_class_ids]
        if not target_class_ids or max(target_class_ids) >= num_classes or min(target_class_ids) < 0:
            raise ConfigError(f"{who}: target_class_ids must be class ids in [0, {num_classes}); got "
                              f"{target_class_ids}")
        self.num_classes, self.target_class_ids = int(num_classes), target_class_ids
        self.ignore_class, self.sparse_y_true, self.sparse_y_pred, self.axis = (ignore_class, bool(sparse_y_true),
                                                                               bool(sparse_y_pred), axis)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes, self.num_classes))

    def _ids(self, y, sparse):
        y = to_array(y)
        if not sparse:
            y = y.argmax(axis=self.axis)
        y = np.asarray(y) if is_host(y) else y
        return y.astype(np.int64)  # float ids truncate, as Keras' cast does

    def update_state(self, y_true, y_pred, sample_weight=None):
        true, pred = self._ids(y_true, self.sparse_y_true), self._ids(y_pred, self.sparse_y_pred)
        if true.size != pred.size:
            raise ShapeError(f"{type(self).__name__}: y_true holds {true.size} labels but y_pred {pred.size} "
                             f"predictions")
        xp = get_array_module(true)
        weights = xp.ones(true.shape) if sample_weight is None else to_array(sample_weight, like=true).astype("float64")
        if 1 <= weights.ndim < true.ndim and weights.shape == true.shape[:weights.ndim]:
            # one weight per sample spreads over its entries (Keras would need them repeated)
            weights = weights.reshape(weights.shape + (1,) * (true.ndim - weights.ndim))
        try:
            weights = xp.broadcast_to(weights, true.shape).reshape(-1)
        except ValueError:
            raise ShapeError(f"{type(self).__name__}: sample_weight shape {np.shape(sample_weight)} does not fit "
                             f"y_true of shape {true.shape}") from None
        true, pred = true.reshape(-1), pred.reshape(-1)
        n = self.num_classes
        valid = (true >= 0) & (true < n) & (pred >= 0) & (pred < n)
        if self.ignore_class is not None:
            valid &= true != self.ignore_class
        # invalid entries go to cell 0 with weight 0 (no boolean indexing: its size would be read on a device)
        cells = xp.where(valid, true * n + pred, 0)
        counts = xp.bincount(cells, weights=xp.where(valid, weights, 0.0), minlength=n * n).reshape(n, n)
        self.total_cm = follow(self.total_cm, counts) + counts  # the matrix lives where the data does

    def result(self) -> float:
        xp = get_array_module(self.total_cm)
        tp = xp.diag(self.total_cm)
        denominator = self.total_cm.sum(axis=0) + self.total_cm.sum(axis=1) - tp
        ids = self.target_class_ids
        tp, denominator = tp[ids], denominator[ids]
        valid = denominator > 1e-9
        iou = xp.where(valid, tp / (denominator + epsilon()), 0.0)
        value = iou.sum() / (valid.sum() + epsilon())
        return float(value) if is_host(value) else value  # a device value is read with the other logs

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(num_classes=self.num_classes, target_class_ids=self.target_class_ids,
                      ignore_class=self.ignore_class, sparse_y_true=self.sparse_y_true,
                      sparse_y_pred=self.sparse_y_pred, axis=self.axis)
        return config


class BinaryIoU(IoU):
    """IoU for binary labels: a prediction ``>= threshold`` is class 1. ``target_class_ids``: ``[0]``, ``[1]`` or
    ``[0, 1]`` (their mean)."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        self.threshold = float(threshold)
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = (to_array(y_pred).astype("float32") >= self.threshold).astype(np.int64)
        super().update_state(y_true, predicted, sample_weight)

    def get_config(self) -> dict:
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype}


class MeanIoU(IoU):
    """The mean IoU over every class."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        super().__init__(num_classes, list(range(num_classes)) if isinstance(num_classes, int) else [0], name=name,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """:class:`IoU` for one-hot labels (argmax over ``axis``); predictions are probabilities unless
    ``sparse_y_pred``."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """:class:`MeanIoU` for one-hot labels (argmax over ``axis``)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config
