"""neuroflow: deep learning on NumPy with a visible computational graph and a Keras-compatible API.

``import neuroflow as nf``: ``nf.Tensor``, ``nf.ops``, ``nf.no_grad``, ``nf.random.set_seed``; the graph can be
listed with ``nf.graph_table(t)`` and drawn with ``nf.to_dot(t)``.
"""
from . import backend, errors, random
from .autograd import Tensor, enable_grad, is_grad_enabled, no_grad
from . import ops
from .autograd.inspect import graph_nodes, graph_table, render_graph, to_dot

__version__ = "0.1.0"

__all__ = ["Tensor", "no_grad", "enable_grad", "is_grad_enabled", "ops", "backend", "errors", "random",
           "graph_nodes", "graph_table", "to_dot", "render_graph", "__version__"]
