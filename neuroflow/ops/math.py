"""Element-wise arithmetic, powers, exponentials and logarithms, selection, and matrix products.

Every op: forward on arrays, backward next to it. Binary ops broadcast like NumPy, and their backward reduces the
gradient back to each input's shape with :func:`~neuroflow.autograd.function.sum_to`.
"""
from __future__ import annotations

from ..autograd.function import Function, sum_to
from ..autograd.higher_order import sum_to_graph
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from ._binary import apply_broadcasting, binary_inputs, float_input
from .cast import Cast, cast  # noqa: F401 - part of ops.math's names
from ._registry import differentiable


# --- + - * / -----------------------------------------------------------------------------------------------------
class Add(Function):
    __slots__ = ("sa", "sb")
    linear = True  # its backward is differentiable by the generic linear rule (autograd/higher_order.py)

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        return a + b

    def backward(self, g):
        return sum_to(g, self.sa), sum_to(g, self.sb)


class Subtract(Function):
    __slots__ = ("sa", "sb")
    linear = True

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        return a - b

    def backward(self, g):
        return sum_to(g, self.sa), sum_to(-g, self.sb)


class Multiply(Function):
    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        ia, ib = self.inputs
        ga = sum_to(g * self.b, self.a.shape) if ia.requires_grad else None
        gb = sum_to(g * self.a, self.b.shape) if ib.requires_grad else None
        return ga, gb

    def backward_graph(self, g):
        a, b = self.inputs
        return (sum_to_graph(g * b, a.shape) if a.requires_grad else None,
                sum_to_graph(g * a, b.shape) if b.requires_grad else None)


class Divide(Function):
    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        ia, ib = self.inputs
        ga = g / self.b
        gb = sum_to(-ga * self.a / self.b, self.b.shape) if ib.requires_grad else None
        return (sum_to(ga, self.a.shape) if ia.requires_grad else None), gb

    def backward_graph(self, g):
        a, b = self.inputs
        ga = g / b
        return (sum_to_graph(ga, a.shape) if a.requires_grad else None,
                sum_to_graph(-ga * a / b, b.shape) if b.requires_grad else None)


@differentiable
def add(x1, x2):
    """``x1 + x2`` with broadcasting. Shapes: any two broadcastable shapes -> the broadcast shape."""
    a, b = binary_inputs(x1, x2)
    return apply_broadcasting(Add(), "add", a, b)


@differentiable
def subtract(x1, x2):
    """``x1 - x2`` with broadcasting. Shapes: any two broadcastable shapes -> the broadcast shape."""
    a, b = binary_inputs(x1, x2)
    return apply_broadcasting(Subtract(), "subtract", a, b)


@differentiable
def multiply(x1, x2):
    """``x1 * x2`` element-wise with broadcasting. Shapes: broadcastable -> broadcast shape."""
    a, b = binary_inputs(x1, x2)
    return apply_broadcasting(Multiply(), "multiply", a, b)


@differentiable
def divide(x1, x2):
    """``x1 / x2`` element-wise with broadcasting (integers divide into floatx, as in Keras). Shapes: broadcastable
    -> broadcast shape."""
    a, b = binary_inputs(x1, x2)
    if a.dtype.kind != "f":
        a, b = float_input(a), float_input(b)
    return apply_broadcasting(Divide(), "divide", a, b)


class Negative(Function):
    __slots__ = ()
    linear = True

    def forward(self, x):
        return -x

    def backward(self, g):
        return (-g,)


@differentiable
def negative(x):
    """``-x``. Shapes: any -> same."""
    return Negative().apply(as_tensor(x))


# --- powers ----------------------------------------------------------------------------------------------------
def _integer_power(xp, a, b):
    """``a ** b`` on integers, a negative ``b`` included (NumPy refuses it): 1 / a^|b| truncated towards zero, which
    is ``a^|b|`` for ``a = +-1`` and 0 otherwise, as PyTorch (and so Keras) computes it."""
    if type(b) is float or (b >= 0 if type(b) is int else b.dtype.kind in "bu"):
        return a ** b
    y = a ** (-b if type(b) is int else xp.abs(b))
    return xp.where((b < 0) & (xp.abs(a) != 1), xp.zeros_like(y), y)


class PowerScalar(Function):
    """``x ** p`` for a constant exponent ``p`` (the common case: no log needed)."""

    __slots__ = ("x", "p")

    def __init__(self, p):
        self.p = p

    def forward(self, x):
        self.x = x
        return _integer_power(get_array_module(x), x, self.p) if x.dtype.kind in "iu" else x ** self.p

    def backward(self, g):
        p = self.p
        if p == 2:
            return (g * 2 * self.x,)
        return (g * p * self.x ** (p - 1),)

    def backward_graph(self, g):
        x, = self.inputs
        return (g * (2 * x) if self.p == 2 else g * (self.p * x ** (self.p - 1)),)


