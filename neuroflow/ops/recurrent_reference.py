"""The fused recurrent ops (``recurrent``) written again with differentiable ops, one step at a time.

The fused nodes run a hand-written backpropagation through time on arrays, which cannot itself be differentiated.
Their double backward (``create_graph=True``: gradient penalties, Hessian-vector products through an RNN)
differentiates this reference instead (``neuroflow.autograd.higher_order.reference_backward_graph``): the same
recurrence with ``matmul``, ``sigmoid``, ``tanh`` and a Python loop over time steps, built from the node's saved
configuration. It is slower than the kernel, so nothing else uses it; the forward and first-order backward stay
the fused ones.
"""
from __future__ import annotations

from ..backend import get_array_module
from .activation import hard_sigmoid, relu, sigmoid, tanh
from .index import getitem
from .math import matmul
from .shape import concatenate, stack

_OPS = {"tanh": tanh, "sigmoid": sigmoid, "relu": relu, "hard_sigmoid": hard_sigmoid, "linear": lambda z: z}


def _op_for(activation_pair):
    """The differentiable op for a fused activation ``(apply, dmul)`` pair (named ``_tanh``, ``_sigmoid``...)."""
    return _OPS[activation_pair[0].__name__.lstrip("_")]


def _cols(t, start, stop):
    """Columns ``start:stop`` of a (N, k*U) Tensor (one gate block)."""
    return getitem(t, (slice(None), slice(start, stop)))


def recurrence(node, inputs):
    """``node``'s packed result (N, S + n_states, U) recomputed from ``inputs`` with differentiable ops.

    ``node`` is a fused recurrent Function after its forward (its mask is then a (T, 1, N) float multiplier in
    processing order and its recurrent mask (U, N)); ``inputs`` its input Tensors: x (N, T, D), kernel (D, k*U),
    recurrent_kernel (U, k*U), then the optional ones it names (bias, initial states).
    """
    x, kernel, rk = inputs[:3]
    named = dict(zip(node.optional, inputs[3:]))
    N, T, _ = x.shape
    U = rk.shape[0]
    act = _op_for(node.act)
    ract = _op_for(node.ract) if node.ract is not None else None
    kind = {1: "simple_rnn", 4: "lstm", 3: "gru"}[node.n_gates]
    reset_after = getattr(node, "reset_after", False)
    bias = named.get("bias")
    if bias is not None and kind == "gru" and reset_after:
        bias, rec_bias = getitem(bias, 0), getitem(bias, 1)
    else:
        rec_bias = None
    zeros = get_array_module(x.data).zeros((N, U), dtype=x.dtype)
    h = named.get("initial_h", zeros)
    c = named.get("initial_c", zeros) if kind == "lstm" else None
    rmask = None if node.rmask is None else node.rmask.T  # (N, U)
    outs, prev_out = [], zeros
    for step in range(T):
        xt = getitem(x, (slice(None), T - 1 - step if node.backwards else step))
        proj = matmul(xt, kernel)
        if bias is not None:
            proj = proj + bias
        hr = h if rmask is None else h * rmask
        if kind == "simple_rnn":
            new_h = act(proj + matmul(hr, rk))
        elif kind == "lstm":
            z = proj + matmul(hr, rk)
            i, f = ract(_cols(z, 0, U)), ract(_cols(z, U, 2 * U))
            cand, o = act(_cols(z, 2 * U, 3 * U)), ract(_cols(z, 3 * U, 4 * U))
            new_c = f * c + i * cand
            new_h = o * act(new_c)
        elif reset_after:
            inner = matmul(hr, rk)
            if rec_bias is not None:
                inner = inner + rec_bias
            u = ract(_cols(proj, 0, U) + _cols(inner, 0, U))
            r = ract(_cols(proj, U, 2 * U) + _cols(inner, U, 2 * U))
            cand = act(_cols(proj, 2 * U, 3 * U) + r * _cols(inner, 2 * U, 3 * U))
            new_h = u * h + (1 - u) * cand
        else:
            u = ract(_cols(proj, 0, U) + matmul(hr, _cols(rk, 0, U)))
            r = ract(_cols(proj, U, 2 * U) + matmul(hr, _cols(rk, U, 2 * U)))
            cand = act(_cols(proj, 2 * U, 3 * U) + matmul(r * hr, _cols(rk, 2 * U, 3 * U)))
            new_h = u * h + (1 - u) * cand
        if node.mask is None:
            h = new_h
            c = new_c if kind == "lstm" else None
            outs.append(h)
            continue
        m = node.mask[step].T  # (N, 1): 1 where the step is taken, 0 where the state is carried over
        h = m * new_h + (1 - m) * h
        if kind == "lstm":
            c = m * new_c + (1 - m) * c
        prev_out = h * m if node.zero_masked else m * h + (1 - m) * prev_out
        outs.append(prev_out)
    seq = stack(outs if node.seq else outs[-1:], axis=1)
    finals = [h, c] if kind == "lstm" else [h]
    return concatenate([seq] + [stack([s], axis=1) for s in finals], axis=1)


__all__ = ["recurrence"]
