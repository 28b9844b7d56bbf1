"""Saving and loading models: one ``.neuroflow`` file (JSON + safetensors), no code executed on load."""
from .model_file import load_model, load_weights, model_from_json, save_model, save_weights
from .registry import get_registered_class, register_serializable

register_keras_serializable = register_serializable

__all__ = ["load_model", "save_model", "save_weights", "load_weights", "model_from_json",
           "register_serializable", "register_keras_serializable", "get_registered_class"]
