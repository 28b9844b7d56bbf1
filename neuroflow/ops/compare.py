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
def equal(a, b):
    """``a == b`` element-wise -> bool tensor."""
    return _compare(a, b, "equal")


@not_differentiable
def not_equal(a, b):
    """``a != b`` element-wise -> bool tensor."""
    return _compare(a, b, "not_equal")


@not_differentiable
def less(a, b):
    """``a < b`` element-wise -> bool tensor."""
    return _compare(a, b, "less")


@not_differentiable
def less_equal(a, b):
    """``a <= b`` element-wise -> bool tensor."""
    return _compare(a, b, "less_equal")


@not_differentiable
def greater(a, b):
    """``a > b`` element-wise -> bool tensor."""
    return _compare(a, b, "greater")


@not_differentiable
def greater_equal(a, b):
    """``a >= b`` element-wise -> bool tensor."""
    return _compare(a, b, "greater_equal")


@not_differentiable
def logical_and(a, b):
    """Element-wise logical and -> bool tensor."""
    return _compare(a, b, "logical_and")


@not_differentiable
def logical_or(a, b):
    """Element-wise logical or -> bool tensor."""
    return _compare(a, b, "logical_or")


@not_differentiable
def logical_not(x):
    """Element-wise logical not -> bool tensor."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    return _Elementwise("logical_not").apply_constant(x)
