"""``Sequential``: a plain stack of layers, each feeding the next."""
from __future__ import annotations

from .. import _validate as check
from ..errors import ConfigError
from ..layers.base import Layer, output_mask
from ..layers.input_layer import InputLayer
from ..layers.symbolic import SymbolicTensor
from ..registry import register_builtin
from .model import Model


@register_builtin
class Sequential(Model):
    """A linear stack of layers: ``Sequential([Dense(6, activation='relu', input_dim=11), Dense(1)])``.

    The input shape comes from the first layer's ``input_shape``/``input_dim``, an ``Input``/``InputLayer``, or
    the first batch it sees. Shapes: ``(batch, *input_shape)`` -> the last layer's output.
    """

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._stack = []
        self._input_layer = None
        self.built = False
        if layers is not None and (isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__")):
            raise check.ArgumentTypeError(f"Sequential: layers must be a list of layers, got {check.describe(layers)}")
        for layer in layers or []:
            self.add(layer)

    def add(self, layer, rebuild=True):
        """Append a layer (or an ``Input`` tensor, which fixes the input shape). ``rebuild`` (Keras' argument,
        which saves rebuilding while many layers are added) is accepted; the stack is traced again either way,
        which is cheap here and keeps every path (the inference fast path too) built."""
        self._append(layer)
        self._build_if_shape_known()

    def _append(self, layer):
        """``add`` without building: ``from_config`` appends every layer, then traces the stack once."""
        if isinstance(layer, SymbolicTensor):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise ConfigError(f"Sequential.add: expected a Layer, got {type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self._stack:
                raise ConfigError("Sequential.add: an Input/InputLayer can only come first")
            self._input_layer = layer
            return
        self._stack.append(layer)
        self._tracked_layers.append(layer)

    def pop(self, rebuild=True):
        """Remove and return the last layer (``rebuild``: Keras' argument; the stack stays built either way)."""
        if not self._stack:
            raise ConfigError("Sequential.pop: the model has no layers")
        layer = self._stack.pop()
        self._tracked_layers.remove(layer)
        shapes = getattr(self, "_layer_output_shapes", None)
        if shapes:
            self._layer_output_shapes = shapes[:-1]  # the model's output is now the previous layer's
        return layer

    @property
    def layers(self) -> list:
        return list(self._stack)

    def _input_shape(self):
        if self._input_layer is not None:
            return self._input_layer._batch_input_shape
        if self._stack and self._stack[0]._batch_input_shape is not None:
            return self._stack[0]._batch_input_shape
        return None

    def _build_if_shape_known(self):
        shape = self._input_shape()
        if shape is None or not self._stack:
            return
        self._trace(shape)

    def _trace(self, batch_input_shape):
        """Run the stack symbolically: builds every layer and records each one's output shape."""
        # start from the Input's tensor so that model.inputs and each layer.output form one functional graph
        given = self._input_layer.output if self._input_layer is not None else None
        t = given if given is not None and given.shape == tuple(batch_input_shape) else \
            InputLayer(batch_input_shape=tuple(batch_input_shape)).output
        self._symbolic_input = t
        self._layer_output_shapes = []
        for layer in self._stack:
            t = layer(t)
            self._layer_output_shapes.append(t.shape)
        self._symbolic_output = t
        self.built = True

    def build(self, input_shape=None):
        """Build every layer for ``input_shape`` (batch axis first)."""
        if input_shape is None:
            input_shape = self._input_shape()
        if input_shape is None:
            raise ConfigError("Sequential.build: the input shape is unknown; pass input_shape=(None, ...)")
        self._trace(tuple(input_shape))

    def call(self, inputs, training=None, mask=None):
        # a mask (e.g. from Embedding(mask_zero=True) or Masking) travels to each next layer that takes one
        x = inputs
        for layer in self._stack:
            y = layer(x, training=training, mask=mask)
            mask = output_mask(layer, x, mask)
            x = y
        return x

    def __call__(self, inputs, training=None, mask=None, **kwargs):
        if not self.built and not isinstance(inputs, SymbolicTensor):
            shape = getattr(inputs, "shape", None)
            if shape is not None:
                self._trace((None,) + tuple(shape[1:]))
        return super().__call__(inputs, training=training, mask=mask, **kwargs)

    @property
    def inputs(self):
        """The symbolic input of the traced stack as a one-item list (``None`` before the input shape is known)."""
        return [self._symbolic_input] if self.__dict__.get("_symbolic_input") is not None else None

    @property
    def outputs(self):
        """The last layer's symbolic output as a one-item list (``None`` before the input shape is known)."""
        return [self._symbolic_output] if self.inputs and self._stack else None

    @property
    def output_names(self):
        return [self._stack[-1].name] if self._stack else ["output"]

    def _output_layers(self):
        return [self._stack[-1]] if self._stack else None

    def _output_shapes(self):
        shapes = getattr(self, "_layer_output_shapes", None)
        return [shapes[-1]] if shapes else [None]

    def _expected_input_shapes(self):
        shape = self._input_shape()
        return [shape] if shape is not None else None

    def _check_input_data(self, x):
        if not self.built:
            shape = getattr(x, "shape", None)
            if shape is not None and not isinstance(x, (list, dict)):
                self._trace((None,) + tuple(shape[1:]))
        super()._check_input_data(x)

    def get_config(self):
        from ..saving import serialization
        config = {"name": self.name, "layers": [serialization.serialize_layer(l) for l in self._stack]}
        shape = self._input_shape()
        if shape is not None:
            config["build_input_shape"] = list(shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from :meth:`get_config` output in time linear in the number of layers (the stack is traced
        once, after every layer is in place); ``custom_objects`` resolves custom classes by name."""
        from ..custom_objects import custom_object_scope
        from ..saving.rebuild import rebuild_layer

        layers = config.get("layers") if isinstance(config, dict) else None
        if not isinstance(layers, list):
            raise ConfigError(f"Sequential.from_config: expected a dict with a 'layers' list, got {config!r:.80}")
        with custom_object_scope(custom_objects):
            model = cls(name=config.get("name"))
            shape = config.get("build_input_shape")
            if shape is not None:
                model._input_layer = InputLayer(batch_input_shape=tuple(shape))
            for i, layer_config in enumerate(layers):
                model._append(rebuild_layer(layer_config, f"Sequential {model.name!r} layers[{i}]"))
            model._build_if_shape_known()
        return model


