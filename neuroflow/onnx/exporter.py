"""``export(model, path)``: the model's inference pass as an ONNX file.

The exporter declares the graph inputs (batch axis dynamic), walks the model — a ``Sequential`` stack, or a
functional graph's nodes in order (shared layers are simply converted once per call) — handing each layer call to
its converter (:mod:`neuroflow.onnx.registry`), and names the outputs after the output layers. Models nested as
layers are walked the same way. The file is checked with ``onnx.checker`` and written atomically.
"""
from __future__ import annotations

import os

import numpy as np

from ..errors import ConfigError, ShapeError
from ..io import atomic_write_bytes
from ..layers.symbolic import SymbolicTensor, flatten
from . import activation, conv, dense, merge, norm, pool, preprocess, rnn, shape, wrappers  # noqa: F401  (registers)
from ._deps import require_onnx
from .builder import GraphBuilder
from .registry import convert_call, converter, unsupported

DEFAULT_OPSET = 17  # LayerNormalization is an ONNX op from 17; everything else exists by 13
MIN_OPSET = 17


def export(model, path, opset=None, input_signature=None) -> str:
    """Write ``model``'s inference pass (``training=False``) to the ONNX file ``path``; returns the path.

    Args:
        model: a built ``Sequential`` or functional ``Model`` (models nested inside them included).
        path: file to write (``str`` or path-like); replaced atomically.
        opset: the ONNX opset (default 17; 17 up to the installed ``onnx``'s newest).
        input_signature: optional, per model input: a shape (batch axis first; it is exported dynamic), a
            ``keras.Input(...)`` tensor, or anything with ``.shape`` and ``.dtype`` (a NumPy array). Needed
            when the model's input shape is unknown (a ``Sequential`` never built); it also sets input dtypes
            (e.g. int64 ids for an ``Embedding``).
    Shapes: each graph input is ``(batch, ...)`` with ``batch`` a symbolic dimension, so one file serves any
    batch size; outputs likewise, named after the model's output layers.
    Raises: MissingDependencyError (an ImportError) without ``onnx`` (``pip install 'neuroflow[onnx]'``);
    UnsupportedLayerError (a ConfigError) naming a layer and its class when it has no ONNX form.
    """
    onnx = require_onnx()
    opset = check_opset(onnx, opset)
    g = GraphBuilder(onnx, opset)
    specs = input_specs(model, input_signature)
    inputs = [g.add_input(name, shape, dtype) for name, shape, dtype in specs]
    names = g.reserve(output_names(model))
    outputs = run_model(g, model, inputs)
    if len(outputs) != len(names):
        names = names[:len(outputs)] + g.reserve(f"output_{i}" for i in range(len(names), len(outputs)))
    for value, name in zip(outputs, names):
        g.add_output(value, name)
    proto = g.model(model.name, doc=f"neuroflow model {model.name!r} ({type(model).__name__}), inference pass")
    onnx.checker.check_model(proto, full_check=True)
    path = os.fspath(path)
    atomic_write_bytes(path, proto.SerializeToString())
    return path


def check_opset(onnx, opset) -> int:
    newest = onnx.defs.onnx_opset_version()
    if opset is None:
        return DEFAULT_OPSET
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)) or not MIN_OPSET <= opset <= newest:
        raise ConfigError(f"ONNX export: opset must be an int from {MIN_OPSET} to {newest} (the installed onnx's "
                          f"newest), got {opset!r}")
    return int(opset)


# --- inputs and outputs -----------------------------------------------------------------------------------------
def _subclassed(model):
    return unsupported(model, "a subclassed model's call() is Python code, not a graph; build it as a "
                              "Sequential or functional Model(inputs, outputs) to export it")


def _model_inputs(model):
    """``[(name, shape or None, dtype)]`` as the model declares its inputs."""
    if getattr(model, "_graph", None) is not None:
        return [(layer.name, t.shape, layer.dtype) for layer, t in
                zip(model._graph.input_layers, flatten(model._graph.inputs))]
    if hasattr(model, "_stack"):  # Sequential
        first = model._input_layer
        return [(first.name if first is not None else "input", model._input_shape(),
                 first.dtype if first is not None else model.dtype)]
    raise _subclassed(model)


def _signature_entry(entry, where):
    """``(shape, dtype or None)`` from one input_signature entry."""
    if isinstance(entry, SymbolicTensor):
        return tuple(entry.shape), np.dtype(entry.dtype)
    if hasattr(entry, "shape") and hasattr(entry, "dtype"):
        return tuple(entry.shape), np.dtype(str(entry.dtype).replace("torch.", ""))
    if isinstance(entry, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in entry):
        return tuple(entry), None
    raise ConfigError(f"ONNX export: {where} must be a shape tuple, a keras.Input(...) tensor or an array-like "
                      f"with .shape and .dtype, got {type(entry).__name__}")


