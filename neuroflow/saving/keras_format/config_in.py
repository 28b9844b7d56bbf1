"""Keras 3 ``config.json`` -> a neuroflow model, built only from neuroflow's own classes.

Each Keras layer entry (``module``, ``class_name``, ``config``, ``registered_name``, ``build_config``) names a
Keras class; the neuroflow class of the same name is built from the entry's config, with Keras' wrappers around
values unwrapped (dtype policies, ``module``/``registered_name`` keys). A custom layer (Keras writes its
``registered_name``, ``package>Name``, and its Python module) is built from the class registered under that name
or given in ``custom_objects``, never imported from the module the file names. Nothing in the file is executed: a
``Lambda`` layer, an unregistered custom class or a Keras class neuroflow lacks is refused with a SavingError
naming it, and so is any Keras-only argument set to a value neuroflow would not honour.
"""
from __future__ import annotations

import inspect

from ... import custom_objects as customs
from ...errors import SavingError
from ...layers.base import Layer
from ...layers.input_layer import InputLayer
from ...registry import get_registered_class, registered_name
from ..rebuild import converted, rebuild_layer

#: Classes whose config carries code (or a reference to it): never built from a file.
_CODE_CLASSES = {"Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"}
#: Keras-only arguments that do not change what the layer computes, whatever their value.
_IGNORED = {"seed", "unroll", "optional", "build_config", "compile_config"}
#: Keras-only arguments ignored while they hold Keras' default (any other value is refused).
_DEFAULTS = {"quantization_config": None, "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99,
             "rms_scaling": False, "antialias": False, "fill_mode": "constant", "sparse": False, "ragged": False,
             "lora_rank": None, "lora_alpha": None, "zero_output_for_mask": False, "use_gate": False,
             "sliding_window": None}
#: Keras' spelling -> neuroflow's for the same argument.
_RENAMED = {"batch_shape": "batch_input_shape"}


def build_model(entry, where: str):
    """The neuroflow model described by Keras' top-level config ``entry`` (Sequential or Functional)."""
    kind = _class_name(entry, where)
    if _is_custom(entry):
        raise SavingError(f"{where}: the archive holds the custom model class {entry.get('registered_name') or kind!r}"
                          f"; only Sequential and functional models can be loaded from Keras files (a subclassed "
                          f"model's code is not in the file)")
    if kind == "Sequential":
        return _sequential(entry, where)
    if kind in ("Functional", "Model"):
        return _functional(entry, where)
    raise SavingError(f"{where}: the archive holds a {kind!r}; only Sequential and functional models can be "
                      f"loaded from Keras files (a subclassed model's code is not in the file)")


def _is_custom(entry) -> bool:
    """Whether a Keras entry names a user's class: a ``registered_name`` of its own or a non-Keras module."""
    name, registered, module = entry["class_name"], entry.get("registered_name"), entry.get("module")
    return registered not in (None, name) or (module is not None and not str(module).startswith("keras"))


def _custom_class(entry, where: str):
    """The user's layer class an entry names, from ``custom_objects`` (and open scopes) or the registry, looked up
    by its registered name only: never a neuroflow built-in standing in for it, never an import."""
    key = entry.get("registered_name") or entry["class_name"]
    customs.check_name(key, f"{where}: registered_name")
    cls = customs.lookup(key) or customs.lookup(customs.check_name(entry["class_name"], f"{where}: class_name"))
    if cls is None:
        try:
            cls = get_registered_class(key, "layer")
        except SavingError:
            cls = None
        if cls is not None and registered_name(cls) != key:
            cls = None  # only a bare-name match: not the class the file was written with
    if not (isinstance(cls, type) and issubclass(cls, Layer)) or cls.__module__.startswith("neuroflow."):
        raise SavingError(f"{where}: layer {_layer_name(entry)!r} is the custom class {key!r} (module "
                          f"{entry.get('module')!r}), which is not registered here: decorate it with "
                          f"@neuroflow.saving.register_keras_serializable(...) or pass custom_objects="
                          f"{{{entry['class_name']!r}: cls}} to load_model")
    return cls


