"""Keras' ``layers.serialize`` / ``layers.deserialize``: a layer to ``{"class_name", "config"}`` and back, by
registered name only (loading executes no code)."""
from __future__ import annotations

from .. import custom_objects as nf_custom_objects
from .serialization import deserialize_layer, serialize_layer


def serialize(layer) -> dict:
    """``{"class_name": ..., "config": layer.get_config()}`` (JSON-able)."""
    return serialize_layer(layer)


def deserialize(config, custom_objects=None):
    """The layer ``config`` describes (:func:`serialize`'s output); ``custom_objects`` name -> class for layers
    of your own (also the registered ones and any open ``custom_object_scope``)."""
    with nf_custom_objects.custom_object_scope(custom_objects or {}):
        return deserialize_layer(config)


__all__ = ["serialize", "deserialize"]
