"""Reductions over axes: sum, mean, prod, max, min, var, std, logsumexp (and argmax/argmin, without gradient).

All take ``axis`` (None = every axis, an int, or a tuple) and ``keepdims``. Backward broadcasts the output's
gradient back over the reduced axes.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_tensor
import numpy

from ..backend import get_array_module
from ._axes import keepdims_shape, normalize_axes
from ..errors import ShapeError
from ._binary import float_input
from .cast import cast
from ._registry import differentiable, not_differentiable


class _Reduction(Function):
    """Base for reductions: remembers the input shape and reduced axes, and expands gradients back."""

    __slots__ = ("shape", "axes", "keepdims")

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def expand(self, g):
        """The output gradient with the reduced axes restored as size-1 axes (broadcastable to the input)."""
        return g if self.keepdims else g.reshape(keepdims_shape(self.shape, self.axes))

    def expand_graph(self, g):
        """:meth:`expand` recorded: ``g`` a Tensor."""
        from .shape import reshape
        return g if self.keepdims else reshape(g, keepdims_shape(self.shape, self.axes))


class Sum(_Reduction):
    __slots__ = ()
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def forward(self, x):
        self.shape = x.shape
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        return (get_array_module(g).broadcast_to(self.expand(g), self.shape),)


class Mean(_Reduction):
    __slots__ = ("count",)
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def forward(self, x):
        self.shape = x.shape
        self.count = 1
        for a in self.axes:
            self.count *= x.shape[a]
        return x.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        return (get_array_module(g).broadcast_to(self.expand(g) / self.count, self.shape),)


class Prod(_Reduction):
    __slots__ = ("x",)

    def forward(self, x):
        self.shape, self.x = x.shape, x
        return x.prod(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        # The product of all *other* elements, from exclusive cumulative products on both sides: exact even where
        # x has zeros (dividing the product by x would give nan there).
        xp = get_array_module(g)
        x = self.x
        kept = [a for a in range(x.ndim) if a not in self.axes]
        moved = xp.transpose(x, kept + list(self.axes))
        flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
        ones = xp.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
        left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(flat, -1)[..., :-1]], axis=-1), axis=-1), -1)
        others = (left * right).reshape(moved.shape)
        inverse = numpy.argsort(kept + list(self.axes))  # host metadata
        others = xp.transpose(others, tuple(int(i) for i in inverse))
        return (self.expand(g) * others,)

    def backward_graph(self, g):
        # d prod / d x_i = prod / x_i where no element is zero; with a zero that rule is wrong (0 / 0), so the
        # product of the others is taken with ops instead (zero-safe, any order of derivative).
        x, = self.inputs
        if (self.x == 0).any():
            return (self.expand_graph(g) * self._others_graph(x),)
        return (self.expand_graph(g) * prod(x, axis=self.axes, keepdims=True) / x,)

    def _others_graph(self, x):
        """For each element, the product of the *other* reduced elements, recorded. Shapes: x's -> x's.

        The n reduced elements become an (n, n) matrix whose row i is x with x_i replaced by 1; each row's
        product is one prod node (n times the work of the forward: only create_graph pays it)."""
        from .shape import reshape, transpose
        xp = get_array_module(x.data)
        kept = [a for a in range(x.ndim) if a not in self.axes]
        moved = transpose(x, kept + list(self.axes))
        flat = reshape(moved, moved.shape[:len(kept)] + (-1, 1))  # (..., n, 1)
        n = flat.shape[-2]
        eye = Tensor._from_op(xp.eye(n, dtype=x.dtype), None)
        rows = reshape(flat, flat.shape[:-2] + (1, n)) * (1 - eye) + eye  # (..., n, n)
        others = reshape(prod(rows, axis=-1), moved.shape)
        inverse = numpy.argsort(kept + list(self.axes))  # host metadata
        return transpose(others, [int(i) for i in inverse])


class _ArgExtremum(_Reduction):
    """max/min: the gradient goes to the extreme elements, split evenly among ties (as TensorFlow and PyTorch's
    amax do)."""

    __slots__ = ("x", "y")
    reducer = "max"

    def forward(self, x):
        self.shape, self.x = x.shape, x
        self.y = getattr(x, self.reducer)(axis=self.axes, keepdims=True)
        return self.y if self.keepdims else self.y.reshape([n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, g):
        hit = (self.x == self.y)
        count = hit.sum(axis=self.axes, keepdims=True)
        return (self.expand(g) * hit / count.astype(g.dtype),)

    def backward_graph(self, g):  # locally linear: a fixed share of g per extreme element
        hit = (self.x == self.y)
        share = (hit / hit.sum(axis=self.axes, keepdims=True)).astype(g.dtype)
        return (self.expand_graph(g) * Tensor._from_op(share, None),)


class Max(_ArgExtremum):
    __slots__ = ()
    reducer = "max"


class Min(_ArgExtremum):
    __slots__ = ()
    reducer = "min"


class Var(_Reduction):
    __slots__ = ("centered", "n")

    def __init__(self, axes, keepdims, ddof):
        super().__init__(axes, keepdims)
        self.n = ddof  # replaced by the divisor in forward

    def forward(self, x):
        self.shape = x.shape
        count = 1
        for a in self.axes:
            count *= x.shape[a]
        self.centered = x - x.mean(axis=self.axes, keepdims=True)
        self.n = count - self.n
        return (self.centered * self.centered).sum(axis=self.axes, keepdims=self.keepdims) / self.n

    def backward(self, g):
        return (self.expand(g) * (2.0 / self.n) * self.centered,)

    def backward_graph(self, g):
        x, = self.inputs
        return (self.expand_graph(g) * (2.0 / self.n) * (x - mean(x, axis=self.axes, keepdims=True)),)


class LogSumExp(_Reduction):
    __slots__ = ("x", "y")

    def forward(self, x):
        xp = get_array_module(x)
        self.shape, self.x = x.shape, x
        # an empty reduction has no maximum: shift by 0, and log(0) gives its -inf (Keras' value)
        m = x.max(axis=self.axes, keepdims=True) if x.size else xp.zeros(keepdims_shape(x.shape, self.axes), x.dtype)
        m = xp.where(xp.isfinite(m), m, 0)  # all -inf rows: keep them -inf instead of nan
        y = xp.log(xp.exp(x - m).sum(axis=self.axes, keepdims=True)) + m
        self.y = y
        return y if self.keepdims else y.reshape([n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, g):
        xp = get_array_module(g)
        return (self.expand(g) * xp.exp(self.x - self.y),)

    def backward_graph(self, g):
        from .math import exp
        x, = self.inputs
        return (self.expand_graph(g) * exp(x - logsumexp(x, axis=self.axes, keepdims=True)),)


def _reduce(cls, x, axis, keepdims, op, *extra):
    # an integer mean, variance or logsumexp is floatx (Keras' rule), a sum, product or extremum keeps the dtype
    x = float_input(x) if op in ("mean", "var", "logsumexp") else as_tensor(x)
    axes = normalize_axes(axis, x.ndim, op)
    y = cls(axes, keepdims, *extra).apply(x)
    if op in ("sum", "prod") and x.dtype.kind in "biu":  # NumPy widens to int64; Keras to at least 32 bits only
        y = Tensor._from_op(y.data.astype(x.dtype if x.dtype.itemsize >= 4 else "int32"), None)
    return y


@differentiable
def sum(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    """Sum over ``axis`` (None: all). Shapes: ``(d0, ..., dn)`` -> the shape without the reduced axes (or with
    them as 1 when ``keepdims``)."""
    return _reduce(Sum, x, axis, keepdims, "sum")


@differentiable
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``. Shapes: as :func:`sum`."""
    return _reduce(Mean, x, axis, keepdims, "mean")


