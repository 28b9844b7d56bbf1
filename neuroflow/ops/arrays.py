"""Layout and indexing beyond the basics: axis moves, stacking and splitting variants, rolls and rotations,
triangles and diagonals, gathers and scatters (``take``, ``take_along_axis``, ``scatter``, ``slice_update``).

Most are compositions of the differentiable primitives in ``shape``, ``index`` and ``math``, so their gradients
come from those; the three scatters and ``take_along_axis`` are nodes of their own (a scatter-add backward).
"""
from __future__ import annotations

from builtins import slice as _slice  # this module defines Keras' ops.slice

from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module, is_host
from ..errors import ConfigError, GraphError, ShapeError
from ._axes import normalize_axes
from ._registry import differentiable, not_differentiable
from .index import getitem
from .math import multiply, where
from .reduce import sum as _sum
from .shape import concatenate, flip, reshape, squeeze, transpose


def _axis(axis, ndim, who):
    return normalize_axes(int(axis), ndim, who)[0]


# --- axis moves, flattening ---------------------------------------------------------------------------------------
@differentiable
def moveaxis(x, source, destination):
    """Move axes ``source`` to positions ``destination``. Shapes: a permutation of ``x``'s shape."""
    x = as_tensor(x)
    src = [_axis(a, x.ndim, "moveaxis") for a in ([source] if isinstance(source, int) else source)]
    dst = [_axis(a, x.ndim, "moveaxis") for a in ([destination] if isinstance(destination, int) else destination)]
    if len(src) != len(dst):
        raise ShapeError(f"moveaxis: source {source} and destination {destination} must have the same length")
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


@differentiable
def swapaxes(x, axis1, axis2):
    """Exchange two axes. Shapes: ``x``'s shape with the two sizes swapped."""
    x = as_tensor(x)
    a, b = _axis(axis1, x.ndim, "swapaxes"), _axis(axis2, x.ndim, "swapaxes")
    order = list(range(x.ndim))
    order[a], order[b] = order[b], order[a]
    return transpose(x, order)


@differentiable
def ravel(x):
    """All elements in one axis (row-major). Shapes: any -> ``(size,)``."""
    return reshape(x, (-1,))


class Copy(Function):
    __slots__ = ()
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return (g,)


@differentiable
def copy(x):
    """A copy of ``x`` (a new array; the gradient passes through). Shapes: any -> same."""
    return Copy().apply(as_tensor(x))


@differentiable
def real(x):
    """The real part: ``x`` itself for neuroflow's real tensors. Shapes: any -> same."""
    return as_tensor(x)


@differentiable
def conjugate(x):
    """The complex conjugate: ``x`` itself for real tensors. Shapes: any -> same."""
    return as_tensor(x)


conj = conjugate


@not_differentiable
def imag(x):
    """The imaginary part: zeros for real tensors. Shapes: any -> same."""
    x = as_tensor(x)
    return Tensor(get_array_module(x).zeros_like(x.data), dtype=x.dtype)


@not_differentiable
def view(x, dtype=None):
    """The same bytes read as ``dtype`` (no gradient). Shapes: last axis scaled by the itemsize ratio."""
    x = as_tensor(x)
    arr = x.data.view(dtype) if dtype is not None else x.data
    return Tensor(arr, dtype=arr.dtype)


# --- stacking and splitting ----------------------------------------------------------------------------------------
def _at_least(xs, ndim):
    out = []
    for x in xs:
        x = as_tensor(x)
        if x.ndim < ndim:
            shape = {1: (1,), 2: (1, -1), 3: (1, -1, 1)}[ndim] if x.ndim <= 1 else x.shape + (1,)
            x = reshape(x, shape if x.ndim else (1,) * ndim)
        out.append(x)
    return out


@differentiable
def hstack(xs):
    """Concatenate along axis 1 (axis 0 for 1-D inputs; 0-d ones count as 1-D). Shapes: as NumPy's ``hstack``."""
    xs = [as_tensor(x) for x in xs]
    xs = [reshape(x, (1,)) if x.ndim == 0 else x for x in xs]
    return concatenate(xs, axis=0 if all(x.ndim <= 1 for x in xs) else 1)


