"""A neuroflow model -> Keras 3's ``config.json``: Keras' class names, modules and argument spellings.

neuroflow's layers already take Keras' arguments, so a layer's ``get_config`` becomes Keras' by wrapping each
serialized object with its Keras ``module``, dropping neuroflow's input-shape conveniences (Keras keeps shapes in
its ``InputLayer``) and refusing what Keras could not rebuild: custom activations, subclassed models. A custom
layer is written as Keras writes one: its Python ``module`` (``None`` for ``__main__``), class name and
``registered_name`` (``package>Name``), so that Keras and neuroflow rebuild it from their registries or
``custom_objects``; a class neither registered nor among the global custom objects is refused at save.
"""
from __future__ import annotations

from ... import activations
from ...errors import NeuroflowError, SavingError
from ...layers.input_layer import InputLayer
from ...layers.recurrent import RNNLayer
from ...layers.wrappers import Bidirectional
from ...layers.symbolic import SymbolicTensor, flatten
from ...registry import registered_name
from ..rebuild import check_saveable
from .compile_out import keras_compile_config
from .layout import functional_layer_order, is_custom_layer, is_model, keras_class_name, model_layers

#: neuroflow-only layer arguments: Keras 3 keeps input shapes in an InputLayer instead.
_SHAPE_ARGUMENTS = {"batch_input_shape", "batch_size", "input_dim", "input_length", "input_shape"}
#: neuroflow-only arguments Keras' class lacks, dropped while they hold the only value Keras computes with.
_KERAS_FIXED = {("Cropping1D", "data_format"): "channels_last", ("UpSampling1D", "data_format"): "channels_last",
                ("UpSampling1D", "interpolation"): "nearest", ("UpSampling3D", "interpolation"): "nearest"}
#: Keras classes whose constructor takes fewer of the common layer arguments (no ``**kwargs``).
_KERAS_REJECTS = {"SpatialDropout1D": ("trainable",), "SpatialDropout2D": ("trainable",),
                  "SpatialDropout3D": ("trainable",)}
#: 1-D layers whose argument neuroflow writes as a one-element list and Keras as the element itself.
_KERAS_SCALARS = {"ZeroPadding1D": ("padding",), "Cropping1D": ("cropping",), "UpSampling1D": ("size",)}
#: Suffixes of arguments holding a serialized initializer/regularizer/constraint, and Keras' module for each.
_OBJECT_MODULES = {"_initializer": "keras.initializers", "_regularizer": "keras.regularizers",
                   "_constraint": "keras.constraints"}


def model_entry(model) -> dict:
    """Keras' top-level ``config.json`` object for a Sequential or functional ``model`` (built)."""
    entry = layer_entry(model)
    entry["compile_config"] = keras_compile_config(model)
    return entry


def layer_entry(layer) -> dict:
    """``{"module", "class_name", "config", "registered_name"}`` for one layer or nested model."""
    kind = keras_class_name(layer)
    if is_model(layer):
        if kind == "Sequential":
            return _sequential(layer)
        return _functional(layer)
    if is_custom_layer(layer):
        return _custom_entry(layer)
    if isinstance(layer, InputLayer):
        return _input_entry(layer.get_config())
    return {"module": "keras.layers", "class_name": kind, "config": _keras_config(kind, layer.get_config(), layer),
            "registered_name": None}


def _custom_entry(layer) -> dict:
    """Keras' entry for a user's layer class: found again by ``registered_name`` (or the class name in
    ``custom_objects``) when Keras or neuroflow loads the file; the class must be loadable (registered)."""
    check_saveable(layer)
    cls = type(layer)
    return {"module": None if cls.__module__ == "__main__" else cls.__module__, "class_name": cls.__name__,
            "config": _keras_config(cls.__name__, layer.get_config(), layer), "registered_name": registered_name(cls)}


def _input_entry(config: dict) -> dict:
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": list(config["batch_input_shape"]), "dtype": config.get("dtype", "float32"),
                       "sparse": False, "ragged": False, "name": config["name"]},
            "registered_name": None}


def _keras_config(kind: str, config: dict, layer) -> dict:
    out = {}
    for key, value in config.items():
        shape_only = key in _SHAPE_ARGUMENTS and not (kind == "Embedding" and key == "input_dim")
        if shape_only or key in _KERAS_REJECTS.get(kind, ()):
            continue
        if (kind, key) in _KERAS_FIXED:
            if value != _KERAS_FIXED[(kind, key)]:
                raise SavingError(f"layer {layer.name!r}: Keras' {kind} has no {key} argument, so {key}={value!r} "
                                  f"cannot be written to a .keras file")
            continue
        if key.endswith("activation") and value is not None and not _builtin_activation(value):
            raise SavingError(f"layer {layer.name!r}: {key}={value!r:.60} is a custom function, which a .keras "
                              f"file cannot hold; use one of Keras' activation names")
        out[key] = _keras_value(key, value, layer)
    for key in _KERAS_SCALARS.get(kind, ()):  # Keras' 1-D layers take one pair / one int
        if isinstance(out.get(key), list) and len(out[key]) == 1:
            out[key] = out[key][0]
    return out


