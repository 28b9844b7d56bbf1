"""Pass-through and wrapping layers: ``Identity``, ``Lambda`` (a function as a layer) and
``ActivityRegularization`` (adds an L1/L2 penalty on its input to the loss).

``Lambda`` holds Python code, which neuroflow's model files never hold: its config names the function, and a load
finds it only among the custom objects given to it (``load_model(path, custom_objects={"fn": fn})``); otherwise
the load fails with an error saying so.
"""
from __future__ import annotations

import inspect

from .. import _validate as check
from .. import custom_objects as nf_custom_objects, regularizers as nf_regularizers
from ..errors import ConfigError
from ..registry import register_builtin
from .base import Layer
from .kernel import IDENTITY, run


@register_builtin
class Identity(Layer):
    """Returns its input unchanged (a placeholder). Shapes: any -> same."""

    supports_masking = True

    def call(self, inputs):
        return run(self, inputs)

    def _forward_kernel(self, input_shape, dtype):
        return IDENTITY

    def compute_output_shape(self, input_shape):
        return input_shape


@register_builtin
class ActivityRegularization(Identity):
    """Returns its input and adds ``l1 * sum(|x|) + l2 * sum(x**2)`` of it to the loss. Shapes: any -> same.

    Args: ``l1``, ``l2`` (floats >= 0).
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        who = f"ActivityRegularization {self.name!r}"
        self.l1 = check.non_negative_float(l1, who, "l1")
        self.l2 = check.non_negative_float(l2, who, "l2")
        self._activity_regularizer = nf_regularizers.L1L2(l1=self.l1, l2=self.l2)

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}


def _function_name(fn) -> str:
    """The name a saved config gives a function (its ``__name__``)."""
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) else repr(fn)


@register_builtin
class Lambda(Layer):
    """Wraps ``function(inputs, **arguments)`` as a layer (it may also take ``mask`` and ``training``).

    Shapes: as ``function`` computes; ``output_shape`` (without the batch axis, or a function of the full input
    shape) says so without a dry run. ``mask``: the output mask (a fixed value, or ``mask(inputs, mask)``).

    Saving keeps only the function's name: loading needs ``custom_objects={name: function}`` (a
    ``lambda`` cannot be loaded at all; give it a ``def``).
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        who = f"Lambda {self.name!r}"
        if not callable(function):
            raise check.ArgumentTypeError(f"{who}: function must be callable, got {check.describe(function)}")
        if arguments is not None and not isinstance(arguments, dict):
            raise check.ArgumentTypeError(f"{who}: arguments must be a dict of keyword arguments, got "
                                          f"{check.describe(arguments)}")
        if output_shape is not None and not callable(output_shape):
            output_shape = check.shape_tuple(output_shape, who, "output_shape")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):  # a builtin without a signature
            params = {}
        self._fn_takes_mask, self._fn_takes_training = "mask" in params, "training" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        first = input_shape[0] if isinstance(input_shape, list) else input_shape
        return (first[0],) + tuple(self._output_shape)

    def get_config(self):
        config = {**super().get_config(), "function": _function_name(self.function),
                  "arguments": self.arguments}
        if self._output_shape is not None:
            config["output_shape"] = (_function_name(self._output_shape)
                                      if callable(self._output_shape) else list(self._output_shape))
        if self.mask is not None and callable(self.mask):
            config["mask"] = _function_name(self.mask)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("function", "output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, str):
                config[key] = _registered_function(value, config.get("name"), key)
        return cls(**config)


def _registered_function(name: str, layer_name, arg: str):
    """The function a saved Lambda names, from the custom objects in force; an error saying how to give it."""
    fn = nf_custom_objects.lookup(name)
    if fn is None or not callable(fn):
        hint = ("a lambda expression has no name to find it by: define it with def and register it"
                if name == "<lambda>" else f"pass custom_objects={{{name!r}: {name}}} to load_model")
        raise ConfigError(f"Lambda {layer_name!r}: its {arg} {name!r} is Python code, which model files never "
                          f"hold (loading executes no code); {hint}")
    return fn


__all__ = ["Identity", "ActivityRegularization", "Lambda"]
