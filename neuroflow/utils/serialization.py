"""Keras' generic object (de)serialization: ``serialize_keras_object``, ``deserialize_keras_object`` and
``get_registered_name``. Classes resolve through neuroflow's registry and the custom objects in force; nothing
is imported by path, so deserializing a config runs no code but the named classes' ``from_config``."""
from __future__ import annotations

import inspect

from .. import custom_objects as _custom_objects
from ..errors import SavingError
from ..registry import get_registered_class, register_serializable, registered_name

register_keras_serializable = register_serializable  # Keras' name for the same decorator


def get_registered_name(obj) -> str:
    """The name ``obj`` (a class, an instance or a function) is saved under: ``package>Name`` when registered
    with ``register_keras_serializable``, its own name otherwise."""
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return getattr(obj, "_registered_name", obj.__name__)
    return registered_name(obj)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function ``name`` resolves to on load (custom objects first, then the registry); ``None``
    when unknown (Keras' ``get_registered_object``)."""
    obj = _custom_objects.lookup(name, {**(module_objects or {}), **(custom_objects or {})})
    if obj is not None:
        return obj
    try:
        return get_registered_class(name)
    except Exception:  # unknown or invalid names: Keras returns None
        return None


def serialize_keras_object(obj):
    """A JSON-able description of ``obj``: plain values as they are, lists/tuples/dicts element-wise, objects with
    ``get_config`` as ``{"module", "class_name", "config", "registered_name"}``, functions by registered name."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(v) for v in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if hasattr(obj, "get_config"):
        return {"module": type(obj).__module__, "class_name": type(obj).__name__,
                "config": serialize_keras_object(obj.get_config()), "registered_name": get_registered_name(obj)}
    if callable(obj):
        return {"module": getattr(obj, "__module__", None), "class_name": "function",
                "config": get_registered_name(obj), "registered_name": get_registered_name(obj)}
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise SavingError(f"serialize_keras_object: cannot serialize an object of type {type(obj).__name__}")


def deserialize_keras_object(config, module_objects=None, custom_objects=None, safe_mode=True, **kwargs):
    """The object :func:`serialize_keras_object` described: a registered (or custom) class rebuilt with
    ``from_config``, a function looked up by name; plain values returned as they are."""
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, list):
        return [deserialize_keras_object(v, module_objects, custom_objects) for v in config]
    extra = {**(module_objects or {}), **(custom_objects or {})}
    if isinstance(config, str):
        obj = _custom_objects.lookup(config, extra)
        return obj if obj is not None else config
    if not isinstance(config, dict) or "class_name" not in config:
        return config
    if config["class_name"] == "function":
        name = config.get("registered_name") or config.get("config")
        obj = _custom_objects.lookup(name, extra)
        if obj is None:
            obj = get_registered_class(name, "function")
        return obj
    name = config.get("registered_name") or config["class_name"]
    cls = _custom_objects.lookup(name, extra) or get_registered_class(name)
    inner = config.get("config") or {}
    return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)


__all__ = ["get_registered_name", "get_registered_object", "register_keras_serializable", "serialize_keras_object",
           "deserialize_keras_object"]
