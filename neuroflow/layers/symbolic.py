"""Symbolic tensors: what ``Input`` returns and layers return when called on one (Keras' KerasTensor).

A SymbolicTensor holds a shape (batch axis ``None``) and the node that produced it; a functional ``Model`` walks
these nodes back from its outputs to its inputs and replays them on real tensors.
"""
from __future__ import annotations


class Node:
    """One call of a layer inside a functional graph: the layer, its symbolic inputs (any nesting) and outputs."""

    __slots__ = ("layer", "inputs", "kwargs", "outputs")

    def __init__(self, layer, inputs, kwargs):
        self.layer, self.inputs, self.kwargs = layer, inputs, kwargs
        self.outputs = None

    def flat_inputs(self) -> list:
        return flatten(self.inputs)


class SymbolicTensor:
    """A placeholder of known shape (``None`` for unknown sizes, e.g. the batch axis) in a functional graph."""

    __slots__ = ("shape", "dtype", "node", "name")

    def __init__(self, shape, dtype="float32", node=None, name=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.node = node
        self.name = name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype}{' name=' + repr(self.name) if self.name else ''}>"


KerasTensor = SymbolicTensor  # Keras' name for the same thing


def flatten(x) -> list:
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in flatten(item)]
    if isinstance(x, dict):
        return [v for k in x for v in flatten(x[k])]
    return [x]


def map_structure(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(map_structure(fn, v) for v in x)
    if isinstance(x, dict):
        return {k: map_structure(fn, v) for k, v in x.items()}
    return fn(x)


def record_call(layer, inputs, kwargs):
    """Call ``layer`` on symbolic ``inputs``: build it, infer the output shape, return symbolic output(s)."""
    input_shape = map_structure(lambda t: t.shape, inputs)
    if isinstance(input_shape, tuple) and input_shape and isinstance(input_shape[0], tuple):
        input_shape = list(input_shape)
    layer._maybe_build(input_shape)
    out_shape = layer.compute_output_shape(input_shape)
    node = Node(layer, inputs, {k: v for k, v in kwargs.items() if v is not None})

    def make(shape):
        return SymbolicTensor(shape, layer.dtype, node)

    if isinstance(out_shape, list):
        outputs = [make(tuple(s)) for s in out_shape]
    else:
        outputs = make(tuple(out_shape))
    node.outputs = outputs
    layer._inbound_nodes.append(node)
    return outputs
