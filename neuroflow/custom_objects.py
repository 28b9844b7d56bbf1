"""Custom objects: user classes and functions that a loaded file may name (Keras' ``custom_objects``).

Three sources, consulted before neuroflow's own registry, later ones winning: the global dict
(:func:`get_custom_objects`), the open :class:`CustomObjectScope` blocks (innermost last), and the
``custom_objects=`` argument of the load call. This module sits on the bottom floor (it imports only ``errors``)
so that every lookup can consult it. :func:`check_name` is the rule for any name a file may ask to resolve.
"""
from __future__ import annotations

import re
import threading

from .errors import SavingError

_GLOBAL: dict = {}
_SCOPES = threading.local()
#: Letters, digits, ``_ . -`` and one ``>`` (``package>Name``), starting with a letter; never a private or dunder
#: name, so that no lookup can reach ``__class__``, ``__setattr__``...
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,199}(>[A-Za-z][A-Za-z0-9_.\-]{0,199})?")


def check_name(name, what: str) -> str:
    """``name`` if a file may ask to resolve it, else a SavingError naming ``what``."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or "__" in name:
        raise SavingError(f"{what}: {name!r:.80} is not a valid name (letters, digits, '_', '.', '-', one '>'; "
                          "starting with a letter; no '__')")
    return name


def get_custom_objects() -> dict:
    """The global ``name -> class or function`` dict every load consults (Keras' ``get_custom_objects``); add to
    it to make an object loadable everywhere: ``get_custom_objects()["MyLayer"] = MyLayer``."""
    return _GLOBAL


class CustomObjectScope:
    """``with custom_object_scope({"MyLayer": MyLayer}):`` — every load inside the block (``load_model``,
    ``model_from_json``, ``from_config``, ``deserialize``) also resolves these names. Scopes nest (the innermost
    wins) and are per thread."""

    def __init__(self, *custom_objects):
        self.custom_objects = {}
        for objects in custom_objects:
            if objects:
                if not isinstance(objects, dict):
                    raise SavingError(f"custom_objects must be a dict of name -> class or function, got "
                                      f"{type(objects).__name__}")
                self.custom_objects.update(objects)

    def __enter__(self):
        stack = getattr(_SCOPES, "stack", None)
        if stack is None:
            stack = _SCOPES.stack = []
        stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _SCOPES.stack.pop()
        return False


custom_object_scope = CustomObjectScope


def active(custom_objects=None) -> dict:
    """The merged custom objects now in force (global < open scopes < ``custom_objects``)."""
    merged = dict(_GLOBAL)
    for objects in getattr(_SCOPES, "stack", None) or ():
        merged.update(objects)
    if custom_objects:
        merged.update(custom_objects)
    return merged


def lookup(name: str, custom_objects=None):
    """The custom object for ``name`` (also its bare part after ``package>``), or ``None``."""
    objects = active(custom_objects)
    obj = objects.get(name)
    if obj is None and isinstance(name, str) and ">" in name:
        obj = objects.get(name.split(">", 1)[1])
    return obj
