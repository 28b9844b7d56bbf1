"""Differentiable backward passes (``create_graph=True``) and ``neuroflow.grad``.

The ordinary backward (:func:`~neuroflow.autograd.graph.run_backward`) maps arrays to arrays and stays as fast as
it was. With ``create_graph=True`` the walk instead hands every node a gradient *Tensor* and calls the node's
``backward_graph(g) -> tuple of Tensors`` (``None`` where no gradient flows), written with ``neuroflow.ops`` as
Chainer does, so the gradients it returns are graph nodes themselves and can be differentiated again.

Two generic rules serve many ops without a hand-written ``backward_graph``:

* an op whose forward is linear in its inputs (``linear = True`` on the class: reshape, transpose, sum, getitem,
  concatenate...) has a backward that is linear in ``g`` and independent of the inputs, so its backward is the
  node :class:`LinearAdjoint`, whose own backward is the op's forward again (:class:`LinearApply`): every order
  of derivative for free;
* an op with a ``reference(*inputs)`` method (the same forward written with differentiable ops: a fused
  recurrent kernel, the depthwise convolution) has as differentiable backward the vector-Jacobian product of that
  reference, recomputed with ``create_graph=True`` (Chainer's and JAX's "differentiate the reference"): the fast
  kernel still runs the forward and the first-order backward, only ``create_graph`` pays for the reference;
* an op with none of these gets a first-order-only result (:class:`NoDoubleBackward`): the values are right, and
  differentiating them again raises a :class:`~neuroflow.errors.GraphError` naming the op, never a silent zero.
"""
from __future__ import annotations

import copy

from ..backend import get_array_module
from ..errors import GraphError, ShapeError
from .function import Function, _tensor_class, enable_grad, sum_to
from .graph import run_backward_collect, topological_order


def has_double_backward(node) -> bool:
    """Whether ``node`` (a Function) can return differentiable gradients."""
    return getattr(node, "linear", False) or hasattr(node, "backward_graph") or hasattr(node, "reference")


class NoDoubleBackward(Function):
    """Stands for the first-order gradient of an op without a differentiable backward; using it raises."""

    __slots__ = ("op_name",)

    def __init__(self, op_name):
        self.op_name = op_name

    @property
    def name(self) -> str:
        return f"{self.op_name}_backward"

    def backward(self, g):
        raise GraphError(f"{self.op_name}: this op has no double backward (backward_graph), so its gradient cannot "
                         f"be differentiated again (create_graph=True); express it with ops that have one")


def first_order_only(node, g):
    """``node``'s array gradients as Tensors marked :class:`NoDoubleBackward` (differentiating them raises)."""
    Tensor = _tensor()
    grads = node.backward(g.data)
    marker = NoDoubleBackward(node.name)
    marker.inputs = (g,) + tuple(node.inputs)
    return tuple(None if gx is None else Tensor._from_op(gx, marker) for gx in grads)


def _tensor():
    return _tensor_class[0]  # tensor.py imports this module, so Tensor is looked up when first needed


class _LinearPart(Function):
    """One input ``index`` of a linear op ``op`` (a copy of the node, so that releasing the original graph does
    not touch it), with ``shapes``/``dtypes`` of all its inputs: the op and its adjoint as array maps."""

    __slots__ = ("op", "index", "shapes", "dtypes")
    linear = True

    def __init__(self, op, index, shapes, dtypes):
        self.op, self.index, self.shapes, self.dtypes = op, index, shapes, dtypes

    def apply_op(self, u):
        """The op's forward with ``u`` as input ``index`` and zeros for the others."""
        xp = get_array_module(u)
        args = [u if i == self.index else xp.zeros(s, dtype=d)
                for i, (s, d) in enumerate(zip(self.shapes, self.dtypes))]
        return self.op.forward(*args)

    def adjoint(self, g):
        """The op's backward for input ``index`` (zeros where it gives none)."""
        shape, xp = self.shapes[self.index], get_array_module(g)
        gx = self.op.backward(g)[self.index]
        if gx is None:
            return xp.zeros(shape, dtype=self.dtypes[self.index])
        return gx if gx.shape == shape else xp.broadcast_to(gx, shape)

    def _other(self, cls):
        return cls(self.op, self.index, self.shapes, self.dtypes)


class LinearAdjoint(_LinearPart):
    """The backward of a linear op's input ``index`` as a node: ``forward(g) = op.backward(g)[index]``.

    Its own backward is the op's forward applied to the upstream gradient (zeros for the other inputs), since
    the adjoint of a linear map's adjoint is the map. Shapes: ``g`` as the op's output -> as input ``index``.
    """

    __slots__ = ()

    @property
    def name(self) -> str:
        return f"{self.op.name}_backward"

    def forward(self, g):
        return self.adjoint(g)

    def backward(self, u):
        return (self.apply_op(u),)

    def backward_graph(self, u):
        return (self._other(LinearApply).apply(u),)


