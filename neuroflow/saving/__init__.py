"""Saving and loading models: one ``.neuroflow`` file (JSON + safetensors), no code executed on load."""
from .dispatch import load_model, load_weights, save_model, save_weights  # .keras / .h5: Keras 3 files
from .model_file import model_from_json
from ..registry import get_registered_class, register_serializable

from ..custom_objects import CustomObjectScope, custom_object_scope, get_custom_objects
from ..utils.serialization import (deserialize_keras_object, get_registered_name, get_registered_object,
                                   serialize_keras_object)

register_keras_serializable = register_serializable


__all__ = ["load_model", "save_model", "save_weights", "load_weights", "model_from_json",
           "register_serializable", "register_keras_serializable", "get_registered_class", "get_registered_object",
           "custom_object_scope", "CustomObjectScope", "get_custom_objects", "serialize_keras_object",
           "deserialize_keras_object", "get_registered_name"]
