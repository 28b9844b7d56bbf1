"""Cross-entropies computed from logits in one fused, stable node, and Keras' probability forms.

From logits, nothing is exponentiated that could overflow and no log of 0 is taken:

* binary: ``max(z, 0) - z*y + log1p(exp(-|z|))``, gradient ``sigmoid(z) - y``;
* categorical: ``logsumexp(z) * sum(y) - sum(y*z)``, gradient ``softmax(z) * sum(y) - y``;
* sparse categorical: ``logsumexp(z) - z[label]``, gradient ``softmax(z) - onehot(label)``.

With ``from_logits=False``, an output that carries its logits (``output._keras_logits``, set by ``sigmoid`` and
``softmax`` on their result, as in Keras 3) is computed by the logits form on them: the same value without the
clipping, and a backward that never goes through the activation.

The functions return the per-sample loss (no reduction): losses and metrics weight and average it. With
``reduce_mean=True`` the logits forms return the mean over every element instead, in the same node: the default
reduction of a loss without sample weights, at the cost of one small graph node instead of three (the churn
model's step spends a fifth of its time in the loss otherwise).
"""
from __future__ import annotations

import warnings

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_tensor
from ..backend import epsilon, get_array_module, is_host
from ..errors import DataError, ShapeError
from ._registry import differentiable
from .activation import stable_sigmoid


class _CrossEntropy(Function):
    """Base of the fused cross-entropies: element-wise losses, or (``mean=True``) their mean, a scalar."""

    __slots__ = ("mean", "count")

    def __init__(self, mean=False):
        self.mean = mean

    def _reduce(self, values):
        if not self.mean:
            return values
        self.count = values.size
        return values.sum() / self.count  # ndarray.mean's generic path costs more than the loss on small batches

    def _output_grad(self, g, expand):
        """The gradient w.r.t. each element-wise loss: ``g`` spread over the mean, or ``expand(g)``."""
        return g / self.count if self.mean else expand(g)


class SigmoidBCE(_CrossEntropy):
    __slots__ = ("z", "y")

    def forward(self, z, y):
        xp = get_array_module(z)
        self.z, self.y = z, y
        return self._reduce(xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-abs(z))))

    def backward(self, g):
        xp = get_array_module(g)
        g = self._output_grad(g, lambda g: g)
        iz, iy = self.inputs
        gz = g * (stable_sigmoid(xp, self.z) - self.y) if iz.requires_grad else None
        gy = -g * self.z if iy.requires_grad else None
        return gz, gy

    def backward_graph(self, g):  # the same rule with ops (create_graph)
        from .activation import sigmoid
        z, y = self.inputs
        g = g / self.count if self.mean else g
        return (g * (sigmoid(z) - y) if z.requires_grad else None, -g * z if y.requires_grad else None)


def _logsumexp(xp, z, axis):
    """``log(sum(exp(z)))`` over ``axis`` (kept), stable at any finite logit. Call it under
    ``np.errstate(over="ignore")``: ``z - max`` may overflow to -inf (logits ±3e38 in float32), and exp(-inf) = 0
    is the exact term."""
    m = z.max(axis=axis, keepdims=True)
    return xp.log(xp.exp(z - m).sum(axis=axis, keepdims=True)) + m