class Power(Function):
    __slots__ = ("a", "b", "y")

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = _integer_power(get_array_module(a), a, b) if a.dtype.kind in "iu" else a ** b
        return self.y

    def backward(self, g):
        xp = get_array_module(g)
        ia, ib = self.inputs
        ga = sum_to(g * self.b * self.a ** (self.b - 1), self.a.shape) if ia.requires_grad else None
        gb = None
        if ib.requires_grad:
            # d(a^b)/db = a^b log a; where a == 0 the limit is 0 (for b > 0), so avoid log(0) = -inf there.
            safe = xp.where(self.a > 0, self.a, 1)
            gb = sum_to(g * self.y * xp.log(safe), self.b.shape)
        return ga, gb

    def backward_graph(self, g):
        a, b = self.inputs
        ga = sum_to_graph(g * b * a ** (b - 1), a.shape) if a.requires_grad else None
        gb = None
        if b.requires_grad:
            positive = get_array_module(self.a).where(self.a > 0, self.a, 1)  # as backward: the limit 0 at a == 0
            safe = where(self.a > 0, a, Tensor._from_op(positive, None))
            gb = sum_to_graph(g * a ** b * log(safe), b.shape)
        return ga, gb


@differentiable
def power(x1, x2):
    """``x1 ** x2`` element-wise. A Python-number exponent takes a faster path. Shapes: broadcastable."""
    a, b = x1, x2
    # type(), not isinstance: np.float64 subclasses float and would upcast a float32 base in the fast path.
    if isinstance(a, Tensor) and type(b) in (int, float):
        return PowerScalar(b).apply(float_input(a) if type(b) is float else a)  # int ** 2.5 is floatx
    a, b = binary_inputs(a, b)
    return apply_broadcasting(Power(), "power", a, b)


class Square(Function):
    __slots__ = ("x",)

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, g):
        return (2 * g * self.x,)

    def backward_graph(self, g):
        return (g * (2 * self.inputs[0]),)


@differentiable
def square(x):
    """``x ** 2`` (bool squares to int32, as in Keras). Shapes: any -> same."""
    x = as_tensor(x)
    return Square().apply(cast(x, "int32") if x.dtype == bool else x)


class Sqrt(Function):
    __slots__ = ("y",)

    def forward(self, x):
        self.y = get_array_module(x).sqrt(x)
        return self.y

    def backward(self, g):
        return (g * 0.5 / self.y,)

    def backward_graph(self, g):
        return (g * 0.5 / sqrt(self.inputs[0]),)


@differentiable
def sqrt(x):
    """Square root. Shapes: any -> same. The gradient at 0 is inf, as in NumPy/PyTorch."""
    return Sqrt().apply(float_input(x))


# --- exponentials and logarithms -----------------------------------------------------------------------------------
class Exp(Function):
    __slots__ = ("y",)

    def forward(self, x):
        self.y = get_array_module(x).exp(x)
        return self.y

    def backward(self, g):
        return (g * self.y,)

    def backward_graph(self, g):
        return (g * exp(self.inputs[0]),)


class Expm1(Function):
    __slots__ = ("y",)

    def forward(self, x):
        self.y = get_array_module(x).expm1(x)
        return self.y

    def backward(self, g):
        return (g * (self.y + 1),)

    def backward_graph(self, g):
        return (g * exp(self.inputs[0]),)


class Log(Function):
    __slots__ = ("x",)

    def forward(self, x):
        self.x = x
        return get_array_module(x).log(x)

    def backward(self, g):
        return (g / self.x,)

    def backward_graph(self, g):
        return (g / self.inputs[0],)


class Log1p(Function):
    __slots__ = ("x",)

    def forward(self, x):
        self.x = x
        return get_array_module(x).log1p(x)

    def backward(self, g):
        return (g / (1 + self.x),)

    def backward_graph(self, g):
        return (g / (1 + self.inputs[0]),)


@differentiable
def exp(x):
    """``e ** x``. Shapes: any -> same."""
    return Exp().apply(float_input(x))


@differentiable
def expm1(x):
    """``e ** x - 1``, accurate for small ``x``. Shapes: any -> same."""
    return Expm1().apply(float_input(x))


@differentiable
def log(x):
    """Natural logarithm. Shapes: any -> same."""
    return Log().apply(float_input(x))


