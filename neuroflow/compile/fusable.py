"""Which element-wise node classes the fusion pass may merge, and how each reads in C and in NumPy.

One row per :class:`~neuroflow.autograd.function.Function` class: its arity, a C expression of its forward (one
element), one C expression per operand for the gradient contribution, and the NumPy twin of both. The gradient
formulas are the ones the node's own ``backward`` uses, written per element in the same order of operations, so
a fused chain rounds like the chain of nodes except where a C math function (libm's ``expf``, ``tanhf`` ...)
differs from NumPy's SIMD version in the last ulps.

C templates are ``str.format`` patterns over ``{a}``, ``{b}`` (operands), ``{y}`` (the node's value) and ``{g}``
(the gradient arriving at the node); ``T`` is the element type and ``EXP``/``LOG``/... the libm functions of that
type (see :mod:`neuroflow.compile.fusion_c`). Config (a slope, an exponent) is baked in as an exact literal.
"""
from __future__ import annotations

import operator

import numpy as np

from ..backend import get_array_module
from ..ops import activation as act
from ..ops import math as m


class Elementwise:
    """One fusable op: ``short`` name (graph tables), ``arity``, C forward ``c`` and gradients ``c_grads``, the
    array-module twin of both: forward ``np_fwd(xp, *operands, out=None)`` and gradients ``np_grads(xp, g,
    operands, y) -> tuple`` (``xp``: NumPy, CuPy or the strict stand-in, the module of the operands).

    For a differentiable backward (``create_graph=True``): ``tensor_fn(*tensors)`` is the op on Tensors and
    ``graph_grads(g, operands, y)`` its gradient written with Tensor operators and ops (default: ``np_grads``,
    which most rows write with plain operators that Tensors share; NumPy is passed as its ``xp``)."""

    __slots__ = ("short", "arity", "c", "c_grads", "np_fwd", "np_grads", "tensor_fn", "graph_grads")

    def __init__(self, short, arity, c, c_grads, np_fwd, np_grads, tensor_fn=None, graph_grads=None):
        self.short, self.arity, self.c, self.c_grads = short, arity, c, c_grads
        self.np_fwd, self.np_grads = np_fwd, np_grads
        self.tensor_fn, self.graph_grads = tensor_fn, graph_grads or (lambda g, o, y: np_grads(np, g, o, y))


def literal(value) -> str:
    """``value`` as an exact C literal of the element type (a hex float, then rounded to ``T`` like NumPy
    rounds a Python scalar mixed with an array of that type)."""
    return f"((T){float(value).hex()})"


def _sign(xp, x):
    return xp.sign(x)


