"""Derivatives of whole functions, as ``torch.autograd.functional``: ``vjp``, ``jvp``, ``hvp``, ``vhp``,
``jacobian``, ``hessian``, and Keras' ``ops.jvp`` (``keras_jvp``).

All are built on :func:`~neuroflow.autograd.higher_order.grad`. Forward-mode products come from reverse mode by the
double-vjp trick: ``g(u) = J^T u`` is linear in a dummy ``u``, so its vjp with ``v`` is ``J v``; this needs the
differentiable backward (``create_graph``) of every op ``func`` uses. Jacobians and Hessians are assembled row by
row (one backward per output element): meant for small problems.

Shapes: ``inputs`` a Tensor (or array) or a tuple of them; ``v`` shaped like the outputs (vjp) or the inputs (jvp,
hvp). A single input/output gives single results, tuples give tuples, as in PyTorch.
"""
from __future__ import annotations

from ..backend import get_array_module
from ..errors import GraphError, ShapeError
from .function import enable_grad
from .higher_order import grad
from .tensor import Tensor


def _as_tuple(x):
    return (tuple(x), True) if isinstance(x, (list, tuple)) else ((x,), False)


def _leaves(inputs, create_graph):
    """Fresh leaves that require grad (the given tensors themselves when their graph is to be kept)."""
    out = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and create_graph and x.requires_grad:
            out.append(x)
            continue
        data = x.data if isinstance(x, Tensor) else get_array_module().asarray(x)
        t = Tensor(data, dtype=data.dtype if data.dtype.kind == "f" else None)  # float64 stays float64
        if t.dtype.kind != "f":
            raise GraphError(f"inputs[{i}] has dtype {t.dtype}; derivatives need floating inputs")
        t.requires_grad = True
        out.append(t)
    return tuple(out)


def _tensors(vs, like, who):
    vs, _ = _as_tuple(vs)
    if len(vs) != len(like):
        raise ShapeError(f"{who}: expected {len(like)} tensor(s), got {len(vs)}")
    out = []
    for i, (v, t) in enumerate(zip(vs, like)):
        v = v if isinstance(v, Tensor) else Tensor(get_array_module().asarray(v), dtype=t.dtype)
        if v.shape != t.shape:
            raise ShapeError(f"{who}[{i}] has shape {v.shape}, expected {t.shape}")
        out.append(v)
    return tuple(out)


def _call(func, xs):
    with enable_grad():
        out = func(*xs)
    outs, multi = _as_tuple(out)
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise GraphError(f"func must return Tensors, output {i} is {type(o).__name__}")
    return outs, multi


def _zeros_if_none(gs, like, create_graph):
    xp = get_array_module()
    return tuple(Tensor._from_op(xp.zeros(t.shape, dtype=t.dtype), None) if g is None else
                 (g if create_graph else g.detach()) for g, t in zip(gs, like))


def _used(outs):
    return [o for o in outs if o.requires_grad]


def vjp(func, inputs, v=None, create_graph=False):
    """``(func(*inputs), v^T J)``: the vector-Jacobian product (v may be omitted for a one-element output)."""
    xs, multi_in = _as_tuple(inputs)
    xs = _leaves(xs, create_graph)
    outs, multi_out = _call(func, xs)
    vs = _tensors(v, outs, "v") if v is not None else tuple(None for _ in outs)
    live = [(o, w) for o, w in zip(outs, vs) if o.requires_grad]
    if live:
        gs = grad([o for o, _ in live], xs, grad_outputs=[w for _, w in live] if v is not None else None,
                  create_graph=create_graph, allow_unused=True)
    else:
        gs = (None,) * len(xs)
    gs = _zeros_if_none(gs, xs, create_graph)
    outs = outs if create_graph else tuple(o.detach() for o in outs)
    return (outs if multi_out else outs[0]), (gs if multi_in else gs[0])


def jvp(func, inputs, v=None, create_graph=False):
    """``(func(*inputs), J v)``: the Jacobian-vector product, by the double-vjp trick (see the module docstring).
    ``v`` may be omitted for a one-element input."""
    xs, multi_in = _as_tuple(inputs)
    xs = _leaves(xs, create_graph)
    if v is None:
        if len(xs) != 1 or xs[0].size != 1:
            raise GraphError("jvp: v can be implied only for a single one-element input")
        v = Tensor(get_array_module().ones_like(xs[0].data), dtype=xs[0].dtype)
    vs = _tensors(v, xs, "v")
    outs, multi_out = _call(func, xs)
    results = _jvp_of(outs, xs, vs, create_graph)
    outs = outs if create_graph else tuple(o.detach() for o in outs)
    return (outs if multi_out else outs[0]), (results if multi_out else results[0])


def _jvp_of(outs, xs, vs, create_graph):
    xp = get_array_module()
    live = _used(outs)
    if not live:
        return _zeros_if_none((None,) * len(outs), outs, create_graph)
    dummies = [Tensor(xp.zeros(o.shape, dtype=o.dtype), requires_grad=True, dtype=o.dtype) for o in live]
    gs = grad(live, xs, grad_outputs=dummies, create_graph=True, allow_unused=True)
    pairs = [(g, w) for g, w in zip(gs, vs) if g is not None and g.requires_grad]
    if not pairs:
        tangents = (None,) * len(live)
    else:
        tangents = grad([g for g, _ in pairs], dummies, grad_outputs=[w for _, w in pairs],
                        create_graph=create_graph, allow_unused=True)
    by_id = {id(o): t for o, t in zip(live, tangents)}
    return _zeros_if_none(tuple(by_id.get(id(o)) for o in outs), outs, create_graph)


