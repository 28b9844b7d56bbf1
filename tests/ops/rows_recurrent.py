"""Op-table rows for the fused recurrent ops, and the PyTorch oracles they (and test_recurrent_extra.py) use.

Keras layouts -> torch: ``weight_ih = kernel.T`` and ``weight_hh = recurrent_kernel.T``, gate blocks permuted
where the orders differ (LSTM: Keras i, f, c, o = torch i, f, g, o; GRU: Keras z, r, h -> torch r, z, n). torch's
GRU is the reset_after=True form, with ``b_hn`` inside ``r * (...)`` = Keras' recurrent bias. torch has two LSTM /
RNN biases: Keras' bias goes to ``bias_ih`` and ``bias_hh`` is zero. go_backwards = torch on the time-flipped input.
torch is imported inside the oracles only, so this module loads without it.
"""
from __future__ import annotations

import numpy as np

from neuroflow.ops.recurrent import gru, lstm, simple_rnn

from .harness import case, const, uniform


# --- PyTorch oracles (Keras semantics) -----------------------------------------------------------------------------
def _blocks(w, order):
    """Reorder the equal column blocks of a (..., k*U) tensor."""
    u = w.shape[-1] // len(order)
    import torch
    return torch.cat([w[..., b * u:(b + 1) * u] for b in order], dim=-1)


def _run(module_cls, params, x, state, go_backwards, return_sequences, **module_kw):
    import torch
    from torch.func import functional_call
    n, t, d = x.shape
    units = params["weight_hh_l0"].shape[1]
    m = module_cls(d, units, batch_first=True, **module_kw).to(x.dtype)
    xin = torch.flip(x, (1,)) if go_backwards else x
    out, last = functional_call(m, params, (xin,) if state is None else (xin, state))
    return out if return_sequences else out[:, -1], last


def torch_lstm(x, kernel, recurrent_kernel, bias=None, initial_h=None, initial_c=None, go_backwards=False,
               return_sequences=True):
    import torch
    zeros = torch.zeros(kernel.shape[1], dtype=x.dtype)
    params = {"weight_ih_l0": kernel.T, "weight_hh_l0": recurrent_kernel.T,
              "bias_ih_l0": zeros if bias is None else bias, "bias_hh_l0": zeros}
    state = None
    if initial_h is not None or initial_c is not None:
        z = torch.zeros(x.shape[0], recurrent_kernel.shape[0], dtype=x.dtype)
        state = ((z if initial_h is None else initial_h)[None], (z if initial_c is None else initial_c)[None])
    out, (h, c) = _run(torch.nn.LSTM, params, x, state, go_backwards, return_sequences)
    return out, h[0], c[0]


def torch_gru(x, kernel, recurrent_kernel, bias=None, initial_h=None, go_backwards=False, return_sequences=True):
    """Keras GRU with reset_after=True; bias (2, 3U)."""
    import torch
    order = (1, 0, 2)  # Keras z, r, h -> torch r, z, n
    zeros = torch.zeros(kernel.shape[1], dtype=x.dtype)
    b_in, b_rec = (zeros, zeros) if bias is None else (bias[0], bias[1])
    params = {"weight_ih_l0": _blocks(kernel, order).T, "weight_hh_l0": _blocks(recurrent_kernel, order).T,
              "bias_ih_l0": _blocks(b_in, order), "bias_hh_l0": _blocks(b_rec, order)}
    state = None if initial_h is None else initial_h[None]
    out, h = _run(torch.nn.GRU, params, x, state, go_backwards, return_sequences)
    return out, h[0]


def torch_simple_rnn(x, kernel, recurrent_kernel, bias=None, initial_h=None, go_backwards=False,
                     return_sequences=True, activation="tanh"):
    import torch
    zeros = torch.zeros(kernel.shape[1], dtype=x.dtype)
    params = {"weight_ih_l0": kernel.T, "weight_hh_l0": recurrent_kernel.T,
              "bias_ih_l0": zeros if bias is None else bias, "bias_hh_l0": zeros}
    state = None if initial_h is None else initial_h[None]
    out, h = _run(torch.nn.RNN, params, x, state, go_backwards, return_sequences, nonlinearity=activation)
    return out, h[0]


