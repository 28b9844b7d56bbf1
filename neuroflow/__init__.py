"""neuroflow: deep learning on NumPy with a visible computational graph and a Keras-compatible API.

Engine: ``nf.Tensor``, ``nf.ops``, ``nf.no_grad``, ``nf.random.set_seed``; the graph is listed with
``nf.graph_table(t)`` and drawn with ``nf.to_dot(t)``. Keras code runs after ``import neuroflow as keras``:
``keras.Sequential``, ``keras.Input``, ``keras.layers``, ``keras.optimizers``, ``keras.losses``...
"""
from . import backend, errors, random
from .autograd import Tensor, Variable, enable_grad, grad, is_grad_enabled, no_grad
from . import ops, registry
from .version import __version__, version  # noqa: F811 - Keras' keras.version() is the function

# Everything else loads on first use (PEP 562): `import neuroflow` then costs NumPy plus the engine, not every
# layer, model and saving module (the import-time target is 0.25 s). `from neuroflow import layers` and
# `neuroflow.layers.Dense` work as before; the names below resolve to the same objects.
_SUBMODULES = ("activations", "constraints", "initializers", "regularizers", "layers", "models", "saving", "utils",
               "optimizers", "losses", "metrics", "callbacks", "datasets", "data", "cli", "training",
               "wrappers", "onnx", "distribution", "config", "tree", "preprocessing",
               "dtype_policies", "mixed_precision", "quantizers", "visualization", "export", "legacy")
_NAMES = {"graph_nodes": "autograd.inspect", "graph_table": "autograd.inspect", "render_graph": "autograd.inspect",
          "to_dot": "autograd.inspect", "Input": "layers", "Layer": "layers", "Model": "models",
          "Sequential": "models", "load_model": "saving", "from_dlpack": "dlpack",
          # Keras 3's top-level base classes and helpers
          "Initializer": "initializers", "Loss": "losses", "Metric": "metrics", "Optimizer": "optimizers",
          "Regularizer": "regularizers", "Constraint": "constraints", "KerasTensor": "layers.symbolic",
          "InputSpec": "layers", "name_scope": "backend", "device": "backend",
          "DTypePolicy": "dtype_policies", "FloatDTypePolicy": "dtype_policies", "Quantizer": "quantizers",
          "function": "compile.function",  # a compiled function (tf.function's role; neuroflow/compile)
          # Keras 3's symbolic Function/Operation and backend scopes (models/function.py, layers/operation.py,
          # autograd/scopes.py, autograd/remat_scope.py, ops/remat.py)
          "Function": "models.function", "Operation": "layers.operation", "StatelessScope": "autograd.scopes",
          "SymbolicScope": "autograd.scopes", "RematScope": "autograd.remat_scope", "remat": "ops.remat"}

__all__ = ["Tensor", "Variable", "no_grad", "enable_grad", "is_grad_enabled", "grad", "ops", "backend", "errors",
           "random", "graph_nodes", "graph_table", "to_dot", "render_graph", "activations", "constraints",
           "initializers", "regularizers", "layers", "models", "saving", "utils", "Input", "Layer", "Model",
           "Sequential", "load_model", "from_dlpack", "function", "__version__"]


def __getattr__(name):
    import importlib
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
    elif name in _NAMES:
        module = getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    else:
        raise AttributeError(f"module 'neuroflow' has no attribute {name!r}")
    globals()[name] = module  # resolved once
    return module


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES) | set(_NAMES))


def _load_registering_packages():
    """Import the packages whose classes register themselves by name (a model file names them). They load lazily,
    and a model file may be the first thing a program reads, so the registry runs this before its first lookup."""
    for name in ("initializers", "regularizers", "constraints", "layers", "models"):
        __getattr__(name)


registry.set_builtin_loader(_load_registering_packages)