def _custom_layer(entry, where: str):
    """A user's layer rebuilt with its class's ``from_config`` from the entry's config (Keras' wrappers
    unwrapped: a dtype policy becomes its dtype name)."""
    cls = _custom_class(entry, where)
    config = {key: _unwrap(value, f"{where}: {entry['class_name']} {_layer_name(entry)!r} argument {key!r}")
              for key, value in (entry.get("config") or {}).items() if key not in _IGNORED}
    with customs.custom_object_scope({registered_name(cls): cls}):
        return rebuild_layer({"class_name": registered_name(cls), "config": config}, where)


def _class_name(entry, where: str) -> str:
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str) or not isinstance(
            entry.get("config", {}), dict):
        raise SavingError(f"{where}: expected a Keras object with 'class_name' and 'config', got {entry!r:.80}")
    name, registered = entry["class_name"], entry.get("registered_name")
    if name in _CODE_CLASSES:
        raise SavingError(f"{where}: layer {_layer_name(entry)!r} is a Keras {name}, whose behaviour is Python code "
                          f"that a file cannot carry safely; neuroflow runs no code on load. Rebuild the model "
                          f"without it (or in neuroflow) and load the weights with load_weights")
    return name


def _layer_name(entry) -> str:
    config = entry.get("config") if isinstance(entry, dict) else None
    return config.get("name", "?") if isinstance(config, dict) else "?"


def _layer(entry, where: str):
    kind = _class_name(entry, where)
    if _is_custom(entry):
        return _custom_layer(entry, where)
    if kind == "Sequential":
        return _sequential(entry, where)
    if kind in ("Functional", "Model"):
        return _functional(entry, where)
    return rebuild_layer({"class_name": kind, "config": layer_config(entry, where)}, where)


def layer_config(entry, where: str) -> dict:
    """The neuroflow config of Keras layer ``entry`` (class checked by the caller)."""
    kind = entry["class_name"]
    try:
        cls = get_registered_class(kind, "layer")
    except SavingError:
        cls = None
    if not (isinstance(cls, type) and issubclass(cls, Layer) and cls.__module__.startswith("neuroflow.layers")):
        raise SavingError(f"{where}: layer {_layer_name(entry)!r} is a Keras {kind}, which neuroflow does not "
                          f"have; it cannot be loaded")
    accepted = _accepted_arguments(cls)
    out = {}
    for key, value in (entry.get("config") or {}).items():
        key = _RENAMED.get(key, key)
        if key in accepted:
            out[key] = _unwrap(value, f"{where}: {kind} {_layer_name(entry)!r} argument {key!r}")
        elif key in _IGNORED or (key in _DEFAULTS and value == _DEFAULTS[key]):
            continue
        else:
            raise SavingError(f"{where}: {kind} {_layer_name(entry)!r} sets {key}={value!r:.60}, which neuroflow's "
                              f"{kind} does not support (expected it absent or at Keras' default "
                              f"{_DEFAULTS.get(key, 'None')!r})")
    return out


