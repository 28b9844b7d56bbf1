"""Probabilistic losses: binary, categorical and sparse categorical cross-entropy, KL divergence, Poisson.

The cross-entropies delegate to the fused stable kernels of :mod:`neuroflow.ops.loss` (which, given probabilities
straight from a sigmoid/softmax, compute from the logits those carry); this module adds Keras' label smoothing,
``ignore_class`` and the label checks that turn the classic mix-ups (one-hot labels for a sparse loss, class ids
for a categorical one, a class id beyond the output's units, 0..9 labels for a binary loss) into errors that say
what to change.

Label smoothing is defined as in Keras and PyTorch's ``CrossEntropyLoss(label_smoothing=s)``: a one-hot target
becomes ``y * (1 - s) + s / num_classes``; for the binary loss ``num_classes`` is 2 (``y * (1 - s) + s / 2``).
"""
from __future__ import annotations

import warnings

from .. import ops
from ..backend import epsilon, get_array_module, is_host
from ..errors import ConfigError, DataError, ShapeError
from .base import LossFunctionWrapper, as_pred, as_true, host_values, prepare


def _range_text(a) -> str:
    return f"[{a.min():g}, {a.max():g}]" if a.size else "[]"


def _check_binary_labels(y_true, who):
    """0/1 labels (or probabilities) only: class ids 0..9 get an error that names the loss to use. Reads host
    labels only (see :func:`~neuroflow.losses.base.host_values`)."""
    labels = host_values(y_true)
    if labels is not None and labels.size and (labels.min() < 0 or labels.max() > 1):
        raise DataError(f"{who}: y_true must hold labels 0/1 (or probabilities in [0, 1]); got values in "
                        f"{_range_text(labels)}. For integer class ids use sparse_categorical_crossentropy with a "
                        f"softmax output of num_classes units")


def _check_smoothing(label_smoothing, who):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ConfigError(f"{who}: label_smoothing must be in [0, 1], got {label_smoothing!r}")


# --- binary ---------------------------------------------------------------------------------------------------------
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1, reduce_mean=False):
    """Binary cross-entropy averaged over ``axis`` (Keras' order: target first).

    Shapes: ``y_true`` and ``y_pred`` ``(N, ..., d)`` (or ``(N,)`` against ``(N, 1)``) -> ``(N, ...)``, or with
    ``reduce_mean`` the mean of that over the batch, a scalar, computed in one fused node.
    ``y_true`` holds labels 0/1 or probabilities; ``y_pred`` holds probabilities (clipped to ``[eps, 1 - eps]``
    as Keras does) or, with ``from_logits=True``, logits.
    """
    _check_binary_labels(y_true, "binary_crossentropy")
    y_true, y_pred = prepare(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        _check_smoothing(label_smoothing, "binary_crossentropy")
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if reduce_mean:  # the mean over axis, then over the batch, is the mean over every element
        return ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits, reduce_mean=True)
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


# --- categorical ----------------------------------------------------------------------------------------------------
def _check_categorical(y_true, y_pred, axis, who):
    """One-hot (or distribution) targets of ``y_pred``'s shape; class ids get a specific error."""
    if y_true.shape == y_pred.shape:
        return
    classes = y_pred.shape[axis] if y_pred.ndim else 0
    ids_shape = y_pred.shape[:-1]
    if classes > 1 and axis in (-1, y_pred.ndim - 1) and y_true.shape in (ids_shape, ids_shape + (1,)):
        raise DataError(f"{who}: y_true has shape {y_true.shape}, which looks like integer class ids, but y_pred has "
                        f"shape {y_pred.shape}; this loss expects one-hot targets of shape {y_pred.shape}. Use "
                        f"loss='sparse_categorical_crossentropy', or one-hot encode the labels with "
                        f"neuroflow.utils.to_categorical(y, {classes})")
    raise ShapeError(f"{who}: y_true shape {y_true.shape} does not match y_pred shape {y_pred.shape} "
                     f"(expected one-hot targets of the same shape)")


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1, reduce_mean=False):
    """Cross-entropy between one-hot (or probability) targets and predictions over the class ``axis``.

    Shapes: ``y_true`` and ``y_pred`` ``(N, ..., classes)`` -> ``(N, ...)``, or its mean (a scalar, one fused
    node) with ``reduce_mean``. ``y_pred``: probabilities
    (renormalised and clipped as in Keras) or logits with ``from_logits=True``.
    """
    y_pred = as_pred(y_pred)
    y_true = as_true(y_true, like=y_pred)
    _check_categorical(y_true, y_pred, axis, "categorical_crossentropy")
    classes = y_pred.shape[axis]
    if classes == 1:
        warnings.warn(f"categorical_crossentropy: y_pred has shape {y_pred.shape}, one class along axis {axis}, so "
                      f"the loss is always 0; for two classes use binary_crossentropy", stacklevel=3)
    y_true = y_true.astype(y_pred.dtype, copy=False)
    if label_smoothing:
        _check_smoothing(label_smoothing, "categorical_crossentropy")
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis, reduce_mean=reduce_mean)


