"""``Variable``: a named, trainable Tensor with stable identity (Keras' ``keras.Variable``).

Layers hold their weights as Variables; optimizers update them in place. Identity is stable: ``assign`` copies
into the existing array, so an optimizer may rebind ``.data`` to a view into one flat buffer (see
:meth:`rebind`) without breaking the layer that owns it.
"""
from __future__ import annotations

from . import function as _function
from .tensor import Tensor
from ..backend import get_array_module
from ..errors import ShapeError


class Variable(Tensor):
    """A trainable tensor. Shapes: any; ``trainable`` decides whether it requires grad.

    Args:
        initial_value: array-like (or a callable ``shape -> array`` together with ``shape``).
        trainable: receives gradients and optimizer updates.
        name: a short name (``'kernel'``); layers set ``path`` (``'dense_1/kernel'``).
    """

    __slots__ = ("path", "_trainable")

    def __init__(self, initial_value, trainable: bool = True, name: str | None = None, dtype=None, shape=None):
        if callable(initial_value):
            initial_value = initial_value(shape)
        super().__init__(initial_value, requires_grad=False, dtype=dtype, name=name)
        # Row-major storage: a weight lives for the whole training, and element-wise kernels (the optimizer's
        # update against row-major gradients) run several times slower on a transposed layout (measured: an
        # LSTM's orthogonal recurrent kernel, which QR returns column-major, made Adam 7x slower).
        if not self.data.flags.c_contiguous:
            self.data = self.data.copy(order="C")
        self.path = name
        self._trainable = False
        self.trainable = trainable

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        self.requires_grad = self._trainable and self.data.dtype.kind == "f"

    @property
    def value(self):
        """The variable as a Tensor (itself), as Keras' ``variable.value`` is the backend tensor: on Keras' torch
        backend custom loops read ``v.value.grad``; ``v.value.numpy()`` and ``np.asarray(v.value)`` give the array."""
        return self

    def assign(self, value) -> "Variable":
        """Copy ``value`` into this variable's storage (same shape), keeping its identity."""
        xp = get_array_module(self.data)
        arr = value.data if isinstance(value, Tensor) else xp.asarray(value)
        if arr.shape != self.data.shape:
            raise ShapeError(f"Variable {self.path or self.name!r}: cannot assign a value of shape {arr.shape} "
                             f"to a variable of shape {self.data.shape}")
        if _function._recorder is not None:  # a traced step records the assignment as an effect to replay
            _function._recorder.assign(self, value, "assign")
        self.data[...] = arr
        return self

    def assign_add(self, delta) -> "Variable":
        if _function._recorder is not None:
            _function._recorder.assign(self, delta, "add")
        self.data += delta.data if isinstance(delta, Tensor) else delta
        return self

    def assign_sub(self, delta) -> "Variable":
        if _function._recorder is not None:
            _function._recorder.assign(self, delta, "sub")
        self.data -= delta.data if isinstance(delta, Tensor) else delta
        return self

    def rebind(self, view) -> None:
        """Make ``view`` (same shape and dtype, e.g. a slice of a flat buffer) this variable's storage, after
        copying the current values into it."""
        if view.shape != self.data.shape or view.dtype != self.data.dtype:
            raise ShapeError(f"rebind: view {view.shape}/{view.dtype} does not match {self.data.shape}/{self.data.dtype}")
        view[...] = self.data
        self.data = view

    def __repr__(self) -> str:
        return f"<Variable path={self.path!r} shape={self.data.shape} dtype={self.data.dtype} trainable={self._trainable}>"
