"""Every layer class Keras 3 exports under ``keras.layers`` takes, in neuroflow, every constructor argument Keras'
takes, at Keras' default: a Keras program that spells out an argument (``Dense(..., lora_rank=None)``,
``BatchNormalization(renorm=False)``) must not be refused. Read off ``inspect.signature`` of the installed Keras
(the oracle) for each class, then checked two ways: the neuroflow constructor names the argument (or takes it
through ``**kwargs``, listed below with the reason), and constructing the neuroflow layer with every argument
given explicitly at Keras' default succeeds. An argument neuroflow does not take at all is listed in ``ABSENT``.
"""
import contextlib
import inspect

import pytest

import neuroflow as nf
import neuroflow.layers as nl
from neuroflow.errors import ConfigError
from tests.keras_oracle import keras

#: Whole classes Keras exports that wrap another framework's models: no counterpart to call in neuroflow.
ABSENT_CLASSES = {
    "TFSMLayer": "loads a TensorFlow SavedModel (TensorFlow only)",
    "JaxLayer": "wraps JAX functions (JAX backend only)",
    "FlaxLayer": "wraps a Flax module (JAX backend only)",
}

#: Arguments taken through ``**kwargs`` on purpose, with why (they are not in the constructor's signature).
FORWARDED = {
    # a recurrent layer hands its cell's arguments to the cell, as Keras 2 did: one list of them, in the cell
    **{cls: "the cell's arguments, forwarded to it" for cls in ("GRU", "LSTM", "GRUCell", "LSTMCell")},
}
#: Keras' base-Layer keywords (its ``Layer.__init__``): every neuroflow layer takes them through ``**kwargs``.
BASE_KEYWORDS = {"name", "dtype", "trainable", "autocast", "activity_regularizer", "input_shape", "input_dim",
                 "batch_size", "batch_input_shape", "input_length"}

#: Arguments Keras takes through its own ``**kwargs`` (so not in its signature), given here at their default.
KWARG_ONLY = {"LayerNormalization": {"rms_scaling": False}}


def _samples():
    """Values for Keras' required arguments, by argument name (a layer argument: a fresh neuroflow layer)."""
    import torch
    return {
        "filters": 2, "kernel_size": 3, "units": 2, "rate": 0.5, "pool_size": 2, "output_size": 2, "height": 2,
        "width": 2, "factor": 0.1, "height_factor": 0.1, "width_factor": 0.1, "num_bins": 4, "input_dim": 5,
        "output_dim": 3, "num_heads": 2, "key_dim": 2, "head_dim": 2, "num_query_heads": 2,
        "num_key_value_heads": 1, "equation": "ab,bc->ac", "output_shape": 3, "axes": 1, "dims": (1,), "n": 2,
        "scale": 1.0, "target_shape": (2,), "stddev": 0.1, "activation": "relu", "function": lambda x: x,
        "max_number": 2, "cell": lambda: nl.SimpleRNNCell(2), "cells": lambda: [nl.SimpleRNNCell(2)],
        "layers": lambda: [nl.Rescaling(1.0)], "module": lambda: torch.nn.Linear(2, 2),
        "layer": lambda cls: nl.LSTM(2) if cls == "Bidirectional" else nl.Dense(2),
    }


#: Where Keras' own defaults do not make a layer (Keras refuses them too): the value used instead.
OVERRIDES = {"InputLayer": {"shape": (2,)}, "CategoryEncoding": {"num_tokens": 3}, "Discretization": {"num_bins": 3},
             "RandomPosterization": {"factor": 2}}


def _keras_classes():
    k = keras()
    return sorted(name for name in dir(k.layers)
                  if inspect.isclass(getattr(k.layers, name)) and issubclass(getattr(k.layers, name), k.layers.Layer))


def _parameters(cls):
    return {p.name: p for p in inspect.signature(cls.__init__).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


def _keras_arguments(name):
    """Every argument of Keras' constructor of ``name``: its default, or a sample where it has none."""
    samples, out = _samples(), {}
    for arg, p in _parameters(getattr(keras().layers, name)).items():
        if arg in OVERRIDES.get(name, {}):
            out[arg] = OVERRIDES[name][arg]
        elif p.default is not p.empty:
            out[arg] = p.default
        else:
            value = samples[arg]
            out[arg] = (value(name) if arg == "layer" else value()) if callable(value) and arg != "function" \
                else value
    return {**out, **KWARG_ONLY.get(name, {})}


def test_every_keras_layer_class_exists():
    missing = [n for n in _keras_classes() if n not in ABSENT_CLASSES and not hasattr(nl, n)]
    assert not missing, f"keras.layers classes missing from neuroflow.layers: {missing}"


def pytest_generate_tests(metafunc):
    if "layer_name" in metafunc.fixturenames:
        try:
            names = [n for n in _keras_classes() if n not in ABSENT_CLASSES]
        except pytest.skip.Exception:
            names = []
        metafunc.parametrize("layer_name", names)


def test_signature_names_every_keras_argument(layer_name):
    ours = getattr(nl, layer_name)
    mine = _parameters(ours)
    takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in inspect.signature(ours.__init__).parameters.values())
    unnamed = [a for a in _parameters(getattr(keras().layers, layer_name)) if a not in mine
               and not (takes_kwargs and (a in BASE_KEYWORDS or layer_name in FORWARDED))]
    assert not unnamed, f"{layer_name}: Keras' constructor arguments {unnamed} are not in neuroflow's signature"


def test_defaults_agree_where_both_have_one(layer_name):
    """Where both constructors give an argument a default, they agree (an int ``n`` standing for Keras' ``(n,
    n)``; neuroflow may default an argument Keras requires)."""
    mine = _parameters(getattr(nl, layer_name))
    differ = []
    for arg, p in _parameters(getattr(keras().layers, layer_name)).items():
        q = mine.get(arg)
        if q is None or p.default is p.empty or q.default is q.empty or p.default == q.default:
            continue
        if isinstance(p.default, tuple) and isinstance(q.default, int) and all(
                v == q.default or v == (q.default, q.default) for v in p.default):
            continue
        differ.append(f"{arg}: keras {p.default!r}, neuroflow {q.default!r}")
    assert not differ, f"{layer_name}: {differ}"


def _make(layer_name, **extra):
    # a torch module runs on host memory: TorchModuleWrapper is made on the CPU device (its own tests say why)
    with nf.device("cpu") if layer_name == "TorchModuleWrapper" else contextlib.nullcontext():
        return getattr(nl, layer_name)(**_keras_arguments(layer_name), **extra)


def test_constructs_with_every_keras_argument_at_its_default(layer_name):
    _make(layer_name)


def test_an_unknown_argument_is_refused_by_name(layer_name):
    """``**kwargs`` does not swallow arguments: a misspelt one is a ConfigError naming it."""
    with pytest.raises((ConfigError, TypeError), match="no_such_argument"):
        _make(layer_name, no_such_argument=1)
