"""Statistics and scans: cumulative sums and products, order statistics (``sort``, ``median``, ``quantile``,
``top_k``), NaN-ignoring reductions, averages, differences, integration, counting and searching.

Order statistics are gathers of sorted positions (``take_along_axis``), so their gradient flows to the elements
that were picked; NaN-ignoring reductions replace NaN by the reduction's neutral value first. Functions that
return indices, counts or booleans have no gradient.
"""
from __future__ import annotations

from .._validate import is_int
from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_tensor
import numpy

from ..backend import get_array_module, to_host
from ..errors import ConfigError, ShapeError
from ._axes import normalize_axes
from ._binary import float_input
from ._registry import differentiable, not_differentiable
from .arrays import moveaxis, ravel, take_along_axis
from .elementwise import fmax
from .index import getitem
from .math import divide, maximum, multiply, sqrt, subtract, where
from .reduce import max as _max, mean as _mean, min as _min, prod as _prod, sum as _sum
from .shape import concatenate, expand_dims, flip, squeeze


def _const(arr):
    arr = get_array_module().asarray(arr)
    return Tensor(arr, dtype=arr.dtype)


def _axis1(x, axis, who):
    return normalize_axes(int(axis), x.ndim, who)[0]


# --- scans ---------------------------------------------------------------------------------------------------------
class CumSum(Function):
    __slots__ = ("axis",)
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return x.cumsum(axis=self.axis)

    def backward(self, g):
        xp = get_array_module(g)
        return (xp.flip(xp.flip(g, self.axis).cumsum(axis=self.axis), self.axis),)


class CumProd(Function):
    __slots__ = ("axis", "x", "y")

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        self.x, self.y = x, x.cumprod(axis=self.axis)
        return self.y

    def backward(self, g):
        xp = get_array_module(g)
        x, y, a = self.x, self.y, self.axis

        def rev_cumsum(v):
            return xp.flip(xp.flip(v, a).cumsum(axis=a), a)

        if (x != 0).all():
            return (rev_cumsum(g * y) / x,)
        # With zeros, d y_j / d x_i = prod_{k <= j, k != i} x_k: one exclusive product per position i (a loop over
        # the scanned axis, not over samples).
        out = xp.zeros_like(x)
        n = x.shape[a]
        for i in range(n):
            xi = xp.take(x, [i], axis=a)
            without = xp.concatenate([xp.take(x, range(i), axis=a), xp.ones_like(xi),
                                      xp.take(x, range(i + 1, n), axis=a)], axis=a)
            partial = xp.take(without.cumprod(axis=a), range(i, n), axis=a)
            contrib = (xp.take(g, range(i, n), axis=a) * partial).sum(axis=a, keepdims=True)
            idx = [slice(None)] * x.ndim
            idx[a] = slice(i, i + 1)
            out[tuple(idx)] = contrib
        return (out,)

    def backward_graph(self, g):
        # The zero-free rule with ops; with a zero (0 / 0) the vector-Jacobian product of the reference instead.
        x, a = self.inputs[0], self.axis
        if not (self.x != 0).all():
            from ..autograd.higher_order import reference_backward_graph
            return reference_backward_graph(self, g)
        y = CumProd(a).apply(x)
        return (flip(CumSum(a).apply(flip(g * y, a)), a) / x,)

    def reference(self, x):
        """The running products as products of an (n, n) matrix's rows (row j: x_0..x_j, then ones), recorded:
        zero-safe, differentiated by the double backward over a zero. Shapes: x's -> x's."""
        xp = get_array_module(x.data)
        n = x.shape[self.axis]
        xl = moveaxis(x, self.axis, -1)
        upto = Tensor._from_op(xp.tril(xp.ones((n, n), dtype=x.dtype)), None)  # [j, k] = k <= j
        rows = expand_dims(xl, -2) * upto + (1 - upto)  # (..., n, n)
        return moveaxis(_prod(rows, axis=-1), -1, self.axis)


def _scan(cls, x, axis, dtype, who):
    x = as_tensor(x)
    if dtype is not None:
        from .math import cast
        x = cast(x, dtype)
    if axis is None:
        x, axis = ravel(x), 0
    y = cls(_axis1(x, axis, who)).apply(x)
    if x.dtype.kind in "biu":  # NumPy widens integer scans to int64; Keras keeps the dtype (bool: int32)
        y = Tensor._from_op(y.data.astype("int32" if x.dtype.kind == "b" else x.dtype), None)
    return y


