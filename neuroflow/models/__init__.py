"""Models: ``Sequential``, functional/subclassed ``Model``, the ``RBM``; loading saved models."""
from .model import Model
from .rbm import RBM
from .sequential import Sequential
from ..saving import load_model, model_from_json

__all__ = ["Model", "Sequential", "RBM", "load_model", "model_from_json"]