class SoftmaxCE(_CrossEntropy):
    __slots__ = ("z", "y", "lse", "axis")

    def __init__(self, axis, mean=False):
        super().__init__(mean)
        self.axis = axis

    def forward(self, z, y):
        xp = get_array_module(z)
        self.z, self.y = z, y
        # sum(y * (lse - z)) on halves: lse - z itself overflows at logits like [3e38, 0, -3e38] (and y = 0 times
        # that inf is NaN), its half never does. Halving and doubling are exact, so ordinary losses are unchanged;
        # the doubled sum overflows (to inf, silently) only where the exact loss lies beyond the float range.
        with np.errstate(over="ignore"):
            self.lse = _logsumexp(xp, z, self.axis)
            half_gap = self.lse * 0.5 - z * 0.5
            return self._reduce((y * half_gap).sum(axis=self.axis) * 2.0)

    def backward(self, g):
        xp = get_array_module(g)
        g = self._output_grad(g, lambda g: xp.expand_dims(g, self.axis))
        iz, iy = self.inputs
        gz = gy = None
        if iz.requires_grad:
            with np.errstate(over="ignore"):  # z - lse below the float range: -inf, whose exp is the exact 0
                p = xp.exp(self.z - self.lse)
            gz = g * (p * self.y.sum(axis=self.axis, keepdims=True) - self.y)
        if iy.requires_grad:
            with np.errstate(over="ignore"):
                gy = g * (self.lse - self.z)
        return gz, gy

    def backward_graph(self, g):
        from .activation import log_softmax, softmax
        from .shape import expand_dims
        z, y = self.inputs
        g = g / self.count if self.mean else expand_dims(g, self.axis)
        gz = g * (softmax(z, self.axis) * y.sum(axis=self.axis, keepdims=True) - y) if z.requires_grad else None
        gy = -g * log_softmax(z, self.axis) if y.requires_grad else None
        return gz, gy


class SparseSoftmaxCE(_CrossEntropy):
    __slots__ = ("z", "labels", "lse")

    def forward(self, z, labels):
        xp = get_array_module(z)
        self.z, self.labels = z, labels
        picked = xp.take_along_axis(z, labels[..., None], axis=-1)
        with np.errstate(over="ignore"):  # see SoftmaxCE; lse - picked overflows only with the exact loss
            self.lse = _logsumexp(xp, z, -1)
            return self._reduce((self.lse - picked)[..., 0])

    def backward(self, g):
        xp = get_array_module(g)
        with np.errstate(over="ignore"):  # z - lse below the float range: -inf, whose exp is the exact 0
            gz = xp.exp(self.z - self.lse)
        xp.put_along_axis(gz, self.labels[..., None], xp.take_along_axis(gz, self.labels[..., None], -1) - 1, -1)
        gz *= self._output_grad(g, lambda g: g[..., None])
        return gz, None

    def backward_graph(self, g):
        from .activation import softmax
        z = self.inputs[0]
        xp = get_array_module(self.z)
        onehot = xp.zeros(self.z.shape, dtype=self.z.dtype)
        xp.put_along_axis(onehot, self.labels[..., None], 1, -1)
        g = g / self.count if self.mean else g.reshape(g.shape + (1,))
        return (g * (softmax(z) - Tensor._from_op(onehot, None)), None)


def _logits_if_carried(output, from_logits, op, axis=-1):
    """``(output, from_logits)``, or ``(output's logits, True)`` where a probability output carries its logits
    (Keras' ``_keras_logits``) along the class ``axis`` the loss uses. ``from_logits=True`` on such an output is
    most likely a mistake (probabilities read as logits): a warning says so, as Keras does."""
    logits = output._keras_logits
    if logits is None or axis not in (-1, output.ndim - 1):
        return output, from_logits
    if from_logits:
        warnings.warn(f"{op}: from_logits=True, but the output comes straight from a sigmoid/softmax, so it holds "
                      f"probabilities, not logits; pass from_logits=False (the loss then reads the logits itself)",
                      stacklevel=3)
        return output, from_logits
    return logits, True


def _check_same_shape(target, output, op):
    if target.shape != output.shape:
        raise ShapeError(f"{op}: target shape {target.shape} does not match output shape {output.shape}")


@differentiable
def binary_crossentropy(target, output, from_logits=False, reduce_mean=False):
    """Element-wise binary cross-entropy (Keras argument order: target, output).

    Shapes: target and output equal, any shape -> same shape (no reduction), or a scalar, the mean over every
    element, with ``reduce_mean``. With ``from_logits=False`` the output is a probability, clipped to
    ``[eps, 1 - eps]`` as Keras does, unless it carries its logits (see the module docstring).
    """
    output = as_tensor(output)
    target = as_tensor(target, like=output)
    _check_same_shape(target, output, "binary_crossentropy")
    output, from_logits = _logits_if_carried(output, from_logits, "binary_crossentropy")
    if from_logits:
        return SigmoidBCE(reduce_mean).apply(output, target)
    from .math import clip, log
    p = clip(output, epsilon(), 1 - epsilon())
    return _mean_if(-(target * log(p) + (1 - target) * log(1 - p)), reduce_mean)


