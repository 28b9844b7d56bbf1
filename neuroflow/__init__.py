"""neuroflow: deep learning on NumPy with a visible computational graph and a Keras-compatible API.

Engine: ``nf.Tensor``, ``nf.ops``, ``nf.no_grad``, ``nf.random.set_seed``; the graph is listed with
``nf.graph_table(t)`` and drawn with ``nf.to_dot(t)``. Keras code runs after ``import neuroflow as keras``:
``keras.Sequential``, ``keras.Input``, ``keras.layers``, ``keras.optimizers``, ``keras.losses``...
"""
from . import backend, errors, random
from .autograd import Tensor, Variable, enable_grad, is_grad_enabled, no_grad
from . import ops
from .autograd.inspect import graph_nodes, graph_table, render_graph, to_dot
from . import activations, constraints, initializers, regularizers
from . import layers, models, saving, utils
from .layers import Input, Layer
from .models import Model, Sequential
from .saving import load_model

__version__ = "0.1.0"

__all__ = ["Tensor", "Variable", "no_grad", "enable_grad", "is_grad_enabled", "ops", "backend", "errors",
           "random", "graph_nodes", "graph_table", "to_dot", "render_graph", "activations", "constraints",
           "initializers", "regularizers", "layers", "models", "saving", "utils", "Input", "Layer", "Model",
           "Sequential", "load_model", "__version__"]


def __getattr__(name):
    # Families written as packages that import heavier pieces load on first use (keeps `import neuroflow` fast).
    import importlib
    if name in ("optimizers", "losses", "metrics", "callbacks", "datasets", "data", "cli", "training"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'neuroflow' has no attribute {name!r}")
