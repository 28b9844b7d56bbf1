"""Indexing: ``t[...]`` with ints, slices, ``None``, ellipsis, integer arrays and boolean masks.

Backward scatters the gradient into zeros; where integer arrays may pick one element several times, the
contributions are summed (scatter-add), so ``x[[0, 0]]`` gets twice the gradient at 0.
"""
from __future__ import annotations

import numpy

from ..autograd.function import Function
from ..autograd.higher_order import LinearAdjoint
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module, is_host
from ..errors import DTypeError, IndexOutOfRangeError
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


class GatherRows(Function):
    """``table[ids]`` with the ids an INPUT of the node (not differentiable: backward returns None for them), so
    that a traced step (``neuroflow/compile``) sees batch-dependent ids as a feed instead of configuration.
    ``owner`` names the layer in the out-of-range error, checked on host ids at every forward (replays too)."""

    __slots__ = ("shape", "dtype", "ids", "owner")

    def __init__(self, owner="gather_rows"):
        self.owner = owner

    def forward(self, table, ids):
        n = table.shape[0]
        if ids.size and is_host(ids) and (ids.min() < 0 or ids.max() >= n):
            out = (ids < 0) | (ids >= n)
            raise IndexOutOfRangeError(
                f"{self.owner}: id {int(ids[out].flat[0])} is out of range for input_dim={n} (ids must lie in "
                f"[0, {n}); {int(out.sum())} id(s) out of range). Raise input_dim to the vocabulary size (+1 when 0 "
                f"is padding).")
        self.shape, self.dtype, self.ids = table.shape, table.dtype, ids
        return table[ids]

    def backward(self, g):
        gx = get_array_module(g).zeros(self.shape, dtype=self.dtype)
        get_array_module(g).add.at(gx, (self.ids,), g)  # an id used twice gets both rows' gradients
        return (gx, None)

    def backward_graph(self, g):
        # linear in the table: the generic adjoint of the same lookup written as indexing, ids held fixed
        lookup = GetItem((self.ids,), True)
        lookup.shape, lookup.dtype = self.shape, self.dtype
        return (LinearAdjoint(lookup, 0, (self.shape,), (self.dtype,)).apply(g), None)


@differentiable
def gather_rows(table, ids, owner="gather_rows"):
    """Rows of ``table`` picked by integer ``ids`` (an embedding lookup). Shapes: table ``(n, ...)``, ids any
    integer shape ``s`` -> ``s + table.shape[1:]``. Differentiable in ``table``; an id outside ``[0, n)`` raises
    ``IndexOutOfRangeError`` naming ``owner``."""
    table = as_tensor(table)
    if not isinstance(ids, Tensor):
        ids = Tensor(get_array_module(table.data).asarray(ids))
    if ids.data.dtype.kind not in "iu":
        raise DTypeError(f"{owner}: ids must be integers, got dtype {ids.data.dtype}")
    return GatherRows(owner).apply(table, ids)
