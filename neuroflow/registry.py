"""Names -> classes: the registry of classes that model files may name, and the save/load rules of the
name-resolved families (losses, metrics).

Loading a model never imports a module by path and never unpickles: a file's JSON names classes, and only classes
registered here (neuroflow's own, plus user classes decorated with :func:`register_serializable`) can be built.
This module sits on the bottom floor, so that every family (initializers, layers, models...) can register its
classes without importing the packages above it; ``saving`` re-exports the user-facing names.
"""
from __future__ import annotations

import inspect

from . import custom_objects as _custom_objects
from .errors import ConfigError, SavingError, close_matches

_CLASSES: dict = {}
_builtin_loader = None


def register_serializable(package: str = "Custom", name: str | None = None):
    """Class decorator making a custom layer, loss, metric... loadable by name (Keras'
    ``register_keras_serializable``). The key is ``package>Name``; the bare class name also resolves."""
    def decorate(cls):
        key = f"{package}>{name or cls.__name__}"
        _CLASSES[key] = cls
        _CLASSES.setdefault(name or cls.__name__, cls)
        cls._registered_name = key
        return cls
    return decorate


def register_builtin(cls):
    """Register one of neuroflow's own classes under its class name."""
    _CLASSES[cls.__name__] = cls
    return cls


def set_builtin_loader(load) -> None:
    """``load()`` imports the packages whose classes register themselves; it runs before the first lookup.

    The top-level package installs it: it loads layers and models lazily, and a model file may be the first
    thing a program reads. The registry itself knows none of those packages (they sit above it).
    """
    global _builtin_loader
    _builtin_loader = load


def get_registered_class(name: str, family: str = "object"):
    """The class registered as ``name``; a clear SavingError (with close matches) otherwise."""
    global _builtin_loader
    if _builtin_loader is not None:
        _builtin_loader()
        _builtin_loader = None  # once it has succeeded: the packages stay imported
    custom = _custom_objects.lookup(name) if isinstance(name, str) else None  # custom_objects= and open scopes
    if isinstance(custom, type):
        return custom
    cls = _CLASSES.get(name)
    if cls is None and ">" in name:
        cls = _CLASSES.get(name.split(">", 1)[1])
    if cls is None:
        raise SavingError(f"unknown {family} class {name!r}: register custom classes with "
                          f"@neuroflow.saving.register_serializable() or pass custom_objects={{name: class}} to the "
                          f"load; {close_matches(name, _CLASSES)}")
    return cls


def registered_name(obj) -> str:
    """The name under which ``obj``'s class is (or would be) registered."""
    cls = obj if isinstance(obj, type) else type(obj)
    # Only the class's own registration counts: an unregistered subclass must not pass for its parent.
    return cls.__dict__.get("_registered_name") or cls.__name__


def registered_key(obj):
    """The key ``obj`` (a user's class or function) is saved under: its ``register_serializable`` key, else the
    name it has among the custom objects in force; ``None`` when neither knows it."""
    key = obj.__dict__.get("_registered_name") if isinstance(obj, type) else getattr(obj, "_registered_name", None)
    if key is not None and _CLASSES.get(key) is obj:
        return key
    return next((name for name, value in _custom_objects.active().items() if value is obj), None)


def find_registered(name: str, base: type | None = None):
    """The user's ``base`` subclass (with ``base=None``: none) or function that ``name`` (``package>Name`` or bare) names among the custom
    objects in force and the registered classes; ``None`` otherwise (never anything else the registry holds)."""
    obj = _custom_objects.lookup(name)
    if obj is None:  # only the exact key: a bare name never stands for another package's class
        obj = _CLASSES.get(name)
        if getattr(obj, "_registered_name", None) != name:
            obj = None
    return obj if inspect.isfunction(obj) or (base is not None and inspect.isclass(obj) and issubclass(obj, base)) else None


def keras_entry(obj, module: str) -> dict:
    """Keras' ``{"module", "class_name", "config", "registered_name"}`` of ``obj``: one of neuroflow's own classes
    under Keras' ``module``; the user's class under its own module and :func:`registered_key` (its bare name when
    unregistered, as Keras writes it)."""
    cls = type(obj)
    if cls.__module__.startswith("neuroflow."):
        return {"module": module, "class_name": cls.__name__, "config": obj.get_config(), "registered_name": None}
    return {"module": cls.__module__, "class_name": cls.__name__, "config": obj.get_config(),
            "registered_name": registered_key(cls) or cls.__name__}


def entry_class(config: dict, base: type, custom_objects=None):
    """The user's ``base`` subclass that a :func:`keras_entry` names by its ``registered_name`` (or class name),
    among the custom objects in force (plus ``custom_objects``) and the registered classes; None otherwise."""
    for name in (config.get("registered_name"), config.get("class_name")):
        if isinstance(name, str):
            obj = _custom_objects.lookup(name, custom_objects)
            if inspect.isclass(obj) and issubclass(obj, base):
                return obj
    name = config.get("registered_name")
    return find_registered(name, base) if isinstance(name, str) else None


# --- the name-resolved families: ``{"class_name", "config"}`` and back ------------------------------------------
# Each family (losses, metrics) keeps its own name table (built-ins, aliases, ``register``-ed customs) and hands
# its lookups here, so that a loss and a metric are saved and loaded by the same rules.

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
    ``custom_objects`` (name -> class or function), with the global ones and any open ``custom_object_scope``,
    is consulted first.
    """
    custom_objects = _custom_objects.active(custom_objects)
    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return instance(custom_objects[config], name=config)
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"{family}.deserialize: expected a dict with 'class_name' and 'config', got {config!r}")
    name = config.get("registered_name") or config["class_name"]
    obj = _custom_objects.lookup(name, custom_objects) or lookup(name)
    args = dict(config.get("config") or {})
    if inspect.isclass(obj):
        return obj.from_config(args)
    args.pop("fn", None)
    return wrapper(obj, **args)


def deserialize_by_get(get, config, custom_objects=None):
    """Keras' ``family.deserialize`` for the families resolved by one ``get`` (activations, initializers,
    regularizers, constraints): a custom object named by ``config`` (a name or ``{"class_name", "config"}``) wins,
    from ``custom_objects`` or the open scopes; otherwise ``get(config)``."""
    name = config.get("class_name") if isinstance(config, dict) else config
    custom = _custom_objects.lookup(name, custom_objects) if isinstance(name, str) else None
    if custom is None:
        return get(config)
    if isinstance(custom, type):
        return custom.from_config(config.get("config") or {}) if isinstance(config, dict) else custom()
    return custom
