"""Comparisons and logical ops: element-wise, broadcasting, returning bool tensors that carry no gradient."""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from ._binary import binary_inputs
from ._registry import not_differentiable
from ..errors import ShapeError


class _Elementwise(Function):
    """A comparison or logical ufunc as a node without gradient (so that a compiled step recomputes it)."""

    __slots__ = ("ufunc",)

    def __init__(self, ufunc):
        self.ufunc = ufunc

    @property
    def name(self) -> str:
        return self.ufunc

    def forward(self, *xs):
        return getattr(get_array_module(xs[0]), self.ufunc)(*xs)

    def backward(self, g):
        return (None, None)


def _compare(a, b, ufunc: str):
    a, b = binary_inputs(a, b)
    try:
        return _Elementwise(ufunc).apply_constant(a, b)
    except ValueError:
        raise ShapeError(f"{ufunc}: shapes {a.shape} and {b.shape} cannot be broadcast together") from None


@not_differentiable
def equal(x1, x2):
    """``x1 == x2`` element-wise -> bool tensor."""
    return _compare(x1, x2, "equal")


@not_differentiable
def not_equal(x1, x2):
    """``x1 != x2`` element-wise -> bool tensor."""
    return _compare(x1, x2, "not_equal")


@not_differentiable
def less(x1, x2):
    """``x1 < x2`` element-wise -> bool tensor."""
    return _compare(x1, x2, "less")


@not_differentiable
def less_equal(x1, x2):
    """``x1 <= x2`` element-wise -> bool tensor."""
    return _compare(x1, x2, "less_equal")


@not_differentiable
def greater(x1, x2):
    """``x1 > x2`` element-wise -> bool tensor."""
    return _compare(x1, x2, "greater")


@not_differentiable
def greater_equal(x1, x2):
    """``x1 >= x2`` element-wise -> bool tensor."""
    return _compare(x1, x2, "greater_equal")


@not_differentiable
def logical_and(x1, x2):
    """Element-wise logical and -> bool tensor."""
    return _compare(x1, x2, "logical_and")


@not_differentiable
def logical_or(x1, x2):
    """Element-wise logical or -> bool tensor."""
    return _compare(x1, x2, "logical_or")


@not_differentiable
def logical_not(x):
    """Element-wise logical not -> bool tensor."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    return _Elementwise("logical_not").apply_constant(x)
