"""Casting a layer's inputs, weights or outputs to a dtype (float parts only, through the differentiable
``ops.cast``), and rounding through a dtype a Tensor cannot hold (bfloat16)."""
from __future__ import annotations

import numpy as np

from ..autograd.function import is_grad_enabled
from ..autograd.tensor import Tensor
from ..ops.math import cast


def cast_floats(x, dtype: str):
    """``x`` (a Tensor, an array or a list/tuple/dict of them) with its float parts cast to ``dtype`` by
    ``ops.cast`` (differentiable); integer and bool parts untouched."""
    if isinstance(x, (list, tuple)):
        return type(x)(cast_floats(v, dtype) for v in x)
    if isinstance(x, dict):
        return {k: cast_floats(v, dtype) for k, v in x.items()}
    if not isinstance(x, Tensor):
        x = Tensor(x) if isinstance(x, np.ndarray) and x.dtype.kind == "f" else x
        if not isinstance(x, Tensor):
            return x
    if x.data.dtype.kind != "f" or x.data.dtype == np.dtype(dtype):
        return x
    out = cast(x, dtype)
    if x._keras_logits is not None:  # a softmax/sigmoid output keeps its (higher precision) logits
        out._keras_logits = x._keras_logits
    return out


def round_through(x, dtype):
    """``x`` (float Tensor, array or a list/tuple/dict of them) with its float values rounded to ``dtype`` (a NumPy
    dtype such as ml_dtypes' bfloat16) and kept in their own dtype; the gradient passes through unchanged."""
    if isinstance(x, (list, tuple)):
        return type(x)(round_through(v, dtype) for v in x)
    if isinstance(x, dict):
        return {k: round_through(v, dtype) for k, v in x.items()}
    if not isinstance(x, Tensor) or x.data.dtype.kind != "f":
        return x
    rounded = x.data.astype(dtype).astype(x.data.dtype)
    if not (x.requires_grad and is_grad_enabled()):
        out = Tensor._from_op(rounded, None)
    else:  # x + (rounded - x): the value is rounded exactly (the difference is exact), the derivative is 1
        out = x + Tensor._from_op(rounded - x.data, None)
    out._keras_logits = x._keras_logits
    return out
