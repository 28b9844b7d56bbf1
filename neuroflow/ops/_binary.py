"""Shared plumbing of binary ops: mixing in scalars/arrays without upcasting, and shape errors in user terms."""
from __future__ import annotations

from ..autograd.tensor import Tensor, as_tensor
from ..backend import floatx, result_type
from ..errors import ShapeError
from .cast import cast


def _operand(x, like):
    """``x`` beside the Tensor ``like``: a Python number is weak (Keras' rule: ``int32 + 2`` stays int32, ``int32 +
    2.5`` is floatx, ``bool + 1`` int32); another non-Tensor takes the dtype of a float ``like``."""
    if type(x) in (bool, int, float) and like.dtype.kind in "biu":
        dtype = (floatx() if type(x) is float else "int32" if like.dtype.kind == "b" and type(x) is int
                 else like.dtype)
        return Tensor(x, dtype=dtype)
    return as_tensor(x, like=like)


def python_number(x):
    """A Python number as Keras' ``convert_to_tensor`` makes it: an int is int32, a float floatx, a bool bool
    (``Tensor(2)`` is float32, neuroflow's default for data)."""
    return Tensor(x, dtype="bool" if type(x) is bool else "int32" if type(x) is int else floatx())


def float_input(x):
    """``x`` as a Tensor, an integer or bool one converted to floatx (Keras' rule for ``sqrt``, ``exp``, ``mean``...:
    never NumPy's float64 or float16)."""
    x = as_tensor(x)
    return x if x.dtype.kind == "f" else Tensor._from_op(x.data.astype(floatx()), None)


def binary_inputs(a, b):
    """Both operands as Tensors of one dtype, promoted by Keras' rules (:func:`~neuroflow.backend.result_type`:
    ``float32`` with ``int32`` is float32, not NumPy's float64); see :func:`_operand` for non-Tensor operands."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor) and type(b) in (bool, int, float):
        # an array beside a Python number sets the dtype; a Python number converts as Keras' convert_to_tensor
        a = python_number(a) if type(a) in (bool, int, float) else as_tensor(a)
    if not isinstance(a, Tensor):
        b = as_tensor(b)
        a = _operand(a, b)
    elif not isinstance(b, Tensor):
        b = _operand(b, a)
    if a.dtype != b.dtype:
        dtype = result_type(a.dtype.name, b.dtype.name)
        a, b = cast(a, dtype), cast(b, dtype)
    return a, b


def apply_broadcasting(fn, op_name: str, a, b):
    """Apply ``fn`` (a Function instance) to Tensors ``a`` and ``b``; a broadcasting failure names both shapes."""
    try:
        return fn.apply(a, b)
    except ValueError as err:
        if "broadcast" in str(err):
            raise ShapeError(f"{op_name}: shapes {a.shape} and {b.shape} cannot be broadcast together "
                             f"(trailing axes must be equal or 1)") from None
        raise
