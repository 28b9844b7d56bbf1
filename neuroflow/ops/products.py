"""Tensor products: ``einsum`` (one node; each operand's gradient is itself an einsum), and ``tensordot``,
``outer``, ``inner``, ``vdot``, ``kron``, ``cross``, ``cdist`` built on it and on the element-wise ops."""
from __future__ import annotations

import string

from ..autograd.function import Function
from ..autograd.tensor import as_tensor
from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from ._registry import differentiable
from .arrays import ravel
from .math import abs as _abs, multiply, power, sqrt, subtract
from .reduce import max as _max, sum as _sum
from .shape import expand_dims, reshape, stack


def _explicit(subscripts: str, shapes) -> tuple[list[str], str]:
    """``"ij,jk"`` / ``"...i,i->..."`` as explicit per-operand letters and output letters (no ellipsis)."""
    subs = subscripts.replace(" ", "")
    lhs, arrow, out = subs.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ShapeError(f"einsum: {len(ins)} operand subscripts in {subscripts!r} for {len(shapes)} operands")
    used = set("".join(ins) + out)
    free = [c for c in string.ascii_letters if c not in used]
    ell = max((len(s) - (len(i) - 3) for i, s in zip(ins, shapes) if "..." in i), default=0)
    fill = "".join(free[:ell])
    ins = [i.replace("...", fill[ell - (len(s) - (len(i) - 3)):]) if "..." in i else i for i, s in zip(ins, shapes)]
    if arrow:
        out = out.replace("...", fill)
    else:
        counts = {c: "".join(ins).count(c) for c in set("".join(ins))}
        out = fill + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in fill))
    for i, s in zip(ins, shapes):
        if len(i) != len(s):
            raise ShapeError(f"einsum: subscripts {i!r} do not match an operand of shape {tuple(s)}")
    sizes = {}
    for i, s in zip(ins, shapes):  # one size per letter (1 broadcasts, as in NumPy)
        for c, n in zip(i, s):
            if n != 1 and sizes.setdefault(c, n) != n:
                raise ShapeError(f"einsum: {c!r} in {subscripts!r} is {sizes[c]} on one operand and {n} on another "
                                 f"(operand shapes {[tuple(x) for x in shapes]})")
    return ins, out


class Einsum(Function):
    __slots__ = ("ins", "out", "xs")

    def __init__(self, ins, out):
        self.ins, self.out = ins, out

    def forward(self, *xs):
        self.xs = xs
        return get_array_module(xs[0]).einsum(",".join(self.ins) + "->" + self.out, *xs, optimize=len(xs) > 2)

    def backward(self, g):
        xp = get_array_module(g)
        grads = []
        for k, (sub, x) in enumerate(zip(self.ins, self.xs)):
            if not self.inputs[k].requires_grad:
                grads.append(None)
                continue
            if len(set(sub)) != len(sub):
                raise ConfigError(f"einsum: no gradient for an operand with a repeated subscript ({sub!r}); "
                                  f"use ops.diagonal / ops.trace for diagonals")
            others = [(s, v) for j, (s, v) in enumerate(zip(self.ins, self.xs)) if j != k]
            present = set(self.out).union(*[set(s) for s, _ in others])
            target = "".join(c for c in sub if c in present)
            spec = ",".join([self.out] + [s for s, _ in others]) + "->" + target
            gk = xp.einsum(spec, g, *[v for _, v in others], optimize=len(others) > 1)
            if target != sub:  # letters only this operand has were summed away: their gradient is constant
                gk = gk.reshape([x.shape[i] if c in present else 1 for i, c in enumerate(sub)])
                gk = xp.broadcast_to(gk, x.shape)
            grads.append(gk)
        return tuple(grads)

    def backward_graph(self, g):
        """The same contractions with recorded einsums (each operand's gradient is linear in the others)."""
        from ..autograd.higher_order import first_order_only
        from .shape import broadcast_to
        if any(len(set(sub)) != len(sub) for sub in self.ins):
            return first_order_only(self, g)  # a diagonal: backward raises its own error
        grads = []
        for k, (sub, x) in enumerate(zip(self.ins, self.inputs)):
            if not x.requires_grad:
                grads.append(None)
                continue
            others = [(s, v) for j, (s, v) in enumerate(zip(self.ins, self.inputs)) if j != k]
            present = set(self.out).union(*[set(s) for s, _ in others])
            target = "".join(c for c in sub if c in present)
            gk = einsum(",".join([self.out] + [s for s, _ in others]) + "->" + target, g, *[v for _, v in others])
            if target != sub:
                gk = broadcast_to(gk.reshape([x.shape[i] if c in present else 1 for i, c in enumerate(sub)]),
                                  x.shape)
            grads.append(gk)
        return tuple(grads)