@differentiable
def log1p(x):
    """``log(1 + x)``, accurate for small ``x``. Shapes: any -> same."""
    return Log1p().apply(float_input(x))


# --- magnitude and selection ------------------------------------------------------------------------------------------
class Abs(Function):
    __slots__ = ("x",)

    def forward(self, x):
        self.x = x
        return get_array_module(x).abs(x)

    def backward(self, g):
        return (g * get_array_module(g).sign(self.x),)

    def backward_graph(self, g):  # the derivative is piecewise constant: a mask times g
        return (g * _constant(get_array_module(self.x).sign(self.x)),)


@differentiable
def abs(x):  # noqa: A001 - NumPy's name
    """``|x|``; the gradient at 0 is 0 (as in PyTorch). Shapes: any -> same."""
    return Abs().apply(as_tensor(x))


class _Extremum(Function):
    """Element-wise maximum/minimum; where both inputs are equal the gradient is split evenly (as PyTorch does)."""

    __slots__ = ("a", "b")
    pick = None

    def forward(self, a, b):
        self.a, self.b = a, b
        return self.pick(get_array_module(a), a, b)

    def backward(self, g):
        xp = get_array_module(g)
        a, b = self.a, self.b
        wins_a = (a > b) if self.pick is _max else (a < b)
        share = xp.where(a == b, 0.5, wins_a.astype(g.dtype)).astype(g.dtype, copy=False)
        return sum_to(g * share, a.shape), sum_to(g * (1 - share), b.shape)

    def backward_graph(self, g):
        xp = get_array_module(self.a)
        a, b = self.a, self.b
        wins_a = (a > b) if self.pick is _max else (a < b)
        share = xp.where(a == b, 0.5, wins_a).astype(g.dtype)
        return (sum_to_graph(g * _constant(share), a.shape), sum_to_graph(g * _constant(1 - share), b.shape))


def _max(xp, a, b):
    return xp.maximum(a, b)


def _min(xp, a, b):
    return xp.minimum(a, b)


class Maximum(_Extremum):
    __slots__ = ()
    pick = staticmethod(_max)


class Minimum(_Extremum):
    __slots__ = ()
    pick = staticmethod(_min)


@differentiable
def maximum(x1, x2):
    """Element-wise maximum with broadcasting. Shapes: broadcastable -> broadcast shape."""
    a, b = binary_inputs(x1, x2)
    return apply_broadcasting(Maximum(), "maximum", a, b)


@differentiable
def minimum(x1, x2):
    """Element-wise minimum with broadcasting. Shapes: broadcastable -> broadcast shape."""
    a, b = binary_inputs(x1, x2)
    return apply_broadcasting(Minimum(), "minimum", a, b)


class Clip(Function):
    __slots__ = ("x", "lo", "hi")

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        self.x = x
        return get_array_module(x).clip(x, self.lo, self.hi)

    def backward(self, g):
        x = self.x
        inside = True
        if self.lo is not None:
            inside = x >= self.lo
        if self.hi is not None:
            inside = inside & (x <= self.hi)
        return (g * inside,)

    def backward_graph(self, g):
        inside = self.backward(get_array_module(self.x).ones_like(self.x))[0]
        return (g * _constant(inside.astype(g.dtype, copy=False)),)


@differentiable
def clip(x, x_min=None, x_max=None):
    """Limit values to ``[x_min, x_max]`` (either may be ``None``); the gradient passes inside the bounds
    (inclusive), as in PyTorch's ``clamp``. Shapes: any -> same."""
    x = as_tensor(x)
    return Clip(x_min, x_max).apply(x)


class Where(Function):
    __slots__ = ("cond", "sa", "sb")
    linear = True  # in (x, y), for its fixed condition

    def __init__(self, cond):
        self.cond = cond

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        return get_array_module(a).where(self.cond, a, b)

    def backward(self, g):
        zero = g.dtype.type(0)
        xp = get_array_module(g)
        return sum_to(xp.where(self.cond, g, zero), self.sa), sum_to(xp.where(self.cond, zero, g), self.sb)