@differentiable
def vstack(xs):
    """Stack as rows (1-D inputs become rows). Shapes: as NumPy's ``vstack``."""
    return concatenate(_at_least(xs, 2), axis=0)


@differentiable
def dstack(xs):
    """Stack along a third axis. Shapes: as NumPy's ``dstack``."""
    return concatenate(_at_least(xs, 3), axis=2)


@differentiable
def array_split(x, indices_or_sections, axis=0):
    """Split into ``n`` nearly equal parts (the first ones one longer) or at ``indices``. Shapes: a list of parts."""
    x = as_tensor(x)
    axis = _axis(axis, x.ndim, "array_split")
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise ConfigError(f"array_split: the number of sections must be > 0, got {k}")
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        bounds = [sum(sizes[:i]) for i in range(k + 1)]
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    lead = (_slice(None),) * axis
    return [getitem(x, lead + (_slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:])]


def _even_split(x, sections, axis, who):
    x = as_tensor(x)
    if isinstance(sections, int) and x.shape[axis] % sections:
        raise ShapeError(f"{who}: axis {axis} of size {x.shape[axis]} does not split into {sections} equal parts")
    return array_split(x, sections, axis)


@differentiable
def hsplit(x, indices_or_sections):
    """Split along axis 1 (axis 0 for 1-D). Shapes: a list of parts."""
    x = as_tensor(x)
    return _even_split(x, indices_or_sections, 0 if x.ndim == 1 else 1, "hsplit")


@differentiable
def vsplit(x, indices_or_sections):
    """Split along axis 0. Shapes: a list of parts."""
    return _even_split(x, indices_or_sections, 0, "vsplit")


@differentiable
def dsplit(x, indices_or_sections):
    """Split along axis 2. Shapes: a list of parts."""
    return _even_split(x, indices_or_sections, 2, "dsplit")


@differentiable
def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``. Shapes: ``(..., n, ...)`` -> n tensors without that axis."""
    x = as_tensor(x)
    axis = _axis(axis, x.ndim, "unstack")
    if num is not None and num != x.shape[axis]:
        raise ShapeError(f"unstack: num={num} but axis {axis} has size {x.shape[axis]}")
    lead = (_slice(None),) * axis
    return [getitem(x, lead + (i,)) for i in range(x.shape[axis])]


@differentiable
def append(x1, x2, axis=None):
    """``x2`` appended to ``x1`` (both flattened when ``axis`` is None). Shapes: as NumPy's ``append``."""
    if axis is None:
        return concatenate([ravel(x1), ravel(x2)], axis=0)
    return concatenate([as_tensor(x1), as_tensor(x2)], axis=axis)


# --- rolls, rotations, flips ---------------------------------------------------------------------------------------
@differentiable
def roll(x, shift, axis=None):
    """Elements shifted by ``shift`` along ``axis`` (over the flattened tensor when None), wrapping around.

    Shapes: any -> same.
    """
    x = as_tensor(x)
    xp = get_array_module()
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), x.shape)
    shifts = [shift] if isinstance(shift, int) else list(shift)
    axes = [axis] if isinstance(axis, int) else list(axis)
    for s, a in zip(shifts, axes):
        a = _axis(a, x.ndim, "roll")
        idx = xp.roll(xp.arange(x.shape[a]), int(s))
        x = getitem(x, (_slice(None),) * a + (idx,))
    return x


@differentiable
def rot90(array, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``. Shapes: the two axes' sizes swap for odd k."""
    x = as_tensor(array)
    a, b = (_axis(ax, x.ndim, "rot90") for ax in axes)
    if a == b:
        raise ShapeError(f"rot90: axes must differ, got {axes}")
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, a), b)
    if k == 1:
        return swapaxes(flip(x, b), a, b)
    return flip(swapaxes(x, a, b), b)


@differentiable
def fliplr(x):
    """Reverse axis 1. Shapes: any rank >= 2 -> same."""
    return flip(x, 1)


@differentiable
def flipud(x):
    """Reverse axis 0. Shapes: any rank >= 1 -> same."""
    return flip(x, 0)


