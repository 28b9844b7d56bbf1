"""What a functional model accepts as inputs, as Keras 3's ``Functional`` does.

* ``Model(inputs=t, outputs=...)`` where ``t`` is a symbolic tensor made by layers (not a ``keras.Input``), e.g.
  FeatureSpace's ``get_encoded_features()``: each such tensor is replaced by a fresh ``Input`` of its shape and
  dtype, named ``<name>CLONE``, and the layer calls between the inputs and the outputs are recorded again on it
  (Keras' ``clone_graph_nodes``). The layers are the same objects: both models share their weights.
* A value one rank short of an input whose last axis is 1 (``(batch,)`` for ``(None, 1)``) gains that axis; one
  with an extra trailing axis of 1 loses it (Keras' ``Functional._adjust_input_rank``).
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..autograd.tensor import Tensor
from ..errors import ConfigError
from ..layers.input_layer import Input, InputLayer
from ..layers.symbolic import SymbolicTensor, flatten, map_structure


def is_input_tensor(t) -> bool:
    """Whether ``t`` is the output of a ``keras.Input`` (an InputLayer)."""
    return isinstance(t, SymbolicTensor) and isinstance(getattr(t.node, "layer", None), InputLayer)


def nodes_between(inputs: list, outputs: list) -> list:
    """The nodes that compute ``outputs`` from the tensors ``inputs``, each after the nodes it reads (an iterative
    walk back from the outputs that stops at the inputs). ConfigError when an output needs an ``Input`` that is
    not among ``inputs``."""
    boundary = {id(t) for t in inputs}
    order, seen = [], set()
    stack = [(t.node, False) for t in outputs if id(t) not in boundary]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node.layer, InputLayer):
            raise ConfigError(f"Model: output depends on input {node.layer.name!r}, which is not among the "
                              f"model's inputs")
        stack.append((node, True))
        for t in node.flat_inputs():
            if isinstance(t, SymbolicTensor) and id(t) not in boundary and id(t.node) not in seen:
                stack.append((t.node, False))
    return order


def _clone_name(t, index: int, taken: set) -> str:
    base = f"{t.name or t.node.layer.name}CLONE"
    name = base if base not in taken else f"{base}_{index}"
    taken.add(name)
    return name


def rebase_on_inputs(inputs, outputs):
    """``(inputs, outputs)`` with every input that is not a ``keras.Input`` replaced by a fresh one and the graph
    between them recorded again (see the module docstring). Unchanged when all inputs are ``Input`` tensors, or
    when something is not a symbolic tensor at all (the caller reports that)."""
    flat_in = flatten(inputs)
    if all(is_input_tensor(t) for t in flat_in) \
            or not all(isinstance(t, SymbolicTensor) for t in flat_in + flatten(outputs)):
        return inputs, outputs
    mapping, taken = {}, set()
    for i, t in enumerate(flat_in):
        mapping[id(t)] = t if is_input_tensor(t) else \
            Input(batch_shape=t.shape, dtype=t.dtype, name=_clone_name(t, i, taken))

    def swap(v):
        return mapping[id(v)] if isinstance(v, SymbolicTensor) else v

    for node in nodes_between(flat_in, flatten(outputs)):
        out = node.layer(map_structure(swap, node.inputs), **map_structure(swap, dict(node.kwargs)))
        old = node.outputs if isinstance(node.outputs, list) else [node.outputs]
        new = out if isinstance(out, list) else [out]
        for before, after in zip(old, new):
            mapping[id(before)] = after
    return map_structure(swap, inputs), map_structure(swap, outputs)


def rank_change(shape, input_shape) -> int:
    """Keras' one-axis rank adjustment of data of ``shape`` fed to an input of ``input_shape``: +1 (add a last
    axis: ``(batch,)`` for ``(None, 1)``), -1 (drop a last axis of 1: ``(batch, 1)`` for ``(None,)``) or 0."""
    if len(shape) == len(input_shape) - 1 and input_shape[-1] == 1:
        return 1
    if len(shape) == len(input_shape) + 1 and shape[-1] == 1:
        return -1
    return 0


def match_input_rank(value, sym):
    """``value`` (an array or Tensor) fed to the input ``sym``, adjusted by :func:`rank_change`; anything else is
    returned as it is (the layers reading it check their shapes)."""
    if not isinstance(value, (np.ndarray, Tensor)):
        return value
    change = rank_change(value.shape, sym.shape)
    if change == 1:
        return ops.expand_dims(value, -1) if isinstance(value, Tensor) else np.expand_dims(value, -1)
    if change == -1:
        return ops.squeeze(value, -1) if isinstance(value, Tensor) else np.squeeze(value, -1)
    return value
