"""Serialization shared by the name-resolved families (losses, metrics): ``{"class_name", "config"}`` and back.

Each family keeps its own name table (built-ins, aliases, ``register``-ed customs) and hands its lookups here, so
that a loss and a metric are saved and loaded by the same rules.
"""
from __future__ import annotations

import inspect

from ..errors import ConfigError


def serialize_object(obj, builtins: dict, registered_name) -> dict:
    """``{"class_name": ..., "config": obj.get_config()}``: a built-in class saves under its own name, a custom
    one under ``registered_name(cls)`` (which raises ConfigError for an unregistered class)."""
    cls = type(obj)
    class_name = cls.__name__ if builtins.get(cls.__name__) is cls else registered_name(cls)
    return {"class_name": class_name, "config": obj.get_config()}


def deserialize_object(config, custom_objects, *, family: str, get, lookup, instance, wrapper):
    """Rebuild an object of ``family`` from :func:`serialize_object`'s dict or from a name.

    ``get(name)`` resolves a plain name; ``lookup(name)`` finds a registered class or function; ``instance(obj,
    name)`` instantiates a class or wraps a function; ``wrapper(fn, **config)`` rebuilds a saved function wrapper.
    ``custom_objects`` (name -> class or function) is consulted first.
    """
    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return instance(custom_objects[config], name=config)
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"{family}.deserialize: expected a dict with 'class_name' and 'config', got {config!r}")
    name = config.get("registered_name") or config["class_name"]
    obj = (custom_objects or {}).get(name) or lookup(name)
    args = dict(config.get("config") or {})
    if inspect.isclass(obj):
        return obj.from_config(args)
    args.pop("fn", None)
    return wrapper(obj, **args)
