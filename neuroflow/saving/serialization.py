"""Architecture <-> JSON-able dicts. Classes are looked up in the registry by name; nothing is imported by path."""
from __future__ import annotations

from ..errors import SavingError
from ..layers.serialization import deserialize_layer, serialize_layer


def serialize_model(model) -> dict:
    return serialize_layer(model)


def functional_config(model) -> dict:
    """A functional model's layers and the calls between them (nodes in execution order)."""
    from ..layers.input_layer import InputLayer
    from ..layers.symbolic import SymbolicTensor, flatten, map_structure

    graph = model._graph
    ids = {}  # id(SymbolicTensor) -> reference [node key, output index]
    for t in flatten(graph.inputs):
        ids[id(t)] = [f"input:{t.node.layer.name}", 0]
    nodes = []
    for k, node in enumerate(graph.nodes):
        outs = node.outputs if isinstance(node.outputs, list) else [node.outputs]
        args = map_structure(lambda t: {"ref": ids[id(t)]} if isinstance(t, SymbolicTensor) else t, node.inputs)
        kwargs = {key: v for key, v in node.kwargs.items() if key not in ("training", "mask")}
        nodes.append({"layer": node.layer.name, "args": args, "kwargs": kwargs,
                      "multi": isinstance(node.outputs, list)})
        for i, t in enumerate(outs):
            ids[id(t)] = [k, i]
    return {"name": model.name,
            "layers": [serialize_layer(l) for l in graph.layers],
            "input_layers": [ids[id(t)] for t in flatten(graph.inputs)],
            "nodes": nodes,
            "output_layers": map_structure(lambda t: ids[id(t)], graph.outputs),
            "inputs_are_list": isinstance(graph.inputs, (list, tuple)),
            "_input_layer_class": InputLayer.__name__}


def functional_from_config(config: dict, cls):
    """Rebuild a functional model of class ``cls`` (``Model`` or a subclass) from :func:`functional_config`
    output."""
    from ..layers.input_layer import InputLayer
    from .rebuild import converted, rebuild_layer

    where = f"functional model {config.get('name')!r:.60}" if isinstance(config, dict) else "functional model"
    if not (isinstance(config, dict) and isinstance(config.get("layers"), list)
            and isinstance(config.get("nodes"), list) and isinstance(config.get("input_layers"), list)):
        raise SavingError(f"{where}: the config needs 'layers', 'nodes' and 'input_layers' lists")
    layers = {}
    for i, entry in enumerate(config["layers"]):
        layer = rebuild_layer(entry, f"{where} layers[{i}]")
        if layer.name in layers:
            raise SavingError(f"{where}: two layers are named {layer.name!r}")
        layers[layer.name] = layer
    with converted(f"{where}: rebuilding the graph"):
        return _connect(config, cls, layers, InputLayer)


def _connect(config, cls, layers, InputLayer):
    """Call the rebuilt layers on each other as the config's nodes say (each node refers only to earlier ones,
    so the graph is rebuilt in one pass)."""
    values = {}
    for name, layer in layers.items():
        if isinstance(layer, InputLayer):
            values[(f"input:{name}", 0)] = layer.output

    def lookup(ref):
        if not (isinstance(ref, list) and len(ref) == 2 and isinstance(ref[0], (str, int))
                and isinstance(ref[1], int)):
            raise SavingError(f"model config: {ref!r:.60} is not a tensor reference [node, index]")
        key = (ref[0], ref[1])
        if key not in values:
            raise SavingError(f"model config refers to an unknown tensor {ref}")
        return values[key]

    def resolve_args(a):  # {"ref": [node, index]} marks a tensor; anything else is a plain value
        if isinstance(a, dict) and "ref" in a:
            return lookup(a["ref"])
        if isinstance(a, (list, tuple)):
            return [resolve_args(v) for v in a]
        if isinstance(a, dict):
            return {k: resolve_args(v) for k, v in a.items()}
        return a

    def resolve_refs(r):  # the output structure: each [node, index] pair is a tensor
        if _is_ref(r):
            return lookup(r)
        if isinstance(r, dict):
            return {k: resolve_refs(v) for k, v in r.items()}
        return [resolve_refs(v) for v in r]

    for k, node in enumerate(config["nodes"]):
        layer = layers.get(node["layer"]) if isinstance(node, dict) and isinstance(node.get("layer"), str) else None
        if layer is None:
            raise SavingError(f"model config: node {k} names no known layer ({node!r:.80})")
        kwargs = node.get("kwargs", {})
        if not isinstance(kwargs, dict) or any(k.startswith("_") for k in kwargs):
            raise SavingError(f"model config: node {k} has invalid call arguments {kwargs!r:.80}")
        args = resolve_args(node["args"])
        out = layer(args, **kwargs)
        outs = out if isinstance(out, list) else [out]
        for i, t in enumerate(outs):
            values[(k, i)] = t
    inputs = [lookup(r) for r in config["input_layers"]]
    if not config.get("inputs_are_list", True) and len(inputs) == 1:
        inputs = inputs[0]
    return cls(inputs=inputs, outputs=resolve_refs(config["output_layers"]), name=config.get("name"))


def _is_ref(x) -> bool:
    return isinstance(x, list) and len(x) == 2 and isinstance(x[1], int) and not isinstance(x[0], list)

