"""A compiled neuroflow model's optimizer, losses and metrics -> Keras 3's ``compile_config``.

Keras compiles the model it loads from these names and configs. The user's loss and metric classes and functions
are written as Keras writes them (``registered_name``: ``package>Name`` when registered, else the bare name, with a
warning from :mod:`..compile_names`). What Keras could not rebuild by name (a custom optimizer, a built-in wrapper
around the user's function) leaves the archive without compile arguments, with a warning: the model and its
weights still load. The optimizer's *state* goes into the weights store (:func:`.weights.optimizer_arrays`).
"""
from __future__ import annotations

import inspect
import warnings

from ...custom_objects import custom_object_scope
from .. import compile_names

_MODULES = {"optimizer": "keras.optimizers", "loss": "keras.losses", "metrics": "keras.metrics"}


class _NotKeras(Exception):
    """Something in the compile arguments has no Keras name."""


def keras_compile_config(model):
    """Keras' ``compile_config`` for ``model``, or None (uncompiled, or not expressible in Keras' terms)."""
    if getattr(model, "_specs", None) is None or getattr(model, "optimizer", None) is None:
        return None
    from ... import losses, metrics, optimizers  # what compile takes sits below saving; loaded when used

    args = model._compile_args
    try:
        with custom_object_scope(compile_names.unregistered(model)):  # saved by name, with a warning
            return {"optimizer": _object(optimizers.serialize(model.optimizer), "optimizer"),
                    "loss": _structure(args.get("loss"), losses, "loss"),
                    "loss_weights": args.get("loss_weights"),
                    "metrics": _structure(args.get("metrics"), metrics, "metrics"),
                    "weighted_metrics": _structure(args.get("weighted_metrics"), metrics, "metrics"),
                    "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}
    except _NotKeras as why:
        warnings.warn(f"saving {model.name!r} as a .keras file without its compile arguments: {why}; Keras will "
                      f"load it uncompiled", UserWarning, stacklevel=4)
        return None


def _structure(value, family, kind: str):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [_structure(v, family, kind) for v in value]
    if isinstance(value, dict):
        return {k: _structure(v, family, kind) for k, v in value.items()}
    target = compile_names.user_object(value)
    if target is not None and (target is value or not inspect.isfunction(target)):
        return _user_entry(value, target, family.registered_name(target))
    try:
        serialized = family.serialize(value)
    except Exception as err:  # a plain custom function: no Keras name to write
        raise _NotKeras(f"{kind} {value!r:.60} cannot be named ({type(err).__name__})") from None
    return serialized if isinstance(serialized, str) else _object(serialized, kind)


def _user_entry(value, target, key: str) -> dict:
    """Keras' entry for the user's class instance or function (``registered_name`` is what Keras looks up)."""
    if inspect.isfunction(value):
        return {"module": value.__module__, "class_name": "function", "config": key, "registered_name": key}
    if inspect.isclass(value):
        raise _NotKeras(f"the class {value.__name__} is given, not an instance of it")
    return {"module": target.__module__, "class_name": target.__name__, "config": value.get_config(),
            "registered_name": key}


def _object(serialized, kind: str) -> dict:
    if not isinstance(serialized, dict) or ">" in str(serialized.get("class_name")):
        raise _NotKeras(f"the {kind} {serialized!r:.60} is a custom class")
    config = dict(serialized.get("config") or {})
    if "fn" in config:
        raise _NotKeras(f"the {kind} wraps the function {config['fn']!r:.60}")
    for key, value in config.items():  # a learning-rate schedule (the user's keeps its module and registered name)
        if isinstance(value, dict) and "class_name" in value:
            config[key] = {"module": value.get("module") or "keras.optimizers.schedules",
                           "class_name": value["class_name"], "config": value.get("config", {}),
                           "registered_name": value.get("registered_name")}
    return {"module": serialized.get("module") or _MODULES[kind], "class_name": serialized["class_name"],
            "config": config, "registered_name": serialized.get("registered_name")}
