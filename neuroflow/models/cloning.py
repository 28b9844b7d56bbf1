"""``clone_model`` (Keras 3's ``keras.models.clone_model``): the same architecture with new layers and fresh
weights; and ``save_model``, Keras' function form of ``model.save``.

A ``Sequential`` model's layers are cloned in order; a functional model's graph is replayed node by node on
clones of its layers (``call_function`` can change how each is called); a subclassed model is rebuilt from its
config. Each layer is cloned by ``clone_function(layer)``, by default a new layer from ``layer.get_config()``
(new weights, initialised afresh); with ``recursive=True`` a nested model is itself cloned by these rules.
"""
from __future__ import annotations

from ..errors import ConfigError
from ..layers.input_layer import Input, InputLayer
from ..layers.serialization import deserialize_layer, serialize_layer
from ..layers.symbolic import SymbolicTensor, flatten, map_structure
from .model import Model
from .sequential import Sequential


def _fresh_copy(layer):
    """A new layer of ``layer``'s class and config (fresh weights)."""
    return deserialize_layer(serialize_layer(layer))


def _input_tensors(input_tensors, count, who):
    tensors = flatten(input_tensors) if isinstance(input_tensors, (list, tuple, dict)) else [input_tensors]
    if len(tensors) != count or not all(isinstance(t, SymbolicTensor) for t in tensors):
        raise ConfigError(f"{who}: input_tensors must be {count} symbolic tensor(s) from keras.Input (one per model "
                          f"input); got {input_tensors!r:.120}")
    return tensors


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """A new model with ``model``'s architecture and new weights (Keras' ``clone_model``).

    Args:
        model: a ``Sequential``, functional or subclassed ``Model``.
        input_tensors: symbolic tensors (``keras.Input``) to build the clone on, one per model input.
        clone_function: ``layer -> new layer`` (default: a fresh layer from the layer's config).
        call_function: functional models only: ``(layer, *args, **kwargs) -> outputs``, called instead of
            ``layer(*args, **kwargs)`` for each node of the graph.
        recursive: clone nested models layer by layer (with these rules) instead of by ``clone_function``.

    Shapes: the clone's inputs and outputs have the model's shapes (or ``input_tensors``' shapes).
    """
    if kwargs:
        raise ConfigError(f"clone_model: unexpected arguments {sorted(kwargs)}")
    if not isinstance(model, Model):
        raise ConfigError(f"clone_model: expected a neuroflow Model, got {type(model).__name__}")
    if clone_function is not None and not callable(clone_function):
        raise ConfigError(f"clone_model: clone_function must be callable, got {clone_function!r:.80}")
    user_function = clone_function
    clone_function = clone_function or _fresh_copy
    if call_function is not None and not callable(call_function):
        raise ConfigError(f"clone_model: call_function must be callable, got {call_function!r:.80}")

    def clone_layer(layer):
        if recursive and isinstance(layer, Model):
            return clone_model(layer, clone_function=user_function, call_function=call_function, recursive=True)
        return clone_function(layer)

    if isinstance(model, Sequential):
        if call_function is not None:
            raise ConfigError("clone_model: call_function applies to functional models only; this is a Sequential")
        return _compiled_like(model, _clone_sequential(model, input_tensors, clone_layer))
    if getattr(model, "_graph", None) is not None:
        return _compiled_like(model, _clone_functional(model, input_tensors, clone_layer, call_function))
    if input_tensors is not None or user_function is not None or call_function is not None:
        raise ConfigError(f"clone_model: {type(model).__name__} is a subclassed model; it can only be cloned from "
                          f"its config, without input_tensors, clone_function or call_function")
    return type(model).from_config(model.get_config())


def _compiled_like(model, clone):
    """Keras compiles the clone of a compiled model from its compile config (a fresh optimizer and metrics)."""
    if model.compiled:
        clone.compile_from_config(model.get_compile_config())
    return clone


def _clone_sequential(model, input_tensors, clone_layer):
    layers = [clone_layer(layer) for layer in model.layers]
    if input_tensors is not None:
        start = [_input_tensors(input_tensors, 1, "clone_model")[0].node.layer]
    else:
        shape = model._input_shape()
        start = [] if shape is None else [InputLayer(batch_input_shape=tuple(shape))]
    return Sequential(start + layers, name=model.name)


def _clone_functional(model, input_tensors, clone_layer, call_function):
    graph = model._graph
    originals = flatten(graph.inputs)
    if input_tensors is not None:
        new_inputs = _input_tensors(input_tensors, len(originals), "clone_model")
    else:
        new_inputs = [Input(batch_shape=t.shape, dtype=t.dtype, name=t.node.layer.name) for t in originals]
    values = {id(t): n for t, n in zip(originals, new_inputs)}
    clones = {}
    for node in graph.nodes:
        layer = node.layer
        if id(layer) not in clones:
            clones[id(layer)] = clone_layer(layer)
        new_layer = clones[id(layer)]
        args = map_structure(lambda t: values[id(t)] if isinstance(t, SymbolicTensor) else t, node.inputs)
        kwargs = {key: v for key, v in node.kwargs.items() if key not in ("training", "mask")}
        out = call_function(new_layer, args, **kwargs) if call_function is not None else new_layer(args, **kwargs)
        outs = node.outputs if isinstance(node.outputs, list) else [node.outputs]
        new_outs = out if isinstance(node.outputs, list) else [out]
        for old, new in zip(outs, new_outs):
            values[id(old)] = new
    inputs = map_structure(lambda t: values[id(t)], graph.inputs)
    outputs = map_structure(lambda t: values[id(t)], graph.outputs)
    return type(model)(inputs=inputs, outputs=outputs, name=model.name)


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Keras' ``keras.models.save_model``: ``model.save(filepath, overwrite=overwrite, **kwargs)``. neuroflow's
    files and ``.keras`` archives are zip files, so ``zipped`` may only be ``None`` or ``True``."""
    if zipped not in (None, True):
        raise ConfigError(f"save_model: zipped={zipped!r} is not supported; the saved files are always zip archives")
    return model.save(filepath, overwrite=overwrite, **kwargs)
