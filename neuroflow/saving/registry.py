"""The registry of classes that model files may name.

Loading a model never imports a module by path and never unpickles: a file's JSON names classes, and only classes
registered here (neuroflow's own, plus user classes decorated with :func:`register_serializable`) can be built.
"""
from __future__ import annotations

from ..errors import SavingError, close_matches

_CLASSES: dict = {}


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


#: The modules whose classes register themselves with @register_builtin; `import neuroflow` loads them lazily,
#: so a lookup imports them first (a model file may be the first thing a program touches).
_BUILTIN_MODULES = ("neuroflow.layers", "neuroflow.models", "neuroflow.initializers", "neuroflow.regularizers",
                    "neuroflow.constraints")


def _load_builtins() -> None:
    import importlib
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


def get_registered_class(name: str, family: str = "object"):
    """The class registered as ``name``; a clear SavingError (with close matches) otherwise."""
    _load_builtins()
    cls = _CLASSES.get(name)
    if cls is None and ">" in name:
        cls = _CLASSES.get(name.split(">", 1)[1])
    if cls is None:
        raise SavingError(f"unknown {family} class {name!r}: register custom classes with "
                          f"@neuroflow.saving.register_serializable(); {close_matches(name, _CLASSES)}")
    return cls


def registered_name(obj) -> str:
    """The name under which ``obj``'s class is (or would be) registered."""
    cls = obj if isinstance(obj, type) else type(obj)
    # Only the class's own registration counts: an unregistered subclass must not pass for its parent.
    return cls.__dict__.get("_registered_name") or cls.__name__