@differentiable
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation (NumPy's notation, ellipsis and implicit output included). ``kwargs`` are accepted and
    ignored, as Keras' torch backend does (JAX reads ``optimize``/``precision`` from them). Shapes: by
    ``subscripts``."""
    xs = [as_tensor(o) for o in operands]
    if len({x.dtype for x in xs}) > 1:  # Keras' promotion (float32 with int32 is float32), not NumPy's float64
        from ..backend import result_type
        from .math import cast
        dtype = result_type(*[x.dtype.name for x in xs])
        xs = [cast(x, dtype) for x in xs]
    ins, out = _explicit(subscripts, [x.shape for x in xs])
    return Einsum(ins, out).apply(*xs)


@differentiable
def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes`` (an int: the last n of x1 with the first n of x2; or two axis lists).
    Shapes: the remaining axes of x1 then of x2."""
    a, b = as_tensor(x1), as_tensor(x2)
    if isinstance(axes, int):
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        ax_a, ax_b = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                      [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
    ax_a, ax_b = [x % a.ndim for x in ax_a], [x % b.ndim for x in ax_b]
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(ax_a, ax_b):
        if a.shape[i] != b.shape[j]:
            raise ShapeError(f"tensordot: axis {i} of {a.shape} and axis {j} of {b.shape} differ in size")
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in ax_a] + [c for j, c in enumerate(sb) if j not in ax_b]
    return einsum("".join(sa) + "," + "".join(sb) + "->" + "".join(out), a, b)


@differentiable
def outer(x1, x2):
    """Outer product of the flattened inputs. Shapes: ``(n,), (m,)`` -> ``(n, m)``."""
    return einsum("i,j->ij", ravel(x1), ravel(x2))


@differentiable
def inner(x1, x2):
    """Sum of products over the last axes. Shapes: ``(..., n), (..., n)`` -> the other axes of both."""
    a, b = as_tensor(x1), as_tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


@differentiable
def vdot(x1, x2):
    """Dot product of the flattened inputs. Shapes: any two of equal size -> scalar."""
    return _sum(multiply(ravel(x1), ravel(x2)))


@differentiable
def kron(x1, x2):
    """Kronecker product. Shapes: ``(a0, a1...), (b0, b1...)`` -> ``(a0*b0, a1*b1, ...)``."""
    a, b = as_tensor(x1), as_tensor(x2)
    nd = max(a.ndim, b.ndim)
    a = reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = reshape(b, (1,) * (nd - b.ndim) + b.shape)
    ea = reshape(a, tuple(v for n in a.shape for v in (n, 1)))
    eb = reshape(b, tuple(v for n in b.shape for v in (1, n)))
    return reshape(multiply(ea, eb), tuple(p * q for p, q in zip(a.shape, b.shape)))


@differentiable
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (2-vectors are padded with z = 0). Shapes: broadcast ``(..., 3)`` -> ``(..., 3)``."""
    from .arrays import moveaxis
    from .index import getitem
    a, b = as_tensor(x1), as_tensor(x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    for name, v in (("x1", a), ("x2", b)):
        if v.shape[-1] not in (2, 3):
            raise ShapeError(f"cross: {name} must have 2 or 3 components along its axis, got {v.shape[-1]}")

    def comp(v, i):
        return getitem(v, (Ellipsis, i)) if i < v.shape[-1] else getitem(v, (Ellipsis, 0)) * 0.0

    c = stack([comp(a, 1) * comp(b, 2) - comp(a, 2) * comp(b, 1),
               comp(a, 2) * comp(b, 0) - comp(a, 0) * comp(b, 2),
               comp(a, 0) * comp(b, 1) - comp(a, 1) * comp(b, 0)], axis=-1)
    return moveaxis(c, -1, axisc)


@differentiable
def cdist(x, y, p=2.0):
    """Pairwise p-norm distances between the rows of ``x`` and ``y`` (Keras' parameters; ``p`` is PyTorch's).

    Shapes: ``(..., n, d), (..., m, d)`` -> ``(..., n, m)``.
    """
    a, b = as_tensor(x), as_tensor(y)
    d = _abs(subtract(expand_dims(a, -2), expand_dims(b, -3)))
    if p == float("inf"):
        return _max(d, axis=-1)
    if p == 2:
        return sqrt(_sum(multiply(d, d), axis=-1))
    if p == 1:
        return _sum(d, axis=-1)
    return power(_sum(power(d, float(p)), axis=-1), 1.0 / float(p))


__all__ = ["einsum", "tensordot", "outer", "inner", "vdot", "kron", "cross", "cdist"]
