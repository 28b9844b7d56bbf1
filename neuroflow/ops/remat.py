"""Rematerialisation (Keras 3's ``keras.remat``): trade compute for memory.

``remat(f)`` returns a function that runs ``f`` without recording its inner graph: one ``Remat`` node stands for
the whole call and keeps only ``f``'s inputs. Its backward runs ``f`` again with the graph on, from leaf copies of
those inputs, and backpropagates through that fresh graph: the inputs' gradients go back to the outer walk, and the
weights ``f`` reads (Variables) receive theirs in ``.grad`` as in any ``backward()`` — PyTorch's
``torch.utils.checkpoint`` contract, which is what ``fit`` and custom loops calling ``loss.backward()`` use.
``f`` must be deterministic between the two runs (a dropout inside it would draw a new mask) and return one
Tensor; the gradient is first-order only. Shapes: those of ``f``. ``keras.RematScope`` is in
:mod:`neuroflow.autograd.remat_scope`.
"""
from __future__ import annotations

from ..autograd.function import Function, enable_grad, is_grad_enabled, no_grad
from ..autograd.tensor import Tensor
from ..errors import ConfigError
from ._registry import differentiable


class Remat(Function):
    """One node for a rematerialised call of ``fn`` on its Tensor inputs (other arguments ride along)."""

    __slots__ = ("fn", "args", "kwargs", "positions", "anchored")
    label = "remat"

    def __init__(self, fn, args, kwargs, positions, anchored):
        self.fn, self.args, self.kwargs, self.positions = fn, args, kwargs, positions
        self.anchored = anchored  # a last input that only makes the node recorded (see ``remat``)

    def _call(self, arrays, requires_grad: bool):
        args = list(self.args)
        leaves = []
        for pos, array in zip(self.positions, arrays):
            leaf = Tensor(array, requires_grad=requires_grad and array.dtype.kind == "f", dtype=array.dtype)
            leaves.append(leaf)
            args[pos] = leaf
        out = self.fn(*args, **self.kwargs)
        if not isinstance(out, Tensor):
            raise ConfigError(f"remat: the wrapped function must return one Tensor, got {type(out).__name__}")
        return out, leaves

    def forward(self, *arrays):
        arrays = arrays[:len(self.positions)]
        with no_grad():  # nothing inside is kept: the backward recomputes it
            out, _ = self._call(arrays, requires_grad=False)
        return out.data

    def backward(self, gy):
        arrays = [t.data for t in self.inputs[:len(self.positions)]]
        with enable_grad():
            out, leaves = self._call(arrays, requires_grad=True)
        if out.requires_grad:
            out.backward(gy)
        grads = tuple(leaf.grad if leaf.requires_grad else None for leaf in leaves)
        return grads + ((None,) if self.anchored else ())


@differentiable
def remat(f):
    """``f`` rematerialised: same results and gradients, its intermediate activations recomputed in backward
    instead of kept (see the module docstring). Usable as a decorator."""
    if not callable(f):
        raise ConfigError(f"remat: expected a callable, got {type(f).__name__}")

    def rematerialised(*args, **kwargs):
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        inputs = [args[i] for i in positions]
        # The weights f reads are not inputs of the node, so when no input needs a gradient (the data entering a
        # first layer) a constant anchor input still records the node, and its backward reaches those weights.
        anchored = is_grad_enabled() and not any(t.requires_grad for t in inputs)
        if anchored:
            inputs.append(Tensor(0.0, requires_grad=True))
        return Remat(f, args, kwargs, positions, anchored).apply(*inputs)

    rematerialised.__wrapped__ = f
    rematerialised.__name__ = getattr(f, "__name__", "rematerialised")
    return rematerialised


__all__ = ["remat", "Remat"]