@differentiable
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product over ``axis``, computed in ``dtype`` when given; the gradient is exact also where elements are zero.
    Shapes: as :func:`sum`."""
    return _reduce(Prod, x if dtype is None else cast(as_tensor(x), dtype), axis, keepdims, "prod")


@differentiable
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Maximum over ``axis`` and ``initial`` (when given; an empty ``x`` then gives ``initial``); ties share the
    gradient evenly. Shapes: as :func:`sum`."""
    return _extremum(Max, x, axis, keepdims, "max", initial)


@differentiable
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Minimum over ``axis`` and ``initial`` (when given; an empty ``x`` then gives ``initial``); ties share the
    gradient evenly. Shapes: as :func:`sum`."""
    return _extremum(Min, x, axis, keepdims, "min", initial)


def _extremum(cls, x, axis, keepdims, op, initial):
    from .math import maximum, minimum
    x = as_tensor(x)
    axes = normalize_axes(axis, x.ndim, op)
    if any(x.shape[a] == 0 for a in axes):
        if initial is None:  # NumPy's own error would name a ufunc ("maximum") and no axis
            raise ShapeError(f"{op}: cannot reduce a zero-size axis of a tensor of shape {x.shape} (axis={axis}) "
                             f"without initial")
        shape = tuple(1 if a in axes else n for a, n in enumerate(x.shape) if keepdims or a not in axes)
        return Tensor._from_op(get_array_module(x.data).full(shape, initial, dtype=x.dtype), None)
    y = _reduce(cls, x, axis, keepdims, op)
    return y if initial is None else (maximum if op == "max" else minimum)(y, cast(as_tensor(initial), y.dtype))


@differentiable
def var(x, axis=None, keepdims=False, ddof=0):
    """Variance over ``axis`` (``ddof=0``: population variance, as NumPy and Keras). Shapes: as :func:`sum`."""
    return _reduce(Var, x, axis, keepdims, "var", ddof)


@differentiable
def std(x, axis=None, keepdims=False, ddof=0):
    """Standard deviation over ``axis`` (``ddof=0`` as NumPy and Keras). Shapes: as :func:`sum`."""
    from .math import sqrt
    return sqrt(var(x, axis=axis, keepdims=keepdims, ddof=ddof))


@differentiable
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, computed stably (shifted by the maximum). Shapes: as :func:`sum`."""
    return _reduce(LogSumExp, x, axis, keepdims, "logsumexp")


def _arg(x, axis, keepdims, which):
    x = as_tensor(x)
    if axis is not None:
        normalize_axes(axis, x.ndim, which)
    data = getattr(x.data, which)(axis=axis)
    if keepdims:
        if axis is None:
            data = data.reshape((1,) * x.ndim)
        else:
            data = get_array_module(data).expand_dims(data, axis)
    return Tensor._from_op(data.astype("int32"), None)  # Keras' index dtype


@not_differentiable
def argmax(x, axis=None, keepdims=False):
    """Index of the maximum along ``axis`` (flattened when None), as an int32 tensor without gradient."""
    return _arg(x, axis, keepdims, "argmax")


@not_differentiable
def argmin(x, axis=None, keepdims=False):
    """Index of the minimum along ``axis`` (flattened when None), as an int32 tensor without gradient."""
    return _arg(x, axis, keepdims, "argmin")
