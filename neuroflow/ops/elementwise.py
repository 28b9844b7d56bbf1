"""Element-wise math beyond arithmetic, as derivative rules in a table: trigonometry, hyperbolic functions,
logarithms in other bases, roots, the error function, and two-argument functions (``arctan2``, ``hypot``,
``logaddexp``, ``fmod``...), plus the element-wise functions that have no gradient (rounding, tests, bits).

Each differentiable function is one row: a forward ``f(xp, x)`` and a derivative ``f'(xp, x, y)`` written with
the array namespace ``xp`` (NumPy's names), so a rule reads like its formula. One :class:`Unary` (and one
:class:`Binary`) node class serves every row. Shapes: element-wise (binary rows broadcast like NumPy).
"""
from __future__ import annotations

import math

from ..autograd.function import Function, sum_to
from ..autograd.higher_order import sum_to_graph
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module
from ._binary import apply_broadcasting, binary_inputs, float_input as _float_input, python_number
from ._registry import differentiable, not_differentiable
from .activation import _erf_and_derivative

_LN2, _LN10, _SQRT_PI = math.log(2.0), math.log(10.0), math.sqrt(math.pi)


def _erf(xp, x):
    return _erf_and_derivative(xp, x)[0]


def _erf_grad(xp, x, y):
    return _erf_and_derivative(xp, x)[1]


def _erfc(xp, x):
    # 1 - erf(x) loses every digit for large x; A&S computes erfc(|x|) = poly * e^{-x^2} directly.
    e = 1 - _erf_and_derivative(xp, xp.abs(x))[0]
    return xp.where(x >= 0, e, 2 - e)


def _erfinv(xp, x):
    # Giles' single-precision approximation, then two Newton steps on this module's own erf, so that
    # erf(erfinv(x)) == x to rounding and the derivative 1 / erf'(y) agrees with the forward.
    w = -xp.log((1 - x) * (1 + x))
    small = w < 5
    ws, wl = w - 2.5, xp.sqrt(xp.maximum(w, 5)) - 3
    ps = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
              0.246640727, 1.50140941):
        ps = c + ps * ws
    pl = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
              1.00167406, 2.83297682):
        pl = c + pl * wl
    y = xp.where(small, ps, pl) * x
    with_edges = xp.abs(x) < 1
    for _ in range(2):
        erf, derf = _erf_and_derivative(xp, y)
        y = xp.where(with_edges, y - (erf - x) / xp.where(derf > 0, derf, 1), y)
    return xp.where(x >= 1, xp.inf, xp.where(x <= -1, -xp.inf, y)).astype(x.dtype, copy=False)


def _sinc_grad(xp, x, y):
    px = math.pi * x
    safe = xp.where(x == 0, 1, px)
    return xp.where(x == 0, 0, (xp.cos(px) * math.pi - y * math.pi) / safe)


#: name -> (forward(xp, x), derivative(xp, x, y), Keras docstring line)
UNARY = {
    "sin": (lambda xp, x: xp.sin(x), lambda xp, x, y: xp.cos(x), "sine"),
    "cos": (lambda xp, x: xp.cos(x), lambda xp, x, y: -xp.sin(x), "cosine"),
    "tan": (lambda xp, x: xp.tan(x), lambda xp, x, y: 1 + y * y, "tangent"),
    "arcsin": (lambda xp, x: xp.arcsin(x), lambda xp, x, y: 1 / xp.sqrt(1 - x * x), "inverse sine"),
    "arccos": (lambda xp, x: xp.arccos(x), lambda xp, x, y: -1 / xp.sqrt(1 - x * x), "inverse cosine"),
    "arctan": (lambda xp, x: xp.arctan(x), lambda xp, x, y: 1 / (1 + x * x), "inverse tangent"),
    "sinh": (lambda xp, x: xp.sinh(x), lambda xp, x, y: xp.cosh(x), "hyperbolic sine"),
    "cosh": (lambda xp, x: xp.cosh(x), lambda xp, x, y: xp.sinh(x), "hyperbolic cosine"),
    "arcsinh": (lambda xp, x: xp.arcsinh(x), lambda xp, x, y: 1 / xp.sqrt(x * x + 1), "inverse hyperbolic sine"),
    "arccosh": (lambda xp, x: xp.arccosh(x), lambda xp, x, y: 1 / xp.sqrt(x * x - 1), "inverse hyperbolic cosine"),
    "arctanh": (lambda xp, x: xp.arctanh(x), lambda xp, x, y: 1 / (1 - x * x), "inverse hyperbolic tangent"),
    "cbrt": (lambda xp, x: xp.cbrt(x), lambda xp, x, y: 1 / (3 * y * y), "cube root"),
    "exp2": (lambda xp, x: xp.exp2(x), lambda xp, x, y: y * _LN2, "2 to the power x"),
    "log2": (lambda xp, x: xp.log2(x), lambda xp, x, y: 1 / (x * _LN2), "base-2 logarithm"),
    "log10": (lambda xp, x: xp.log10(x), lambda xp, x, y: 1 / (x * _LN10), "base-10 logarithm"),
    "reciprocal": (lambda xp, x: 1 / x, lambda xp, x, y: -y * y, "1 / x"),
    "rsqrt": (lambda xp, x: 1 / xp.sqrt(x), lambda xp, x, y: -0.5 * y * y * y, "1 / sqrt(x)"),
    "erf": (_erf, _erf_grad, "the error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7)"),
    "erfc": (_erfc, lambda xp, x, y: -_erf_grad(xp, x, y), "the complementary error function 1 - erf(x)"),
    "erfinv": (_erfinv, lambda xp, x, y: 1 / _erf_and_derivative(xp, y)[1], "the inverse error function"),
    "sinc": (lambda xp, x: xp.sinc(x), _sinc_grad, "sin(pi x) / (pi x), 1 at 0"),
    "deg2rad": (lambda xp, x: x * (math.pi / 180), lambda xp, x, y: xp.full_like(x, math.pi / 180),
                "degrees to radians"),
    "rad2deg": (lambda xp, x: x * (180 / math.pi), lambda xp, x, y: xp.full_like(x, 180 / math.pi),
                "radians to degrees"),
}


