"""Models: ``Sequential``, functional/subclassed ``Model``, the ``RBM``; loading saved models."""
from .dbn import DBN
from .model import Model
from .rbm import RBM
from .sequential import Sequential
from ..saving import load_model, model_from_json

__all__ = ["Model", "Sequential", "RBM", "DBN", "load_model", "model_from_json"]
