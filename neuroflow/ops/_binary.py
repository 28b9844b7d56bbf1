"""Shared plumbing of binary ops: mixing in scalars/arrays without upcasting, and shape errors in user terms."""
from __future__ import annotations

from ..autograd.tensor import Tensor, as_tensor
from ..errors import ShapeError


def binary_inputs(a, b):
    """Both operands as Tensors; a non-Tensor operand takes the dtype of the float Tensor beside it."""
    if not isinstance(a, Tensor):
        b = as_tensor(b)
        a = as_tensor(a, like=b)
    elif not isinstance(b, Tensor):
        b = as_tensor(b, like=a)
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