class LinearApply(_LinearPart):
    """A linear op re-applied to one input (the others zero): the backward of :class:`LinearAdjoint`."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return self.op.name

    def forward(self, u):
        return self.apply_op(u)

    def backward(self, g):
        return (self.adjoint(g),)

    def backward_graph(self, g):
        return (self._other(LinearAdjoint).apply(g),)


def linear_backward_graph(node, g):
    """Differentiable gradients of a linear op: one :class:`LinearAdjoint` node per input that requires grad."""
    op = copy.copy(node)
    shapes = tuple(t.shape for t in node.inputs)
    dtypes = tuple(t.dtype for t in node.inputs)
    return tuple(LinearAdjoint(op, i, shapes, dtypes).apply(g) if t.requires_grad else None
                 for i, t in enumerate(node.inputs))


def reference_backward_graph(node, g):
    """Differentiable gradients of an op with a reference: the vector-Jacobian product of
    ``node.reference(*node.inputs)`` (same output shape as the node) with ``g``, recorded.

    Returns one Tensor (shaped as its input) or ``None`` per input, as ``backward_graph`` does.
    """
    inputs = node.inputs
    wanted = {id(t): t for t in inputs if t.requires_grad}
    found = walk_graph([node.reference(*inputs)], [g], wanted=wanted, accumulate=False)
    grads = []
    for t in inputs:  # an input passed twice gets its summed gradient once
        grads.append(found.pop(id(t), None) if t.requires_grad else None)
    return tuple(grads)


def graph_grads(node, g):
    """The gradients of ``node``'s inputs as Tensors (differentiable where the op allows)."""
    if hasattr(node, "backward_graph"):
        return node.backward_graph(g)
    if getattr(node, "linear", False):
        return linear_backward_graph(node, g)
    if hasattr(node, "reference"):
        return reference_backward_graph(node, g)
    return first_order_only(node, g)


class SumTo(Function):
    """:func:`~neuroflow.autograd.function.sum_to` as a node (undoing broadcasting in a differentiable backward).
    Shapes: a shape that broadcasts from ``shape`` -> ``shape``."""

    __slots__ = ("shape", "src")
    linear = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.src = x.shape
        return sum_to(x, self.shape)

    def backward(self, g):
        return (get_array_module(g).broadcast_to(g, self.src),)


def sum_to_graph(t, shape):
    """``t`` summed over broadcast axes down to ``shape``, recorded (the identity when shapes agree)."""
    if t.shape == tuple(shape):
        return t
    return SumTo(tuple(shape)).apply(t)


def walk_graph(roots, grads, wanted=None, accumulate=True, retain_graph=True, retain_grads=False):
    """Backpropagate Tensor gradients ``grads`` from ``roots`` building a graph of the gradients.

    ``wanted``: ``{id(tensor): tensor}`` whose gradients to collect and return (``neuroflow.grad``); only the part
    of the graph between the roots and them is walked. ``accumulate``: add into the leaves' ``.grad`` (``backward``).
    Returns ``{id(tensor): gradient Tensor}`` for the wanted tensors that received one.
    """
    order = topological_order(roots)
    needed = _needed(order, wanted) if wanted is not None else None
    pending = {}
    for r, g in zip(roots, grads):
        key = id(r)
        pending[key] = g if key not in pending else pending[key] + g
    found = {}
    with enable_grad():
        for r in roots:  # a root that is a leaf (or wanted itself) gets its gradient directly
            if r._node is None:
                _deliver(r, pending.pop(id(r), None), wanted, found, accumulate)
        for t in order:
            g = pending.pop(id(t), None)
            if g is None:
                continue
            if wanted is not None and id(t) in wanted:
                found[id(t)] = g
            if retain_grads or t._retains_grad:
                t.grad = g if t.grad is None else t.grad + g
            node = t._node
            inputs = node.inputs
            if needed is not None and not any(id(x) in needed for x in inputs):
                continue
            for x, gx in zip(inputs, graph_grads(node, g)):
                if gx is None or not x.requires_grad or (needed is not None and id(x) not in needed):
                    continue
                if x._node is None:
                    _deliver(x, gx, wanted, found, accumulate)
                else:
                    key = id(x)
                    prev = pending.get(key)
                    pending[key] = gx if prev is None else prev + gx
            if not retain_graph:
                node.release()
    return found


