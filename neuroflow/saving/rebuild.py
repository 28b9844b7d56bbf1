"""Objects rebuilt from a checked config: layers (through the registry and custom objects), compile arguments.

Every failure here is a :class:`~neuroflow.errors.SavingError` naming the layer or field: a constructor's
ConfigError (a bad value), a TypeError (an unknown argument) or anything else raised while building is converted.
Names resolve only through registries (custom objects, the class registry, each family's name table), never
through attributes of a module; :func:`~neuroflow.custom_objects.check_name` refuses private and dunder names.
"""
from __future__ import annotations

import contextlib
import inspect

from .. import custom_objects as customs
from ..errors import NeuroflowError, SavingError
from ..registry import get_registered_class, registered_name
from . import weight_guard

#: Keys of a layer config whose values may name a custom activation / initializer / regularizer / constraint.
_CALLABLE_SUFFIXES = ("activation", "_initializer", "_regularizer", "_constraint")


@contextlib.contextmanager
def converted(what: str):
    """Report any exception raised in the block as a SavingError about ``what`` (SavingErrors pass through)."""
    try:
        yield
    except SavingError:
        raise
    except (NeuroflowError, Exception) as err:  # constructors, NumPy, the optimizer: all become one error type
        message = str(err)[:300]
        raise SavingError(f"{what}: {type(err).__name__}: {message}") from None


def resolve_class(name, family: str, custom_objects=None):
    """The class named ``name``: custom objects first, then the class registry."""
    customs.check_name(name, f"{family} class_name")
    obj = customs.lookup(name, custom_objects)
    if obj is not None:
        if not isinstance(obj, type):
            raise SavingError(f"custom object {name!r} must be a class to build a {family}, got "
                              f"{type(obj).__name__}")
        return obj
    return get_registered_class(name, family)


def _resolve_callables(config: dict, custom_objects) -> dict:
    """``config`` with each custom activation/initializer/... name replaced by the custom object it names, so
    that the families' own ``get`` (which know only built-ins) receive the object itself."""
    out = dict(config)
    for key, value in config.items():
        if not key.endswith(_CALLABLE_SUFFIXES):
            continue
        name = value.get("class_name") if isinstance(value, dict) else value
        if not isinstance(name, str):
            continue
        obj = customs.lookup(name, custom_objects)
        if obj is None:
            continue
        if isinstance(obj, type):
            with converted(f"custom object {name!r}"):
                obj = obj.from_config(dict(value.get("config") or {})) if isinstance(value, dict) and hasattr(
                    obj, "from_config") else obj()
        out[key] = obj
    return out


def rebuild_layer(entry, where: str = "layer", custom_objects=None):
    """A layer (or nested model) from ``{"class_name", "config"}``; guarded by any open weight budget."""
    from ..layers.base import Layer  # layers sit below saving; imported when used to keep import light

    if not isinstance(entry, dict) or not isinstance(entry.get("config", {}), dict):
        raise SavingError(f"{where}: a layer entry must be an object with 'class_name' and 'config', got "
                          f"{entry!r:.80}")
    name = entry.get("class_name")
    cls = resolve_class(name, "layer", custom_objects)
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise SavingError(f"{where}: class {name!r} is not a layer or model")
    config = _resolve_callables(dict(entry.get("config") or {}), custom_objects)
    layer_name = config.get("name")
    with converted(f"{where}: cannot rebuild layer {layer_name!r:.60} ({name}) from its config"):
        layer = cls.from_config(config)
        weight_guard.guard(layer)
    if not isinstance(layer, Layer):
        raise SavingError(f"{where}: {name}.from_config returned a {type(layer).__name__}, not a layer")
    return layer


def check_saveable(layer) -> None:
    """Refuse (at save time) a layer whose class a load could not find: the error says how to register it."""
    name = registered_name(layer)
    cls = customs.lookup(name)
    if cls is None:
        try:
            cls = get_registered_class(name, "layer")
        except SavingError:
            cls = None
    if cls is not type(layer):
        kind = type(layer)
        raise SavingError(
            f"cannot save layer {getattr(layer, 'name', '?')!r}: its class {kind.__module__}.{kind.__qualname__} "
            f"is not registered, so the file could not be loaded back. Decorate the class with "
            f"@neuroflow.saving.register_keras_serializable(package='my_package') (and give it get_config / "
            f"from_config), or add it to neuroflow.saving.get_custom_objects()")


def compile_entry(value, family, custom_objects, what: str):
    """A compiled loss/metrics structure rebuilt: names stay names (the family resolves them, custom objects
    first), ``{"class_name", ...}`` dicts go through ``family.deserialize``."""
    if value is None or inspect.isfunction(value):  # a function: already resolved (Keras' function entries)
        return value
    if isinstance(value, str):
        customs.check_name(value, what)
        obj = customs.lookup(value, custom_objects)
        return obj if obj is not None else value
    if isinstance(value, list):
        return [compile_entry(v, family, custom_objects, f"{what}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict) and "class_name" in value:
        fn = (value.get("config") or {}).get("fn")
        if fn is not None and customs.lookup(fn, custom_objects) is None:
            _check_function_name(fn, what)
        with converted(what):
            return family.deserialize(value, custom_objects=customs.active(custom_objects))
    if isinstance(value, dict):
        return {k: compile_entry(v, family, custom_objects, f"{what}[{k!r:.40}]") for k, v in value.items()}
    raise SavingError(f"{what}: expected a name, a config object or a list/dict of them, got {value!r:.60}")


def _check_function_name(fn, what):
    """A wrapper's ``fn`` must be a registered loss or metric function (never any attribute of a module)."""
    from .. import losses, metrics

    customs.check_name(fn, f"{what}.config.fn")
    known = set(getattr(metrics, "_FUNCTION_NAMES", {})) | set(getattr(metrics, "_CUSTOM", {}))
    if fn in known:
        return
    try:
        losses.resolve_function(fn)
    except Exception:
        raise SavingError(f"{what}.config.fn: {fn!r:.60} is not a registered loss or metric function") from None