class Unary(Function):
    """One element-wise function from :data:`UNARY`: ``y = f(x)``, ``dx = g * f'(x, y)``.

    Each row gets its own subclass (``rule`` and ``label`` as class attributes), so graph tables name the
    function and nothing but the saved arrays is released after backward.
    """

    __slots__ = ("x", "y")
    rule = ""

    def forward(self, x):
        xp = get_array_module(x)
        self.x = x
        self.y = UNARY[self.rule][0](xp, x)
        return self.y

    def backward(self, g):
        return (g * UNARY[self.rule][1](get_array_module(g), self.x, self.y),)

    def backward_graph(self, g):
        # The same rule with recorded ops as its ``xp`` (that is why rules are written against a namespace).
        x = self.inputs[0]
        return (g * UNARY[self.rule][1](_graph_xp(), x, type(self)().apply(x)),)


def _trunc_div(xp, a, b):
    return xp.trunc(a / b)


#: name -> (forward(xp, a, b), (d/da, d/db) as functions of (xp, a, b, y), docstring line)
BINARY = {
    "arctan2": (lambda xp, a, b: xp.arctan2(a, b),
                (lambda xp, a, b, y: b / (a * a + b * b), lambda xp, a, b, y: -a / (a * a + b * b)),
                "the angle of the point (b, a): arctan(a / b) in the right quadrant"),
    "hypot": (lambda xp, a, b: xp.hypot(a, b), (lambda xp, a, b, y: a / y, lambda xp, a, b, y: b / y),
              "sqrt(a^2 + b^2) without overflow"),
    "logaddexp": (lambda xp, a, b: xp.logaddexp(a, b),
                  (lambda xp, a, b, y: xp.exp(a - y), lambda xp, a, b, y: xp.exp(b - y)),
                  "log(exp(a) + exp(b)), stable"),
    "logaddexp2": (lambda xp, a, b: xp.logaddexp2(a, b),
                   (lambda xp, a, b, y: xp.exp2(a - y), lambda xp, a, b, y: xp.exp2(b - y)),
                   "log2(2^a + 2^b), stable"),
    "fmod": (lambda xp, a, b: xp.fmod(a, b), (lambda xp, a, b, y: xp.ones_like(y),
                                              lambda xp, a, b, y: -_trunc_div(xp, a, b)),
             "the remainder of a / b with the sign of a (C's fmod)"),
    "mod": (lambda xp, a, b: xp.mod(a, b), (lambda xp, a, b, y: xp.ones_like(y),
                                            lambda xp, a, b, y: -xp.floor(a / b)),
            "the remainder of a / b with the sign of b (Python's %)"),
    "fmax": (lambda xp, a, b: xp.fmax(a, b),
             (lambda xp, a, b, y: ((a >= b) | xp.isnan(b)).astype(y.dtype),
              lambda xp, a, b, y: ((a < b) | xp.isnan(a)).astype(y.dtype)),
             "the larger of a and b, ignoring NaN"),
    "fmin": (lambda xp, a, b: xp.fmin(a, b),
             (lambda xp, a, b, y: ((a <= b) | xp.isnan(b)).astype(y.dtype),
              lambda xp, a, b, y: ((a > b) | xp.isnan(a)).astype(y.dtype)),
             "the smaller of a and b, ignoring NaN"),
}