def _builtin_activation(value) -> bool:
    """Whether ``value`` (a serialized activation) names one of the activations Keras and neuroflow share."""
    if not isinstance(value, str):
        return False
    try:
        activations.get(value)
    except NeuroflowError:
        return False
    return True


def _keras_value(key: str, value, layer):
    if key in ("dtype", "quantization_config") and isinstance(value, dict):  # already in Keras' form
        return value
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        if key in ("layer", "backward_layer"):  # a wrapper's inner layer, in neuroflow's {"class_name", "config"}
            inner = getattr(layer, "forward_layer" if key == "layer" and hasattr(layer, "forward_layer") else key)
            entry = layer_entry(inner)
            entry["config"] = _keras_config(value["class_name"], value["config"], inner)
            return entry
        module = next((m for suffix, m in _OBJECT_MODULES.items() if key.endswith(suffix)), None)
        if module is None or ">" in value["class_name"]:
            raise SavingError(f"layer {layer.name!r}: argument {key}={value['class_name']!r} has no Keras "
                              f"counterpart that a .keras file can name")
        return {"module": module, "class_name": value["class_name"], "config": value["config"],
                "registered_name": None}
    return value


def _call_arguments(layer, node, arg) -> dict:
    """Keras' ``{"args", "kwargs"}`` of one call. neuroflow records a recurrent layer's ``initial_state`` inside
    its inputs list (``[x, *states]``); Keras takes the states as the ``initial_state`` keyword."""
    kwargs = {k: arg(v) for k, v in node.kwargs.items() if k not in ("training", "mask")}
    inputs = node.inputs
    if isinstance(layer, (RNNLayer, Bidirectional)) and isinstance(inputs, (list, tuple)):
        inputs, kwargs["initial_state"] = inputs[0], arg(list(inputs[1:]))
    if keras_class_name(layer) == "MultiHeadAttention" and isinstance(inputs, (list, tuple)):
        # neuroflow records [query, value(, key)]; Keras calls layer(query, value, key=...)
        if len(inputs) > 2:
            kwargs["key"] = arg(inputs[2])
        return {"args": [arg(inputs[0]), arg(inputs[1])], "kwargs": kwargs}
    return {"args": [arg(inputs)], "kwargs": kwargs}


def _sequential(model) -> dict:
    shape = model.input_shape if model.built else None
    if shape is None or isinstance(shape, list):
        raise SavingError(f"model {model.name!r}: a Sequential model must be built (known input shape) to be "
                          f"written as a .keras file")
    input_layer = getattr(model, "_input_layer", None)
    name = input_layer.name if input_layer is not None else f"{model.name}_input"
    dtype = input_layer.dtype if input_layer is not None else "float32"
    layers = [_input_entry({"batch_input_shape": list(shape), "dtype": dtype, "name": name})]
    layers += [layer_entry(l) for l in model_layers(model)]
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": model.name, "trainable": model.trainable, "dtype": "float32", "layers": layers,
                       "build_input_shape": list(shape)},
            "registered_name": None, "build_config": {"input_shape": list(shape)}}


def _functional(model) -> dict:
    graph = model._graph
    layers = functional_layer_order(graph.inputs, graph.outputs)
    in_graph = {id(n) for n in graph.nodes} | {id(t.node) for t in flatten(graph.inputs)}

    def node_index(node) -> int:
        own = [n for n in node.layer._inbound_nodes if id(n) in in_graph]
        return next(i for i, n in enumerate(own) if n is node) if own else 0

    def ref(t: SymbolicTensor) -> list:
        outs = t.node.outputs if isinstance(t.node.outputs, list) else [t.node.outputs]
        return [t.node.layer.name, node_index(t.node), next(i for i, o in enumerate(outs) if o is t)]

    def arg(value):
        if isinstance(value, SymbolicTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(value.shape), "dtype": value.dtype, "keras_history": ref(value)}}
        if isinstance(value, (list, tuple)):
            return [arg(v) for v in value]
        if isinstance(value, dict):
            return {k: arg(v) for k, v in value.items()}
        return value

    entries = []
    for layer in layers:
        entry = layer_entry(layer)
        nodes = [n for n in layer._inbound_nodes if id(n) in in_graph and not isinstance(layer, InputLayer)]
        entry["name"] = layer.name
        entry["inbound_nodes"] = [_call_arguments(layer, n, arg) for n in nodes]
        entries.append(entry)

    def refs(structure):
        if isinstance(structure, SymbolicTensor):
            return ref(structure)
        if isinstance(structure, dict):
            return {k: refs(v) for k, v in structure.items()}
        return [refs(v) for v in structure]

    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": model.name, "trainable": model.trainable, "layers": entries,
                       "input_layers": refs(graph.inputs), "output_layers": refs(graph.outputs)},
            "registered_name": "Functional"}