def _is_shape(entry) -> bool:
    return isinstance(entry, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in entry)


def _signature_entries(input_signature, declared) -> list:
    """One signature entry per model input: from a dict by input name, a list, or a single entry."""
    if isinstance(input_signature, dict):
        return [input_signature[name] for name, _, _ in declared if name in input_signature]
    if _is_shape(input_signature) or not isinstance(input_signature, (list, tuple)):
        return [input_signature]
    return list(input_signature)


def input_specs(model, input_signature) -> list:
    """``[(name, shape with a None batch axis, dtype)]`` for the graph inputs, checked against the model."""
    declared = _model_inputs(model)
    specs = [(name, None if shape is None else (None,) + tuple(shape[1:]), dtype) for name, shape, dtype in declared]
    if input_signature is not None:
        entries = _signature_entries(input_signature, declared)
        if len(entries) != len(declared):
            raise ShapeError(f"ONNX export: model {model.name!r} has {len(declared)} input(s), input_signature "
                             f"gives {len(entries)}")
        specs = []
        for i, ((name, shape, dtype), entry) in enumerate(zip(declared, entries)):
            given, given_dtype = _signature_entry(entry, f"input_signature[{i}]")
            given = (None,) + tuple(given[1:])
            if shape is not None and (len(shape) != len(given) or any(
                    a is not None and b is not None and a != b for a, b in zip(shape[1:], given[1:]))):
                raise ShapeError(f"ONNX export: input_signature shape {given} does not fit model input {name!r} "
                                 f"of shape {tuple(shape)}")
            if given_dtype is not None and given_dtype.kind == "f" and np.dtype(dtype).kind == "f" and \
                    given_dtype != np.dtype(dtype):
                raise ConfigError(f"ONNX export: input_signature gives model input {name!r} dtype {given_dtype}, "
                                  f"but the model computes in {np.dtype(dtype)}; cast the model or the signature")
            specs.append((name, given, given_dtype or dtype))
        if declared[0][1] is None and hasattr(model, "_stack"):  # a Sequential never built: build it now
            model.build(specs[0][1])
    for name, shape, _ in specs:
        if shape is None or any(d is None for d in shape[1:]):
            raise ShapeError(f"ONNX export: the shape of model input {name!r} is {shape}; every axis but the "
                             f"batch axis must be known. Give the model an Input(shape=...) or pass "
                             f"input_signature=[(None, ...)]")
    return specs


def output_names(model) -> list:
    """The output layers' names (Keras' ``model.output_names``)."""
    try:
        return list(model.output_names)
    except Exception:  # a model too unusual to name its outputs: the generic names serve
        return []


# --- walking models ---------------------------------------------------------------------------------------------
def run_model(g, model, inputs: list) -> list:
    """The ONNX Values of ``model``'s outputs for the input Values ``inputs``."""
    if getattr(model, "_graph", None) is not None:
        return _run_functional(g, model._graph, inputs)
    if hasattr(model, "_stack"):
        return _run_sequential(g, model, inputs)
    raise _subclassed(model)


def _run_sequential(g, model, inputs):
    if not model.layers:
        raise ConfigError(f"ONNX export: Sequential model {model.name!r} has no layers")
    values = inputs
    for layer in model.layers:
        values = convert_call(g, layer, values)
    return values


def _run_functional(g, graph, inputs):
    values = {id(t): v for t, v in zip(flatten(graph.inputs), inputs)}
    for node in graph.nodes:
        args = node.flat_inputs()
        if not all(isinstance(t, SymbolicTensor) for t in args):
            raise unsupported(node.layer, "it is called on constants as well as model tensors")
        outs = convert_call(g, node.layer, [values[id(t)] for t in args])
        syms = node.outputs if isinstance(node.outputs, list) else [node.outputs]
        if len(outs) != len(syms):
            raise unsupported(node.layer, f"its converter made {len(outs)} outputs where the model expects "
                                          f"{len(syms)}")
        for sym, out in zip(syms, outs):
            values[id(sym)] = out
    return [values[id(t)] for t in flatten(graph.outputs)]


@converter("Sequential", "Model", masks=True)
def convert_nested_model(g, model, inputs):
    """A model used as a layer inside another: its own layers, walked in place."""
    return run_model(g, model, inputs)
