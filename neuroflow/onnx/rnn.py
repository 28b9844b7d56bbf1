"""SimpleRNN, LSTM and GRU on ONNX's ``RNN`` / ``LSTM`` / ``GRU`` ops.

Weights are rearranged at export: Keras' ``kernel`` (features, k*units) and ``recurrent_kernel`` (units, k*units)
become ONNX ``W`` (1, k*units, features) and ``R`` (1, k*units, units) with the gate blocks reordered — LSTM
Keras i, f, c, o -> ONNX i, o, f, c; GRU z, r, h is ONNX's order too — and the bias becomes ``B`` = (input bias,
recurrent bias): zeros for the recurrent half except GRU ``reset_after=True`` (Keras' (2, 3*units) bias, with
``linear_before_reset=1``). ``go_backwards`` is ``direction='reverse'`` (its sequence output flipped to Keras'
processing order). The ops read time-major input (``layout=1`` is not implemented by common runtimes), so the
sequence is transposed in and out.

A Keras mask becomes ``sequence_lens`` = the number of unmasked steps per sample: exact for masks that mark a
prefix of each sequence (post-padding, e.g. ``pad_sequences(..., padding='post')``), which is what ONNX's
recurrent ops can represent; steps after the length repeat the last output (or are zero with
``zero_output_for_mask``), as in Keras.
"""
from __future__ import annotations

import numpy as np

from .. import activations as nf_activations
from . import activation as act_module
from .builder import Value
from .registry import converter, unsupported

_ONNX_OP = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}
_LSTM_ORDER = (0, 3, 1, 2)  # ONNX's i, o, f, c as Keras block indices (Keras: i, f, c, o)
# ONNX activation name and (alpha, beta) for the activations neuroflow's recurrent layers take
_RNN_ACTIVATIONS = {"tanh": ("Tanh", None), "sigmoid": ("Sigmoid", None), "relu": ("Relu", None),
                    "hard_sigmoid": ("HardSigmoid", (1.0 / 6.0, 0.5)), "linear": ("Affine", (1.0, 0.0)),
                    "softsign": ("Softsign", None), "softplus": ("Softplus", None), "elu": ("Elu", (1.0, None))}


def _onnx_activation(layer, fn):
    spec = act_module.resolve(fn)
    name = spec[0] if spec is not None and not spec[1] else None
    if name not in _RNN_ACTIVATIONS:
        shown = nf_activations.serialize(fn)
        raise unsupported(layer, f"activation {shown!r} is not one ONNX's recurrent ops take (they take "
                                 f"{', '.join(sorted(_RNN_ACTIVATIONS))})")
    return _RNN_ACTIVATIONS[name]


def _activation_attrs(layer, fns) -> dict:
    names, alphas, betas = [], [], []
    for fn in fns:
        op, params = _onnx_activation(layer, fn)
        names.append(op)
        if params is not None:
            alphas.append(params[0])
            if params[1] is not None:
                betas.append(params[1])
    attrs = {"activations": names}
    if alphas:
        attrs["activation_alpha"] = alphas
    if betas:
        attrs["activation_beta"] = betas
    return attrs


def _gates(matrix, order, units):
    """The (rows, k*units) Keras matrix with its gate blocks in ``order``, transposed to (k*units, rows)."""
    blocks = [matrix[..., i * units:(i + 1) * units] for i in order]
    return np.ascontiguousarray(np.concatenate(blocks, axis=-1).T)


