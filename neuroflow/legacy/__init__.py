"""``keras.legacy``: TF-Keras 2's saving functions (``keras.legacy.saving``). neuroflow reads and writes Keras 3's
files and its own; the legacy (TF-Keras 2, TensorFlow-bound) serialization is not available, and its functions
raise a MissingDependencyError saying what to use instead."""
from . import saving

__all__ = ["saving"]
