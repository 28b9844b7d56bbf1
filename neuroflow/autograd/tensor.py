"""``Tensor``: an array with an optional place in the computational graph.

Shapes: any. A tensor wraps one array (``.data``, float32 by default); when ``requires_grad`` is true, every
differentiable operation on it records a node, and ``backward()`` fills ``.grad`` of every leaf it depends on.
"""
from __future__ import annotations

from .. import backend
from ..errors import ConfigError, DeviceError, DTypeError, GraphError, ShapeError
from . import graph, higher_order


_DIFFERENTIABLE_KINDS = "f"  # only floating tensors carry gradients


def _to_array(data, dtype=None):
    """Convert ``data`` to an array of neuroflow's conventions.

    Rules: an explicit ``dtype`` wins; float data becomes the default float dtype (float32); NumPy integer and
    bool arrays keep their dtype (indices, masks); Python bools stay bool; other Python numbers and lists
    become the default float dtype. Device arrays stay on their device; host data goes to the current device.
    """
    if isinstance(data, Tensor):
        data = data.data
    xp = backend.get_array_module(data)
    if xp is backend.numpy:
        xp = backend.xp
    if dtype is not None:
        return xp.asarray(data, dtype=dtype)
    if isinstance(data, (xp.ndarray, xp.generic, backend.numpy.ndarray, backend.numpy.generic)):
        arr = xp.asarray(data)
        if arr.dtype.kind == "f" and arr.dtype != backend.default_float_dtype():
            return arr.astype(backend.default_float_dtype())
        if arr.dtype.kind in "biuf":
            return arr
        raise DTypeError(f"Tensor: cannot hold an array of dtype {arr.dtype}; expected a number or bool dtype")
    try:
        arr = xp.asarray(data)
    except ValueError:  # NumPy's "inhomogeneous shape"
        raise ShapeError(f"Tensor: nested lists of different lengths (ragged) cannot make a tensor, got "
                         f"{repr(data)[:60]}; pad them to one length first (keras.utils.pad_sequences)") from None
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
        xp = backend.get_array_module(like.data)  # host constants join like's device
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

    Attributes: ``data`` (the array), ``grad`` (array of the same shape, or ``None``; a Tensor after
    ``backward(create_graph=True)``), ``requires_grad``,
    ``name``. ``np.asarray(tensor)`` returns ``data``. ``_keras_logits`` (Keras 3's name): on the output of
    ``sigmoid``/``softmax`` only, the Tensor of their input, which a cross-entropy with ``from_logits=False``
    reads instead (stable, and its gradient skips the activation); ``None`` on every other tensor.
    ``_keras_mask`` (Keras 3's name): the mask a masking layer (``Embedding(mask_zero=True)``, ``Masking``...)
    attached to its output, ``(batch, time)`` booleans; the next layer call picks it up; ``None`` otherwise.
    """

    __slots__ = ("data", "grad", "_requires_grad", "_node", "_retains_grad", "name", "_keras_logits",
                 "_keras_mask", "__weakref__")
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor's reflected operators

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        self.data = _to_array(data, dtype)
        self.grad = None
        self._node = None
        self._retains_grad = False
        self.name = name
        self._keras_logits = None
        self._keras_mask = None
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
        t._keras_logits = None
        t._keras_mask = None
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
            g = backend.get_array_module(g).broadcast_to(g, self.data.shape)
        if self.grad is None:
            if owned and g.base is None and g.dtype == self.data.dtype and g.flags.writeable:
                self.grad = g
            else:
                self.grad = g.astype(self.data.dtype, copy=True)
        else:
            self.grad += g

    def backward(self, grad=None, retain_graph: bool | None = None, retain_grads: bool = False,
                 create_graph: bool = False) -> None:
        """Backpropagate from this tensor, accumulating into ``.grad`` of every leaf that requires grad.

        Args:
            grad: the gradient of the final objective with respect to this tensor (same shape); may be omitted
                only for a tensor with one element (a scalar loss), where it is 1.
            retain_graph: keep the graph's nodes and saved buffers to call backward again (default:
                ``create_graph``).
            retain_grads: also keep every intermediate tensor's gradient in its ``.grad`` (for inspection).
            create_graph: record the backward pass itself: ``.grad`` then holds Tensors that are graph nodes and
                can be differentiated again (PyTorch's semantics; see ``neuroflow.grad``).
        """
        if retain_graph is None:
            retain_graph = create_graph
        if _function._recorder is not None:
            _function._recorder.backward()
        if not self._requires_grad:
            raise GraphError("backward(): this tensor does not require grad (no input had requires_grad=True, "
                             "or it was computed under no_grad())")
        xp = backend.get_array_module(self.data)
        if grad is None:
            if self.data.size != 1:
                raise GraphError(f"backward(): grad can be implied only for a scalar output, but this tensor has "
                                 f"shape {self.data.shape}; pass grad= of that shape (or reduce it, e.g. .sum())")
            g = xp.ones_like(self.data)
        else:
            g = xp.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.data.dtype)
            if g.shape != self.data.shape:
                raise ShapeError(f"backward(): grad has shape {g.shape} but the tensor has shape {self.data.shape}")
        if create_graph:
            seed = grad if isinstance(grad, Tensor) and grad.shape == g.shape else Tensor._from_op(g, None)
            higher_order.walk_graph([self], [seed], retain_graph=retain_graph, retain_grads=retain_grads)
            return
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
        """The data as a host NumPy array: the underlying array itself (shared) on the CPU, a copy from a device
        (an explicit device-to-host transfer, counted by ``neuroflow.backend.transfers()``)."""
        if _function._recorder is not None:
            _function._recorder.read(self, "array")
        return backend.to_host(self.data)

    def to(self, device) -> "Tensor":
        """This tensor's data on ``device`` (``'cpu'``, ``'cuda'``, ``'strict'``) as a new leaf (no graph link;
        the same tensor when it is already there). Shapes: same."""
        data = backend.to_device(self.data, device)
        if data is self.data:
            return self
        with backend.device(device):  # built there: Tensor() copies host data to the *current* device
            return Tensor(data, requires_grad=self._requires_grad, dtype=data.dtype, name=self.name)

    @property
    def device(self) -> str:
        """Where the data lives: ``'cpu'``, ``'cuda'`` or ``'strict'``."""
        return backend.device_of(self.data)

    def item(self):
        """The single element as a Python number."""
        if self.data.size != 1:
            raise ShapeError(f"item(): needs a tensor with one element, got shape {self.data.shape}")
        if _function._recorder is not None:
            _function._recorder.read(self, "item")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        """NumPy's array protocol (NumPy 2 signature): ``np.asarray(t)`` is ``t.data`` itself (a 0-d array for a
        0-d tensor); ``copy=True`` always copies; a ``dtype`` cast copies, which ``copy=False`` refuses."""
        if _function._recorder is not None:  # a traced step reads this value on the host: a guard
            _function._recorder.read(self, "array")
        xp = backend.get_array_module(self.data)
        if xp is not backend.numpy:  # as CuPy's arrays refuse: tensor.numpy() is the explicit copy
            raise DeviceError(f"np.asarray(tensor): the tensor lives on device '{backend.device_of(self.data)}' "
                              f"(shape {self.data.shape}); implicit conversion to NumPy is not allowed, copy it "
                              f"with tensor.numpy()")
        data = self.data if isinstance(self.data, xp.ndarray) else xp.asarray(self.data)  # 0-d op results
        if dtype is not None and xp.dtype(dtype) != data.dtype:
            if copy is False:
                raise ConfigError(f"np.asarray(tensor, dtype={xp.dtype(dtype)}, copy=False): the tensor's dtype is "
                                  f"{data.dtype}, so the cast needs a copy; pass copy=None to allow it")
            return data.astype(dtype)
        return data.copy() if copy else data

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """Export the data through DLPack without a copy (``torch.from_dlpack(t)``, ``np.from_dlpack(t)``): the
        consumer shares this tensor's memory. Delegates to the array; arguments as the array API defines them."""
        extra = {k: v for k, v in (("max_version", max_version), ("dl_device", dl_device), ("copy", copy))
                 if v is not None}  # only what the caller asked for: older NumPy knows only stream
        return self._dlpack_source().__dlpack__(stream=stream, **extra)

    def __dlpack_device__(self) -> tuple:
        """``(device type, device id)`` of the data as DLPack codes: ``(1, 0)``, the CPU, for NumPy data."""
        return self._dlpack_source().__dlpack_device__()

    def _dlpack_source(self):
        # device data (CuPy) exports itself, zero-copy on its device; host data goes through __array__
        return self.__array__() if backend.get_array_module(self.data) is backend.numpy else self.data

    def __repr__(self) -> str:
        import numpy
        body = numpy.array2string(numpy.asarray(backend.to_host(self.data)), separator=", ", threshold=20, precision=6,
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

    # A traced step (neuroflow/compile) turns each host read of a value into a guard checked at every replay.
    def __bool__(self) -> bool:
        if _function._recorder is not None:
            _function._recorder.read(self, "bool")
        return bool(self.data)

    def __float__(self) -> float:
        if _function._recorder is not None:
            _function._recorder.read(self, "float")
        return float(self.data)

    def __int__(self) -> int:
        if _function._recorder is not None:
            _function._recorder.read(self, "int")
        return int(self.data)

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, got dtype {self.data.dtype}")
        if _function._recorder is not None:
            _function._recorder.read(self, "int")
        return int(self.data)

    __hash__ = object.__hash__  # == is element-wise, so hashing stays by identity

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(len(self.data)):
            yield self[i]

    def __pos__(self):
        return self

    # Operators (+ - * / ** @, comparisons, & | ~, indexing, .T) and the NumPy-like methods (t.sum(), t.reshape(),
    # t.astype()...) are set on this class by neuroflow.ops (ops/tensor_methods.py) when it loads: autograd sits
    # below ops and must not import it. `import neuroflow` imports ops.


from . import function as _function  # noqa: E402
_function._tensor_class[0] = Tensor
backend._register_tensor_type(Tensor)  # get_array_module(tensor) reads its data