# --- triangles and diagonals ---------------------------------------------------------------------------------------
def _tri_mask(x, k, lower):
    xp = get_array_module()
    n, m = x.shape[-2], x.shape[-1]
    mask = xp.tri(n, m, k, dtype=bool)
    return mask if lower else ~xp.tri(n, m, k - 1, dtype=bool)


def _zero(x):
    """A zero of ``x``'s dtype (a Python 0.0 would turn an integer or bool ``x`` into floats)."""
    return get_array_module(x.data).zeros((), x.dtype)


@differentiable
def tril(x, k=0):
    """The lower triangle (at and below diagonal ``k``) of the last two axes; zeros above.
    Shapes: ``(..., n, m)`` -> same."""
    x = as_tensor(x)
    return where(_tri_mask(x, k, True), x, _zero(x))


@differentiable
def triu(x, k=0):
    """The upper triangle (at and above diagonal ``k``) of the last two axes; zeros below.
    Shapes: ``(..., n, m)`` -> same."""
    x = as_tensor(x)
    return where(_tri_mask(x, k, False), x, _zero(x))


@differentiable
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` of the plane ``(axis1, axis2)``, as a last axis. Shapes: ``(..., n, m, ...)`` ->
    ``(..., d)``."""
    x = as_tensor(x)
    xp = get_array_module()
    x = moveaxis(x, [axis1, axis2], [-2, -1])
    n, m = x.shape[-2], x.shape[-1]
    rows = xp.arange(max(0, -offset), min(n, m - offset) if offset >= 0 else min(n, m - offset))
    rows = rows[rows < n]
    cols = rows + offset
    keep = (cols >= 0) & (cols < m)
    return getitem(x, (Ellipsis, rows[keep], cols[keep]))


@differentiable
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of the diagonal ``offset``. Shapes: ``(..., n, m, ...)`` -> the remaining axes."""
    return _sum(diagonal(x, offset, axis1, axis2), axis=-1)


class ScatterAdd(Function):
    """``zeros(shape)`` with ``values`` added at ``index`` (repeated positions accumulate)."""

    __slots__ = ("shape", "index")
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def __init__(self, shape, index):
        self.shape, self.index = shape, index

    def forward(self, values):
        xp = get_array_module(values)
        out = xp.zeros(self.shape, values.dtype)
        xp.add.at(out, self.index, values)
        return out

    def backward(self, g):
        return (g[self.index],)


@differentiable
def diag(x, k=0):
    """A 1-D ``x`` placed on diagonal ``k`` of a square matrix, or the diagonal ``k`` of a 2-D ``x``.

    Shapes: ``(n,)`` -> ``(n + |k|, n + |k|)``; ``(n, m)`` -> ``(d,)``.
    """
    x = as_tensor(x)
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise ShapeError(f"diag: expected a 1-D or 2-D tensor, got shape {x.shape}")
    xp = get_array_module()
    n = x.shape[0] + abs(k)
    i = xp.arange(x.shape[0])
    index = (i, i + k) if k >= 0 else (i - k, i)
    return ScatterAdd((n, n), index).apply(x)


@differentiable
def diagflat(x, k=0):
    """The flattened ``x`` on diagonal ``k``. Shapes: any -> ``(size + |k|, size + |k|)``."""
    return diag(ravel(x), k)


# --- gathers and scatters ------------------------------------------------------------------------------------------
def _index_array(indices, who):
    xp = get_array_module()
    arr = indices.data if isinstance(indices, Tensor) else xp.asarray(indices)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and arr.size and (arr == xp.round(arr)).all():
            arr = arr.astype(xp.int64)
        elif arr.size:
            raise ConfigError(f"{who}: indices must be integers, got dtype {arr.dtype}")
        else:
            arr = arr.astype(xp.int64)
    return arr


@differentiable
def take(x, indices, axis=None):
    """Elements (``axis=None``: of the flattened ``x``) or slices along ``axis`` at ``indices``.

    Shapes: ``x.shape[:axis] + indices.shape + x.shape[axis+1:]``.
    """
    x = as_tensor(x)
    idx = _index_array(indices, "take")
    if axis is None:
        return getitem(ravel(x), idx)
    axis = _axis(axis, x.ndim, "take")
    return getitem(x, (_slice(None),) * axis + (idx,))


class TakeAlongAxis(Function):
    __slots__ = ("index", "shape")
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.shape = x.shape
        return x[self.index]

    def backward(self, g):
        xp = get_array_module(g)
        out = xp.zeros(self.shape, g.dtype)
        xp.add.at(out, self.index, g)
        return (out,)


@differentiable
def take_along_axis(x, indices, axis=None):
    """``x`` gathered at ``indices`` along ``axis`` (NumPy's ``take_along_axis``; indices broadcast against the
    other axes). Shapes: ``indices``' shape (broadcast with ``x`` off the axis)."""
    x = as_tensor(x)
    idx = _index_array(indices, "take_along_axis")
    if axis is None:
        x, axis = ravel(x), 0
    axis = _axis(axis, x.ndim, "take_along_axis")
    if idx.ndim != x.ndim:
        raise ShapeError(f"take_along_axis: indices of rank {idx.ndim} for a tensor of rank {x.ndim}")
    xp = get_array_module()
    n = x.shape[axis]
    if idx.size and is_host(idx) and (idx.max() >= n or idx.min() < -n):
        raise ShapeError(f"take_along_axis: an index is out of range for axis {axis} of size {n}")
    shape = tuple(max(a, b) if a == 1 or b == 1 else a for a, b in zip(x.shape, idx.shape))
    shape = tuple(idx.shape[i] if i == axis else shape[i] for i in range(x.ndim))
    full = []
    for i in range(x.ndim):
        if i == axis:
            full.append(xp.broadcast_to(idx % n, shape))
        else:
            r = xp.arange(shape[i]).reshape((-1,) + (1,) * (x.ndim - i - 1))
            full.append(xp.broadcast_to(r, shape))
    if any(x.shape[i] not in (1, shape[i]) for i in range(x.ndim) if i != axis):
        raise ShapeError(f"take_along_axis: indices shape {idx.shape} does not broadcast with {x.shape}")
    return TakeAlongAxis(tuple(full)).apply(x)


@differentiable
def get_item(x, key):
    """``x[key]`` (Keras' name for indexing). Shapes: as NumPy indexing gives."""
    return getitem(x, key)


@differentiable
def slice(inputs, start_indices, shape):  # noqa: A001 - Keras' name
    """The block of ``shape`` starting at ``start_indices``. Shapes: -> ``shape``."""
    x = as_tensor(inputs)
    starts = [int(s) for s in (start_indices.data if isinstance(start_indices, Tensor) else start_indices)]
    sizes = [int(s) for s in shape]
    if len(starts) != x.ndim or len(sizes) != x.ndim:
        raise ShapeError(f"slice: start_indices {starts} and shape {sizes} must each have {x.ndim} entries")
    return getitem(x, tuple(_slice(a, a + (n if n >= 0 else d - a)) for a, n, d in
                            zip(starts, sizes, x.shape)))


class SetItem(Function):
    """``x`` with ``x[index] = updates`` (a copy): the gradient of the replaced entries goes to ``updates``."""

    __slots__ = ("index",)
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def __init__(self, index):
        self.index = index

    def forward(self, x, updates):
        out = x.copy()
        out[self.index] = updates
        return out

    def backward(self, g):
        gx = g.copy()
        gx[self.index] = 0
        return gx, g[self.index]


@differentiable
def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` replaced by ``updates`` (a new tensor).
    Shapes: inputs any, updates a block of the same rank -> inputs' shape."""
    x, u = as_tensor(inputs), as_tensor(updates)
    starts = [int(s) for s in (start_indices.data if isinstance(start_indices, Tensor) else start_indices)]
    if len(starts) != x.ndim or u.ndim != x.ndim:
        raise ShapeError(f"slice_update: start_indices {starts} and updates {u.shape} must match rank {x.ndim}")
    if any(a < 0 or a + n > d for a, n, d in zip(starts, u.shape, x.shape)):
        raise ShapeError(f"slice_update: updates {u.shape} at {starts} do not fit inside {x.shape}")
    index = tuple(_slice(a, a + n) for a, n in zip(starts, u.shape))
    return SetItem(index).apply(x, u)