@differentiable
def cumsum(x, axis=None, dtype=None):
    """Running sums along ``axis`` (of the flattened ``x`` when None). Shapes: any -> same (flattened for None)."""
    return _scan(CumSum, x, axis, dtype, "cumsum")


@differentiable
def cumprod(x, axis=None, dtype=None):
    """Running products along ``axis`` (exact gradients with zeros too). Shapes: any -> same."""
    return _scan(CumProd, x, axis, dtype, "cumprod")


def _nan_filled(x, value):
    x = as_tensor(x)
    if x.dtype.kind != "f":
        return x
    return where(get_array_module(x).isnan(x.data), value, x)


@differentiable
def nancumsum(x, axis=None, dtype=None):
    """``cumsum`` with NaN counted as 0. Shapes: as ``cumsum``."""
    return cumsum(_nan_filled(x, 0.0), axis, dtype)


@differentiable
def nancumprod(x, axis=None, dtype=None):
    """``cumprod`` with NaN counted as 1. Shapes: as ``cumprod``."""
    return cumprod(_nan_filled(x, 1.0), axis, dtype)


# --- order statistics ----------------------------------------------------------------------------------------------
@not_differentiable
def argsort(x, axis=-1):
    """Indices that sort ``x`` along ``axis`` (stable). Shapes: any -> same (int)."""
    x = as_tensor(x)
    if axis is not None:  # a bad axis named here (sort comes through here too), not as NumPy's AxisError
        normalize_axes(axis if is_int(axis) else [axis], x.ndim, "argsort")  # [axis]: one int, not a tuple
    data = x.data.reshape(-1) if axis is None else x.data
    return _const(get_array_module(x).argsort(data, axis=-1 if axis is None else axis, kind="stable")
                  .astype("int32"))  # Keras' index dtype


@differentiable
def sort(x, axis=-1):
    """``x`` sorted along ``axis``; the gradient returns to each value's original place. Shapes: any -> same."""
    x = as_tensor(x)
    if axis is None:
        x, axis = ravel(x), 0
    return take_along_axis(x, argsort(x, axis).data, axis)


@not_differentiable
def argpartition(x, kth, axis=-1):
    """Indices that partition ``x`` around its ``kth`` element along ``axis``. Shapes: any -> same (int)."""
    return _const(get_array_module(as_tensor(x)).argpartition(as_tensor(x).data, kth, axis=axis))


@differentiable
def top_k(x, k, sorted=True):  # noqa: A002 - Keras' argument name
    """The ``k`` largest values along the last axis and their indices (largest first; ties keep the lower index).

    Shapes: ``(..., n)`` -> ``((..., k), (..., k) int32)``.
    """
    x = as_tensor(x)
    k = int(k)
    if not 0 < k <= x.shape[-1]:
        raise ConfigError(f"top_k: k must be in [1, {x.shape[-1]}] for a last axis of size {x.shape[-1]}, got {k}")
    xp = get_array_module()
    order = xp.argsort(-x.data, axis=-1, kind="stable")[..., :k]
    return take_along_axis(x, order, -1), _const(order.astype(xp.int32))


@not_differentiable
def in_top_k(targets, predictions, k):
    """Whether each target class is among the ``k`` highest predictions (ties count as in, like Keras).

    Shapes: targets ``(n,)`` ints, predictions ``(n, classes)`` -> ``(n,)`` bool.
    """
    xp = get_array_module()
    t = xp.asarray(targets.data if isinstance(targets, Tensor) else targets).astype(xp.int64)
    p = as_tensor(predictions).data
    if p.ndim != 2 or t.shape != (p.shape[0],):
        raise ShapeError(f"in_top_k: expected targets (n,) and predictions (n, classes), got {t.shape} and {p.shape}")
    picked = xp.take_along_axis(p, t[:, None], axis=1)
    return _const((p > picked).sum(axis=1) < int(k))