@differentiable
def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` is true, else ``x2`` (all three broadcast). The gradient flows to the chosen
    side. Without ``x1`` and ``x2``: the indices of the true entries (``nonzero(condition)``), as Keras.

    Shapes: condition, x1, x2 broadcastable -> the broadcast shape.
    """
    if x1 is None and x2 is None:  # statistics.nonzero, written here: statistics imports this module
        cond = as_tensor(condition)
        if cond.ndim == 0:
            raise ShapeError("where: a condition without x1 and x2 needs at least 1 dimension, got a 0-d one")
        return tuple(Tensor._from_op(i.astype("int32"), None) for i in get_array_module(cond.data).nonzero(cond.data))
    if x1 is None or x2 is None:
        raise ConfigError(f"where: x1 and x2 must both be given or both be None, got "
                          f"{'x2' if x1 is None else 'x1'} only")
    cond = condition.data if isinstance(condition, Tensor) else get_array_module().asarray(condition)
    x, y = binary_inputs(x1, x2)
    try:
        return Where(cond.astype(bool, copy=False)).apply(x, y)
    except ValueError as err:
        raise ShapeError(f"where: condition {cond.shape}, x {x.shape} and y {y.shape} cannot be broadcast "
                         f"together") from err


# --- matrix products ---------------------------------------------------------------------------------------------
class MatMul(Function):
    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, g):
        a, b = self.a, self.b
        ia, ib = self.inputs
        xp = get_array_module(g)
        # 1-D operands behave as a row (left) or column (right) vector; lift them so one rule serves all.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if b.ndim == 1:
            g2 = xp.expand_dims(g2, -1)
        if a.ndim == 1:
            g2 = xp.expand_dims(g2, -2)
        ga = gb = None
        if ia.requires_grad:
            ga = sum_to(g2 @ xp.swapaxes(b2, -1, -2), a2.shape)
            if ga.shape != a.shape:  # (a view would make the leaf's .grad a copy: see graph.run_backward)
                ga = ga.reshape(a.shape)
        if ib.requires_grad:
            if b2.ndim == 2 and a2.ndim > 2:
                # A (k, m) weight applied to a batch: fold the batch axes into one GEMM instead of a batched
                # product followed by a sum.
                gb = a2.reshape(-1, a2.shape[-1]).T @ g2.reshape(-1, g2.shape[-1])
            else:
                gb = sum_to(xp.swapaxes(a2, -1, -2) @ g2, b2.shape)
            if gb.shape != b.shape:
                gb = gb.reshape(b.shape)
        return ga, gb

    def backward_graph(self, g):
        return _matmul_backward_graph(self, g)


def _matmul_backward_graph(node, g):
    """MatMul's gradients as graph ops: 1-D operands lifted to matrices, as in ``MatMul.backward``."""
    a, b = node.inputs
    a2 = a.reshape((1,) + a.shape) if a.ndim == 1 else a
    b2 = b.reshape(b.shape + (1,)) if b.ndim == 1 else b
    g2 = g
    if b.ndim == 1:
        g2 = g2.reshape(g2.shape + (1,))
    if a.ndim == 1:
        g2 = g2.reshape(g2.shape[:-1] + (1,) + g2.shape[-1:])
    ga = gb = None
    if a.requires_grad:
        ga = sum_to_graph(matmul(g2, _swap_last(b2)), a2.shape).reshape(a.shape)
    if b.requires_grad:
        gb = sum_to_graph(matmul(_swap_last(a2), g2), b2.shape).reshape(b.shape)
    return ga, gb


def _swap_last(t):
    from .shape import transpose
    axes = list(range(t.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(t, axes)


def _constant(arr):
    """An array as a Tensor outside the graph (masks and other locally constant factors of a derivative)."""
    return Tensor._from_op(arr, None)


@differentiable
def matmul(x1, x2):
    """Matrix product with NumPy's rules: batched over leading axes, which broadcast; 1-D operands are vectors.

    Shapes: ``(..., n, k) @ (..., k, m) -> (..., n, m)``; ``(k,) @ (k, m) -> (m,)``; ``(n, k) @ (k,) -> (n,)``.
    """
    a, b = binary_inputs(x1, x2)
    if a.dtype == "int8":  # Keras accumulates int8 products in int32 (int8 would overflow at once)
        a, b = cast(a, "int32"), cast(b, "int32")
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: operands must have at least 1 dimension, got shapes {a.shape} and {b.shape}")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise ShapeError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: the last axis of the first "
                         f"({ka}) must equal the {'second-to-last' if b.ndim > 1 else 'only'} axis of the "
                         f"second ({kb})")
    return apply_broadcasting(MatMul(), "matmul (batch axes)", a, b)


@differentiable
def dot(x1, x2):
    """Keras' ``ops.dot``: :func:`matmul`, or :func:`multiply` when either operand is 0-d; int8 operands give int8,
    as in Keras (only ``matmul`` widens them to int32). Shapes: as ``matmul``, or as ``multiply`` for a 0-d one."""
    a, b = binary_inputs(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    return cast(matmul(a, b), "int8") if a.dtype == "int8" else matmul(a, b)
