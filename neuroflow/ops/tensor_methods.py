"""Tensor's operators and NumPy-like methods, installed on the class when ``neuroflow.ops`` loads.

``autograd`` defines :class:`~neuroflow.autograd.Tensor` without knowing any op (it sits on the floor below
``ops``); :func:`install` then gives it ``+ - * / ** @`` (and their reflected forms), ``-t``, ``abs(t)``,
comparisons (bool tensors), ``& | ~``, indexing, ``t.T``, ``t.astype(dtype)`` and the methods ``t.sum(axis=0)``,
``t.reshape(2, 3)``, ``t.exp()``... each the same as the ``neuroflow.ops`` function of that name.
``import neuroflow`` imports ``ops``, so every Tensor a program sees has them.
"""
from __future__ import annotations

import numbers

from . import activation, compare, index, math, reduce, shape

#: ``__name__`` / ``__rname__`` -> op: ``t + x`` is ``add(t, x)``, ``x + t`` is ``add(x, t)``.
_BINARY = {"add": math.add, "sub": math.subtract, "mul": math.multiply, "truediv": math.divide,
           "pow": math.power, "matmul": math.matmul}
#: Two-operand methods without a reflected form: comparisons (reflected by Python itself), ``&``/``|`` (logical,
#: on bool tensors) and indexing.
_ONE_SIDED = {"__eq__": compare.equal, "__ne__": compare.not_equal, "__lt__": compare.less,
              "__le__": compare.less_equal, "__gt__": compare.greater, "__ge__": compare.greater_equal,
              "__and__": compare.logical_and, "__or__": compare.logical_or, "__getitem__": index.getitem}
_UNARY = {"__neg__": math.negative, "__abs__": math.abs, "__invert__": compare.logical_not}
#: ``t.name(*args, **kwargs)`` is ``ops.name(t, *args, **kwargs)``.
_METHODS = {fn.__name__: fn for fn in (
    reduce.sum, reduce.mean, reduce.prod, reduce.max, reduce.min, reduce.var, reduce.std, reduce.logsumexp,
    reduce.argmax, reduce.argmin, math.exp, math.log, math.log1p, math.expm1, math.sqrt, math.square, math.clip,
    math.maximum, math.minimum, math.matmul, shape.transpose, shape.expand_dims, shape.squeeze,
    shape.broadcast_to, shape.flip, shape.repeat, shape.tile, shape.split, activation.sigmoid, activation.tanh,
    activation.relu, activation.softmax, activation.log_softmax)}


def _named(method, name: str, doc: str):
    method.__name__, method.__qualname__ = name, f"Tensor.{name}"
    method.__doc__ = doc
    return method


def _forward(fn, name):
    return _named(lambda self, other: fn(self, other), name, f"``{name}``: ``neuroflow.ops.{fn.__name__}``.")


def _reflected(fn, name):
    return _named(lambda self, other: fn(other, self), name,
                  f"``{name}``: ``neuroflow.ops.{fn.__name__}`` with the other operand first.")


def _unary(fn, name):
    return _named(lambda self: fn(self), name, f"``{name}``: ``neuroflow.ops.{fn.__name__}``.")


def _method(fn, name):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    return _named(method, name, f"Same as ``neuroflow.ops.{name}(tensor, ...)``.")


def reshape(self, *new_shape):
    """``t.reshape(2, 3)`` or ``t.reshape((2, 3))``; same as ``neuroflow.ops.reshape``."""
    if len(new_shape) == 1 and not isinstance(new_shape[0], numbers.Integral):
        new_shape = new_shape[0]
    return shape.reshape(self, new_shape)


def permute(self, *axes):
    """``t.permute(0, 2, 1)``: same as ``neuroflow.ops.transpose(t, axes)``."""
    if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
        axes = axes[0]
    return shape.transpose(self, axes)


def astype(self, dtype):
    """A copy in another dtype (differentiable between float dtypes); same as ``neuroflow.ops.cast``."""
    return math.cast(self, dtype)


def transposed(self):
    """The tensor with its axes reversed (``transpose()``)."""
    return shape.transpose(self)


def install(tensor_class) -> None:
    """Set the operators and methods above on ``tensor_class`` (and so on its subclasses, e.g. ``Variable``)."""
    for op_name, fn in _BINARY.items():
        setattr(tensor_class, f"__{op_name}__", _forward(fn, f"__{op_name}__"))
        setattr(tensor_class, f"__r{op_name}__", _reflected(fn, f"__r{op_name}__"))
    for name, fn in _ONE_SIDED.items():
        setattr(tensor_class, name, _forward(fn, name))
    for name, fn in _UNARY.items():
        setattr(tensor_class, name, _unary(fn, name))
    for name, fn in _METHODS.items():
        setattr(tensor_class, name, _method(fn, name))
    tensor_class.reshape, tensor_class.permute, tensor_class.astype = reshape, permute, astype
    tensor_class.T = property(transposed)
