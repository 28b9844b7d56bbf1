"""The backward pass: a reverse topological walk of the recorded graph, applying the chain rule.

The sort is iterative (an explicit stack, no recursion), so a chain of any length works. Gradients of a value
that fans out to several consumers (including ``x * x``, where one tensor is both inputs) are summed before
they flow further; leaves accumulate into ``.grad``.
"""
from __future__ import annotations

from ..errors import GraphError

_FREED = ("this part of the graph was already freed by an earlier backward(); "
          "call backward(retain_graph=True) the first time to backpropagate through it again")


def postorder(root, include_leaves: bool = False) -> list:
    """Tensors ``root`` (a Tensor or a list of them) depends on through recorded ops, every tensor after its
    inputs (``root`` last).

    The walk is iterative (an explicit stack), so graphs of any depth work. Leaves (tensors without a node) are
    listed only with ``include_leaves``. Raises :class:`GraphError` if part of the graph was freed.
    """
    order = []
    visited = set()
    roots = root if isinstance(root, (list, tuple)) else (root,)
    stack = [(r, False) for r in reversed(roots) if include_leaves or r._node is not None]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in visited:
            continue
        visited.add(id(t))
        stack.append((t, True))
        node = t._node
        if node is None:
            continue
        if node.inputs is None:
            raise GraphError(_FREED)
        for x in reversed(node.inputs):  # reversed: inputs come out in their own order
            if id(x) not in visited and (include_leaves or x._node is not None):
                stack.append((x, False))
    return order


def topological_order(root):
    """Tensors produced by recorded ops that ``root`` (a Tensor or a list) depends on, ``root`` first and every
    tensor before its inputs (leaves not listed): the order in which backward visits them."""
    order = postorder(root)
    order.reverse()
    return order


def run_backward(root, grad, retain_graph: bool = False, retain_grads: bool = False) -> None:
    """Backpropagate ``grad`` (an array shaped like ``root``) from ``root`` to every leaf that requires grad.

    ``retain_graph`` keeps nodes and saved buffers for another backward; ``retain_grads`` also stores the
    gradient of every intermediate tensor in its ``.grad`` (for inspection). Otherwise each node's inputs and
    saved arrays are released as soon as its gradient has been propagated. (``backward(create_graph=True)``
    walks with :func:`.higher_order.walk_graph` instead.)
    """
    if root._node is None:
        root._accumulate(grad)
        return
    order = topological_order(root)
    pending = {id(root): grad}
    for t in order:
        g = pending.pop(id(t), None)
        if g is None:
            continue
        if retain_grads or t._retains_grad:
            t.grad = g if t.grad is None else t.grad + g
        node = t._node
        inputs = node.inputs
        grads = node.backward(g)
        for x, gx in zip(inputs, grads):
            if gx is None or not x.requires_grad:
                continue
            if x._node is None:
                # A gradient this node just made, that nothing else holds, becomes the leaf's .grad as it is
                # (PyTorch's AccumulateGrad also takes such gradients): no copy of every weight gradient each
                # step. Not the incoming gradient passed through, not one array given to two inputs, and not
                # with a retained graph, whose nodes may hand out their saved arrays again.
                x._accumulate(gx, owned=not retain_graph and gx is not g and sum(o is gx for o in grads) == 1)
            else:
                key = id(x)
                prev = pending.get(key)
                pending[key] = gx if prev is None else prev + gx
        if not retain_graph:
            node.release()


def run_backward_collect(roots, grads, wanted, retain_graph: bool = False) -> dict:
    """Backpropagate arrays ``grads`` from ``roots`` and return ``{id(t): gradient array}`` for the tensors in
    ``wanted`` (``{id: tensor}``), leaving every ``.grad`` untouched (``neuroflow.grad`` without create_graph).
    Only nodes between the roots and the wanted tensors are visited."""
    order = topological_order(list(roots))
    needed = set(wanted)
    for t in reversed(order):  # inputs before outputs
        if id(t) not in needed and any(id(x) in needed for x in t._node.inputs):
            needed.add(id(t))
    pending, found = {}, {}
    for r, g in zip(roots, grads):
        target = found if r._node is None else pending
        target[id(r)] = g if id(r) not in target else target[id(r)] + g
    for t in order:
        g = pending.pop(id(t), None)
        if g is None:
            continue
        if id(t) in wanted:
            found[id(t)] = g
        node = t._node
        if any(id(x) in needed for x in node.inputs):
            for x, gx in zip(node.inputs, node.backward(g)):
                if gx is None or id(x) not in needed:
                    continue
                target = found if x._node is None else pending
                prev = target.get(id(x))
                target[id(x)] = gx if prev is None else prev + gx
        if not retain_graph:
            node.release()
    return {k: v for k, v in found.items() if k in wanted}
