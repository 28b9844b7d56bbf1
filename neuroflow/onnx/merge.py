"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum (with Keras' rank broadcasting: a lower-rank
input gets size-1 axes right after its batch axis), Concatenate, Dot (one batched MatMul, optionally on
L2-normalized inputs)."""
from __future__ import annotations

from .builder import Value
from .registry import converter

_FOLD = {"Add": "Add", "Subtract": "Sub", "Multiply": "Mul", "Average": "Add", "Maximum": "Max", "Minimum": "Min"}


def _to_rank(g, x, rank, hint):
    if x.ndim == rank:
        return x.name
    return g.unsqueeze(x.name, list(range(1, 1 + rank - x.ndim)), f"{hint}/expand")


@converter(*_FOLD)
def convert_elementwise(g, layer, inputs):
    """Add/Subtract/Multiply/Average/Maximum/Minimum: a list of inputs -> their broadcast shape."""
    kind = type(layer).__name__
    rank = max(v.ndim for v in inputs)
    names = [_to_rank(g, v, rank, layer.name) for v in inputs]
    out = names[0]
    for other in names[1:]:
        out = g.node(_FOLD[kind], [out, other], layer.name)
    if kind == "Average" and len(names) > 1:
        out = g.node("Mul", [out, g.scalar(1.0 / len(names), inputs[0].dtype)], layer.name)
    return out


@converter("Concatenate")
def convert_concatenate(g, layer, inputs):
    """Inputs joined along ``axis`` (ONNX Concat)."""
    if len(inputs) == 1:
        x = inputs[0]
        return Value(g.node("Identity", [x.name], layer.name), x.shape, x.dtype)
    return g.node("Concat", [v.name for v in inputs], layer.name, axis=int(layer.axis))


def _l2_normalize(g, x, axis, dtype, hint):
    """``x / sqrt(max(sum(x^2, axis), 1e-12))`` (Keras' l2_normalize, as the layer computes it)."""
    ss = g.reduce("ReduceSum", g.node("Mul", [x, x], f"{hint}/sq"), [axis], True, f"{hint}/sumsq")
    norm = g.node("Sqrt", [g.node("Max", [ss, g.scalar(1e-12, dtype)], f"{hint}/floor")], f"{hint}/norm")
    return g.node("Div", [x, norm], f"{hint}/unit")


@converter("Dot")
def convert_dot(g, layer, inputs):
    """(b, P, k) @ (b, k, Q) with P, Q the remaining axes of each input flattened, reshaped to the output."""
    x1, x2 = inputs
    a0, a1 = layer._resolve([x1.shape, x2.shape])
    n1, n2 = x1.name, x2.name
    if layer.normalize:
        n1 = _l2_normalize(g, n1, a0, x1.dtype, f"{layer.name}/x1")
        n2 = _l2_normalize(g, n2, a1, x2.dtype, f"{layer.name}/x2")
    rest1 = [i for i in range(1, x1.ndim) if i != a0]
    rest2 = [i for i in range(1, x2.ndim) if i != a1]
    m1 = g.reshape(g.transpose(n1, [0] + rest1 + [a0], f"{layer.name}/t1"), [0, -1, x1.shape[a0]])
    m2 = g.reshape(g.transpose(n2, [0, a1] + rest2, f"{layer.name}/t2"), [0, x2.shape[a1], -1])
    y = g.node("MatMul", [m1, m2], f"{layer.name}/matmul")
    out = [x1.shape[i] for i in rest1] + [x2.shape[i] for i in rest2]
    return g.reshape(y, [0] + (out if out else [1]), layer.name)

