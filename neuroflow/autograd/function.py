"""The differentiable-function base class, grad mode and the broadcasting helper.

A :class:`Function` is one node of the computational graph. ``forward`` computes on arrays and keeps in ``self``
only what ``backward`` needs; ``backward`` maps the output's gradient to one gradient per input (``None`` where an
input gets none). Both are written side by side in each op's file, so an op's derivative reads in one screen.

Nodes are cheap by design: one object with ``__slots__`` per op, and none at all when no input needs a gradient
or grad mode is off (:func:`no_grad`).
"""
from __future__ import annotations

import functools
import threading

from .._validate import AllocationError
from ..errors import DTypeError, NeuroflowError
from ..backend import check_same_device, get_array_module


class _GradMode(threading.local):
    enabled = True


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether operations currently record graph nodes."""
    return _grad_mode.enabled


class _GradModeSetter:
    """Context manager and decorator that sets grad mode for its block and restores it afterwards."""

    __slots__ = ("_mode", "_prev")

    def __init__(self, mode: bool):
        self._mode = mode

    def __enter__(self):
        self._prev = _grad_mode.enabled
        _grad_mode.enabled = self._mode
        return self

    def __exit__(self, *exc):
        _grad_mode.enabled = self._prev
        return False

    def __call__(self, func):
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with _GradModeSetter(mode):
                return func(*args, **kwargs)

        return wrapper


def no_grad():
    """Record nothing inside the block (context manager) or the function (decorator).

    Example::

        with neuroflow.no_grad():
            y = model(x)          # no nodes, no saved buffers

        @neuroflow.no_grad()
        def evaluate(x): ...
    """
    return _GradModeSetter(False)


def enable_grad():
    """Record nodes again inside a :func:`no_grad` block (context manager or decorator)."""
    return _GradModeSetter(True)


def sum_to(grad, shape):
    """Sum ``grad`` over the axes that broadcasting expanded, so that it takes ``shape``.

    Shapes: ``grad`` has the broadcast shape; returns an array of ``shape``. This is the one place where
    broadcasting is undone: every binary op's backward ends with it.
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and grad.shape[i + lead] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if lead:
        grad = grad.reshape(shape)
    return grad


#: Filled by ``tensor.py`` once ``Tensor`` exists (the two modules import each other; an import inside ``apply``
#: would run on every op).
_tensor_class = [None]

#: The compiled step's recorder (``neuroflow/compile/trace.py``) while a step is being traced, else ``None``: one
#: ``is not None`` test per op is all the eager path pays for it.
_recorder = None


def run_node(node, inputs):
    """What :meth:`Function.apply` does without the recorder check (the recorder calls it for the op it records).
    A copy of apply's body on purpose: apply calling it would add a Python call to every eager op."""
    Tensor = _tensor_class[0]
    y = node.forward(*[t.data for t in inputs])
    if _grad_mode.enabled:
        for t in inputs:
            if t.requires_grad:
                node.inputs = inputs
                return Tensor._from_op(y, node)
    return Tensor._from_op(y, None)


class Function:
    """Base class of every differentiable operation (one graph node).

    Subclasses implement ``forward(*arrays) -> array`` and ``backward(grad) -> tuple`` (one entry per input,
    ``None`` where no gradient flows), declare their saved state in ``__slots__``, and are called through
    :meth:`apply`. After a backward without ``retain_graph`` the node's inputs and saved arrays are released.
    """

    __slots__ = ("inputs", "__weakref__")
    #: The saved-state slots of this class and its bases, computed once per class (what ``release`` clears).
    _saved: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        names = []
        for klass in cls.__mro__:
            for slot in klass.__dict__.get("__slots__", ()):
                if slot not in ("inputs", "__weakref__") and slot not in names:
                    names.append(slot)
        cls._saved = tuple(names)

    #: Name shown in graph tables and drawings; defaults to the class name in lower case.
    label: str | None = None

    def forward(self, *xs):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, gy):  # pragma: no cover - abstract
        raise NotImplementedError

    def apply(self, *inputs):
        """Run ``forward`` on the inputs' arrays and, when a gradient is needed, record this node.

        ``inputs`` are :class:`~neuroflow.Tensor` objects. Returns the output Tensor.
        """
        if _recorder is not None:
            return _recorder.apply(self, inputs)
        Tensor = _tensor_class[0]
        try:
            y = self.forward(*[t.data for t in inputs])
        except TypeError as err:  # host and device arrays mixed? then say so, naming the op (free when nothing fails)
            check_same_device(self.name, [t.data for t in inputs])
            if isinstance(err, NeuroflowError):
                raise
            # else NumPy refused the dtypes (a bool negated, a string added): say which op and which dtypes
            raise DTypeError(f"{self.name}: cannot compute on dtype(s) {[t.dtype.name for t in inputs]} "
                             f"({err})") from err
        except MemoryError as err:  # an output larger than memory (a huge tile, resize, pad): name the op
            raise AllocationError(f"{self.name}: {err} (input shapes {[t.shape for t in inputs]})") from None
        if _grad_mode.enabled:
            for t in inputs:
                if t.requires_grad:
                    self.inputs = inputs
                    return Tensor._from_op(y, self)
        return Tensor._from_op(y, None)

    def apply_constant(self, *inputs):
        """Run this node without recording a graph: for ops whose output carries no gradient (comparisons, integer
        casts, argmax). A traced step (``neuroflow/compile``) still records it, so a replay recomputes the value
        instead of keeping the traced one. Returns the output Tensor (never requires grad)."""
        if _recorder is not None:
            out = _recorder.apply(self, inputs)
            out._node, out._requires_grad = None, False
            return out
        return _tensor_class[0]._from_op(self.forward(*[t.data for t in inputs]), None)

    @property
    def name(self) -> str:
        return self.label or type(self).__name__.lower()

    def release(self):
        """Drop the inputs and every saved buffer (called by backward unless the graph is retained)."""
        self.inputs = None
        for slot in self._saved:
            setattr(self, slot, None)

    def describe(self) -> str:
        """Extra text for graph tables (for example an axis or a shape); empty by default."""
        return ""


__all__ = ["Function", "no_grad", "enable_grad", "is_grad_enabled", "sum_to", "get_array_module"]
