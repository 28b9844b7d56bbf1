"""Op-table rows for the graph nodes of issue #14's hooks: ``remat`` (a rematerialised call, its backward a
recomputation) and ``TorchModuleWrapper``'s node (its backward is torch.autograd's; a parameter-free module here,
so that the float64 finite differences see the module run in float64 too)."""
from __future__ import annotations

from neuroflow import ops
from neuroflow.layers.torch_module_wrapper import torch_module
from neuroflow.ops.remat import remat

from .harness import case


def _remat_block(x, y):
    return remat(lambda a, b: ops.tanh(a) * b + ops.sin(a * b))(x, y)


def _torch_block(x, y):
    import torch
    return torch.tanh(x) * y + torch.sin(x * y)


def _torch_module(x):
    import torch
    return torch_module(torch.nn.Tanh(), x)


def _torch_tanh(x):
    import torch
    return torch.tanh(x)


ROWS = [
    case("remat", _remat_block, [(3, 4), (3, 4)], _torch_block, id="two-inputs"),
    case("torch_module", _torch_module, [(2, 5)], _torch_tanh, id="tanh"),
]
