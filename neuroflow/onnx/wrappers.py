"""Wrappers: Bidirectional (its two recurrent layers, each on its own ONNX op, merged) and TimeDistributed (the
inner layer's converter on the steps folded into the batch axis)."""
from __future__ import annotations

import numpy as np

from .builder import Value
from .registry import convert_call, converter, unsupported
from .rnn import run_recurrent


@converter("Bidirectional", masks=True)
def convert_bidirectional(g, layer, inputs):
    """Both directions, the backward sequence re-reversed, merged by ``merge_mode``; states follow."""
    x, states = inputs[0], list(inputs[1:])
    fwd_layer, bwd_layer = layer.forward_layer, layer.backward_layer
    if type(fwd_layer).__name__ not in ("SimpleRNN", "LSTM", "GRU") or \
            type(bwd_layer).__name__ not in ("SimpleRNN", "LSTM", "GRU"):
        raise unsupported(layer, "it wraps a layer that is not SimpleRNN, LSTM or GRU")
    nf = fwd_layer.n_states if states else 0
    fwd, *fwd_states = run_recurrent(g, fwd_layer, x, states[:nf], x.mask)
    bwd, *bwd_states = run_recurrent(g, bwd_layer, x, states[nf:], x.mask)
    hint, dt = layer.name, np.dtype(layer.dtype)
    bwd_name = g.flip(bwd.name, 1, f"{hint}/backward_in_time") if layer.return_sequences else bwd.name
    mode = layer.merge_mode
    if mode == "concat":
        out = g.node("Concat", [fwd.name, bwd_name], hint, axis=-1)
        shape = fwd.shape[:-1] + (fwd.shape[-1] + bwd.shape[-1],)
    elif mode in ("sum", "ave"):
        out = g.node("Add", [fwd.name, bwd_name], hint)
        if mode == "ave":
            out = g.node("Mul", [out, g.scalar(0.5, dt)], hint)
        shape = fwd.shape
    elif mode == "mul":
        out, shape = g.node("Mul", [fwd.name, bwd_name], hint), fwd.shape
    else:
        outs = [Value(fwd.name, fwd.shape, dt, fwd.mask), Value(bwd_name, bwd.shape, dt, bwd.mask)]
        return outs + fwd_states + bwd_states
    merged = Value(out, shape, dt, fwd.mask)
    return [merged] + fwd_states + bwd_states if layer.return_state else merged


@converter("TimeDistributed", masks=True)
def convert_time_distributed(g, layer, inputs):
    """``(batch, T, *step)`` -> ``(batch * T, *step)`` -> inner layer -> ``(batch, T, *out)``."""
    x = inputs[0]
    t = x.shape[1]
    folded = Value(g.reshape(x.name, [-1] + list(x.shape[2:]), f"{layer.name}/fold"), (None,) + x.shape[2:],
                   x.dtype)
    inner = convert_call(g, layer.layer, [folded])
    if len(inner) != 1:
        raise unsupported(layer, f"its inner layer {layer.layer.name!r} returns {len(inner)} outputs")
    y = inner[0]
    out = g.reshape(y.name, [-1, t] + list(y.shape[1:]), layer.name)
    return Value(out, (x.shape[0], t) + tuple(y.shape[1:]), y.dtype, x.mask)