class Binary(Function):
    """One two-argument function from :data:`BINARY`, broadcasting like NumPy (a subclass per row)."""

    __slots__ = ("a", "b", "y")
    rule = ""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = BINARY[self.rule][0](get_array_module(a), a, b)
        return self.y

    def backward(self, g):
        xp = get_array_module(g)
        da, db = BINARY[self.rule][1]
        ia, ib = self.inputs
        ga = sum_to(g * da(xp, self.a, self.b, self.y), self.a.shape) if ia.requires_grad else None
        gb = sum_to(g * db(xp, self.a, self.b, self.y), self.b.shape) if ib.requires_grad else None
        return ga, gb

    def backward_graph(self, g):
        xp = _graph_xp()
        da, db = BINARY[self.rule][1]
        a, b = self.inputs
        y = type(self)().apply(a, b)
        ga = sum_to_graph(g * da(xp, a, b, y), a.shape) if a.requires_grad else None
        gb = sum_to_graph(g * db(xp, a, b, y), b.shape) if b.requires_grad else None
        return ga, gb


class _GraphNamespace:
    """NumPy's names as recorded ops, for the derivative rules above (``xp.cos`` is this module's ``cos``...);
    functions without a gradient (``floor``, ``isnan``...) give constants, as they should."""

    def __getattr__(self, name):
        from . import creation, math as math_ops
        for namespace in (globals(), vars(math_ops), vars(creation)):
            if name in namespace and callable(namespace[name]):
                return namespace[name]
        raise AttributeError(f"no recorded op {name!r} for a derivative rule")


def _graph_xp():
    return _GRAPH_XP


_GRAPH_XP = _GraphNamespace()


def _node_class(base, name):
    return type(name.title().replace("_", ""), (base,), {"__slots__": (), "rule": name, "label": name,
                                                          "__module__": __name__})


def _make_unary(name):
    node = _node_class(Unary, name)

    def op(x):
        return node().apply(_float_input(x))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise {UNARY[name][2]}. Shapes: any -> same."
    return differentiable(op)


def _make_binary(name):
    node = _node_class(Binary, name)

    def op(x1, x2):
        a, b = binary_inputs(x1, x2)
        if a.dtype.kind != "f" and name not in ("mod", "fmod", "fmax", "fmin"):  # these keep integers, as in Keras
            a, b = _float_input(a), _float_input(b)
        return apply_broadcasting(node(), name, a, b)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise {BINARY[name][2]}. Shapes: two broadcastable shapes -> the broadcast shape."
    return differentiable(op)


for _name in UNARY:
    globals()[_name] = _make_unary(_name)
for _name in BINARY:
    globals()[_name] = _make_binary(_name)


# --- element-wise functions without a gradient (their derivative is zero or undefined almost everywhere) -------
def _data(x):
    return x.data if isinstance(x, Tensor) else get_array_module().asarray(x)


#: the functions whose integer (and bool) inputs Keras computes in floatx, by the dtype kinds converted
_FLOATX_FOR = {"floor": "biu", "ceil": "biu", "nextafter": "biu", "heaviside": "iu", "i0": "biu", "angle": "biu",
               "ldexp": "biu"}


def _make_constant(name, fn, doc, params):
    def compute(*args):
        args = binary_inputs(*args) if len(args) == 2 else [  # Keras' promotion and Python numbers
            python_number(a) if type(a) in (bool, int, float) else as_tensor(a) for a in args]
        args = [_float_input(a) if a.dtype.kind in _FLOATX_FOR.get(name, "") else a for a in args]
        arr = get_array_module().asarray(fn(get_array_module(), *[a.data for a in args]))
        return Tensor(arr, dtype=arr.dtype)
    # Keras' parameter names, so that keyword calls (ops.bitwise_and(x=..., y=...)) work
    op = {"x": lambda x: compute(x), "x1 x2": lambda x1, x2: compute(x1, x2),
          "x y": lambda x, y: compute(x, y)}[params]
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{doc} (no gradient). Shapes: element-wise, broadcasting -> the broadcast shape."
    return not_differentiable(op)