def _weights(layer):
    """ONNX ``W``, ``R``, ``B`` (or None) and extra attributes for ``layer``."""
    kind, u = type(layer).__name__, layer.units
    order = _LSTM_ORDER if kind == "LSTM" else tuple(range(layer.n_gates))
    w = _gates(layer.kernel.data, order, u)[None]
    r = _gates(layer.recurrent_kernel.data, order, u)[None]
    attrs = {}
    if kind == "GRU":
        attrs["linear_before_reset"] = int(layer.reset_after)
    b = None
    if layer.bias is not None:
        bias = layer.bias.data
        if kind == "GRU" and layer.reset_after:
            wb, rb = bias[0], bias[1]
        else:
            wb, rb = bias, np.zeros_like(bias)
        b = np.concatenate([_gates(wb[None], order, u)[:, 0], _gates(rb[None], order, u)[:, 0]])[None]
    if kind == "SimpleRNN":
        attrs.update(_activation_attrs(layer, [layer.activation]))
    elif kind == "GRU":
        attrs.update(_activation_attrs(layer, [layer.recurrent_activation, layer.activation]))
    else:
        attrs.update(_activation_attrs(layer, [layer.recurrent_activation, layer.activation, layer.activation]))
    return w, r, b, attrs


def _check(layer):
    if layer.stateful:
        raise unsupported(layer, "stateful=True carries states from one call to the next, which an ONNX graph "
                                 "cannot; export a copy built with stateful=False (and feed the states as inputs)")


def run_recurrent(g, layer, x: Value, states: list, mask: Value | None) -> list:
    """The layer's outputs as Values: ``[output]`` or, with ``return_state``, ``[output, *final states]``.

    ``x`` (batch, timesteps, features); ``states`` the initial-state Values (batch, units) or empty; ``mask``
    a float (batch, timesteps) Value or None.
    """
    _check(layer)
    kind, u, hint = type(layer).__name__, layer.units, layer.name
    w, r, b, attrs = _weights(layer)
    n_out = 3 if kind == "LSTM" else 2
    seq_lens = ""
    if mask is not None:
        seq_lens = g.cast(g.reduce("ReduceSum", mask.name, [1], False, f"{hint}/steps"), np.int32, f"{hint}/lens")
    ins = [g.transpose(x.name, [1, 0, 2], f"{hint}/time_major"), g.const(w, f"{hint}/W"), g.const(r, f"{hint}/R"),
           "" if b is None else g.const(b, f"{hint}/B"), seq_lens]
    ins += [g.unsqueeze(s.name, [0], f"{hint}/initial_state") for s in states]
    while ins and ins[-1] == "":
        ins.pop()
    y, y_h, *y_c = g.node(_ONNX_OP[kind], ins, hint, outputs=n_out, hidden_size=u,
                          direction="reverse" if layer.go_backwards else "forward", **attrs)
    t, dt = x.shape[1], np.dtype(layer.dtype)
    last = g.squeeze(y_h, [0], f"{hint}/last")
    if layer.return_sequences:
        seq = g.transpose(g.squeeze(y, [1], f"{hint}/seq"), [1, 0, 2], f"{hint}/batch_major")
        if mask is not None and not layer.go_backwards and not layer.zero_output_for_mask:
            # ONNX writes zeros after each sequence's length; Keras repeats the last output there
            m = g.unsqueeze(mask.name, [2], f"{hint}/mask3d")
            pad = g.node("Mul", [g.unsqueeze(last, [1], f"{hint}/last3d"),
                                 g.node("Sub", [g.scalar(1.0, dt), m], f"{hint}/masked")], f"{hint}/fill")
            seq = g.node("Add", [g.node("Mul", [seq, m], f"{hint}/kept"), pad], f"{hint}/filled")
        if layer.go_backwards:
            seq = g.flip(seq, 1, f"{hint}/processing_order")
        out = Value(seq, (x.shape[0], t, u), dt, mask)
    else:
        out = Value(last, (x.shape[0], u), dt)
    if not layer.return_state:
        return [out]
    finals = [Value(last, (x.shape[0], u), dt)]
    if kind == "LSTM":
        finals.append(Value(g.squeeze(y_c[0], [0], f"{hint}/cell"), (x.shape[0], u), dt))
    return [out] + finals


@converter("SimpleRNN", "LSTM", "GRU", masks=True)
def convert_recurrent(g, layer, inputs):
    """A recurrent layer on ``[x, *initial_states]``; the mask, if any, comes with ``x``."""
    x, states = inputs[0], list(inputs[1:])
    return run_recurrent(g, layer, x, states, x.mask)