def _class_ids(y_true, y_pred, who):
    """Validated integer class ids of shape ``y_pred.shape[:-1]``: host labels stay on the host (their values are
    checked there, for free: whole numbers here, the range in ``ops.sparse_categorical_crossentropy``, which
    then moves them to y_pred's device); device labels are used as they are, unread."""
    labels = host_values(y_true)
    y_true = labels if labels is not None else as_true(y_true, like=y_pred)
    xp = get_array_module(y_true)
    classes = y_pred.shape[-1]
    if y_true.shape == y_pred.shape and classes > 1:
        raise DataError(f"{who}: y_true has shape {y_true.shape}, the same as y_pred, which looks one-hot encoded; "
                        f"this loss expects integer class ids of shape {y_pred.shape[:-1]}. Use "
                        f"loss='categorical_crossentropy', or pass y.argmax(axis=-1)")
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        raise ShapeError(f"{who}: y_true shape {y_true.shape} does not fit y_pred shape {y_pred.shape} (expected "
                         f"integer class ids of shape {y_pred.shape[:-1]})")
    if y_true.dtype.kind == "f":
        if is_host(y_true) and not xp.all(y_true == xp.round(y_true)):
            raise DataError(f"{who}: y_true holds non-integer values (in {_range_text(y_true)}); expected integer "
                            f"class ids 0..{classes - 1}")
        y_true = y_true.astype("int64")
    elif y_true.dtype.kind not in "iub":
        raise DataError(f"{who}: y_true has dtype {y_true.dtype}; expected integer class ids")
    return y_true


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1,
                                    reduce_mean=False):
    """Cross-entropy against integer class ids.

    Shapes: ``y_true`` ``(N, ...)`` or ``(N, ..., 1)`` integer ids, ``y_pred`` ``(N, ..., classes)`` -> ``(N, ...)``,
    or its mean (a scalar, one fused node) with ``reduce_mean``. Entries whose id equals ``ignore_class`` get loss
    0 (and :class:`SparseCategoricalCrossentropy` leaves them out of the mean; ``reduce_mean`` would count them).
    """
    who = "sparse_categorical_crossentropy"
    y_pred = as_pred(y_pred)
    if y_pred.ndim == 0 or axis not in (-1, y_pred.ndim - 1):
        raise ConfigError(f"{who}: the classes must lie on the last axis of y_pred (axis=-1), got axis={axis} for "
                          f"y_pred shape {y_pred.shape}")
    ids = _class_ids(y_true, y_pred, who)
    valid = None
    if ignore_class is not None:
        xp = get_array_module(ids)
        valid = ids != ignore_class
        ids = xp.where(valid, ids, 0)
    # ops.sparse_categorical_crossentropy checks the ids' range (once, for loss and op users alike)
    if reduce_mean and valid is not None:
        raise ConfigError(f"{who}: reduce_mean=True would count the ignored entries in the mean; reduce the "
                          f"per-sample losses with the mask instead (SparseCategoricalCrossentropy does)")
    loss = ops.sparse_categorical_crossentropy(ids, y_pred, from_logits=from_logits, reduce_mean=reduce_mean)
    if valid is not None:
        loss = loss * valid.astype(loss.dtype)
    return loss


# --- divergences ----------------------------------------------------------------------------------------------------
def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to
    ``[eps, 1]`` as Keras does. Shapes: ``(N, ..., d)`` twice -> ``(N, ...)``."""
    y_true, y_pred = prepare(y_true, y_pred, "kl_divergence", batch_of_scalars=False)
    xp = get_array_module(y_true)
    t = xp.clip(y_true, epsilon(), 1.0).astype(y_true.dtype, copy=False)
    return ops.sum(t * (xp.log(t) - ops.log(ops.clip(y_pred, epsilon(), 1.0))), axis=-1)


def poisson(y_true, y_pred):
    """Poisson negative log-likelihood (without the constant ``log(y!)``):
    ``mean(y_pred - y_true * log(y_pred + eps), axis=-1)``. Shapes: ``(N, ..., d)`` twice -> ``(N, ...)``."""
    y_true, y_pred = prepare(y_true, y_pred, "poisson")
    return ops.mean(y_pred - y_true * ops.log(y_pred + epsilon()), axis=-1)


# --- classes --------------------------------------------------------------------------------------------------------
class _Crossentropy(LossFunctionWrapper):
    """What the three cross-entropy classes share: ``from_logits`` and the batch mean in one fused node."""

    fuses_mean = True

    @property
    def from_logits(self) -> bool:
        return self._fn_kwargs["from_logits"]


class BinaryCrossentropy(_Crossentropy):
    """Binary cross-entropy for 0/1 labels. See :func:`binary_crossentropy`.

    Logits: ``fusable_activation = "sigmoid"``; a sigmoid output's logits are used where it carries them;
    ``with_logits()`` is the same loss taking logits.
    """

    fusable_activation = "sigmoid"

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        _check_smoothing(label_smoothing, "BinaryCrossentropy")
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=float(label_smoothing), axis=axis)


class CategoricalCrossentropy(_Crossentropy):
    """Cross-entropy for one-hot targets. See :func:`categorical_crossentropy`.

    Logits: ``fusable_activation = "softmax"``; a softmax output's logits are used where it carries them;
    ``with_logits()`` is the same loss taking logits.
    """

    fusable_activation = "softmax"

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        _check_smoothing(label_smoothing, "CategoricalCrossentropy")
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=float(label_smoothing), axis=axis)


class SparseCategoricalCrossentropy(_Crossentropy):
    """Cross-entropy for integer class ids. See :func:`sparse_categorical_crossentropy`.

    With ``ignore_class``, entries of that id are left out of the loss and of the mean (the divisor counts only
    the others), as Keras' mask does. Logits: ``fusable_activation = "softmax"``, as
    :class:`CategoricalCrossentropy`.
    """

    fusable_activation = "softmax"

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=bool(from_logits), ignore_class=ignore_class)
        self.fuses_mean = ignore_class is None  # ignored entries must leave the divisor too

    def compute_mask(self, y_true, values):
        ignore = self._fn_kwargs["ignore_class"]
        if ignore is None:
            return None
        ids = as_true(y_true, like=values)
        if ids.ndim == values.ndim + 1:
            ids = ids[..., 0]
        return ids != ignore


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence between target and predicted distributions. See :func:`kl_divergence`."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Poisson loss for count targets. See :func:`poisson`."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)
