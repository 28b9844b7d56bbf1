"""``cast``: a copy of a tensor in another dtype, differentiable between float dtypes (its own module: the
binary ops' promotion casts their operands, and ``math`` builds on those)."""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module, standardize_dtype
from ._registry import differentiable


class Cast(Function):
    """A float-to-float dtype change; its gradient is cast back to the source dtype."""
    __slots__ = ("src", "dst")

    def __init__(self, src, dst):
        self.src, self.dst = src, dst

    def forward(self, x):  # the cast happens here, so that a replayed (compiled) step casts too
        return x.astype(self.dst)

    def backward(self, g):
        return (g.astype(self.src),)

    def backward_graph(self, g):
        return (cast(g, self.src),)


@differentiable
def cast(x, dtype):
    """A copy of ``x`` in ``dtype``; differentiable between float dtypes. Shapes: any -> same."""
    x = as_tensor(x)
    xp = get_array_module(x.data)
    dtype = xp.dtype(standardize_dtype(dtype))  # an unknown name: a DTypeError that says so
    if dtype == x.dtype:
        return x
    if dtype.kind != "f" or x.dtype.kind != "f":
        return Tensor._from_op(x.data.astype(dtype), None)
    return Cast(x.dtype, dtype).apply(x)
