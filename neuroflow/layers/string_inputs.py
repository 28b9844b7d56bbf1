"""Strings as layer inputs: which layers take them, and the error for those that need numbers.

A string ``Input(dtype='string')`` and NumPy arrays of ``str``/``bytes``/object strings reach a model as arrays
(a Tensor holds numbers only). Layers that read strings (``StringLookup``, ``Hashing``, ``HashedCrossing``,
``TextVectorization``) set ``_accepts_strings = True``; containers (models, wrappers) pass them on to their
layers; every other layer refuses them with a DataError that names it, both on real data and when a functional
model is built on a string Input.
"""
from __future__ import annotations

import numpy as np

from ..errors import DataError

_HINT = ("encode them first: a StringLookup, Hashing or TextVectorization layer after Input(dtype='string') "
         "turns them into ids, which an Embedding or CategoryEncoding then reads")


def holds_strings(x) -> bool:
    """Whether ``x`` is a NumPy array of strings (``str``, ``bytes``, or an object array holding them)."""
    if not isinstance(x, np.ndarray):
        return False
    if x.dtype.kind in "US":
        return True
    return x.dtype == object and any(isinstance(v, (str, bytes)) for v in x.reshape(-1)[:1000])


def accepts_strings(layer) -> bool:
    """String layers read strings; a layer holding other layers (a model, a wrapper) hands them on."""
    if getattr(layer, "_accepts_strings", False):
        return True
    sublayers = getattr(layer, "_sublayers", None)
    return bool(sublayers()) if callable(sublayers) else False


def _refusal(layer, example) -> DataError:
    return DataError(f"layer {layer.name!r} ({type(layer).__name__}) cannot take strings as its input x "
                     f"(e.g. {example!r}); it needs numbers: {_HINT}")


def string_input(x, layer):
    """``x`` unchanged when ``layer`` takes strings; else the DataError naming the layer."""
    if layer is not None and accepts_strings(layer):
        return x
    sample = next((v for v in x.reshape(-1)[:1000] if isinstance(v, (str, bytes, np.str_, np.bytes_))), "")
    if layer is None:
        raise DataError(f"x holds strings (e.g. {str(sample)!r}), not numbers; {_HINT}")
    raise _refusal(layer, str(sample))


def check_symbolic_strings(layer, symbolic_inputs) -> None:
    """Building a functional model: a layer that needs numbers called on a string Input is refused here."""
    if any(getattr(t, "dtype", None) == "string" for t in symbolic_inputs) and not accepts_strings(layer):
        raise DataError(f"layer {layer.name!r} ({type(layer).__name__}) cannot take a string input (dtype "
                        f"'string'); it needs numbers: {_HINT}")


def is_string_dtype(dtype) -> bool:
    """``'string'``/``'str'``/``str``/``bytes``/NumPy unicode or bytes dtypes: what ``Input(dtype=...)`` reads as
    Keras' string dtype."""
    if dtype in ("string", "str", "bytes", str, bytes, object, "object"):
        return True
    try:
        return np.dtype(dtype).kind in "US"
    except TypeError:
        return False


__all__ = ["holds_strings", "accepts_strings", "string_input", "check_symbolic_strings", "is_string_dtype"]