def _quantile_of_sorted(s, q, axis, method):
    """Quantiles ``q`` (in [0, 1]) of a Tensor ``s`` sorted along ``axis``; the quantile axis comes first."""
    xp = numpy  # the positions come from q, host metadata
    n = s.shape[axis]
    pos = xp.asarray(q, dtype=xp.float64) * (n - 1)
    lo = xp.floor(pos).astype(xp.int64)
    hi = xp.minimum(lo + 1, n - 1)
    frac = pos - lo
    if method == "lower":
        hi, frac = lo, frac * 0
    elif method == "higher":
        lo, frac = xp.ceil(pos).astype(xp.int64), frac * 0
        hi = lo
    elif method == "nearest":
        lo = xp.round(pos).astype(xp.int64)
        hi, frac = lo, frac * 0
    elif method == "midpoint":
        frac = xp.where(hi > lo, 0.5, 0.0)
    elif method != "linear":
        raise ConfigError(f"quantile: method must be one of linear, lower, higher, midpoint, nearest; got {method!r}")
    idx = (slice(None),) * axis
    out = []
    for a, b, f in zip(lo.reshape(-1), hi.reshape(-1), frac.reshape(-1)):
        va, vb = getitem(s, idx + (int(a),)), getitem(s, idx + (int(b),))
        out.append(va + (vb - va) * float(f) if f else va)
    from .shape import stack
    return stack(out, axis=0) if pos.ndim else out[0]


