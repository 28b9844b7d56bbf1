"""Keras' core ops: control flow that records into the graph as it runs (``cond``, ``switch``, ``scan``,
``fori_loop``, ``while_loop``, ``map``, ``associative_scan``), ``stop_gradient``, ``custom_gradient``, and
introspection (``shape``, ``ndim``, ``size``, ``dtype``, ``is_tensor``, ``saturate_cast``).

neuroflow records the graph eagerly, so a loop is a Python loop over ops: every step's nodes are recorded and
backward flows through all of them, as in PyTorch. Nothing here loops over samples: each step is a whole-tensor op.
"""
from __future__ import annotations

import functools

from ..autograd.function import Function, no_grad
from ..autograd.tensor import Tensor, as_tensor
import numpy

from ..backend import get_array_module, to_host
from ..errors import ConfigError, ShapeError
from ._registry import differentiable, not_differentiable
from .index import getitem
from .math import cast, clip
from .shape import stack


def _tree_map(fn, tree):
    if isinstance(tree, (list, tuple)):
        return type(tree)(_tree_map(fn, t) for t in tree)
    if isinstance(tree, dict):
        return {k: _tree_map(fn, v) for k, v in tree.items()}
    return fn(tree)


def _leaves(tree):
    if isinstance(tree, (list, tuple)):
        return [leaf for t in tree for leaf in _leaves(t)]
    if isinstance(tree, dict):
        return [leaf for v in tree.values() for leaf in _leaves(v)]
    return [tree]


def _truth(pred, who):
    value = pred.data if isinstance(pred, Tensor) else pred
    arr = numpy.asarray(to_host(value))  # a Python branch reads the predicate on the host (one copy on a device)
    if arr.size != 1:
        raise ShapeError(f"{who}: the predicate must be a scalar, got shape {arr.shape}")
    return bool(arr.reshape(()))


# --- control flow ---------------------------------------------------------------------------------------------------
@differentiable
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()`` (only the taken branch runs and is recorded).
    Shapes: whatever the branch returns."""
    return true_fn() if _truth(pred, "cond") else false_fn()


@differentiable
def switch(index, branches, *operands):
    """``branches[index](*operands)``, the index clamped into range as Keras does. Shapes: the branch's."""
    if not branches:
        raise ConfigError("switch: branches must be a non-empty list of callables")
    i = int(numpy.asarray(to_host(index.data if isinstance(index, Tensor) else index)))  # read on the host
    return branches[min(max(i, 0), len(branches) - 1)](*operands)


