"""Where Keras 3 keeps each weight of a model in its HDF5 store, computed from a neuroflow model.

Keras names an object's group after its *class* (snake case, ``_1``, ``_2``... for repeats within one container),
never after the layer's own name: ``layers/dense/vars/0`` is the kernel of the first ``Dense`` among the model's
``layers``, ``layers/dense_1/vars/0`` the second's. Recurrent layers keep their weights in their ``cell``,
``Bidirectional`` in ``forward_layer``/``backward_layer``, ``TimeDistributed`` in ``layer``, nested models in
their own ``layers``. A functional model's ``layers`` are in Keras' order (:func:`functional_layer_order`), which
both sides must agree on for the numbering to line up.
"""
from __future__ import annotations

import re

import numpy as np

from ...errors import SavingError
from ...layers.input_layer import InputLayer
from ...layers.recurrent import RNNLayer
from ...layers.symbolic import SymbolicTensor, flatten
from ...layers.wrappers import Bidirectional, TimeDistributed
from ...registry import registered_name


def to_snake_case(name: str) -> str:
    """Keras' ``naming.to_snake_case``: ``"Conv2DTranspose"`` -> ``"conv2d_transpose"``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def is_model(layer) -> bool:
    """A Sequential or functional model (neuroflow's model classes keep their graph or layer stack)."""
    return hasattr(layer, "_graph") and callable(getattr(layer, "compile", None))


def keras_class_name(layer) -> str:
    """The class name Keras 3 gives ``layer``'s counterpart (``Model`` with a graph is Keras' ``Functional``)."""
    name = registered_name(layer)
    if is_model(layer) and name != "Sequential":
        if getattr(layer, "_graph", None) is None:
            raise SavingError(f"model {layer.name!r}: a subclassed model has no Keras config; only Sequential and "
                              f"functional models are written as Keras files")
        return "Functional"
    return name


def model_layers(model) -> list:
    """The layers Keras' ``model.layers`` lists for ``model``: a Sequential's stack (no InputLayer), a
    functional model's layers (InputLayers included) in Keras' order."""
    if getattr(model, "_graph", None) is not None:
        return functional_layer_order(model._graph.inputs, model._graph.outputs)
    return [l for l in model.layers if not isinstance(l, InputLayer)]


def functional_layer_order(inputs, outputs) -> list:
    """The layers of the graph from ``inputs`` to ``outputs`` in Keras 3's order (``ops.function.map_graph``):
    deepest first (depth = the longest path to an output), ties broken by the order a depth-first walk from the
    outputs first meets them; inputs the outputs do not depend on come last among the depth-0 layers."""
    finished, ordered, first_seen = set(), [], {}
    stack = [("enter", t) for t in reversed(flatten(outputs))]
    while stack:  # iterative form of Keras' recursive walk: a node is appended after all its inputs
        kind, item = stack.pop()
        if kind == "exit":
            finished.add(id(item))
            ordered.append(item)
            continue
        node = item.node
        if id(node) in finished:
            continue
        first_seen.setdefault(id(node.layer), len(first_seen))
        stack.append(("exit", node))
        if not isinstance(node.layer, InputLayer):
            stack.extend(("enter", t) for t in reversed(_input_tensors(node)))
    in_graph = {id(n) for n in ordered}
    node_depth, layer_depth, layers = {}, {}, {}
    for node in reversed(ordered):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        layers[id(node.layer)] = node.layer
        if isinstance(node.layer, InputLayer):
            continue
        for t in _input_tensors(node):
            if id(t.node) in in_graph:
                node_depth[id(t.node)] = max(depth + 1, node_depth.get(id(t.node), 0))
    for t in flatten(inputs):  # inputs no output depends on
        if id(t.node.layer) not in layer_depth:
            layer_depth[id(t.node.layer)], first_seen[id(t.node.layer)] = 0, -1
            layers[id(t.node.layer)] = t.node.layer
    return sorted(layers.values(), key=lambda l: (-layer_depth[id(l)], first_seen[id(l)]))


def _input_tensors(node) -> list:
    return [t for t in flatten(node.inputs) + flatten(list(node.kwargs.values())) if isinstance(t, SymbolicTensor)]


def variable_groups(model) -> list:
    """``[(group path, name, [Variable, ...], [extra arrays])]`` for every object Keras 3 would store for
    ``model``, the model itself first (path ``""``). The variables of a group are its datasets ``vars/0..n-1`` in
    order; the extras are datasets Keras keeps after them that neuroflow has no use for (written with the
    value Keras would hold, ignored on reading)."""
    out = [("", model.name, [], [])]
    _container(model_layers(model), "layers", out)
    return out


def _container(layers, path: str, out: list) -> None:
    used = {}
    for layer in layers:
        base = to_snake_case(keras_class_name(layer))
        used[base] = used.get(base, -1) + 1
        _walk(layer, f"{path}/{base}" if not used[base] else f"{path}/{base}_{used[base]}", out)


def _walk(layer, path: str, out: list) -> None:
    if is_model(layer):
        out.append((path, layer.name, [], []))
        _container(model_layers(layer), f"{path}/layers", out)
    elif isinstance(layer, Bidirectional):
        out.append((path, layer.name, [], []))
        _walk(layer.forward_layer, f"{path}/forward_layer", out)
        _walk(layer.backward_layer, f"{path}/backward_layer", out)
    elif isinstance(layer, TimeDistributed):
        out.append((path, layer.name, [], []))
        _walk(layer.layer, f"{path}/layer", out)
    elif isinstance(layer, RNNLayer):  # Keras keeps a recurrent layer's weights in its cell
        out.append((path, layer.name, [], []))
        out.append((f"{path}/cell", to_snake_case(keras_class_name(layer)) + "_cell", list(layer.weights), []))
    elif keras_class_name(layer) in _SUBLAYER_WEIGHTS:
        _split_into_sublayers(layer, path, out)
    else:
        out.append((path, layer.name, list(layer.weights), _keras_extras(layer)))


#: Layers whose weights Keras keeps in sub-layers: neuroflow's weight-path segment -> Keras' attribute name; then
#: the weightless sub-layers Keras also writes a group for.
_SUBLAYER_WEIGHTS = {"MultiHeadAttention": ({"query": "query_dense", "key": "key_dense", "value": "value_dense",
                                             "attention_output": "output_dense"}, ("_dropout_layer", "_softmax"))}


def _split_into_sublayers(layer, path: str, out: list) -> None:
    by_part, empty = _SUBLAYER_WEIGHTS[keras_class_name(layer)]
    out.append((path, layer.name, [], []))
    groups = {attr: [] for attr in by_part.values()}
    for variable in layer.weights:
        part = (variable.path or variable.name).split("/")[-2:-1]
        if not part or part[0] not in by_part:
            raise SavingError(f"layer {layer.name!r}: weight {variable.path!r} has no place in Keras' layout")
        groups[by_part[part[0]]].append(variable)
    for attr, variables in groups.items():
        out.append((f"{path}/{attr}", attr, variables, []))
    out.extend((f"{path}/{attr}", attr, [], []) for attr in empty)


def _keras_extras(layer) -> list:
    # Keras' Normalization keeps an adapt sample count after its mean and variance (unused at inference)
    if keras_class_name(layer) == "Normalization" and layer.weights:
        return [np.zeros((), np.int64)]
    return []