_ROWS = {
    m.Add: Elementwise("add", 2, "({a} + {b})", ("{g}", "{g}"),
                       lambda xp, a, b, out=None: _u(xp.add, a, b, out=out), lambda xp, g, o, y: (g, g)),
    m.Subtract: Elementwise("sub", 2, "({a} - {b})", ("{g}", "(-{g})"),
                            lambda xp, a, b, out=None: _u(xp.subtract, a, b, out=out), lambda xp, g, o, y: (g, -g)),
    m.Multiply: Elementwise("mul", 2, "({a} * {b})", ("({g} * {b})", "({g} * {a})"),
                            lambda xp, a, b, out=None: _u(xp.multiply, a, b, out=out),
                            lambda xp, g, o, y: (g * o[1], g * o[0])),
    m.Divide: Elementwise("div", 2, "({a} / {b})", ("({g} / {b})", "(((-({g} / {b})) * {a}) / {b})"),
                          lambda xp, a, b, out=None: _u(xp.divide, a, b, out=out),
                          lambda xp, g, o, y: (g / o[1], -(g / o[1]) * o[0] / o[1])),
    m.Negative: Elementwise("neg", 1, "(-{a})", ("(-{g})",),
                            lambda xp, a, out=None: _u(xp.negative, a, out=out), lambda xp, g, o, y: (-g,)),
    m.Exp: Elementwise("exp", 1, "EXP({a})", ("({g} * {y})",),
                       lambda xp, a, out=None: _u(xp.exp, a, out=out), lambda xp, g, o, y: (g * y,)),
    m.Expm1: Elementwise("expm1", 1, "EXPM1({a})", ("({g} * ({y} + (T)1))",),
                         lambda xp, a, out=None: _u(xp.expm1, a, out=out), lambda xp, g, o, y: (g * (y + 1),)),
    m.Log: Elementwise("log", 1, "LOG({a})", ("({g} / {a})",),
                       lambda xp, a, out=None: _u(xp.log, a, out=out), lambda xp, g, o, y: (g / o[0],)),
    m.Log1p: Elementwise("log1p", 1, "LOG1P({a})", ("({g} / ((T)1 + {a}))",),
                         lambda xp, a, out=None: _u(xp.log1p, a, out=out), lambda xp, g, o, y: (g / (1 + o[0]),)),
    m.Square: Elementwise("square", 1, "({a} * {a})", ("(((T)2 * {g}) * {a})",),
                          lambda xp, a, out=None: _u(xp.multiply, a, a, out=out), lambda xp, g, o, y: (2 * g * o[0],)),
    m.Sqrt: Elementwise("sqrt", 1, "SQRT({a})", ("(({g} * (T)0.5) / {y})",),
                        lambda xp, a, out=None: _u(xp.sqrt, a, out=out), lambda xp, g, o, y: (g * 0.5 / y,)),
    m.Abs: Elementwise("abs", 1, "FABS({a})", ("({g} * nf_sign({a}))",),
                       lambda xp, a, out=None: _u(xp.abs, a, out=out), lambda xp, g, o, y: (g * _sign(xp, o[0]),)),
    m.Maximum: Elementwise("max", 2, "nf_max({a}, {b})",
                           ("({g} * nf_share_max({a}, {b}))", "({g} * ((T)1 - nf_share_max({a}, {b})))"),
                           lambda xp, a, b, out=None: _u(xp.maximum, a, b, out=out),
                           lambda xp, g, o, y: _extremum_grads(xp, g, o, o[0] > o[1])),
    m.Minimum: Elementwise("min", 2, "nf_min({a}, {b})",
                           ("({g} * nf_share_min({a}, {b}))", "({g} * ((T)1 - nf_share_min({a}, {b})))"),
                           lambda xp, a, b, out=None: _u(xp.minimum, a, b, out=out),
                           lambda xp, g, o, y: _extremum_grads(xp, g, o, o[0] < o[1])),
    act.Tanh: Elementwise("tanh", 1, "TANH({a})", ("({g} * ((T)1 - {y} * {y}))",),
                          lambda xp, a, out=None: _u(xp.tanh, a, out=out), lambda xp, g, o, y: (g * (1 - y * y),)),
    act.Sigmoid: Elementwise("sigmoid", 1, "nf_sigmoid({a})", ("(({g} * {y}) * ((T)1 - {y}))",),
                             lambda xp, a, out=None: act.stable_sigmoid(xp, a),
                             lambda xp, g, o, y: (g * y * (1 - y),)),
    act.Relu: Elementwise("relu", 1, "nf_relu({a})", ("({g} * ({y} > 0 ? (T)1 : (T)0))",),
                          lambda xp, a, out=None: _u(xp.maximum, a, 0, out=out), lambda xp, g, o, y: (g * (y > 0),)),
    act.Softplus: Elementwise("softplus", 1, "nf_softplus({a})", ("({g} * nf_sigmoid({a}))",),
                              lambda xp, a, out=None: _u(xp.logaddexp, a.dtype.type(0), a, out=out),
                              lambda xp, g, o, y: (g * act.stable_sigmoid(xp, o[0]),)),
    act.Silu: Elementwise("silu", 1, "({a} * nf_sigmoid({a}))",
                          ("(({g} * nf_sigmoid({a})) * ((T)1 + {a} * ((T)1 - nf_sigmoid({a}))))",),
                          lambda xp, a, out=None: _u(xp.multiply, a, act.stable_sigmoid(xp, a), out=out),
                          lambda xp, g, o, y: _silu_grad(xp, g, o[0])),
}


def _u(fn, *operands, out=None):
    """``fn(*operands)``, into ``out`` when given (``out=`` is left out otherwise: CuPy's ``fuse`` traces plain
    calls)."""
    return fn(*operands) if out is None else fn(*operands, out=out)


def _data(t):
    return getattr(t, "data", t)


# Tensor forms for the double backward: masks and signs are constants (their derivative is 0 almost everywhere).
_TENSOR_FNS = {m.Add: m.add, m.Subtract: m.subtract, m.Multiply: m.multiply, m.Divide: m.divide,
               m.Negative: m.negative, m.Exp: m.exp, m.Expm1: m.expm1, m.Log: m.log, m.Log1p: m.log1p,
               m.Square: m.square, m.Sqrt: m.sqrt, m.Abs: m.abs, m.Maximum: m.maximum, m.Minimum: m.minimum,
               act.Tanh: act.tanh, act.Sigmoid: act.sigmoid, act.Relu: act.relu, act.Softplus: act.softplus,
               act.Silu: act.silu}
