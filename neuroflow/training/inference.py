"""Graph-free prediction: a Sequential model run as a chain of array functions, one per layer.

``predict`` records no graph, yet an ordinary call still pays, for every layer, ``Layer.__call__``, the layer's
checks, the op's argument handling and plan lookup, a Function node and a Tensor: a few microseconds each. That is
nothing at batch 1024, but it was a third of a one-sample prediction of the MNIST convnet (190 us, of which the
kernels 119). Here each layer that defines its forward as a kernel (:meth:`Layer._forward_kernel`, made once per
input shape with its checks and plans: :mod:`neuroflow.layers.kernel`) runs that kernel's nodes' ``forward`` on
arrays, the very computation its ``call`` records on Tensors, and predict chains them.

A layer without a kernel runs the ordinary way (``layer(tensor, training=False)``) inside the chain. The
chain carries one array and no mask, so functional models, stateful layers and layers that make masks
(``Embedding(mask_zero=True)``, ``Masking``) keep the ordinary path.
"""
from __future__ import annotations

import weakref

from .. import backend
from ..autograd.tensor import Tensor
from ..layers.base import output_mask
from ..layers.kernel import kernel_for
from .custom_steps import overrides

#: Chains kept per model, one per input shape and dtype (predict's last, smaller batch adds a second).
_MAX_CHAINS = 8

#: model -> {(input shape without batch, dtype): (layers, functions or None)}. Outside the model, so that a copied
#: model (copy.deepcopy) never runs closures over the original's layers.
_CHAINS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

#: model -> {signature: the _CHAINS entry in place when an input of that signature passed predict's input checks}.
#: A chain built from a generator's batches (no checks) never serves the fast path.
_CHECKED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class _NoChain(Exception):
    """A layer's output cannot travel down the chain (not a single tensor)."""


def output_arrays(model, x, checked=False) -> list:
    """``model(x, training=False)`` as a list of output arrays, by the chain where the model allows one.
    ``checked``: ``x`` passed the model's input checks, so :func:`ready_chain` may serve its signature.

    Shapes: ``x`` (batch, ...) -> one array per model output, (batch, ...). Call it under ``no_grad``.
    A model overriding ``predict_step`` gets it called instead (its outputs: Tensors or arrays, one or a
    list/tuple/dict of them).
    """
    if overrides(model, "predict_step"):
        return _ordinary_outputs(model, x, model.predict_step(Tensor(x) if _is_array(x) else x))
    chain = _chain_for(model, x)
    if chain is None:
        return _ordinary_outputs(model, x)
    if chain is _BUILD:
        outs = _build(model, x)
    else:
        a = Tensor(x).data  # the dtype conversion of an ordinary call (float64 data -> float32)
        for fn in chain:
            a = fn(a)
        outs = [a]
    if checked:
        signature = (x.shape[1:], x.dtype.str)
        _CHECKED.setdefault(model, {})[signature] = _CHAINS[model][signature]
    return outs


_BUILD = object()  # _chain_for's answer when this input shape has no chain yet


def ready_chain(model, x):
    """``(the array functions of model's chain for x's (shape without batch, dtype) signature, the device they
    run on)`` when one was built (by a ``predict`` call whose checks the input passed) for the model as it is now;
    else ``(None, None)``.

    Serving's fast path: a chain for this signature, the same layers, activations and dtype policies, and the
    same expected input shape, mean ``x`` passed the input checks (``_check_input_data``) of that call. The key is the
    layers, never their weights (set_weights changes values the kernels read in place).
    """
    checked = _CHECKED.get(model)
    # a checked entry since replaced in _CHAINS was built for another layout, so the comparison refuses it
    entry = None if checked is None else checked.get((x.shape[1:], x.dtype.str))
    if entry is None or entry[1] is None or not model.built or entry[0] != _layout(model):
        return None, None
    return entry[1], entry[2]


def _chain_for(model, x):
    stack = getattr(model, "_stack", None)
    if stack is None or not model.built or not hasattr(x, "shape") or not hasattr(x, "dtype") \
            or x.dtype.kind in "USO":  # strings: the layers' own calls read them (a chain runs on Tensors)
        return None
    entry = _CHAINS.get(model, {}).get((x.shape[1:], x.dtype.str))
    if entry is None or entry[0] != _layout(model):  # new shape, a layer added or removed, an activation set
        return _BUILD
    return entry[1]  # None: this model keeps the ordinary path


def _layout(model) -> tuple:
    """What a chain was built for: the layers, their activations (a layer's kernel follows its activation,
    e.g. ``layer.activation = linear`` to read a classifier's logits) and dtype policies (``layer.quantize``),
    and the input shape the model expects (what the input checks compared the data with). Layers, not weights:
    reading every weight cost more than the prediction."""
    stack = model._stack
    return tuple(stack), tuple([(getattr(layer, "activation", None), layer.__dict__.get("_dtype_policy"))
                                for layer in stack]), model._input_shape()


def _build(model, x) -> list:
    """Run the model on ``x`` layer by layer, keeping each layer's array function; the outputs as a list."""
    stack = tuple(model._stack)
    t = Tensor(x)
    a, fns = t.data, []
    try:
        for layer in stack:
            if getattr(layer, "stateful", False):
                raise _NoChain
            if (getattr(layer, "compute_mask", None) is not None
                    and output_mask(layer, Tensor._from_op(a, None), None) is not None):
                raise _NoChain
            kernel = kernel_for(layer, a.shape, a.dtype)
            # a mixed-precision or quantized layer casts or quantizes in its call, a float32 one widens float16
            # inputs there: they run the ordinary way
            fn = _ordinary(layer) if kernel is None or layer.__dict__.get("_policy_acts") or a.dtype == "float16" \
                else kernel.array_fn(layer)
            a = fn(a)
            fns.append(fn)
    except _NoChain:
        fns = None  # and run it the ordinary way: what ran so far changed no state (stateful layers never run)
    chains = _CHAINS.setdefault(model, {})
    if len(chains) >= _MAX_CHAINS:
        chains.clear()
        _CHECKED.pop(model, None)
    # the device it ran on (predict runs under the model's): where serving copies an input to
    chains[(x.shape[1:], x.dtype.str)] = (_layout(model), fns, backend.get_device())
    return _ordinary_outputs(model, t) if fns is None else [a]


def _ordinary_outputs(model, x, out=None) -> list:
    """``out`` (default: ``model(x, training=False)``) as a list of arrays."""
    out = model(x, training=False) if out is None else out
    if isinstance(out, dict):  # a dict of outputs, in output_names' order
        out = list(out.values())
    return [o.data if isinstance(o, Tensor) else backend.xp.asarray(o)
            for o in (out if isinstance(out, (list, tuple)) else [out])]


def _is_array(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype") and x.dtype.kind not in "USO" and not isinstance(x, Tensor)


def _ordinary(layer):
    """The array function of a layer that has none of its own: its ordinary call (under the caller's no_grad)."""
    def call(a):
        out = layer(Tensor._from_op(a, None), training=False)
        if not isinstance(out, Tensor):
            raise _NoChain
        return out.data
    return call