def _scatter_index(indices, shape, who):
    idx = _index_array(indices, who)
    if idx.ndim < 1 or idx.shape[-1] > len(shape):
        raise ShapeError(f"{who}: indices of shape {idx.shape} do not index a tensor of shape {tuple(shape)}")
    for k in range(idx.shape[-1]):
        if idx.size and is_host(idx) and (idx[..., k].max() >= shape[k] or idx[..., k].min() < -shape[k]):
            raise ShapeError(f"{who}: an index in column {k} is out of range for size {shape[k]}")
    return tuple(idx[..., k] for k in range(idx.shape[-1]))


@differentiable
def scatter(indices, values, shape):
    """``zeros(shape)`` with ``values`` added at ``indices`` (each row of ``indices`` one position; repeats
    accumulate). Shapes: indices ``(n, k)``, values ``(n,) + shape[k:]`` -> ``shape``."""
    v = as_tensor(values)
    shape = tuple(int(s) for s in shape)
    return ScatterAdd(shape, _scatter_index(indices, shape, "scatter")).apply(v)


@differentiable
def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with the positions ``indices`` set to ``updates`` (a new tensor), or combined with them by
    ``reduction``: ``"add"`` (differentiable), ``"max"``, ``"min"`` or ``"mul"`` (repeated positions combine
    every update; these three have no gradient yet). Shapes: inputs any, indices ``(n, k)``, updates
    ``(n,) + inputs.shape[k:]`` -> inputs' shape."""
    from .cast import cast
    from .math import add
    x, u = as_tensor(inputs), as_tensor(updates)
    index = _scatter_index(indices, x.shape, "scatter_update")
    if reduction is None:
        return SetItem(index).apply(x, u)
    if reduction == "add":
        return add(x, ScatterAdd(x.shape, index).apply(cast(u, x.dtype)))
    ufunc = {"max": "maximum", "min": "minimum", "mul": "multiply"}.get(reduction)
    if ufunc is None:
        raise ConfigError(f"scatter_update: reduction must be None, 'add', 'max', 'min' or 'mul', got {reduction!r}")
    if x.requires_grad or u.requires_grad:
        raise GraphError(f"scatter_update: reduction={reduction!r} has no gradient yet (None and 'add' have)")
    out = x.data.copy()
    getattr(get_array_module(out), ufunc).at(out, index, u.data.astype(out.dtype, copy=False))
    return Tensor._from_op(out, None)


