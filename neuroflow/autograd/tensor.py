"""``Tensor``: an array with an optional place in the computational graph.

Shapes: any. A tensor wraps one array (``.data``, float32 by default); when ``requires_grad`` is true, every
differentiable operation on it records a node, and ``backward()`` fills ``.grad`` of every leaf it depends on.
"""
from __future__ import annotations

import numbers

from .. import backend
from ..errors import DTypeError, GraphError, ShapeError
from . import graph


_DIFFERENTIABLE_KINDS = "f"  # only floating tensors carry gradients


def _to_array(data, dtype=None):
    """Convert ``data`` to an array of neuroflow's conventions.

    Rules: an explicit ``dtype`` wins; float data becomes the default float dtype (float32); NumPy integer and
    bool arrays keep their dtype (indices, masks); Python bools stay bool; other Python numbers and lists
    become the default float dtype.
    """
    xp = backend.get_array_module()
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return xp.asarray(data, dtype=dtype)
    if isinstance(data, xp.ndarray) or isinstance(data, xp.generic):
        arr = xp.asarray(data)
        if arr.dtype.kind == "f" and arr.dtype != backend.default_float_dtype():
            return arr.astype(backend.default_float_dtype())
        if arr.dtype.kind in "biuf":
            return arr
        raise DTypeError(f"Tensor: cannot hold an array of dtype {arr.dtype}; expected a number or bool dtype")
    arr = xp.asarray(data)
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype.kind not in "iuf":
        raise DTypeError(f"Tensor: expected numbers, got data of dtype {arr.dtype} ({type(data).__name__})")
    return arr.astype(backend.default_float_dtype())


