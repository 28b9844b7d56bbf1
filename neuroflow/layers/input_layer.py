"""``Input`` and ``InputLayer``: the entry points of a functional model (shape without the batch axis)."""
from __future__ import annotations

from .. import _validate as check
from ..errors import ConfigError
from ..registry import register_builtin
from .base import Layer
from .symbolic import Node, SymbolicTensor
from .string_inputs import is_string_dtype


@register_builtin
class InputLayer(Layer):
    """The layer behind ``Input``; in a ``Sequential`` list it fixes the input shape.

    Args: ``shape`` (without the batch axis), ``batch_size``, ``dtype``, ``batch_shape`` (``(batch, *shape)``
    instead of the two), ``name``; Keras' ``sparse``, ``ragged``, ``input_tensor`` and ``optional`` are taken at
    their defaults only (neuroflow has no sparse or ragged tensors, no optional inputs).
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, input_shape=None, batch_input_shape=None, **kwargs):
        for arg, value in (("sparse", sparse), ("ragged", ragged), ("input_tensor", input_tensor),
                           ("optional", optional)):
            if value is not None and value is not False:
                who = f"InputLayer {name!r}" if name else "InputLayer"
                raise ConfigError(f"{who}: {arg}={value!r} is not supported by neuroflow (no sparse or ragged "
                                  f"tensors, no optional inputs); leave {arg} at its default")
        if batch_input_shape is None and batch_shape is not None:
            batch_input_shape = batch_shape
        if shape is None and input_shape is not None:
            shape = input_shape
        if shape is None and batch_input_shape is not None:
            batch_size, shape = batch_input_shape[0], batch_input_shape[1:]
        if shape is None:
            raise ConfigError("InputLayer/Input: shape is required, e.g. Input(shape=(784,))")
        shape = check.shape_tuple(shape, f"Input {name!r}" if name else "Input", "shape")
        batch_size = check.positive_int(batch_size, "Input", "batch_size", allow_none=True)
        string = is_string_dtype(dtype)  # Keras' dtype="string": the data stays an array of str
        super().__init__(name=name, dtype=None if string else dtype, batch_input_shape=(batch_size,) + shape,
                         **kwargs)
        if string:
            self.dtype = "string"
        self.built = True
        node = Node(self, [], {})
        self.output = SymbolicTensor(self._batch_input_shape, self.dtype, node, name=self.name)
        node.outputs = self.output

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_input_shape": list(self._batch_input_shape), "dtype": self.dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None):
    """A symbolic input of ``shape`` (without the batch axis) for building functional models.

    Returns a :class:`SymbolicTensor` of shape ``(batch_size, *shape)``.
    """
    if batch_shape is not None:
        if not isinstance(batch_shape, (tuple, list)) or not batch_shape:
            raise check.ArgumentTypeError(f"Input: batch_shape must be a tuple (batch, *shape), "
                                          f"got {check.describe(batch_shape)}")
        batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name).output