_GRAPH_GRADS = {
    m.Abs: lambda g, o, y: (g * get_array_module(o[0]).sign(_data(o[0])),),
    m.Maximum: lambda g, o, y: _extremum_graph_grads(g, o, _data(o[0]) > _data(o[1])),
    m.Minimum: lambda g, o, y: _extremum_graph_grads(g, o, _data(o[0]) < _data(o[1])),
    act.Relu: lambda g, o, y: (g * (_data(y) > 0),),
    act.Softplus: lambda g, o, y: (g * act.sigmoid(o[0]),),
    act.Silu: lambda g, o, y: _silu_graph_grad(g, o[0]),
}
for _cls, _row in _ROWS.items():
    _row.tensor_fn = _TENSOR_FNS[_cls]
    _row.graph_grads = _GRAPH_GRADS.get(_cls, _row.graph_grads)


def _extremum_graph_grads(g, o, wins_a):
    a, b = _data(o[0]), _data(o[1])
    share = get_array_module(a).where(a == b, 0.5, wins_a).astype(_data(g).dtype)
    return g * share, g * (1 - share)


def _silu_graph_grad(g, x):
    s = act.sigmoid(x)
    return (g * s * (1 + x * (1 - s)),)


def _extremum_grads(xp, g, o, wins_a):
    share = xp.where(o[0] == o[1], 0.5, wins_a.astype(g.dtype)).astype(g.dtype, copy=False)
    return g * share, g * (1 - share)


def _silu_grad(xp, g, x):
    s = act.stable_sigmoid(xp, x)
    return (g * s * (1 + x * (1 - s)),)


def _power_c(p) -> str:
    """C for ``{a} ** p``: NumPy's fast paths (2, 0.5, 1, -1) as NumPy takes them; small integer powers as
    products (within an ulp of powf, which costs ~20 ns and stops the loop from vectorizing); else powf."""
    special = {0: "((T)1)", 1: "({a})", 2: "({a} * {a})", 3: "(({a} * {a}) * {a})", 4: "(({a} * {a}) * ({a} * {a}))",
               0.5: "SQRT({a})", -1: "((T)1 / {a})"}
    return special.get(p, f"POW({{a}}, {literal(p)})")


def _power_scalar(p) -> Elementwise:
    c = _power_c(p)
    grad = "(({g} * (T)2) * {a})" if p == 2 else f"(({{g}} * {literal(p)}) * {_power_c(p - 1)})"
    return Elementwise("pow", 1, c, (grad,), lambda xp, a, out=None: operator.pow(a, p),
                       lambda xp, g, o, y: ((g * 2 * o[0]) if p == 2 else g * p * o[0] ** (p - 1),),
                       tensor_fn=lambda a: a ** p)


def _leaky_relu(slope) -> Elementwise:
    s = literal(slope)
    return Elementwise("leaky_relu", 1, f"({{a}} > 0 ? {{a}} : {{a}} * {s})", (f"({{a}} > 0 ? {{g}} : {{g}} * {s})",),
                       lambda xp, a, out=None: xp.where(a > 0, a, a * slope),
                       lambda xp, g, o, y: (xp.where(o[0] > 0, g, g * slope),),
                       tensor_fn=lambda a: act.leaky_relu(a, slope),
                       graph_grads=lambda g, o, y: (g * get_array_module(o[0]).where(_data(o[0]) > 0, 1, slope)
                                                    .astype(_data(g).dtype),))


def row_for(node) -> Elementwise | None:
    """The fusion row of ``node`` (exact class match: a subclass may change the math), or None if not fusable."""
    cls = type(node)
    if cls is m.PowerScalar:
        p = node.p
        return _power_scalar(p) if type(p) in (int, float) and np.isfinite(p) else None
    if cls is act.LeakyRelu:
        return _leaky_relu(node.slope) if type(node.slope) in (int, float) else None
    return _ROWS.get(cls)


#: The node classes the fusion pass recognises (for the README and tests).
FUSABLE_CLASSES = tuple(_ROWS) + (m.PowerScalar, act.LeakyRelu)

__all__ = ["Elementwise", "row_for", "literal", "FUSABLE_CLASSES"]
