"""Where Keras 3 keeps each weight of a model in its HDF5 store, computed from a neuroflow model.

Keras names an object's group after its *class* (snake case, ``_1``, ``_2``... for repeats within one container),
never after the layer's own name: ``layers/dense/vars/0`` is the kernel of the first ``Dense`` among the model's
``layers``, ``layers/dense_1/vars/0`` the second's. Recurrent layers keep their weights in their ``cell``,
``Bidirectional`` in ``forward_layer``/``backward_layer``, ``TimeDistributed`` in ``layer``, nested models in
their own ``layers``. A functional model's ``layers`` are in Keras' order (:func:`functional_layer_order`), which
both sides must agree on for the numbering to line up. A custom (user-defined) layer keeps its own variables in
``vars`` (trainable first) and each sub-layer under the attribute that holds it (``scaled_dense/dense``), public
attributes before private ones in name order; a list or dict of layers numbers its items by class
(``extra/dense``, ``extra/dense_1``), as Keras' ``saving_lib`` walks an object's attributes.
"""
from __future__ import annotations

import re

from ...errors import SavingError
from ...layers.base import Layer
from ...layers.input_layer import InputLayer
from ...layers.quantized import keras_store_order
from ...layers.recurrent import RNNLayer
from ...layers.symbolic import SymbolicTensor, flatten
from ...layers.wrappers import Bidirectional, TimeDistributed
from ...registry import registered_name


def to_snake_case(name: str) -> str:
    """Keras' ``naming.to_snake_case``: ``"Conv2DTranspose"`` -> ``"conv2d_transpose"``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def is_custom_layer(layer) -> bool:
    """A user's layer class (defined outside neuroflow, a subclass of a built-in included), not a model."""
    return not type(layer).__module__.startswith("neuroflow.") and not is_model(layer)


def group_base(layer) -> str:
    """The snake-case group name Keras gives ``layer`` inside a container: from its class's own name."""
    return to_snake_case(type(layer).__name__ if is_custom_layer(layer) else keras_class_name(layer))


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
        base = group_base(layer)
        used[base] = used.get(base, -1) + 1
        _walk(layer, f"{path}/{base}" if not used[base] else f"{path}/{base}_{used[base]}", out)


def _walk(layer, path: str, out: list, visited=None) -> None:
    if is_custom_layer(layer):
        _custom(layer, path, out, set() if visited is None else visited)
    elif is_model(layer):
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
    elif layer.__dict__.get("_is_quantized"):  # Keras' order for an int8 layer: kernel, bias, scale
        out.append((path, layer.name, keras_store_order(layer), []))
    else:
        out.append((path, layer.name, list(layer.weights), []))


def _custom(layer, path: str, out: list, visited: set) -> None:
    """A user's layer: its own variables (trainable first, as Keras' ``save_own_variables``), then what its
    attributes hold, each object once (the first attribute in Keras' order that holds it)."""
    visited.add(id(layer))
    own = layer._own_variables()
    out.append((path, layer.name, [v for v in own if v.trainable] + [v for v in own if not v.trainable], []))
    for attr in sorted(layer._tracked_attrs, key=lambda a: f"~{a}" if a.startswith("_") else a):
        _child(layer.__dict__.get(attr), f"{path}/{attr}", out, visited)


def _child(value, path: str, out: list, visited: set) -> None:
    if isinstance(value, Layer):
        if id(value) not in visited:
            visited.add(id(value))
            _walk(value, path, out, visited)
    elif isinstance(value, (list, tuple, dict)):
        used = {}
        for item in (value.values() if isinstance(value, dict) else value):
            if not isinstance(item, (Layer, list, tuple, dict)):
                continue
            base = group_base(item) if isinstance(item, Layer) else "container"
            used[base] = used.get(base, -1) + 1
            _child(item, f"{path}/{base}" if not used[base] else f"{path}/{base}_{used[base]}", out, visited)


#: Layers whose weights Keras keeps in sub-layers: neuroflow's weight-path segment -> Keras' attribute name; then
#: the weightless sub-layers Keras also writes a group for.
_SUBLAYER_WEIGHTS = {"MultiHeadAttention": ({"query": "query_dense", "key": "key_dense", "value": "value_dense",
                                             "attention_output": "output_dense", "gate": "_gate_dense"}, ("_dropout_layer", "_softmax"))}


def _split_into_sublayers(layer, path: str, out: list) -> None:
    by_part, empty = _SUBLAYER_WEIGHTS[keras_class_name(layer)]
    out.append((path, layer.name, [], []))
    # a gate sublayer only where MultiHeadAttention(use_gate=True) has one, as in Keras' files
    groups = {attr: [] for part, attr in by_part.items() if part != "gate" or getattr(layer, "use_gate", False)}
    for variable in layer.weights:
        part = (variable.path or variable.name).split("/")[-2:-1]
        if not part or part[0] not in by_part:
            raise SavingError(f"layer {layer.name!r}: weight {variable.path!r} has no place in Keras' layout")
        groups[by_part[part[0]]].append(variable)
    for attr, variables in groups.items():
        out.append((f"{path}/{attr}", attr, variables, []))
    out.extend((f"{path}/{attr}", attr, [], []) for attr in empty)