@differentiable
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (``q`` in [0, 1]) along ``axis`` (NumPy's methods linear/lower/higher/midpoint/
    nearest). Shapes: reduced axes removed (kept with ``keepdims``); a vector ``q`` adds a leading axis."""
    x = as_tensor(x)
    x = float_input(x) if x.dtype == bool else x  # booleans cannot be interpolated (Keras casts them to floatx)
    qa = numpy.asarray(to_host(q.data if isinstance(q, Tensor) else q), dtype="float64")  # host metadata
    if ((qa < 0) | (qa > 1)).any():
        raise ConfigError(f"quantile: q must be in [0, 1], got {q}")
    if axis is None:
        flat, ax = ravel(x), 0
    else:
        axes = normalize_axes(axis, x.ndim, "quantile")
        if len(axes) != 1:
            from .shape import reshape, transpose
            rest = [a for a in range(x.ndim) if a not in axes]
            moved = transpose(x, rest + list(axes))
            flat, ax = reshape(moved, tuple(x.shape[a] for a in rest) + (-1,)), len(rest)
        else:
            flat, ax = x, axes[0]
    out = _quantile_of_sorted(sort(flat, ax), qa, ax, method)
    if keepdims:
        axes = tuple(range(x.ndim)) if axis is None else normalize_axes(axis, x.ndim, "quantile")
        lead = 1 if qa.ndim else 0
        for a in sorted(axes):
            out = expand_dims(out, a + lead)
    return out


@differentiable
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """``quantile`` with ``q`` in percent ([0, 100]). Shapes: as ``quantile``."""
    qa = numpy.asarray(to_host(q.data if isinstance(q, Tensor) else q), dtype="float64")  # host metadata
    return quantile(x, qa / 100.0, axis, method, keepdims)


@differentiable
def median(x, axis=None, keepdims=False):
    """The median along ``axis`` (mean of the two middle values for even counts). Shapes: reduced axes removed."""
    return quantile(x, 0.5, axis, "linear", keepdims)


# --- NaN-ignoring reductions ---------------------------------------------------------------------------------------
def _nan_mask(x):
    return get_array_module(x).isnan(x.data) if x.dtype.kind == "f" else None


@differentiable
def nansum(x, axis=None, keepdims=False):
    """Sum ignoring NaN. Shapes: reduced axes removed (kept with ``keepdims``)."""
    return _sum(_nan_filled(x, 0.0), axis=axis, keepdims=keepdims)


@differentiable
def nanmean(x, axis=None, keepdims=False):
    """Mean of the non-NaN values (NaN where all are NaN). Shapes: as ``nansum``."""
    x = as_tensor(x)
    mask = _nan_mask(x)
    if mask is None:
        return _mean(x, axis=axis, keepdims=keepdims)
    count = (~mask).sum(axis=axis if axis is None else normalize_axes(axis, x.ndim, "nanmean"), keepdims=keepdims)
    return divide(nansum(x, axis, keepdims), count.astype(x.dtype))


@differentiable
def nanmax(x, axis=None, keepdims=False):
    """Maximum ignoring NaN. Shapes: as ``nansum``."""
    return _max(_nan_filled(x, -float("inf")), axis=axis, keepdims=keepdims)


@differentiable
def nanmin(x, axis=None, keepdims=False):
    """Minimum ignoring NaN. Shapes: as ``nansum``."""
    return _min(_nan_filled(x, float("inf")), axis=axis, keepdims=keepdims)


@differentiable
def nanprod(x, axis=None, keepdims=False):
    """Product ignoring NaN. Shapes: as ``nansum``."""
    return _prod(_nan_filled(x, 1.0), axis=axis, keepdims=keepdims)


@differentiable
def nanvar(x, axis=None, keepdims=False, ddof=0):
    """Variance of the non-NaN values. Shapes: as ``nansum``."""
    x = as_tensor(x)
    mask = _nan_mask(x)
    axes = None if axis is None else normalize_axes(axis, x.ndim, "nanvar")
    m = nanmean(x, axis, keepdims=True)
    d = _nan_filled(subtract(x, m), 0.0)
    count = (~mask).sum(axis=axes, keepdims=keepdims) if mask is not None else None
    if count is None:
        from .reduce import var
        return var(x, axis=axis, keepdims=keepdims, ddof=ddof)
    return divide(_sum(multiply(d, d), axis=axis, keepdims=keepdims), (count - ddof).astype(x.dtype))


@differentiable
def nanstd(x, axis=None, keepdims=False, ddof=0):
    """Standard deviation of the non-NaN values. Shapes: as ``nansum``."""
    return sqrt(nanvar(x, axis, keepdims, ddof))


@not_differentiable
def nanargmax(x, axis=None, keepdims=False):
    """Index of the maximum ignoring NaN. Shapes: reduced axes removed (int)."""
    return _const(get_array_module(as_tensor(x)).nanargmax(as_tensor(x).data, axis=axis, keepdims=keepdims))


@not_differentiable
def nanargmin(x, axis=None, keepdims=False):
    """Index of the minimum ignoring NaN. Shapes: reduced axes removed (int)."""
    return _const(get_array_module(as_tensor(x)).nanargmin(as_tensor(x).data, axis=axis, keepdims=keepdims))


@not_differentiable
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """Quantiles ignoring NaN (no gradient). Shapes: as ``quantile``."""
    arr = get_array_module(as_tensor(x)).nanquantile(as_tensor(x).data, q, axis=axis, method=method, keepdims=keepdims)
    return _const(arr.astype(as_tensor(x).dtype))


@not_differentiable
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """Percentiles ignoring NaN (no gradient). Shapes: as ``quantile``."""
    data = as_tensor(x).data
    arr = get_array_module(data).nanpercentile(data, q, axis=axis, method=method, keepdims=keepdims)
    return _const(arr.astype(as_tensor(x).dtype))


@not_differentiable
def nanmedian(x, axis=None, keepdims=False):
    """Median ignoring NaN (no gradient). Shapes: reduced axes removed."""
    arr = get_array_module(as_tensor(x)).nanmedian(as_tensor(x).data, axis=axis, keepdims=keepdims)
    return _const(arr.astype(as_tensor(x).dtype))


# --- averages, spreads, differences, integrals ---------------------------------------------------------------------
@differentiable
def average(x, axis=None, weights=None):
    """Weighted mean along ``axis`` (``weights`` of ``x``'s shape, or 1-D along ``axis``). Shapes: reduced."""
    x = as_tensor(x)
    if weights is None:
        return _mean(x, axis=axis)
    w = as_tensor(weights, like=x)
    if axis is not None and w.ndim == 1 and x.ndim > 1:
        a = _axis1(x, axis, "average")
        from .shape import reshape
        w = reshape(w, tuple(-1 if i == a else 1 for i in range(x.ndim)))
    from .shape import broadcast_to
    shape = get_array_module().broadcast_shapes(x.shape, w.shape)
    return divide(_sum(multiply(x, w), axis=axis), _sum(broadcast_to(w, shape), axis=axis))


@differentiable
def ptp(x, axis=None, keepdims=False):
    """Range ``max - min`` along ``axis``. Shapes: reduced axes removed."""
    return subtract(_max(x, axis=axis, keepdims=keepdims), _min(x, axis=axis, keepdims=keepdims))


@differentiable
def diff(a, n=1, axis=-1):
    """The ``n``-th discrete difference along ``axis``. Shapes: that axis shrinks by ``n``."""
    x = as_tensor(a)
    ax = _axis1(x, axis, "diff")
    lead = (slice(None),) * ax
    for _ in range(int(n)):
        x = subtract(getitem(x, lead + (slice(1, None),)), getitem(x, lead + (slice(None, -1),)))
    return x


@differentiable
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of ``y`` along ``axis`` by the trapezoidal rule (sample points ``x`` or spacing ``dx``).
    Shapes: ``axis`` removed."""
    y = as_tensor(y)
    ax = _axis1(y, axis, "trapezoid")
    lead = (slice(None),) * ax
    mid = (getitem(y, lead + (slice(1, None),)) + getitem(y, lead + (slice(None, -1),))) * 0.5
    step = diff(as_tensor(x, like=y), axis=-1 if as_tensor(x).ndim == 1 else ax) if x is not None else dx
    if x is not None and as_tensor(x).ndim == 1 and y.ndim > 1:
        from .shape import reshape
        step = reshape(step, tuple(-1 if i == ax else 1 for i in range(y.ndim)))
    return _sum(multiply(mid, step), axis=ax)


@differentiable
def corrcoef(x):
    """Pearson correlation coefficients between the rows of ``x``. Shapes: ``(k, n)`` -> ``(k, k)``."""
    x = as_tensor(x)
    if x.ndim == 1:
        from .shape import reshape
        x = reshape(x, (1, -1))
    d = subtract(x, _mean(x, axis=1, keepdims=True))
    from .math import matmul
    from .shape import transpose
    cov = matmul(d, transpose(d))
    s = sqrt(_sum(multiply(d, d), axis=1, keepdims=True))
    return divide(divide(cov, s), transpose(s))


@not_differentiable
def correlate(x1, x2, mode="valid"):
    """1-D cross-correlation (NumPy's ``correlate``; no gradient). Shapes: ``(n,), (m,)`` -> by ``mode``."""
    a, b = as_tensor(x1), as_tensor(x2)
    return _const(get_array_module(a).correlate(a.data, b.data, mode=mode))


# --- counting and searching ----------------------------------------------------------------------------------------
@not_differentiable
def count_nonzero(x, axis=None):
    """Number of non-zero elements along ``axis``. Shapes: reduced axes removed (int)."""
    return _const(get_array_module(as_tensor(x)).asarray(
        get_array_module(as_tensor(x)).count_nonzero(as_tensor(x).data, axis=axis), dtype="int32"))


@not_differentiable
def all(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    """Whether every element is truthy along ``axis``. Shapes: reduced axes removed (bool)."""
    return _const(get_array_module(as_tensor(x)).all(as_tensor(x).data, axis=axis, keepdims=keepdims))


@not_differentiable
def any(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    """Whether some element is truthy along ``axis``. Shapes: reduced axes removed (bool)."""
    return _const(get_array_module(as_tensor(x)).any(as_tensor(x).data, axis=axis, keepdims=keepdims))


@not_differentiable
def nonzero(x):
    """Indices of the non-zero elements, one array per axis. Shapes: a tuple of ``x.ndim`` 1-D int tensors."""
    if as_tensor(x).ndim == 0:  # NumPy refuses it with its own error
        raise ShapeError("nonzero: expected a tensor of at least 1 dimension, got a 0-d one (reshape it to (1,))")
    return tuple(_const(i.astype("int32")) for i in get_array_module(as_tensor(x)).nonzero(as_tensor(x).data))


@not_differentiable
def searchsorted(sorted_sequence, values, side="left"):
    """Insertion positions of ``values`` in the 1-D ``sorted_sequence``. Shapes: values' shape (int)."""
    if side not in ("left", "right"):
        raise ConfigError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    a, v = as_tensor(sorted_sequence).data, as_tensor(values).data
    return _const(get_array_module(a).searchsorted(a, v, side=side).astype("int32"))  # Keras' index dtype


@not_differentiable
def digitize(x, bins):
    """Index of the bin each value of ``x`` falls in. Shapes: x's shape (int)."""
    return _const(get_array_module(as_tensor(x)).digitize(as_tensor(x).data, as_tensor(bins).data).astype("int32"))


@not_differentiable
def bincount(x, weights=None, minlength=0, sparse=False):
    """Occurrences of each non-negative int in ``x`` (weighted). Shapes: ``(n,)`` -> ``(max(x)+1 or minlength,)``."""
    xp = get_array_module()
    arr = as_tensor(x).data
    w = None if weights is None else as_tensor(weights).data
    dtype = "int32" if w is None else w.dtype  # Keras' dtypes: NumPy counts in int64 and weighs in float64
    if arr.ndim == 2:  # Keras: a batch of rows, counted per row
        length = max(int(arr.max()) + 1 if arr.size else 0, int(minlength))
        return _const(xp.stack([xp.bincount(r, None if w is None else wr, length)
                                for r, wr in zip(arr, w if w is not None else [None] * len(arr))]).astype(dtype))
    return _const(xp.bincount(arr, w, int(minlength)).astype(dtype))


@not_differentiable
def histogram(x, bins=10, range=None):  # noqa: A002 - NumPy's name
    """Counts of ``x`` in ``bins`` equal bins and the bin edges. Shapes: ``(n,)`` -> ``((bins,), (bins + 1,))``."""
    counts, edges = get_array_module(as_tensor(x)).histogram(as_tensor(x).data, bins=bins, range=range)
    return _const(counts.astype("int32")), _const(edges.astype(as_tensor(x).dtype))


@not_differentiable
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of ``x1`` is in ``x2``. Shapes: x1's shape (bool)."""
    a, b = as_tensor(x1).data, as_tensor(x2).data
    return _const(get_array_module(a).isin(a, b, assume_unique=assume_unique, invert=invert))


@not_differentiable
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Element-wise ``|x1 - x2| <= atol + rtol * |x2|``. Shapes: broadcast shape (bool)."""
    a, b = as_tensor(x1).data, as_tensor(x2).data
    return _const(get_array_module(a).isclose(a, b, rtol, atol, equal_nan))


@not_differentiable
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether ``isclose`` holds everywhere. Shapes: -> scalar bool."""
    a, b = as_tensor(x1).data, as_tensor(x2).data
    return _const(get_array_module(a).allclose(a, b, rtol, atol, equal_nan))


@not_differentiable
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,  # noqa: A002
           axis=None, size=None, fill_value=None):
    """The distinct values of ``x`` (sorted), optionally the first indices, the inverse indices and the counts, in
    that order. ``size`` pads (values with ``fill_value``, 0 by default; counts with 0; first indices with 1, as
    Keras) or truncates to a static length. Shapes: -> ``(k,)`` (and ``(k,)``, ``x``'s shape, ``(k,)``)."""
    xp = get_array_module()
    out = xp.unique(as_tensor(x).data, return_index=return_index, return_inverse=return_inverse,
                    return_counts=return_counts, axis=axis)
    parts = list(out) if isinstance(out, tuple) else [out]
    if size is not None:
        vals = parts[0][:size]
        pad = size - len(vals)
        if pad > 0:
            vals = xp.concatenate([vals, xp.full(pad, 0 if fill_value is None else fill_value, vals.dtype)])
        parts[0] = vals
        for i, filler in ([(1, 1)] if return_index else []) + ([(-1, 0)] if return_counts else []):
            c = parts[i][:size]
            parts[i] = xp.concatenate([c, xp.full(size - len(c), filler, c.dtype)])
    parts = [_const(p) for p in parts]
    return parts[0] if len(parts) == 1 else tuple(parts)


@not_differentiable
def unravel_index(indices, shape):
    """Flat indices as coordinates in an array of ``shape``. Shapes: a tuple of ``len(shape)`` tensors."""
    return tuple(_const(i) for i in get_array_module(as_tensor(indices)).unravel_index(as_tensor(indices).data, shape))


_ = (fmax, maximum, concatenate, flip, squeeze)

__all__ = ["cumsum", "cumprod", "nancumsum", "nancumprod", "argsort", "sort", "argpartition", "top_k", "in_top_k",
           "quantile", "percentile", "median", "nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanvar",
           "nanstd", "nanargmax", "nanargmin", "nanquantile", "nanpercentile", "nanmedian", "average", "ptp", "diff",
           "trapezoid", "corrcoef", "correlate", "count_nonzero", "all", "any", "nonzero", "searchsorted", "digitize",
           "bincount", "histogram", "isin", "isclose", "allclose", "unique", "unravel_index"]