def _deliver(leaf, g, wanted, found, accumulate):
    if g is None:
        return
    if wanted is not None:
        if id(leaf) in wanted:
            found[id(leaf)] = g if id(leaf) not in found else found[id(leaf)] + g
        return
    if accumulate and leaf.requires_grad:
        if g.shape != leaf.shape:
            g = g + _tensor()._from_op(get_array_module(leaf).zeros(leaf.shape, dtype=g.dtype), None)
        leaf.grad = g if leaf.grad is None else g + leaf.grad


def _needed(order, wanted):
    """Ids of the tensors on a path to a wanted tensor (wanted ones included)."""
    needed = set(wanted)
    for t in reversed(order):  # inputs before outputs
        if id(t) in needed:
            continue
        if any(id(x) in needed for x in t._node.inputs):
            needed.add(id(t))
    return needed


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False,
         materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs`` (PyTorch's ``torch.autograd.grad``), as Tensors.

    Args:
        outputs: a Tensor or a sequence of Tensors.
        inputs: a Tensor or a sequence of Tensors (leaves or intermediate results) that ``outputs`` depend on.
        grad_outputs: the upstream gradient of each output (same shapes); may be omitted for one-element outputs.
        retain_graph: keep the graph for another backward (default: ``create_graph``).
        create_graph: record the backward pass itself, so that the returned gradients can be differentiated again
            (gradient penalties, Hessian-vector products).
        allow_unused: return ``None`` for an input the outputs do not depend on, instead of raising.
        materialize_grads: return zeros instead of ``None`` for unused inputs.

    Returns a tuple with one gradient Tensor (shaped like its input) per input. ``.grad`` is left untouched.
    """
    Tensor = _tensor()
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise GraphError(f"grad(): inputs[{i}] does not require grad; pass tensors with requires_grad=True "
                             f"(or results computed from them)")
    grad_outputs = [None] * len(outputs) if grad_outputs is None else _as_list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ShapeError(f"grad(): {len(outputs)} output(s) but {len(grad_outputs)} grad_outputs")
    if retain_graph is None:
        retain_graph = create_graph
    roots, seeds = [], []
    for i, (o, go) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(o, Tensor) or not o.requires_grad:
            raise GraphError(f"grad(): outputs[{i}] does not require grad (computed from no tensor that requires "
                             f"grad, or under no_grad())")
        roots.append(o)
        seeds.append(_seed(o, go, f"grad(): grad_outputs[{i}]"))
    wanted = {id(t): t for t in inputs}
    if create_graph:
        found = walk_graph(roots, [s if isinstance(s, Tensor) else Tensor._from_op(s, None) for s in seeds],
                           wanted=wanted, retain_graph=retain_graph)
    else:
        found = run_backward_collect(roots, [s.data if isinstance(s, Tensor) else s for s in seeds], wanted,
                                     retain_graph=retain_graph)
    result = []
    for i, t in enumerate(inputs):
        g = found.get(id(t))
        if g is None:
            if materialize_grads:
                g = get_array_module(t).zeros(t.shape, dtype=t.dtype)
            elif not allow_unused:
                raise GraphError(f"grad(): inputs[{i}] (shape {t.shape}) was not used to compute the outputs; "
                                 f"pass allow_unused=True to get None for it")
            else:
                result.append(None)
                continue
        if not isinstance(g, Tensor):
            g = Tensor._from_op(g, None)
        if g.shape != t.shape:
            g = Tensor._from_op(get_array_module(g).broadcast_to(g.data, t.shape), None) if not create_graph \
                else g + Tensor._from_op(get_array_module(t).zeros(t.shape, dtype=g.dtype), None)
        result.append(g)
    return tuple(result)


def _seed(output, go, who):
    """The upstream gradient for ``output``: ones for a one-element output, else ``go`` checked."""
    Tensor = _tensor()
    xp = get_array_module()
    if go is None:
        if output.size != 1:
            raise GraphError(f"{who}: a gradient can be implied only for a one-element output, but this one has "
                             f"shape {output.shape}; pass grad_outputs of that shape")
        return xp.ones_like(output.data)
    if isinstance(go, Tensor):
        if go.shape != output.shape:
            raise ShapeError(f"{who} has shape {go.shape} but the output has shape {output.shape}")
        return go
    arr = xp.asarray(go, dtype=output.dtype)
    if arr.shape != output.shape:
        raise ShapeError(f"{who} has shape {arr.shape} but the output has shape {output.shape}")
    return arr


__all__ = ["grad", "walk_graph", "graph_grads", "has_double_backward", "linear_backward_graph", "sum_to_graph",
           "reference_backward_graph",
           "SumTo", "LinearAdjoint", "LinearApply", "NoDoubleBackward", "first_order_only"]