def as_tensor(x, like: "Tensor | None" = None) -> "Tensor":
    """Return ``x`` as a Tensor; a Python scalar or array mixed with float tensor ``like`` takes ``like``'s dtype.

    This is what keeps ``float32_tensor * 2.0`` or ``+ float64_array`` in float32.
    """
    if isinstance(x, Tensor):
        return x
    if like is not None and like.data.dtype.kind == "f":
        xp = backend.get_array_module()
        arr = xp.asarray(x)
        if arr.dtype.kind in "biuf":
            return Tensor._from_op(arr.astype(like.data.dtype, copy=False), None)
    return Tensor(x)


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Args:
        data: array-like (NumPy array, list, scalar or another Tensor).
        requires_grad: record operations on this tensor and give it a ``.grad`` after ``backward()``;
            only floating tensors may require grad.
        dtype: array dtype; default: float32 for float and Python data, integer/bool NumPy arrays keep theirs.
        name: a label shown in graph tables and drawings.

    Attributes: ``data`` (the array), ``grad`` (array of the same shape, or ``None``), ``requires_grad``,
    ``name``. ``np.asarray(tensor)`` returns ``data``.
    """

    __slots__ = ("data", "grad", "_requires_grad", "_node", "_retains_grad", "name", "__weakref__")
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor's reflected operators

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        self.data = _to_array(data, dtype)
        self.grad = None
        self._node = None
        self._retains_grad = False
        self.name = name
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _from_op(cls, data, node) -> "Tensor":
        """Fast constructor for op outputs: no conversion, no checks."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t._node = node
        t._requires_grad = node is not None
        t._retains_grad = False
        t.name = None
        return t

    # --- gradient bookkeeping -------------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self.data.dtype.kind not in _DIFFERENTIABLE_KINDS:
            raise DTypeError(
                f"requires_grad=True needs a floating tensor, got dtype {self.data.dtype}; "
                "integer and bool tensors (indices, masks) are never differentiable")
        if not value and self._node is not None:
            raise GraphError("cannot set requires_grad=False on a tensor computed by a recorded op; use .detach()")
        self._requires_grad = bool(value)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by a recorded op)."""
        return self._node is None

    @property
    def node(self):
        """The :class:`~neuroflow.autograd.Function` that produced this tensor, or ``None`` for a leaf."""
        return self._node

    def retain_grad(self) -> "Tensor":
        """Keep this intermediate tensor's gradient in ``.grad`` after backward (leaves always keep theirs)."""
        self._retains_grad = True
        return self

    def _accumulate(self, g, owned: bool = False) -> None:
        """Add ``g`` into ``.grad``. ``owned``: nothing else holds ``g``, so that it may become ``.grad`` itself
        when it owns its memory and has the right dtype (otherwise ``.grad`` starts as a copy)."""
        if g.shape != self.data.shape:
            g = backend.get_array_module().broadcast_to(g, self.data.shape)
        if self.grad is None:
            if owned and g.base is None and g.dtype == self.data.dtype and g.flags.writeable:
                self.grad = g
            else:
                self.grad = g.astype(self.data.dtype, copy=True)
        else:
            self.grad += g

    def backward(self, grad=None, retain_graph: bool = False, retain_grads: bool = False) -> None:
        """Backpropagate from this tensor, accumulating into ``.grad`` of every leaf that requires grad.

        Args:
            grad: the gradient of the final objective with respect to this tensor (same shape); may be omitted
                only for a tensor with one element (a scalar loss), where it is 1.
            retain_graph: keep the graph's nodes and saved buffers to call backward again.
            retain_grads: also keep every intermediate tensor's gradient in its ``.grad`` (for inspection).
        """
        if not self._requires_grad:
            raise GraphError("backward(): this tensor does not require grad (no input had requires_grad=True, "
                             "or it was computed under no_grad())")
        xp = backend.get_array_module()
        if grad is None:
            if self.data.size != 1:
                raise GraphError(f"backward(): grad can be implied only for a scalar output, but this tensor has "
                                 f"shape {self.data.shape}; pass grad= of that shape (or reduce it, e.g. .sum())")
            g = xp.ones_like(self.data)
        else:
            g = xp.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.data.dtype)
            if g.shape != self.data.shape:
                raise ShapeError(f"backward(): grad has shape {g.shape} but the tensor has shape {self.data.shape}")
        graph.run_backward(self, g, retain_graph=retain_graph, retain_grads=retain_grads)

    def detach(self) -> "Tensor":
        """A tensor sharing this one's data, cut from the graph (records nothing, requires no grad)."""
        return Tensor._from_op(self.data, None)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    # --- array facts ----------------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def numpy(self):
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self):
        """The single element as a Python number."""
        if self.data.size != 1:
            raise ShapeError(f"item(): needs a tensor with one element, got shape {self.data.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data

    def astype(self, dtype) -> "Tensor":
        """A copy in another dtype (differentiable between float dtypes)."""
        from ..ops import cast
        return cast(self, dtype)

    def __repr__(self) -> str:
        import numpy
        body = numpy.array2string(numpy.asarray(self.data), separator=", ", threshold=20, precision=6,
                                  prefix="Tensor(")
        extra = []
        if self._node is not None:
            extra.append(f"op={self._node.name}")
        elif self._requires_grad:
            extra.append("requires_grad=True")
        if self.name:
            extra.append(f"name={self.name!r}")
        extra.append(f"dtype={self.data.dtype}")
        return f"Tensor({body}, {', '.join(extra)})"

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, got dtype {self.data.dtype}")
        return int(self.data)

    __hash__ = object.__hash__  # == is element-wise, so hashing stays by identity

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(len(self.data)):
            yield self[i]

    # --- operators (implemented in neuroflow.ops) -----------------------------------------------------------
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.subtract(self, other)

    def __rsub__(self, other):
        return _ops.subtract(other, self)

    def __mul__(self, other):
        return _ops.multiply(self, other)

    def __rmul__(self, other):
        return _ops.multiply(other, self)

    def __truediv__(self, other):
        return _ops.divide(self, other)

    def __rtruediv__(self, other):
        return _ops.divide(other, self)

    def __pow__(self, other):
        return _ops.power(self, other)

    def __rpow__(self, other):
        return _ops.power(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __eq__(self, other):
        return _ops.equal(self, other)

    def __ne__(self, other):
        return _ops.not_equal(self, other)

    def __lt__(self, other):
        return _ops.less(self, other)

    def __le__(self, other):
        return _ops.less_equal(self, other)

    def __gt__(self, other):
        return _ops.greater(self, other)

    def __ge__(self, other):
        return _ops.greater_equal(self, other)

    def __invert__(self):
        return _ops.logical_not(self)

    def __and__(self, other):
        return _ops.logical_and(self, other)

    def __or__(self, other):
        return _ops.logical_or(self, other)

    @property
    def T(self) -> "Tensor":
        """The tensor with its axes reversed (``transpose()``)."""
        return _ops.transpose(self)


def _install_methods():
    """Expose the NumPy-like ops as methods: ``t.sum(axis=0)``, ``t.reshape(2, 3)``, ``t.exp()``..."""
    names = ["sum", "mean", "prod", "max", "min", "var", "std", "logsumexp", "argmax", "argmin",
             "exp", "log", "log1p", "expm1", "sqrt", "square", "clip", "maximum", "minimum",
             "transpose", "expand_dims", "squeeze", "broadcast_to", "flip", "repeat", "tile", "split",
             "sigmoid", "tanh", "relu", "softmax", "log_softmax", "matmul"]
    for n in names:
        fn = getattr(_ops, n)

        def method(self, *args, _fn=fn, **kwargs):
            return _fn(self, *args, **kwargs)

        method.__name__ = n
        method.__doc__ = f"Same as ``neuroflow.ops.{n}(tensor, ...)``."
        setattr(Tensor, n, method)

    def reshape(self, *shape):
        """``t.reshape(2, 3)`` or ``t.reshape((2, 3))``; same as ``neuroflow.ops.reshape``."""
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = shape[0]
        return _ops.reshape(self, shape)

    def permute(self, *axes):
        """``t.permute(0, 2, 1)``: same as ``neuroflow.ops.transpose(t, axes)``."""
        if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
            axes = axes[0]
        return _ops.transpose(self, axes)

    Tensor.reshape = reshape
    Tensor.permute = permute


from . import function as _function  # noqa: E402
_function._tensor_class[0] = Tensor

from .. import ops as _ops  # noqa: E402  (ops import Tensor; bind after the class exists)

_install_methods()
