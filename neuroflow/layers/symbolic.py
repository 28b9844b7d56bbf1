"""Symbolic tensors: what ``Input`` returns and layers return when called on one (Keras' KerasTensor).

A SymbolicTensor holds a shape (batch axis ``None``) and the node that produced it; a functional ``Model`` walks
these nodes back from its outputs to its inputs and replays them on real tensors.

Masks travel as in Keras: a SymbolicTensor's ``_keras_mask`` is the symbolic mask its value will carry (from
``Embedding(mask_zero=True)``, ``Masking``, a layer's ``compute_mask``...). Calling a layer whose ``call`` takes
``mask`` on it hands that call a placeholder mask (all True, of the mask's shape) while the output shape is
inferred, and the output's ``_keras_mask`` is what the layer's ``compute_mask`` gives (the input mask for a
``supports_masking`` layer without one). At run time :mod:`neuroflow.models.functional` passes the real masks.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import backend
from ..autograd.function import no_grad
from ..autograd.tensor import Tensor
from .loss_scope import collect_losses
from .string_inputs import check_symbolic_strings


class Node:
    """One call of a layer inside a functional graph: the layer, its symbolic inputs (any nesting) and outputs."""

    __slots__ = ("layer", "inputs", "kwargs", "outputs")

    def __init__(self, layer, inputs, kwargs):
        self.layer, self.inputs, self.kwargs = layer, inputs, kwargs
        self.outputs = None

    def flat_inputs(self) -> list:
        return flatten(self.inputs)


class SymbolicTensor:
    """A placeholder of known shape (``None`` for unknown sizes, e.g. the batch axis) in a functional graph."""

    __slots__ = ("shape", "dtype", "node", "name", "_keras_mask")

    def __init__(self, shape, dtype="float32", node=None, name=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.node = node
        self.name = name
        self._keras_mask = None  # the symbolic mask (a bool SymbolicTensor) this value will carry, if any

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype}{' name=' + repr(self.name) if self.name else ''}>"


KerasTensor = SymbolicTensor  # Keras' name for the same thing


def flatten(x) -> list:
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in flatten(item)]
    if isinstance(x, dict):
        return [v for k in x for v in flatten(x[k])]
    return [x]


def map_structure(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(map_structure(fn, v) for v in x)
    if isinstance(x, dict):
        return {k: map_structure(fn, v) for k, v in x.items()}
    return fn(x)


def record_call(layer, inputs, kwargs):
    """Call ``layer`` on symbolic ``inputs``: build it, infer the output shape, return symbolic output(s).

    The inputs' ``_keras_mask`` (when ``kwargs`` gives no ``mask``) reaches a ``call`` that takes ``mask`` during
    shape inference, and the outputs get the mask the layer computes; a layer that neither supports masking nor
    computes a mask ends it, with Keras' warning."""
    check_symbolic_strings(layer, flatten(inputs))  # a layer that needs numbers, on a string Input
    input_shape = map_structure(lambda t: t.shape, inputs)
    if isinstance(input_shape, tuple) and input_shape and isinstance(input_shape[0], tuple):
        input_shape = list(input_shape)
    layer._maybe_build(input_shape)
    mask = kwargs.get("mask")
    if mask is None:
        mask = input_mask(inputs)
    if mask is not None and getattr(layer, "_call_takes_mask", False) and _infers_shape_by_dry_run(layer):
        out_shape = _dry_run_shape(layer, input_shape, mask)
    else:
        out_shape = layer.compute_output_shape(input_shape)
    node = Node(layer, inputs, {k: v for k, v in kwargs.items() if v is not None})

    def make(shape):
        return SymbolicTensor(shape, layer.dtype, node)

    if isinstance(out_shape, list):
        outputs = [make(tuple(s)) for s in out_shape]
    else:
        outputs = make(tuple(out_shape))
    node.outputs = outputs
    layer._inbound_nodes.append(node)
    _attach_output_masks(layer, inputs, mask, outputs)
    return outputs


def input_mask(inputs):
    """The symbolic masks ``inputs`` carry, in their structure; ``None`` when none carries one."""
    masks = map_structure(lambda t: t._keras_mask if isinstance(t, SymbolicTensor) else None, inputs)
    return masks if any(m is not None for m in flatten(masks)) else None