CONSTANT = {
    "sign": (lambda xp, x: x.copy() if x.dtype == bool else xp.sign(x), "-1, 0 or 1 by the sign of x", "x"),
    "floor": (lambda xp, x: xp.floor(x), "the largest integer <= x", "x"),
    "ceil": (lambda xp, x: xp.ceil(x), "the smallest integer >= x", "x"),
    "trunc": (lambda xp, x: xp.trunc(x), "x rounded towards zero", "x"),
    "isnan": (lambda xp, x: xp.isnan(x), "whether x is NaN", "x"),
    "isinf": (lambda xp, x: xp.isinf(x), "whether x is +inf or -inf", "x"),
    "isfinite": (lambda xp, x: xp.isfinite(x), "whether x is finite", "x"),
    "isneginf": (lambda xp, x: xp.isneginf(x), "whether x is -inf", "x"),
    "isposinf": (lambda xp, x: xp.isposinf(x), "whether x is +inf", "x"),
    "isreal": (lambda xp, x: xp.isreal(x), "whether x has no imaginary part", "x"),
    "signbit": (lambda xp, x: xp.signbit(x), "whether the sign bit of x is set", "x"),
    "logical_xor": (lambda xp, a, b: xp.logical_xor(a, b), "a XOR b as booleans", "x1 x2"),
    "floor_divide": (lambda xp, a, b: xp.floor_divide(a, b), "floor(a / b)", "x1 x2"),
    "heaviside": (lambda xp, a, b: xp.heaviside(a, b).astype(a.dtype, copy=False),  # bool stays bool, as in Keras
                  "0 where a < 0, b where a == 0, 1 where a > 0", "x1 x2"),
    "nextafter": (lambda xp, a, b: xp.nextafter(a, b), "the next float after a towards b", "x1 x2"),
    "ldexp": (lambda xp, a, b: xp.ldexp(a, xp.asarray(b).astype("int32")), "a * 2**b", "x1 x2"),
    "gcd": (lambda xp, a, b: xp.gcd(a, b), "the greatest common divisor of integers", "x1 x2"),
    "lcm": (lambda xp, a, b: xp.lcm(a, b), "the least common multiple of integers", "x1 x2"),
    "bitwise_and": (lambda xp, a, b: xp.bitwise_and(a, b), "bitwise AND of integers", "x y"),
    "bitwise_or": (lambda xp, a, b: xp.bitwise_or(a, b), "bitwise OR of integers", "x y"),
    "bitwise_xor": (lambda xp, a, b: xp.bitwise_xor(a, b), "bitwise XOR of integers", "x y"),
    "bitwise_invert": (lambda xp, x: xp.invert(x), "bitwise NOT of integers", "x"),
    "bitwise_not": (lambda xp, x: xp.invert(x), "bitwise NOT of integers", "x"),
    "bitwise_left_shift": (lambda xp, a, b: xp.left_shift(a, b), "a shifted left by b bits", "x y"),
    "bitwise_right_shift": (lambda xp, a, b: xp.right_shift(a, b), "a shifted right by b bits", "x y"),
    "left_shift": (lambda xp, a, b: xp.left_shift(a, b), "a shifted left by b bits", "x y"),
    "right_shift": (lambda xp, a, b: xp.right_shift(a, b), "a shifted right by b bits", "x y"),
    "i0": (lambda xp, x: xp.i0(x), "the modified Bessel function of the first kind, order 0", "x"),
    "angle": (lambda xp, x: xp.angle(x), "the complex argument (0 or pi for real x)", "x"),
}
for _name, (_fn, _doc, _n) in CONSTANT.items():
    globals()[_name] = _make_constant(_name, _fn, _doc, _n)


@differentiable
def divide_no_nan(x1, x2):
    """``x1 / x2``, and 0 where ``x2 == 0`` (no NaN or inf, no gradient through those entries).
    Shapes: two broadcastable shapes -> the broadcast shape."""
    from .math import divide, where
    a, b = binary_inputs(x1, x2)
    zero = b.data == 0
    return where(zero, 0.0, divide(a, where(zero, 1.0, b)))


@not_differentiable
def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` turned into a function over arrays, element by element (NumPy's ``vectorize``; no gradient).
    Shapes: broadcast of the inputs."""
    fn = get_array_module().vectorize(pyfunc, excluded=excluded, signature=signature)

    def vectorized(*args, **kwargs):
        out = fn(*[_data(a) for a in args], **kwargs)
        if isinstance(out, tuple):
            return tuple(Tensor(o, dtype=o.dtype) for o in out)
        out = get_array_module().asarray(out)
        return Tensor(out, dtype=out.dtype)
    return vectorized


@not_differentiable
def round(x, decimals=0):  # noqa: A001 - NumPy's and Keras' name
    """``x`` rounded to ``decimals`` decimals, halves to even (no gradient). Shapes: any -> same."""
    arr = get_array_module(_data(x)).round(_data(x), int(decimals))
    return Tensor(arr, dtype=arr.dtype)


__all__ = sorted(UNARY) + sorted(BINARY) + sorted(CONSTANT) + ["round", "divide_no_nan", "vectorize"]
