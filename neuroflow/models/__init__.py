"""Models: ``Sequential``, functional/subclassed ``Model``, the ``RBM``; loading saved models."""
from .cloning import clone_model, save_model
from .dbn import DBN
from .model import Model
from .rbm import RBM
from .rntn import RNTN
from .sequential import Sequential
from ..saving import load_model, model_from_json

__all__ = ["Model", "Sequential", "RBM", "DBN", "RNTN", "load_model", "model_from_json", "clone_model", "save_model"]
