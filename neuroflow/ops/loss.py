"""Cross-entropies computed from logits in one fused, stable node, and Keras' probability forms.

From logits, nothing is exponentiated that could overflow and no log of 0 is taken:

* binary: ``max(z, 0) - z*y + log1p(exp(-|z|))``, gradient ``sigmoid(z) - y``;
* categorical: ``logsumexp(z) * sum(y) - sum(y*z)``, gradient ``softmax(z) * sum(y) - y``;
* sparse categorical: ``logsumexp(z) - z[label]``, gradient ``softmax(z) - onehot(label)``.

The functions return the per-sample loss (no reduction): losses and metrics weight and average it.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_tensor
from ..backend import epsilon, get_array_module
from ..errors import DataError, ShapeError
from ._registry import differentiable
from .activation import stable_sigmoid


class SigmoidBCE(Function):
    __slots__ = ("z", "y")

    def forward(self, z, y):
        xp = get_array_module(z)
        self.z, self.y = z, y
        return xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-abs(z)))

    def backward(self, g):
        xp = get_array_module(g)
        iz, iy = self.inputs
        gz = g * (stable_sigmoid(xp, self.z) - self.y) if iz.requires_grad else None
        gy = -g * self.z if iy.requires_grad else None
        return gz, gy


class SoftmaxCE(Function):
    __slots__ = ("z", "y", "lse", "axis")

    def __init__(self, axis):
        self.axis = axis

    def forward(self, z, y):
        xp = get_array_module(z)
        self.z, self.y = z, y
        m = z.max(axis=self.axis, keepdims=True)
        self.lse = xp.log(xp.exp(z - m).sum(axis=self.axis, keepdims=True)) + m
        return (y * (self.lse - z)).sum(axis=self.axis)

    def backward(self, g):
        xp = get_array_module(g)
        g = xp.expand_dims(g, self.axis)
        iz, iy = self.inputs
        gz = gy = None
        if iz.requires_grad:
            p = xp.exp(self.z - self.lse)
            gz = g * (p * self.y.sum(axis=self.axis, keepdims=True) - self.y)
        if iy.requires_grad:
            gy = g * (self.lse - self.z)
        return gz, gy


class SparseSoftmaxCE(Function):
    __slots__ = ("z", "labels", "lse", "picked")

    def forward(self, z, labels):
        xp = get_array_module(z)
        self.z, self.labels = z, labels
        m = z.max(axis=-1, keepdims=True)
        self.lse = xp.log(xp.exp(z - m).sum(axis=-1, keepdims=True)) + m
        picked = xp.take_along_axis(z, labels[..., None], axis=-1)
        return (self.lse - picked)[..., 0]

    def backward(self, g):
        xp = get_array_module(g)
        gz = xp.exp(self.z - self.lse)
        xp.put_along_axis(gz, self.labels[..., None], xp.take_along_axis(gz, self.labels[..., None], -1) - 1, -1)
        return g[..., None] * gz, None


def _check_same_shape(target, output, op):
    if target.shape != output.shape:
        raise ShapeError(f"{op}: target shape {target.shape} does not match output shape {output.shape}")


@differentiable
def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy (Keras argument order: target, output).

    Shapes: target and output equal, any shape -> same shape (no reduction). With ``from_logits=False`` the
    output is a probability, clipped to ``[eps, 1 - eps]`` as Keras does.
    """
    output = as_tensor(output)
    target = as_tensor(target, like=output)
    _check_same_shape(target, output, "binary_crossentropy")
    if from_logits:
        return SigmoidBCE().apply(output, target)
    from .math import clip, log
    p = clip(output, epsilon(), 1 - epsilon())
    return -(target * log(p) + (1 - target) * log(1 - p))


@differentiable
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy against a one-hot or probability target over ``axis`` (Keras order: target, output).

    Shapes: target and output ``(..., classes)`` -> ``(...)``. ``from_logits=False``: the output is a probability
    distribution (renormalised and clipped as Keras does).
    """
    output = as_tensor(output)
    target = as_tensor(target, like=output)
    _check_same_shape(target, output, "categorical_crossentropy")
    if from_logits:
        return SoftmaxCE(axis).apply(output, target)
    from .math import clip, log
    from .reduce import sum as rsum
    p = output / rsum(output, axis=axis, keepdims=True)
    p = clip(p, epsilon(), 1 - epsilon())
    return -rsum(target * log(p), axis=axis)


@differentiable
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy against integer class ids (Keras order: target, output).

    Shapes: target ``(...)`` (or ``(..., 1)``) integer ids, output ``(..., classes)`` -> ``(...)``.
    """
    output = as_tensor(output)
    labels = target.data if isinstance(target, Tensor) else get_array_module().asarray(target)
    if axis not in (-1, output.ndim - 1):
        raise ShapeError("sparse_categorical_crossentropy: only the last axis can hold the classes")
    if labels.ndim == output.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != output.shape[:-1]:
        raise ShapeError(f"sparse_categorical_crossentropy: target shape {labels.shape} does not match output "
                         f"shape {output.shape} (expected integer ids of shape {output.shape[:-1]}; a one-hot target "
                         f"needs categorical_crossentropy)")
    if labels.dtype.kind == "f":
        if (labels != labels.round()).any():
            raise DataError("sparse_categorical_crossentropy: target holds non-integer values; expected class ids")
        labels = labels.astype("int64")
    n = output.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        bad = int(labels.min() if labels.min() < 0 else labels.max())
        hint = ("; a single output unit needs binary_crossentropy" if n == 1
                else "; does the output layer have enough units?")
        raise DataError(f"sparse_categorical_crossentropy: class id {bad} is out of range for y_pred of shape "
                        f"{output.shape} with {n} class{'es' if n != 1 else ''} (expected ids 0..{n - 1}){hint}")
    if from_logits:
        return SparseSoftmaxCE().apply(output, Tensor._from_op(labels, None))
    from .index import getitem
    from .math import clip, log
    from .reduce import sum as rsum
    from .shape import reshape
    p = output / rsum(output, axis=-1, keepdims=True)
    p = clip(p, epsilon(), 1 - epsilon())
    xp = get_array_module(labels)
    flat = reshape(p, (-1, n))
    picked = getitem(flat, (xp.arange(flat.shape[0]), labels.reshape(-1)))
    return -log(picked).reshape(labels.shape)
