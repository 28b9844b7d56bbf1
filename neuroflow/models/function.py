"""Keras 3's ``keras.Function``: a callable graph of operations between symbolic inputs and outputs.

``Function(inputs, outputs, name=None)`` takes ``keras.Input`` tensors and what layers or Operations returned on
them (any nesting of lists, tuples and dicts) and, called on arrays or Tensors of the inputs' structure, replays
the graph and returns the outputs in their structure, as Tensors that record the graph (differentiable). It is
neuroflow's functional graph (:class:`~neuroflow.models.functional.FunctionalGraph`) without a Model around it:
no weights of its own, no ``compile``/``fit``. Masks travel along the graph as in a functional model.
"""
from __future__ import annotations

from ..errors import ConfigError
from ..layers.symbolic import flatten
from .functional import FunctionalGraph


class Function:
    """See the module docstring. ``inputs``/``outputs`` as given; ``operations`` the graph's layers in order."""

    def __init__(self, inputs, outputs, name=None):
        self.name = name or "function"
        self._inputs, self._outputs = inputs, outputs
        self._graph = FunctionalGraph(inputs, outputs)

    @property
    def inputs(self):
        return self._inputs

    @property
    def outputs(self):
        return self._outputs

    @property
    def operations(self) -> list:
        return list(self._graph.layers)

    def __call__(self, inputs, training=None):
        """Run the graph on ``inputs`` (the symbolic inputs' structure; arrays or Tensors)."""
        if len(flatten(self._inputs)) == 1 and isinstance(inputs, (list, tuple)) and len(inputs) == 1:
            inputs = inputs[0]
        return self._graph.run(inputs, training=training)

    def call(self, inputs, training=None):
        return self(inputs, training=training)

    def compute_output_spec(self, inputs=None):
        """The symbolic outputs (shapes with the batch axis ``None``)."""
        return self._outputs

    def __repr__(self) -> str:
        return f"<Function name={self.name!r} operations={len(self.operations)}>"


__all__ = ["Function", "ConfigError"]
