"""A model's layer graph as a TensorBoard ``GraphDef`` (the Graphs tab), built with tensorboardX's protobufs.

One node per layer call: ``op`` is the layer's class, ``input`` the layers feeding it, and the attributes
``output_shape`` and ``params`` show in the node's info card. Functional models give their DAG (shared layers
once per call), a Sequential its chain from an ``input`` node; subclassed models, whose ``call`` is arbitrary
Python, give ``None`` (Keras writes no graph for them either).
"""
from __future__ import annotations


def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _param_count(layer) -> int:
    return int(sum(w.size for w in getattr(layer, "weights", [])))


def _layer_edges(model):
    """``[(name, layer, input names, output shape)]`` in order, or ``None`` for a subclassed model."""
    graph = getattr(model, "_graph", None)
    if graph is not None:  # functional: walk the recorded calls
        names, edges = {}, []
        for t in _flatten(graph.inputs):
            names[id(t.node)] = t.node.layer.name
            edges.append((t.node.layer.name, t.node.layer, [], t.shape))
        calls = {}
        for node in graph.nodes:
            k = calls[id(node.layer)] = calls.get(id(node.layer), 0) + 1
            name = node.layer.name if k == 1 else f"{node.layer.name}_{k}"  # a shared layer: one node per call
            names[id(node)] = name
            inputs = [names[id(t.node)] for t in node.flat_inputs() if hasattr(t, "node") and id(t.node) in names]
            outputs = node.outputs if isinstance(node.outputs, list) else [node.outputs]
            edges.append((name, node.layer, inputs, outputs[0].shape))
        return edges
    if not any(c.__name__ == "Sequential" for c in type(model).__mro__):
        return None
    try:
        input_shape = model.input_shape
    except AttributeError:
        input_shape = None
    edges = [("input", None, [], input_shape)]
    shapes = list(getattr(model, "_layer_output_shapes", None) or [])
    for i, layer in enumerate(model.layers):
        edges.append((layer.name, layer, [edges[-1][0]], shapes[i] if i < len(shapes) else None))
    return edges


def _flatten(x) -> list:
    if isinstance(x, dict):
        return [v for k in x for v in _flatten(x[k])]
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _flatten(item)]
    return [x]


def model_graph_def(model):
    """The layer graph of ``model`` as a ``GraphDef`` protobuf (tensorboardX's), or ``None`` for a subclassed
    model."""
    from tensorboardX.proto.attr_value_pb2 import AttrValue
    from tensorboardX.proto.graph_pb2 import GraphDef
    from tensorboardX.proto.node_def_pb2 import NodeDef
    from tensorboardX.proto.versions_pb2 import VersionDef

    edges = _layer_edges(model)
    if edges is None:
        return None
    nodes = []
    for name, layer, inputs, shape in edges:
        attrs = {"params": AttrValue(i=_param_count(layer) if layer is not None else 0)}
        if shape is not None:
            attrs["output_shape"] = AttrValue(s=_shape_text(shape).encode())
        op = type(layer).__name__ if layer is not None else "Input"
        nodes.append(NodeDef(name=f"{model.name}/{name}", op=op, input=[f"{model.name}/{i}" for i in inputs],
                             attr=attrs))
    return GraphDef(node=nodes, versions=VersionDef(producer=22))