def torch_recurrent_dropout(op, x, k, r, b, rmask, h=None, c=None, reset_after=True):
    """A torch step loop of the Keras cell ``op`` with recurrent dropout: ``h_{t-1} * rmask`` in the recurrent
    matmul only (torch's modules have no recurrent dropout). Returns what the neuroflow op returns."""
    import torch
    n, u = rmask.shape
    h = torch.zeros(n, u, dtype=x.dtype) if h is None else h
    c = torch.zeros(n, u, dtype=x.dtype) if c is None else c
    outs = []
    for t in range(x.shape[1]):
        hm = h * rmask
        if op == "simple_rnn":
            h = torch.tanh(x[:, t] @ k + hm @ r + b)
        elif op == "lstm":
            i, f, cand, o = torch.split(x[:, t] @ k + hm @ r + b, u, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(cand)
            h = torch.sigmoid(o) * torch.tanh(c)
        else:
            xz, xr, xh = torch.split(x[:, t] @ k + (b[0] if reset_after else b), u, dim=1)
            rec = hm @ r + b[1] if reset_after else hm @ r[:, :2 * u]
            z = torch.sigmoid(xz + rec[:, :u])
            rg = torch.sigmoid(xr + rec[:, u:2 * u])
            hh = torch.tanh(xh + (rg * rec[:, 2 * u:] if reset_after else (rg * hm) @ r[:, 2 * u:]))
            h = z * h + (1 - z) * hh
        outs.append(h)
    seq = torch.stack(outs, dim=1)
    return (seq, h, c) if op == "lstm" else (seq, h)


# --- rows: tiny sizes N=2, T=3, D=2, U=2 ---------------------------------------------------------------------------
N, T, D, U = 2, 3, 2, 2
_MASK = np.array([[True, False, True], [False, True, False]])  # holes, a masked first step and a masked last step
_PAD_MASK = np.array([[True, True, True], [True, False, False]])  # right padding: lengths 3 and 1
_RMASK = np.array([[2.0, 0.0], [0.0, 2.0]])  # recurrent dropout at rate 0.5: each sample drops one unit


def _w(*shape):
    return uniform(*shape, low=-1.0, high=1.0)


ROWS = [
    # LSTM
    case("lstm", lambda x, k, r, b, h, c: lstm(x, k, r, b, h, c),
         [(N, T, D), _w(D, 4 * U), _w(U, 4 * U), _w(4 * U), (N, U), (N, U)],
         lambda x, k, r, b, h, c: torch_lstm(x, k, r, b, h, c), id="states"),
    case("lstm", lambda x, k, r, b: lstm(x, k, r, b, go_backwards=True, return_sequences=False),
         [(N, T, D), _w(D, 4 * U), _w(U, 4 * U), _w(4 * U)],
         lambda x, k, r, b: torch_lstm(x, k, r, b, go_backwards=True, return_sequences=False),
         id="backwards_last"),
    case("lstm", lambda x, k, r, h, c, m: lstm(x, k, r, None, h, c, mask=m),
         [(N, T, D), _w(D, 4 * U), _w(U, 4 * U), (N, U), (N, U), const(_MASK)],
         torch_skip="torch has no masking; test_recurrent_extra.py checks masks against torch on trimmed sequences",
         id="mask"),
    case("lstm", lambda x, k, r, b, h, m: lstm(x, k, r, b, h, mask=m, go_backwards=True, return_sequences=False,
                                              recurrent_activation="hard_sigmoid", activation="relu"),
         [uniform(N, T, D, low=-0.5, high=0.5), _w(D, 4 * U), _w(U, 4 * U), _w(4 * U), (N, U), const(_PAD_MASK)],
         torch_skip="torch has no masking nor hard_sigmoid gates", id="mask_backwards_activations"),
    case("lstm", lambda x, k, r, b, h, c, m: lstm(x, k, r, b, h, c, recurrent_mask=m),
         [(N, T, D), _w(D, 4 * U), _w(U, 4 * U), _w(4 * U), (N, U), (N, U), const(_RMASK)],
         lambda x, k, r, b, h, c, m: torch_recurrent_dropout("lstm", x, k, r, b, m, h, c),
         id="recurrent_dropout"),
    # GRU
    case("gru", lambda x, k, r, b, h: gru(x, k, r, b, h),
         [(N, T, D), _w(D, 3 * U), _w(U, 3 * U), _w(2, 3 * U), (N, U)],
         lambda x, k, r, b, h: torch_gru(x, k, r, b, h), id="reset_after"),
    case("gru", lambda x, k, r, b: gru(x, k, r, b, go_backwards=True, return_sequences=False),
         [(N, T, D), _w(D, 3 * U), _w(U, 3 * U), _w(2, 3 * U)],
         lambda x, k, r, b: torch_gru(x, k, r, b, go_backwards=True, return_sequences=False),
         id="backwards_last"),
    case("gru", lambda x, k, r, b, h: gru(x, k, r, b, h, reset_after=False),
         [(N, T, D), _w(D, 3 * U), _w(U, 3 * U), _w(3 * U), (N, U)],
         torch_skip="torch's GRU has only the reset_after=True form", id="reset_before"),
    case("gru", lambda x, k, r, b, h, m: gru(x, k, r, b, h, mask=m),
         [(N, T, D), _w(D, 3 * U), _w(U, 3 * U), _w(2, 3 * U), (N, U), const(_MASK)],
         torch_skip="torch has no masking", id="mask"),
    case("gru", lambda x, k, r, b, m: gru(x, k, r, b, mask=m, reset_after=False, go_backwards=True,
                                         zero_output_for_mask=True),
         [(N, T, D), _w(D, 3 * U), _w(U, 3 * U), _w(3 * U), const(_MASK)],
         torch_skip="torch has no masking", id="mask_reset_before_zero_output"),
    case("gru", lambda x, k, r, b, h, m: gru(x, k, r, b, h, recurrent_mask=m),
         [(N, T, D), _w(D, 3 * U), _w(U, 3 * U), _w(2, 3 * U), (N, U), const(_RMASK)],
         lambda x, k, r, b, h, m: torch_recurrent_dropout("gru", x, k, r, b, m, h), id="recurrent_dropout"),
    case("gru", lambda x, k, r, b, h, m: gru(x, k, r, b, h, reset_after=False, recurrent_mask=m),
         [(N, T, D), _w(D, 3 * U), _w(U, 3 * U), _w(3 * U), (N, U), const(_RMASK)],
         lambda x, k, r, b, h, m: torch_recurrent_dropout("gru", x, k, r, b, m, h, reset_after=False),
         id="recurrent_dropout_reset_before"),
    case("gru", lambda x, k, r, b, m, rm: gru(x, k, r, b, mask=m, recurrent_mask=rm, go_backwards=True),
         [(N, T, D), _w(D, 3 * U), _w(U, 3 * U), _w(2, 3 * U), const(_MASK), const(_RMASK)],
         torch_skip="torch has no masking", id="recurrent_dropout_mask_backwards"),
    # SimpleRNN
    case("simple_rnn", lambda x, k, r, b, h: simple_rnn(x, k, r, b, h),
         [(N, T, D), _w(D, U), _w(U, U), _w(U), (N, U)],
         lambda x, k, r, b, h: torch_simple_rnn(x, k, r, b, h), id="states"),
    case("simple_rnn", lambda x, k, r: simple_rnn(x, k, r, go_backwards=True, return_sequences=False),
         [(N, T, D), _w(D, U), _w(U, U)],
         lambda x, k, r: torch_simple_rnn(x, k, r, go_backwards=True, return_sequences=False),
         id="backwards_last"),
    case("simple_rnn", lambda x, k, r, b, h, m: simple_rnn(x, k, r, b, h, mask=m, activation="sigmoid"),
         [(N, T, D), _w(D, U), _w(U, U), _w(U), (N, U), const(_MASK)],
         torch_skip="torch has no masking nor a sigmoid RNN", id="mask_sigmoid"),
    case("simple_rnn", lambda x, k, r, b, h, m: simple_rnn(x, k, r, b, h, recurrent_mask=m),
         [(N, T, D), _w(D, U), _w(U, U), _w(U), (N, U), const(_RMASK)],
         lambda x, k, r, b, h, m: torch_recurrent_dropout("simple_rnn", x, k, r, b, m, h), id="recurrent_dropout"),
    case("lstm", lambda x, k, r, b, m, rm: lstm(x, k, r, b, mask=m, recurrent_mask=rm, return_sequences=False),
         [(N, T, D), _w(D, 4 * U), _w(U, 4 * U), _w(4 * U), const(_PAD_MASK), const(_RMASK)],
         torch_skip="torch has no masking", id="recurrent_dropout_mask"),
]
