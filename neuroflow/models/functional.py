"""The functional graph: the layer calls between a model's symbolic inputs and outputs, replayed on real data.

Built once from the SymbolicTensors' nodes (an iterative walk, inputs first); shared layers simply appear in
several nodes.
"""
from __future__ import annotations

from ..errors import ConfigError
from ..layers.base import output_mask
from ..layers.input_layer import InputLayer
from ..layers.symbolic import SymbolicTensor, flatten, map_structure
from .functional_inputs import match_input_rank, nodes_between, rebase_on_inputs


class FunctionalGraph:
    """Ordered nodes from ``inputs`` to ``outputs`` (each a SymbolicTensor or a list/dict of them)."""

    def __init__(self, inputs, outputs):
        inputs, outputs = rebase_on_inputs(inputs, outputs)  # layer-made input tensors -> fresh Inputs (Keras)
        self.inputs, self.outputs = inputs, outputs
        flat_in = flatten(inputs)
        for t in flat_in + flatten(outputs):
            if not isinstance(t, SymbolicTensor):
                raise ConfigError(f"Model(inputs, outputs): expected symbolic tensors from keras.Input(...) and "
                                  f"layer calls, got {type(t).__name__}")
        self.input_layers = []
        for t in flat_in:
            if not isinstance(t.node.layer, InputLayer):
                raise ConfigError("Model(inputs, ...): every input must come from keras.Input(...)")
            self.input_layers.append(t.node.layer)
        self.nodes = nodes_between(flat_in, flatten(outputs))
        self.layers = []
        for layer in self.input_layers + [n.layer for n in self.nodes]:
            if layer not in self.layers:
                self.layers.append(layer)

    def run(self, inputs, training=None):
        """Replay the graph on real ``inputs`` (same structure as the symbolic inputs, or a dict by input
        name). Returns outputs in the symbolic outputs' structure."""
        values = {}
        flat_sym = flatten(self.inputs)
        if isinstance(inputs, dict) and not isinstance(self.inputs, dict):
            names = [t.node.layer.name for t in flat_sym]
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ConfigError(f"model inputs: missing {missing}; the model's inputs are named {names}")
            flat_real = [inputs[n] for n in names]
        elif isinstance(inputs, dict) and isinstance(self.inputs, dict):  # matched by key, never by order
            missing = [k for k in self.inputs if k not in inputs]
            if missing:
                raise ConfigError(f"model inputs: missing data for {missing}: got a dict with keys "
                                  f"{list(inputs)}, expected the keys {list(self.inputs)}")
            flat_real = flatten({k: inputs[k] for k in self.inputs})
        else:
            flat_real = flatten(inputs) if isinstance(inputs, (list, tuple, dict)) else [inputs]
        if len(flat_real) != len(flat_sym):
            raise ConfigError(f"model expects {len(flat_sym)} input(s), got {len(flat_real)}")
        for sym, real in zip(flat_sym, flat_real):
            values[id(sym)] = match_input_rank(real, sym)  # (batch,) for (None, 1): Keras expands it
        masks = {}  # id(SymbolicTensor) -> the mask its value carries (only where there is one)
        for node in self.nodes:
            args = map_structure(lambda t: values[id(t)] if isinstance(t, SymbolicTensor) else t, node.inputs)
            kwargs = dict(node.kwargs)
            kwargs["training"] = training
            in_mask = map_structure(lambda t: masks.get(id(t)) if isinstance(t, SymbolicTensor) else None,
                                    node.inputs)
            if "mask" not in kwargs and any(m is not None for m in flatten(in_mask)):
                kwargs["mask"] = in_mask
            out = node.layer(args, **kwargs)
            out_mask = output_mask(node.layer, args, kwargs.get("mask"))
            syms = node.outputs if isinstance(node.outputs, list) else [node.outputs]
            reals = out if isinstance(node.outputs, list) else [out]
            out_masks = out_mask if isinstance(out_mask, list) else [out_mask] if len(syms) == 1 else []
            for sym, real in zip(syms, reals):
                values[id(sym)] = real
            for sym, m in zip(syms, out_masks):
                if m is not None:
                    masks[id(sym)] = m
        return map_structure(lambda t: values[id(t)], self.outputs)