def _mean_if(values, reduce_mean):
    """The probability forms' ``reduce_mean``: a separate mean node (they are not fused kernels anyway)."""
    if not reduce_mean:
        return values
    from .reduce import mean
    return mean(values)


@differentiable
def categorical_crossentropy(target, output, from_logits=False, axis=-1, reduce_mean=False):
    """Cross-entropy against a one-hot or probability target over ``axis`` (Keras order: target, output).

    Shapes: target and output ``(..., classes)`` -> ``(...)``, or its mean (a scalar) with ``reduce_mean``.
    ``from_logits=False``: the output is a probability distribution (renormalised and clipped as Keras does),
    unless it carries its logits (see the module docstring).
    """
    output = as_tensor(output)
    target = as_tensor(target, like=output)
    _check_same_shape(target, output, "categorical_crossentropy")
    output, from_logits = _logits_if_carried(output, from_logits, "categorical_crossentropy", axis)
    if from_logits:
        return SoftmaxCE(axis, reduce_mean).apply(output, target)
    from .math import clip, log
    from .reduce import sum as rsum
    p = output / rsum(output, axis=axis, keepdims=True)
    p = clip(p, epsilon(), 1 - epsilon())
    return _mean_if(-rsum(target * log(p), axis=axis), reduce_mean)


@differentiable
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1, reduce_mean=False):
    """Cross-entropy against integer class ids (Keras order: target, output).

    Shapes: target ``(...)`` (or ``(..., 1)``) integer ids, output ``(..., classes)`` -> ``(...)``, or its mean
    (a scalar) with ``reduce_mean``.
    """
    output = as_tensor(output)
    labels = target.data if isinstance(target, Tensor) else target
    # host labels are checked where they are (for free), then copied to the output's device
    labels = np.asarray(labels) if is_host(labels) else labels
    if axis not in (-1, output.ndim - 1):
        raise ShapeError("sparse_categorical_crossentropy: only the last axis can hold the classes")
    if labels.ndim == output.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != output.shape[:-1]:
        raise ShapeError(f"sparse_categorical_crossentropy: target shape {labels.shape} does not match output "
                         f"shape {output.shape} (expected integer ids of shape {output.shape[:-1]}; a one-hot target "
                         f"needs categorical_crossentropy)")
    checked = is_host(labels)  # label values are read on host data only (a transfer per call on a device)
    if labels.dtype.kind == "f":
        if checked and (labels != labels.round()).any():
            raise DataError("sparse_categorical_crossentropy: target holds non-integer values; expected class ids")
        labels = labels.astype("int64")
    n = output.shape[-1]
    if checked and labels.size and (labels.min() < 0 or labels.max() >= n):
        bad = int(labels.min() if labels.min() < 0 else labels.max())
        hint = ("; a single output unit needs binary_crossentropy" if n == 1
                else "; does the output layer have enough units?")
        raise DataError(f"sparse_categorical_crossentropy: class id {bad} is out of range for y_pred of shape "
                        f"{output.shape} with {n} class{'es' if n != 1 else ''} (expected ids 0..{n - 1}){hint}")
    labels = get_array_module(output.data).asarray(labels)
    output, from_logits = _logits_if_carried(output, from_logits, "sparse_categorical_crossentropy")
    if from_logits:
        return SparseSoftmaxCE(reduce_mean).apply(output, Tensor._from_op(labels, None))
    from .index import getitem
    from .math import clip, log
    from .reduce import sum as rsum
    from .shape import reshape
    p = output / rsum(output, axis=-1, keepdims=True)
    p = clip(p, epsilon(), 1 - epsilon())
    xp = get_array_module(labels)
    flat = reshape(p, (-1, n))
    picked = getitem(flat, (xp.arange(flat.shape[0]), labels.reshape(-1)))
    return _mean_if(-log(picked).reshape(labels.shape), reduce_mean)
