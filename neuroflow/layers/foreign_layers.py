"""Keras 3's layers that wrap another framework's code, which neuroflow cannot run: ``JaxLayer`` and ``FlaxLayer``
(a JAX function or Flax module: they run only on Keras' JAX backend) and ``TFSMLayer`` (a TensorFlow SavedModel).
Each name exists so that Keras code fails at the line that uses it, with a MissingDependencyError (an ImportError)
naming what the layer needs and what to use instead; ``TorchModuleWrapper`` does run (PyTorch through DLPack).
"""
from __future__ import annotations

from ..errors import MissingDependencyError


class _ForeignLayer:
    """A Keras layer whose computation is another framework's program. Constructing one raises."""

    needs = ""

    def __init__(self, *args, **kwargs):
        raise MissingDependencyError(f"keras.layers.{type(self).__name__} {self.needs}; neuroflow runs on NumPy and "
                                     f"cannot execute it. Port the computation to neuroflow.ops / layers, or wrap a "
                                     f"PyTorch module with keras.layers.TorchModuleWrapper")


class JaxLayer(_ForeignLayer):
    """Keras' ``JaxLayer(call_fn, init_fn=None, params=None, state=None, seed=None)``: needs JAX (Keras' JAX
    backend)."""
    needs = "wraps a JAX function and needs JAX with Keras' JAX backend"


class FlaxLayer(_ForeignLayer):
    """Keras' ``FlaxLayer(module, method=None, variables=None)``: needs Flax and JAX."""
    needs = "wraps a Flax module and needs Flax and JAX with Keras' JAX backend"


class TFSMLayer(_ForeignLayer):
    """Keras' ``TFSMLayer(filepath, call_endpoint='serve', ...)``: needs TensorFlow to load a SavedModel."""
    needs = "loads a TensorFlow SavedModel and needs TensorFlow"


__all__ = ["JaxLayer", "FlaxLayer", "TFSMLayer"]