# --- selections ----------------------------------------------------------------------------------------------------
@differentiable
def select(condlist, choicelist, default=0):
    """The first choice whose condition holds, element-wise, else ``default``. Shapes: broadcastable -> broadcast."""
    if len(condlist) != len(choicelist):
        raise ShapeError(f"select: {len(condlist)} conditions for {len(choicelist)} choices")
    out = as_tensor(default, like=as_tensor(choicelist[0]) if choicelist else None)
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = where(cond.data if isinstance(cond, Tensor) else cond, choice, out)
    return out


@differentiable
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN replaced by ``nan``, +-inf by ``posinf``/``neginf`` (default: the dtype's largest finite values).

    Shapes: any -> same (the gradient is 1 where ``x`` was finite, 0 elsewhere).
    """
    x = as_tensor(x)
    if x.dtype.kind != "f":
        return x
    xp = get_array_module()
    info = xp.finfo(x.dtype)
    data = x.data
    out = where(xp.isnan(data), nan, x)
    out = where(xp.isposinf(data), info.max if posinf is None else posinf, out)
    return where(xp.isneginf(data), info.min if neginf is None else neginf, out)


_ = (multiply, squeeze)  # kept importable from here for the namespace modules

__all__ = ["moveaxis", "swapaxes", "ravel", "copy", "real", "conjugate", "conj", "imag", "view", "hstack",
           "vstack", "dstack", "array_split", "hsplit", "vsplit", "dsplit", "unstack", "append", "roll", "rot90",
           "fliplr", "flipud", "tril", "triu", "diagonal", "trace", "diag", "diagflat", "take", "take_along_axis",
           "get_item", "slice", "slice_update", "scatter", "scatter_update", "select", "nan_to_num"]