def _stack_tree(items):
    if not items:
        return None
    first = items[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_stack_tree([it[i] for it in items]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack_tree([it[k] for it in items]) for k in first}
    if first is None:
        return None
    return stack([as_tensor(it) for it in items], axis=0)


def _length(xs, length, who):
    leaves = [leaf for leaf in _leaves(xs) if leaf is not None] if xs is not None else []
    if leaves:
        n = as_tensor(leaves[0]).shape[0]
        if any(as_tensor(leaf).shape[0] != n for leaf in leaves):
            raise ShapeError(f"{who}: every input must have the same leading size")
        if length is not None and int(length) != n:
            raise ShapeError(f"{who}: length={length} but the inputs have leading size {n}")
        return n
    if length is None:
        raise ConfigError(f"{who}: give xs or length")
    return int(length)


@differentiable
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Carry a state through ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs``; returns the last
    carry and the stacked ``y``s (JAX's ``lax.scan``). Shapes: xs ``(n, ...)`` -> ``(carry, (n, ...))``."""
    n = _length(xs, length, "scan")
    carry, ys = init, []
    order = range(n - 1, -1, -1) if reverse else range(n)
    for i in order:
        x = None if xs is None else _tree_map(lambda t: getitem(as_tensor(t), i), xs)
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, _stack_tree(ys)


@differentiable
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of the associative ``f`` along ``axis`` (``f(a, b)`` on slices). Shapes: same as ``elems``."""
    leaves = _leaves(elems)
    n = as_tensor(leaves[0]).shape[axis]

    def take(i):
        return _tree_map(lambda t: getitem(as_tensor(t), (slice(None),) * (axis % as_tensor(t).ndim) + (i,)), elems)

    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    acc, outs = None, {}
    for i in order:
        acc = take(i) if acc is None else f(acc, take(i))
        outs[i] = acc
    stacked = _stack_tree([outs[i] for i in range(n)])
    if axis % as_tensor(leaves[0]).ndim:
        from .arrays import moveaxis
        stacked = _tree_map(lambda t: moveaxis(t, 0, axis), stacked)
    return stacked


@differentiable
def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``[lower, upper)``. Shapes: those of ``init_val``."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


@differentiable
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most ``maximum_iterations`` times).
    Shapes: those of ``loop_vars`` (a tuple in, a tuple out; a single value stays single)."""
    single = not isinstance(loop_vars, (list, tuple))
    vars_ = (loop_vars,) if single else tuple(loop_vars)
    steps = 0
    while _truth(cond(*vars_), "while_loop"):
        if maximum_iterations is not None and steps >= int(maximum_iterations):
            break
        out = body(*vars_)
        vars_ = (out,) if single else tuple(out)
        steps += 1
    return vars_[0] if single else type(loop_vars)(vars_)


@differentiable
def map(f, xs):  # noqa: A001 - Keras' name
    """``f`` applied to each slice along the leading axis, results stacked. Shapes: ``(n, ...)`` -> ``(n, ...)``."""
    n = _length(xs, None, "map")
    return _stack_tree([f(_tree_map(lambda t: getitem(as_tensor(t), i), xs)) for i in range(n)])


@differentiable
def vectorized_map(function, elements):
    """``function`` over axis 0 of ``elements`` (a loop of whole-slice ops here). Shapes: as :func:`map`."""
    return map(function, elements)


# --- gradients ------------------------------------------------------------------------------------------------------
@not_differentiable
def stop_gradient(variable):
    """The same values, cut from the graph (no gradient flows back). Shapes: any -> same."""
    return as_tensor(variable).detach()


class CustomGradient(Function):
    label = "custom_gradient"
    __slots__ = ("grad_fn", "n_out")

    def __init__(self, grad_fn, n_out):
        self.grad_fn, self.n_out = grad_fn, n_out

    def forward(self, *xs):  # the values were computed by the user's function; this node only routes gradients
        raise NotImplementedError

    def backward(self, g):
        with no_grad():
            grads = self.grad_fn(Tensor(g, dtype=g.dtype))
        grads = grads if isinstance(grads, (list, tuple)) else (grads,)
        if len(grads) != len(self.inputs):
            raise ConfigError(f"custom_gradient: the gradient function returned {len(grads)} gradient(s) for "
                              f"{len(self.inputs)} tensor argument(s)")
        xp = get_array_module(g)
        return tuple(None if gr is None else xp.asarray(gr.data if isinstance(gr, Tensor) else gr, dtype=t.dtype)
                     for gr, t in zip(grads, self.inputs))


def custom_gradient(f):
    """Decorator: ``f(*args)`` returns ``(y, grad_fn)``; backward calls ``grad_fn(upstream)`` and uses its result
    (one gradient per tensor argument) instead of differentiating ``f``'s ops (Keras' ``ops.custom_gradient``).

    Shapes: ``y`` any; ``grad_fn`` maps an upstream gradient of ``y``'s shape to gradients of the arguments' shapes.
    """

    @functools.wraps(f)
    def wrapper(*args):
        tensors = [a for a in args if isinstance(a, Tensor)]
        with no_grad():
            y, grad_fn = f(*args)
        y = as_tensor(y)
        node = CustomGradient(grad_fn, 1)
        if any(t.requires_grad for t in tensors):
            from ..autograd.function import is_grad_enabled
            if is_grad_enabled():
                node.inputs = tuple(tensors)
                return Tensor._from_op(y.data, node)
        return Tensor._from_op(y.data, None)

    return wrapper


# --- introspection --------------------------------------------------------------------------------------------------
@not_differentiable
def shape(x):
    """The shape of ``x`` as a tuple of ints. Shapes: any -> tuple."""
    return tuple(as_tensor(x).shape) if not hasattr(x, "shape") else tuple(x.shape)


@not_differentiable
def ndim(x):
    """The number of axes of ``x``."""
    return len(shape(x))


@not_differentiable
def size(x):
    """The number of elements of ``x``."""
    n = 1
    for d in shape(x):
        n *= d
    return n


@not_differentiable
def dtype(x):
    """The dtype of ``x`` as a standard string (``'float32'``)."""
    return str(getattr(x, "dtype", None) or as_tensor(x).dtype)


@not_differentiable
def is_tensor(x):
    """Whether ``x`` is a neuroflow Tensor."""
    return isinstance(x, Tensor)


@differentiable
def saturate_cast(x, dtype):
    """Cast to ``dtype`` after clipping to its range, so large values saturate instead of wrapping.
    Shapes: any -> same."""
    xp = get_array_module()
    x = as_tensor(x)
    target = xp.dtype(dtype)
    if target.kind in "iu":
        info = xp.iinfo(target)
        lo, hi = float(info.min), float(info.max)
        if x.dtype.kind == "f" and float(x.dtype.type(hi)) > info.max:
            # int32's max rounds up in float32: clip to the largest float below it, so the cast cannot wrap
            hi = float(xp.nextafter(x.dtype.type(hi), x.dtype.type(0)))
        return cast(clip(x, lo, hi), target)
    if target.kind == "f" and x.dtype.kind == "f" and xp.finfo(target).max < xp.finfo(x.dtype).max:
        info = xp.finfo(target)
        return cast(clip(x, float(info.min), float(info.max)), target)
    return cast(x, target)


__all__ = ["cond", "switch", "scan", "associative_scan", "fori_loop", "while_loop", "map", "vectorized_map",
           "stop_gradient", "custom_gradient", "shape", "ndim", "size", "dtype", "is_tensor", "saturate_cast"]
