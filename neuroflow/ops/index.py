"""Indexing: ``t[...]`` with ints, slices, ``None``, ellipsis, integer arrays and boolean masks.

Backward scatters the gradient into zeros; where integer arrays may pick one element several times, the
contributions are summed (scatter-add), so ``x[[0, 0]]`` gets twice the gradient at 0.
"""
from __future__ import annotations

import numpy

from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import IndexOutOfRangeError
from ._registry import differentiable


def _plain_index(index, xp):
    """Replace Tensors inside an index by their arrays (host index arrays copied to ``xp``'s device, the indexed
    tensor's); report whether advanced (array) indexing is involved."""
    parts = index if isinstance(index, tuple) else (index,)
    out, advanced = [], False
    for p in parts:
        if isinstance(p, Tensor):
            p = p.data
        if isinstance(p, list) or (xp is not numpy and isinstance(p, numpy.ndarray)):
            p = xp.asarray(p)
        if isinstance(p, xp.ndarray):
            advanced = True
            if p.dtype == bool:  # a mask becomes the equivalent integer arrays, which scatter-add understands
                out.extend(p.nonzero())
                continue
        out.append(p)
    return tuple(out), advanced


class GetItem(Function):
    __slots__ = ("index", "advanced", "shape", "dtype")
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def __init__(self, index, advanced):
        self.index, self.advanced = index, advanced

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return x[self.index]

    def backward(self, g):
        xp = get_array_module(g)
        gx = xp.zeros(self.shape, dtype=self.dtype)
        if self.advanced:
            xp.add.at(gx, self.index, g)
        else:
            gx[self.index] = g  # basic indexing never selects an element twice
        return (gx,)


@differentiable
def getitem(x, index):
    """``x[index]`` with NumPy's indexing rules. Shapes: as NumPy indexing gives."""
    x = as_tensor(x)
    plain, advanced = _plain_index(index, get_array_module(x.data))
    try:
        return GetItem(plain, advanced).apply(x)
    except IndexError as err:
        raise IndexOutOfRangeError(f"index {index!r} is out of range for a tensor of shape {x.shape}: {err}") from None
