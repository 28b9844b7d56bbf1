"""The engine: ``Tensor``, the ``Function`` base of graph nodes, the backward walk and graph inspection."""
from .function import Function, enable_grad, is_grad_enabled, no_grad, sum_to
from .tensor import Tensor, as_tensor
from .graph import run_backward, topological_order
from .higher_order import grad
from .variable import Variable

__all__ = ["Tensor", "Variable", "Function", "no_grad", "enable_grad", "is_grad_enabled", "sum_to", "as_tensor",
           "run_backward", "topological_order", "grad"]
