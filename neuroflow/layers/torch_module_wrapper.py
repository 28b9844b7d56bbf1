"""Keras 3's ``keras.layers.TorchModuleWrapper``: a ``torch.nn.Module`` as a neuroflow layer.

``TorchModuleWrapper(module, name=None, output_shape=None)`` needs PyTorch installed (never a dependency of
neuroflow; without it a MissingDependencyError says so). The module's parameters become the layer's Variables,
sharing memory with them (a float32 CPU parameter is seen through DLPack, not copied): the optimizer updates the
Variables and the module sees the new values, and the torch parameters are pointed at the Variables' arrays again
at every call, should an optimizer have moved them into its flat buffers.

Forward: the inputs reach torch through DLPack and the module runs under torch's autograd; the result comes back
through DLPack as one node of neuroflow's graph whose inputs are the layer's inputs *and* its Variables. Backward:
that node asks ``torch.autograd.grad`` for the gradients of the inputs and of every parameter, so ``backward()``,
``neuroflow.grad`` and ``fit`` see them like any other layer's. Under ``no_grad`` (``predict``) torch records
nothing either. ``training=False`` (``predict``, ``evaluate``) puts the module in ``eval()``, anything else in
``train()``, as Keras does.

Shapes: those of the module (one Tensor in, or a list of Tensors passed as positional arguments; one Tensor
out). The module's buffers (BatchNorm's running statistics) stay inside the module, not Variables. A module is
Python code: the layer's config cannot hold it, so a model with this layer is saved with ``save_weights`` (the
Variables) and rebuilt in code, as Keras' ``safe_mode`` demands for it too.

Host only: the module runs in PyTorch on host memory shared with the Variables, so the layer is made and called on
the CPU device; on another device (``nf.device("strict")``, ``"cuda"``) it raises a DeviceError saying so.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function, is_grad_enabled
from .. import backend
from ..autograd.tensor import as_tensor
from ..autograd.variable import Variable
from ..errors import ConfigError, DeviceError, MissingDependencyError
from ..ops._registry import differentiable
from .base import Layer


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("TorchModuleWrapper needs PyTorch (pip install torch); neuroflow itself does "
                                     "not depend on it") from None
    return torch


class TorchModuleWrapper(Layer):
    """See the module docstring. ``module``: a ``torch.nn.Module`` with initialised parameters;
    ``output_shape``: the output shape without the batch axis's size (else found by a dry run)."""

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        torch = _torch()
        _refuse_device(f"TorchModuleWrapper {self.name!r}", backend.get_device())
        if not isinstance(module, torch.nn.Module):
            raise ConfigError(f"TorchModuleWrapper {self.name!r}: module must be a torch.nn.Module, got "
                              f"{type(module).__name__}")
        lazy = getattr(torch.nn.modules.lazy, "LazyModuleMixin", ())
        if isinstance(module, lazy) and module.has_uninitialized_params():
            raise ConfigError(f"TorchModuleWrapper {self.name!r}: lazy torch modules must be initialised (run them "
                              f"once) before they are wrapped")
        self.module = module.cpu()
        self.output_shape_given = None if output_shape is None else tuple(output_shape)
        self._parameters = [p for _, p in module.named_parameters()]
        self.torch_variables = [Variable(np.from_dlpack(p.detach()), trainable=p.requires_grad,
                                         name=f"{self.name}/{n.replace('.', '_')}")
                                for n, p in module.named_parameters()]
        self.built = True

    def _point_parameters_at_variables(self):
        torch = _torch()
        for p, v in zip(self._parameters, self.torch_variables):
            if p.data_ptr() != v.data.ctypes.data or tuple(p.shape) != v.data.shape:
                p.data = torch.from_numpy(v.data)

    def call(self, inputs, training=None):
        xs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        _refuse_device(f"TorchModuleWrapper {self.name!r}", backend.module_device(backend.get_array_module(*xs)))
        self.module.train(training is not False)  # Keras: eval() only when training is False
        self._point_parameters_at_variables()
        return torch_module(self.module, *xs, parameters=self._parameters, variables=self.torch_variables)

    def compute_output_shape(self, input_shape):
        if self.output_shape_given is not None:
            return (None,) + self.output_shape_given
        return super().compute_output_shape(input_shape)

    def get_config(self):
        raise ConfigError(f"TorchModuleWrapper {self.name!r}: a torch module is Python code, which a neuroflow "
                          f"config cannot hold; save the weights (save_weights) and rebuild the module in code")


def _refuse_device(who, device):
    if device != "cpu":
        raise DeviceError(f"{who}: the torch module runs on host memory shared with the layer's Variables, so the "
                          f"layer must be made and called on the 'cpu' device; got the {device!r} device (use "
                          f"nf.device('cpu') around it and move its inputs there with neuroflow.backend.to_host)")


@differentiable
def torch_module(module, *inputs, parameters=(), variables=()):
    """Run the ``torch.nn.Module`` ``module`` on neuroflow ``inputs`` (Tensors or arrays, passed positionally) as
    one graph node; ``variables`` are the neuroflow Variables standing for the torch ``parameters`` (same order),
    which receive their gradients. Shapes: the module's (one tensor out)."""
    if len(parameters) != len(variables):
        raise ConfigError(f"torch_module: {len(parameters)} torch parameters but {len(variables)} variables; they "
                          f"must correspond one to one")
    return _TorchCall(module, list(parameters), len(inputs)).apply(*[as_tensor(x) for x in inputs], *variables)


class _TorchCall(Function):
    """One call of a torch module: its inputs, then the Variables of its parameters; backward by
    ``torch.autograd.grad``."""

    __slots__ = ("module", "parameters", "n_inputs", "torch_inputs", "torch_output")
    label = "torch_module"

    def __init__(self, module, parameters, n_inputs):
        self.module, self.parameters, self.n_inputs = module, parameters, n_inputs
        self.torch_inputs = self.torch_output = None

    def forward(self, *arrays):
        torch = _torch()
        record = is_grad_enabled()
        xs = [torch.from_dlpack(np.ascontiguousarray(a)) for a in arrays[:self.n_inputs]]
        if record:
            xs = [x.requires_grad_(True) if x.is_floating_point() else x for x in xs]
        with torch.set_grad_enabled(record):
            out = self.module(*xs)
        if not isinstance(out, torch.Tensor):
            raise ConfigError(f"torch_module: the module must return one tensor, got {type(out).__name__}")
        if record:
            self.torch_inputs, self.torch_output = xs, out
        return np.from_dlpack(out.detach())

    def backward(self, gy):
        torch = _torch()
        wanted = [x for x in self.torch_inputs if x.requires_grad] + self.parameters
        grads = torch.autograd.grad([self.torch_output], wanted,
                                    grad_outputs=[torch.from_numpy(np.ascontiguousarray(gy))], allow_unused=True)
        grads = iter(grads)
        out = [next(grads) if x.requires_grad else None for x in self.torch_inputs]
        out += [next(grads) for _ in self.parameters]
        return tuple(None if g is None else g.numpy() for g in out)


__all__ = ["TorchModuleWrapper", "torch_module"]
