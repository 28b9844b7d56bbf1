"""``predict``: a model's outputs, batched, without a graph, with Keras' ``on_predict_*`` callback hooks.

One batch that holds every sample (serving: a single sample, a full batch) skips the batching and the
concatenation copy, unless callbacks listen; a Sequential model runs as a chain of array functions
(:mod:`.inference`).
"""
from __future__ import annotations


import numpy as np

from .. import backend
from ..autograd.function import no_grad
from ..backend import get_array_module, keep_freed_memory, to_host
from ..errors import DataError
from . import arguments as args, data_adapter as da
from ..distribution import data_parallel as dp
from .inference import output_arrays, ready_chain

_QUIET_VERBOSE = ("auto", 0, 1, 2)  # valid levels; with no callbacks, a single batch shows no progress bar


def callback_list_for(callbacks, model, verbose, batches, progbar):
    """The CallbackList of an ``evaluate`` or ``predict`` call, with Keras' params (one epoch of the batches)."""
    from ..callbacks import CallbackList  # as in fit: the callbacks load with the first loop that needs them

    steps = None
    if isinstance(batches, da.ArrayBatches):
        steps = len(batches) if batches.steps is None else min(len(batches), batches.steps)
    return CallbackList(callbacks, add_history=False, add_progbar=progbar, model=model, verbose=verbose, epochs=1,
                        steps=steps)


def predict(model, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    """Outputs for ``x`` in batches, without recording a graph. Returns an array (or a list per output).

    ``callbacks`` get Keras' hooks: ``on_predict_begin``, per batch ``on_predict_batch_begin(i)`` /
    ``on_predict_batch_end(i, {'outputs': that batch's outputs})``, ``on_predict_end``; a callback may set
    ``model.stop_predicting = True`` to stop after the current batch (the outputs so far are returned).
    """
    if callbacks is None and steps is None and type(x) is np.ndarray and type(verbose) in (str, int) \
            and verbose in _QUIET_VERBOSE and (batch_size is None or type(batch_size) is int):
        out = _served(model, x, 32 if batch_size is None else batch_size)
        if out is not None:
            return out
    keep_freed_memory()
    device = da.model_device(model)
    if device != backend.get_device():  # a model built on a device predicts there, wherever it is called from
        with backend.device(device):
            return _predict(model, x, batch_size, verbose, steps, callbacks)
    return _predict(model, x, batch_size, verbose, steps, callbacks)


def _predict(model, x, batch_size, verbose, steps, callbacks):
    if x is None:
        raise DataError("predict(): x is required")
    batch_size, verbose, steps = args.batches_arguments(batch_size, verbose, steps, "predict()")
    if da.is_iterable_source(x):
        batches, streamed = da.stream_batches(x, steps), True
    else:
        xs = da.to_structure(x, "x")
        n = da.num_samples(xs)
        xs = args.check_input_structure(model, xs, "predict()")
        model._check_input_data(xs)
        batch_size = batch_size or 32
        if steps is not None and n > steps * batch_size:  # Keras predicts the first ``steps`` batches
            n, xs = steps * batch_size, da.take(xs, slice(0, steps * batch_size))
        if n <= batch_size and callbacks is None:
            # One batch (serving latency: a single sample, a full batch): no batching, no concatenation copy.
            with no_grad():
                outs = output_arrays(model, xs, checked=True)
            inputs = {id(a) for a in da.leaves(xs)}
            outs = [o.copy() if id(o) in inputs else o for o in outs]  # never hand back the caller's own array
            return _structured(model, outs)
        batches, streamed = da.ArrayBatches(xs, None, None, batch_size, False), False
    cbs = None
    if callbacks is not None:
        cbs = callback_list_for(callbacks, model, verbose, batches, progbar=False)
        cbs.on_predict_begin()
    model.stop_predicting = False
    chunks = []
    with no_grad():
        for step, (bx, _, _) in enumerate(batches.epoch(0)):
            if cbs is not None:
                cbs.on_predict_batch_begin(step)
            chunks.append(output_arrays(model, bx, checked=not streamed))
            if cbs is not None:
                outs = chunks[-1]
                cbs.on_predict_batch_end(step, {"outputs": outs[0] if len(outs) == 1 else list(outs)})
            if model.stop_predicting:
                break
    if cbs is not None:
        cbs.on_predict_end()
    chunks = dp.gather_outputs(chunks)  # data-parallel: every rank's part of each batch, in the data's order
    if not chunks:
        raise DataError("predict(): no batches were produced")
    # joined where the outputs live (on a device: one device-to-host copy per output, in _structured)
    outs = [get_array_module(chunks[0][i]).concatenate([c[i] for c in chunks], axis=0) for i in range(len(chunks[0]))]
    return _structured(model, outs)


def _served(model, x, batch_size):
    """Serving's fast path: the outputs for one NumPy array that fits one batch, by the model's cached chain, or
    None (then the general path runs, and builds the chain). Shapes: ``x`` (n, ...) -> (n, ...output).

    The chain exists for this (shape without batch, dtype) signature only once a general call checked such an
    input, so the argument checks, the data adapter and the batching are skipped, not dropped. ``to_array``'s
    one conversion (float data to the default float dtype) is kept; anything else it would change (bools,
    strings, objects) takes the general path. For a model on a device, as in the general path, the input is
    copied there once and the output copied back once (Keras' predict returns NumPy arrays).
    """
    if batch_size <= 0 or x.ndim == 0 or not 0 < x.shape[0] <= batch_size:
        return None
    a = x
    kind = x.dtype.kind
    if kind == "f":
        if x.dtype != backend.default_float_dtype():
            a = x.astype(backend.default_float_dtype())
    elif kind not in "iu":
        return None
    chain, device = ready_chain(model, a)
    if chain is None:
        return None
    on_device = device != "cpu"
    if on_device:
        a = backend.to_device(a, device)  # where the general path put it: the model's device
    with no_grad():
        for fn in chain:
            a = fn(a)
    if on_device:
        return to_host(a)
    return a.copy() if a is x else a  # never hand back the caller's own array


def _structured(model, outs):
    """The output arrays as Keras returns them: one array, a dict by output name for a model whose outputs are a
    dict (``Model(inputs, {"a": ..., "b": ...})``), else a list. Device outputs are copied to the host (Keras
    returns NumPy arrays)."""
    outs = [to_host(o) for o in outs]
    graph = getattr(model, "_graph", None)
    if graph is not None and isinstance(graph.outputs, dict):
        return dict(zip(model.output_names, outs))
    return outs[0] if len(outs) == 1 else outs