def hvp(func, inputs, v, create_graph=False):
    """``(func(*inputs), H v)`` for a scalar ``func``: the Hessian-vector product (grad of ``<grad f, v>``)."""
    xs, multi_in = _as_tuple(inputs)
    xs = _leaves(xs, create_graph)
    vs = _tensors(v, xs, "v")
    outs, _ = _call(func, xs)
    if len(outs) != 1 or outs[0].size != 1:
        raise ShapeError(f"hvp: func must return one scalar, got shapes {[o.shape for o in outs]}")
    out = outs[0]
    if not out.requires_grad:
        hs = _zeros_if_none((None,) * len(xs), xs, create_graph)
    else:
        gs = grad(out, xs, create_graph=True, allow_unused=True)
        terms = [(g * w).sum() for g, w in zip(gs, vs) if g is not None and g.requires_grad]
        if not terms:
            hs = _zeros_if_none((None,) * len(xs), xs, create_graph)
        else:
            total = terms[0]
            for t in terms[1:]:
                total = total + t
            hs = _zeros_if_none(grad(total, xs, create_graph=create_graph, allow_unused=True), xs, create_graph)
    out = out if create_graph else out.detach()
    return out, (hs if multi_in else hs[0])


def vhp(func, inputs, v, create_graph=False):
    """``(func(*inputs), v^T H)``; the Hessian is symmetric, so this equals :func:`hvp`."""
    return hvp(func, inputs, v, create_graph=create_graph)


def jacobian(func, inputs, create_graph=False):
    """The Jacobian of ``func`` at ``inputs``: for each (output, input) pair a Tensor of shape
    ``output.shape + input.shape``. One backward per output element (small problems)."""
    xs, multi_in = _as_tuple(inputs)
    xs = _leaves(xs, create_graph)
    outs, multi_out = _call(func, xs)
    return _assemble(outs, xs, multi_out, multi_in, create_graph)


def _assemble(outs, xs, multi_out, multi_in, create_graph):
    xp = get_array_module()
    rows = []
    for o in outs:
        per_input = [[] for _ in xs]
        for k in range(o.size):
            if not o.requires_grad:
                gs = (None,) * len(xs)
            else:
                seed = xp.zeros(o.size, dtype=o.dtype)
                seed[k] = 1
                gs = grad(o, xs, grad_outputs=Tensor(seed.reshape(o.shape), dtype=o.dtype),
                          retain_graph=True, create_graph=create_graph, allow_unused=True)
            for j, g in enumerate(_zeros_if_none(gs, xs, create_graph)):
                per_input[j].append(g)
        blocks = []
        for j, x in enumerate(xs):
            if create_graph and per_input[j]:
                blocks.append(_stack_rows(per_input[j], o.shape + x.shape))
            else:
                data = xp.stack([g.data for g in per_input[j]]) if per_input[j] else xp.zeros((0,) + x.shape,
                                                                                              dtype=x.dtype)
                blocks.append(Tensor(data.reshape(o.shape + x.shape), dtype=x.dtype))
        rows.append(tuple(blocks) if multi_in else blocks[0])
    return tuple(rows) if multi_out else rows[0]


def _stack_rows(rows, shape):
    """Rows (Tensors of one input's shape) stacked into ``shape``, recorded: ``sum_k e_k (x) row_k``."""
    xp = get_array_module()
    n = len(rows)
    total = None
    for k, r in enumerate(rows):
        basis = xp.zeros((n,) + (1,) * r.ndim, dtype=r.dtype)
        basis[k] = 1
        term = Tensor._from_op(basis, None) * r
        total = term if total is None else total + term
    return total.reshape(shape)


def hessian(func, inputs, create_graph=False):
    """The Hessian of a scalar ``func``: ``H[i][j]`` of shape ``inputs[i].shape + inputs[j].shape``
    (a single Tensor for a single input)."""
    xs, multi_in = _as_tuple(inputs)
    xs = _leaves(xs, create_graph)
    outs, _ = _call(func, xs)
    if len(outs) != 1 or outs[0].size != 1:
        raise ShapeError(f"hessian: func must return one scalar, got shapes {[o.shape for o in outs]}")
    if not outs[0].requires_grad:
        gs = _zeros_if_none((None,) * len(xs), xs, True)
    else:
        gs = _zeros_if_none(grad(outs[0], xs, create_graph=True, allow_unused=True), xs, True)
    return _assemble(gs, xs, multi_in, multi_in, create_graph)


def keras_jvp(fun, primals, tangents, has_aux=False):
    """Keras' ``ops.jvp``: ``(fun(*primals), J tangents)``, or ``(..., aux)`` with ``has_aux`` (``fun`` then
    returns ``(output, aux)``). Shapes: ``tangents`` like ``primals``; the results like ``fun``'s output."""
    xs = _leaves(tuple(primals), False)
    vs = _tensors(tuple(tangents), xs, "tangents")
    aux = None
    with enable_grad():
        out = fun(*xs)
    if has_aux:
        out, aux = out
    outs, multi = _as_tuple(out)
    results = _jvp_of(outs, xs, vs, False)
    outs = tuple(o.detach() for o in outs)
    pair = ((outs if multi else outs[0]), (results if multi else results[0]))
    return pair + (aux,) if has_aux else pair


__all__ = ["vjp", "jvp", "hvp", "vhp", "jacobian", "hessian", "keras_jvp"]
