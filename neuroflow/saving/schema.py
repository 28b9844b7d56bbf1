"""Checks on a model file's JSON config that run before any object is built from it.

:func:`check_tree` bounds the document as a whole (nesting depth, number of values, string lengths, keys are
strings, no ``__dunder__`` key anywhere, every ``class_name`` a valid registry name, at most
:data:`~.limits.MAX_LAYERS` layers). :func:`check_model_config` checks the fields the loader itself reads (types
and ranges of the weight list, training state, optimizer-state shapes, compile entries). The values inside each
layer's own config are checked by its constructor (neuroflow ConfigErrors), which the loader reports as
SavingErrors naming the layer.
"""
from __future__ import annotations

from ..errors import SavingError
from . import limits
from ..custom_objects import check_name


def check_tree(obj, where: str) -> int:
    """Walk ``obj`` (parsed JSON) without recursion; returns the number of layer entries found."""
    stack, values, layer_entries = [(obj, 1)], 0, 0
    while stack:
        node, depth = stack.pop()
        values += 1
        if values > limits.MAX_JSON_VALUES:
            raise SavingError(f"{where}: more than {limits.MAX_JSON_VALUES} JSON values")
        if depth > limits.MAX_JSON_DEPTH:
            raise SavingError(f"{where}: nested deeper than {limits.MAX_JSON_DEPTH} levels")
        if isinstance(node, str):
            if len(node) > limits.MAX_STRING_CHARS:
                raise SavingError(f"{where}: a string of {len(node)} characters (at most {limits.MAX_STRING_CHARS})")
        elif isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("__") or len(key) > 200:
                    raise SavingError(f"{where}: key {key!r:.60} is not allowed")
                stack.append((value, depth + 1))
            if "class_name" in node:
                check_name(node["class_name"], f"{where}: class_name")
                if node.get("registered_name") is not None:
                    check_name(node["registered_name"], f"{where}: registered_name")
                if isinstance(node.get("config"), dict) and "name" in node["config"]:
                    layer_entries += 1
                    if layer_entries > limits.MAX_LAYERS:
                        raise SavingError(f"{where}: more than {limits.MAX_LAYERS} layers")
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return layer_entries


def _int(value, what: str, low=0, high=None):
    if type(value) is not int or value < low or (high is not None and value > high):
        rng = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise SavingError(f"{what} must be an integer {rng}, got {value!r:.60}")
    return value


def check_shape(value, what: str) -> tuple:
    """A stored shape: a list of at most MAX_TENSOR_RANK non-negative integers."""
    if not isinstance(value, list) or len(value) > limits.MAX_TENSOR_RANK:
        raise SavingError(f"{what} must be a list of at most {limits.MAX_TENSOR_RANK} integers, got {value!r:.80}")
    return tuple(_int(s, what) for s in value)


def _entry(value, what: str):
    if not isinstance(value, dict) or not isinstance(value.get("class_name"), str) \
            or not isinstance(value.get("config", {}), dict):
        raise SavingError(f"{what} must be an object with a 'class_name' string and a 'config' object, got "
                          f"{value!r:.80}")


def _names_or_entries(value, what: str):
    """A compile loss/metrics field: null, a name, an entry, or lists/dicts of those."""
    if value is None:
        return
    if isinstance(value, str):
        check_name(value, what)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _names_or_entries(v, f"{what}[{i}]")
    elif isinstance(value, dict) and "class_name" in value:
        _entry(value, what)
        fn = value.get("config", {}).get("fn")
        if fn is not None:
            check_name(fn, f"{what}.config.fn")
    elif isinstance(value, dict):
        for k, v in value.items():
            _names_or_entries(v, f"{what}[{k!r:.40}]")
    else:
        raise SavingError(f"{what} must be a name, a config object or a list/dict of them, got {value!r:.60}")


def check_model_config(config, where: str) -> dict:
    """Check a parsed model ``config.json`` (see module docstring); returns it."""
    if not isinstance(config, dict):
        raise SavingError(f"{where}: config.json must be a JSON object")
    check_tree(config, f"{where}: config.json")
    _entry(config.get("model"), f"{where}: config.json field 'model'")
    paths = config.get("weight_paths", [])
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise SavingError(f"{where}: config.json field 'weight_paths' must be a list of strings")
    if len(set(paths)) != len(paths):
        raise SavingError(f"{where}: config.json field 'weight_paths' names a weight twice")
    shapes = config.get("weight_shapes")
    if shapes is not None:
        if not isinstance(shapes, list) or len(shapes) != len(paths):
            raise SavingError(f"{where}: config.json field 'weight_shapes' must list one shape per weight path "
                              f"({len(paths)})")
        for p, s in zip(paths, shapes):
            check_shape(s, f"{where}: config.json weight_shapes[{p!r:.60}]")
    state = config.get("training_state", {})
    if not isinstance(state, dict):
        raise SavingError(f"{where}: config.json field 'training_state' must be an object")
    _int(state.get("epoch", 0), f"{where}: training_state.epoch", 0, 10 ** 9)
    if state.get("shuffle_seed") is not None:
        _int(state["shuffle_seed"], f"{where}: training_state.shuffle_seed", 0, 2 ** 128)
    rng_states = state.get("rng_states", {})
    if not isinstance(rng_states, dict) or not all(isinstance(v, dict) for v in rng_states.values()):
        raise SavingError(f"{where}: training_state.rng_states must map layer names to generator states")
    opt_shapes = config.get("optimizer_shapes", {})
    if not isinstance(opt_shapes, dict):
        raise SavingError(f"{where}: config.json field 'optimizer_shapes' must be an object")
    for k, s in opt_shapes.items():
        check_shape(s, f"{where}: optimizer_shapes[{k!r:.60}]")
    compile_config = config.get("compile")
    if compile_config is not None:
        if not isinstance(compile_config, dict):
            raise SavingError(f"{where}: config.json field 'compile' must be an object or null")
        _entry(compile_config.get("optimizer"), f"{where}: compile.optimizer")
        _names_or_entries(compile_config.get("loss"), f"{where}: compile.loss")
        _names_or_entries(compile_config.get("metrics"), f"{where}: compile.metrics")
        _names_or_entries(compile_config.get("weighted_metrics"), f"{where}: compile.weighted_metrics")
        weights = compile_config.get("loss_weights")
        if weights is not None:
            items = weights.values() if isinstance(weights, dict) else weights if isinstance(weights, list) else None
            if items is None or not all(isinstance(w, (int, float)) and not isinstance(w, bool) and w >= 0
                                        for w in items):
                raise SavingError(f"{where}: compile.loss_weights must be a list or dict of numbers >= 0, got "
                                  f"{weights!r:.60}")
    return config


def stored_bytes_cap(shapes) -> int:
    """The most bytes safetensors data for tensors of ``shapes`` can take (8-byte elements + the header): the cap
    on a weights member's inflated size, known before it is inflated."""
    total, count = 0, 0
    for s in shapes:
        n = 1
        for d in s:
            n *= d
        total += n
        count += 1
    # the header: about 100 bytes per tensor plus its name (names are at most a few hundred characters)
    return total * 8 + count * 1024 + (64 << 10)