def _accepted_arguments(cls) -> set:
    """Constructor argument names of ``cls``, following ``**kwargs`` up the class hierarchy."""
    names = set()
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        params = inspect.signature(klass.__init__).parameters.values()
        names |= {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - {"self"}
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return names


def unwrap_object(value, where: str):
    """A serialized Keras object (optimizer, loss, metric...) or structure of them in neuroflow's
    ``{"class_name", "config"}`` form; a custom (registered) one is refused."""
    return _unwrap(value, where)


def _unwrap(value, where: str):
    """Keras' serialized values in neuroflow's form: a DTypePolicy becomes its dtype name, a nested layer (a
    wrapper's) a neuroflow layer entry, other objects (initializers...) ``{"class_name", "config"}``."""
    if isinstance(value, dict) and isinstance(value.get("class_name"), str) and "config" in value:
        if value["class_name"] in ("DTypePolicy", "FloatDTypePolicy"):
            return (value.get("config") or {}).get("name")
        if value.get("module") == "keras.layers" or value["class_name"] in _CODE_CLASSES:
            kind = _class_name(value, where)
            if _is_custom(value):
                raise SavingError(f"{where}: a custom layer nested in a built-in one cannot be loaded")
            return {"class_name": kind, "config": layer_config(value, where)}
        module = str(value.get("module") or "keras")
        if value.get("registered_name") not in (None, value["class_name"]) or not module.startswith("keras"):
            raise SavingError(f"{where}: the custom object {value['registered_name']!r} cannot be loaded")
        config = value.get("config")
        config = {k: _unwrap(v, where) for k, v in config.items() if v is not None} if isinstance(
            config, dict) else config
        return {"class_name": value["class_name"], "config": config}
    if isinstance(value, list):
        return [_unwrap(v, where) for v in value]
    if isinstance(value, dict):  # e.g. per-output losses or metrics by output name
        return {k: _unwrap(v, where) for k, v in value.items()}
    return value


def _sequential(entry, where: str):
    config = entry.get("config") or {}
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise SavingError(f"{where}: Sequential config has no 'layers' list")
    layers = [_layer(e, f"{where} layers[{i}]") for i, e in enumerate(entries)]
    shape = config.get("build_input_shape")
    if layers and not isinstance(layers[0], InputLayer) and isinstance(shape, list):
        layers.insert(0, rebuild_layer({"class_name": "InputLayer", "config": {"batch_input_shape": shape}}, where))
    cls = get_registered_class("Sequential", "layer")
    with converted(f"{where}: building Sequential {config.get('name')!r:.60}"):
        return cls(layers, name=config.get("name"))


def _functional(entry, where: str):
    config = entry.get("config") or {}
    if not isinstance(config.get("layers"), list):
        raise SavingError(f"{where}: functional config has no 'layers' list")
    layers, pending = {}, []
    for i, e in enumerate(config["layers"]):
        layer = _layer(e, f"{where} layers[{i}]")
        name = e.get("name") or layer.name
        if name in layers:
            raise SavingError(f"{where}: two layers are named {name!r}")
        layers[name] = layer
        nodes = e.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise SavingError(f"{where}: layer {name!r} has invalid inbound_nodes")
        pending.extend((name, k, node) for k, node in enumerate(nodes))
    outputs = {(n, 0): [l.output] for n, l in layers.items() if isinstance(l, InputLayer)}
    with converted(f"{where}: rebuilding the functional graph"):
        _replay(pending, layers, outputs, where)
        cls = get_registered_class("Model", "layer")
        inputs = _refs(config.get("input_layers"), outputs, where)
        return cls(inputs=inputs, outputs=_refs(config.get("output_layers"), outputs, where),
                   name=config.get("name"))


def _replay(pending: list, layers: dict, outputs: dict, where: str) -> None:
    """Call each layer on its inputs, node by node; a node whose inputs are not ready waits for a later pass
    (Keras lists layers, not calls, in dependency order)."""
    while pending:
        waiting = []
        for name, index, node in pending:
            try:
                args = _tensors(node.get("args", []) if isinstance(node, dict) else None, outputs, where)
                kwargs = _tensors(node.get("kwargs", {}), outputs, where)
            except KeyError:
                waiting.append((name, index, node))
                continue
            result = layers[name](*args, **kwargs)
            outputs[(name, index)] = result if isinstance(result, list) else [result]
        if len(waiting) == len(pending):
            raise SavingError(f"{where}: the graph refers to layer outputs that never appear (first: layer "
                              f"{waiting[0][0]!r})")
        pending = waiting


def _tensors(value, outputs: dict, where: str):
    """Keras' node arguments with every ``__keras_tensor__`` replaced by the symbolic tensor it names; a tensor
    not produced yet raises KeyError."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        layer, node, index = _history((value.get("config") or {}).get("keras_history"), where)
        return outputs[(layer, node)][index]
    if isinstance(value, dict):
        return {k: _tensors(v, outputs, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_tensors(v, outputs, where) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise SavingError(f"{where}: unexpected value in a node's arguments: {value!r:.60}")


def _history(ref, where: str) -> tuple:
    if not (isinstance(ref, list) and len(ref) == 3 and isinstance(ref[0], str) and isinstance(ref[1], int)
            and isinstance(ref[2], int)):
        raise SavingError(f"{where}: {ref!r:.60} is not a tensor reference [layer, node, index]")
    return ref[0], ref[1], ref[2]


def _refs(value, outputs: dict, where: str):
    """``input_layers``/``output_layers``: one ``[layer, node, index]`` or a list/dict of them."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        layer, node, index = _history(value, where)
        try:
            return outputs[(layer, node)][index]
        except (KeyError, IndexError):
            raise SavingError(f"{where}: the model's inputs/outputs name an unknown tensor {value}") from None
    if isinstance(value, dict):
        return {k: _refs(v, outputs, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_refs(v, outputs, where) for v in value]
    raise SavingError(f"{where}: invalid input/output reference {value!r:.60}")