def _placeholder(t):
    """A concrete stand-in for a symbolic tensor: zeros (a mask: all True) with unknown sizes set to 1."""
    shape = tuple(1 if s is None else s for s in t.shape)
    if t.dtype == "bool":  # a mask: on the current device, as the layers' own masks are
        return backend.get_array_module().ones(shape, dtype=bool)
    return Tensor(np.zeros(shape, dtype=t.dtype))


def _concrete_mask(mask):
    return map_structure(lambda m: _placeholder(m) if isinstance(m, SymbolicTensor) else m, mask)


def _infers_shape_by_dry_run(layer) -> bool:
    """Whether ``layer`` keeps the base Layer's ``compute_output_shape`` (a dry run of ``call``)."""
    for klass in type(layer).__mro__:
        if "compute_output_shape" in vars(klass):
            return klass.__module__ == "neuroflow.layers.base"
    return False


def _dry_run_shape(layer, input_shape, mask):
    """The base Layer's dry run (a batch of one, no graph, no losses) with the placeholder mask passed to
    ``call``, as Keras passes the KerasTensor's mask while it infers the output spec."""
    def zeros(shape):
        return Tensor(np.zeros(tuple(1 if s is None else s for s in shape), dtype=layer.dtype))

    def restore(out):
        if isinstance(out, (list, tuple)):
            return [restore(o) for o in out]
        return (None,) + tuple(out.shape[1:])

    several = isinstance(input_shape, list)
    dummy = [zeros(s) for s in input_shape] if several else zeros(input_shape)
    kwargs = {"mask": _concrete_mask(mask)}
    if getattr(layer, "_call_takes_training", False):
        kwargs["training"] = False
    with no_grad(), collect_losses():  # what a dry run adds is nobody's loss
        out = layer.call(dummy, **kwargs)
    return restore(out)


def _attach_output_masks(layer, inputs, mask, outputs):
    """Set each output's ``_keras_mask`` by the rule of ``layers.base.output_mask`` (which imports this module, so
    the rule is spelled here too): ``compute_mask`` where the layer defines it (run on placeholders; the result's
    shape is kept), the input's own mask for a ``supports_masking`` layer, else no mask (with Keras' warning)."""
    if mask is None and getattr(layer, "compute_mask", None) is None:
        return
    if mask is not None and getattr(layer, "compute_mask", None) is None \
            and not getattr(layer, "supports_masking", False):
        warnings.warn(f"Layer {layer.name!r} (of type {type(layer).__name__}) was passed an input with a mask "
                      f"attached to it. However, this layer does not support masking and will therefore destroy "
                      f"the mask information. Downstream layers will not see the mask.", stacklevel=3)
        return
    flat_out = outputs if isinstance(outputs, list) else [outputs]
    if mask is not None and getattr(layer, "compute_mask", None) is None:  # passes through unchanged
        passed = flatten(mask)[0] if len(flat_out) == 1 else None
        for out in flat_out:
            out._keras_mask = passed
        return
    concrete_in = map_structure(_placeholder, inputs)
    with no_grad(), collect_losses():
        computed = layer.compute_mask(concrete_in, _concrete_mask(mask))
    computed = computed if isinstance(computed, (list, tuple)) else [computed] * len(flat_out)
    known = [m for m in flatten(mask) if isinstance(m, SymbolicTensor)] if mask is not None else []
    for out, m in zip(flat_out, computed):
        if m is not None:
            shape = tuple(m.shape) if hasattr(m, "shape") else np.shape(m)  # no host read of a device mask
            out._keras_mask = _symbolic_mask(shape, out.shape, known[0].shape if known else None)


def _symbolic_mask(shape, output_shape, input_mask_shape):
    """A bool SymbolicTensor for a mask of concrete ``shape`` (computed on placeholders, unknown sizes 1): the
    input mask's sizes when it has as many axes (a mask refined in place), else the output's leading sizes (a
    mask covers the output's batch and time axes), else only the batch axis unknown."""
    if input_mask_shape is not None and len(input_mask_shape) == len(shape):
        return SymbolicTensor(input_mask_shape, "bool")
    if len(shape) <= len(output_shape):
        return SymbolicTensor(output_shape[:len(shape)], "bool")
    return SymbolicTensor((None,) + tuple(shape[1:]), "bool")
