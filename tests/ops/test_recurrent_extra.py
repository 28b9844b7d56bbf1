"""Fused recurrent ops beyond the op table: PyTorch parity at larger sizes for every go_backwards /
return_sequences / initial-state combination, masks (against torch run on each sample's unmasked steps only),
activations, argument errors, dtypes and graph behaviour."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from neuroflow import _native
from neuroflow.autograd.function import no_grad
from neuroflow.autograd.tensor import Tensor
from neuroflow.errors import ConfigError, DTypeError, ShapeError
from neuroflow.ops.recurrent import gru, lstm, simple_rnn

from .rows_recurrent import torch_gru, torch_lstm, torch_recurrent_dropout, torch_simple_rnn

torch = pytest.importorskip("torch", reason="PyTorch is the oracle; pip install torch==2.13.0")

N, T, D, U = 4, 7, 5, 6
GATES = {"lstm": 4, "gru": 3, "simple_rnn": 1}


def _arrays(op, seed=0, bias=True, states=True, dtype=np.float32):
    """x, kernel, recurrent_kernel[, bias][, initial states] for ``op`` (GRU: the reset_after bias (2, 3U))."""
    rng = np.random.default_rng(seed)
    k = GATES[op]
    arrays = [rng.standard_normal((N, T, D)), rng.uniform(-0.6, 0.6, (D, k * U)), rng.uniform(-0.6, 0.6, (U, k * U))]
    if bias:
        arrays.append(rng.uniform(-0.5, 0.5, (2, 3 * U) if op == "gru" else (k * U,)))
    if states:
        arrays += [rng.standard_normal((N, U)) for _ in range(2 if op == "lstm" else 1)]
    return [a.astype(dtype) for a in arrays]


def _grads(fn, arrays, seed=1, **kw):
    """Outputs and input gradients of neuroflow's ``fn`` under a random upstream gradient on every output."""
    rng = np.random.default_rng(seed)
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    outs = fn(*ts, **kw)
    ups = [rng.standard_normal(o.shape).astype(np.float32) for o in outs]
    total = None
    for o, u in zip(outs, ups):
        term = (o * Tensor(u)).sum()
        total = term if total is None else total + term
    total.backward()
    return [o.numpy() for o in outs], [t.grad for t in ts], ups


def _torch_grads(fn, arrays, ups, **kw):
    tts = [torch.from_numpy(a.copy()).requires_grad_(True) for a in arrays]
    outs = fn(*tts, **kw)
    sum((o * torch.from_numpy(u)).sum() for o, u in zip(outs, ups)).backward()
    return [o.detach().numpy() for o in outs], [t.grad.numpy() if t.grad is not None else np.zeros_like(a)
                                                for t, a in zip(tts, arrays)]


def _assert_close(got, expected, what, rtol=1e-4, atol=1e-5):
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g.dtype == np.float32, f"{what} {i}: dtype {g.dtype}"
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=f"{what} {i}")


NF = {"lstm": lstm, "gru": gru, "simple_rnn": simple_rnn}
TORCH = {"lstm": torch_lstm, "gru": torch_gru, "simple_rnn": torch_simple_rnn}


@pytest.mark.parametrize("op,go_backwards,return_sequences,states",
                         list(itertools.product(["lstm", "gru", "simple_rnn"], [False, True], [False, True],
                                                [False, True])))
def test_torch_parity(op, go_backwards, return_sequences, states):
    arrays = _arrays(op, states=states)
    kw = dict(go_backwards=go_backwards, return_sequences=return_sequences)
    outs, grads, ups = _grads(NF[op], arrays, **kw)
    t_outs, t_grads = _torch_grads(TORCH[op], arrays, ups, **kw)
    expected_shape = (N, T, U) if return_sequences else (N, U)
    assert outs[0].shape == expected_shape and all(o.shape == (N, U) for o in outs[1:])
    _assert_close(outs, t_outs, f"{op} output")
    _assert_close(grads, t_grads, f"{op} gradient of input")


# --- masks: torch run on each sample's unmasked steps is the oracle ---------------------------------------------------
def _torch_masked(op, arrays, mask, go_backwards=False, zero_output_for_mask=False):
    """Keras' masking rebuilt from torch: per sample, run torch on the unmasked steps only (the state is carried
    over masked steps), then place the outputs: a masked step repeats the previous output (zeros before the first
    unmasked step) or is zero. Time runs in processing order, as the op returns it. Differentiable end to end."""
    x, rest = arrays[0], arrays[1:]
    if go_backwards:
        x, mask = torch.flip(x, (1,)), mask[:, ::-1]
    has_bias = len(rest) > 2 + (2 if op == "lstm" else 1)
    weights, states = rest[:2 + has_bias], rest[2 + has_bias:]
    seqs, finals = [], []
    for i in range(x.shape[0]):
        steps = np.flatnonzero(mask[i])
        st = [s[i:i + 1] for s in states]
        if len(steps):
            res = TORCH[op](x[i:i + 1, steps], *weights, *st)
            out, last = res[0][0], res[1:]
        else:  # nothing to read: the state is the initial one
            out = torch.zeros(0, U, dtype=x.dtype)
            last = st if st else [torch.zeros(1, U, dtype=x.dtype) for _ in range(2 if op == "lstm" else 1)]
        rows, k = [], -1
        for t in range(x.shape[1]):
            if mask[i, t]:
                k += 1
                rows.append(out[k])
            elif zero_output_for_mask or k < 0:
                rows.append(torch.zeros(U, dtype=x.dtype))
            else:
                rows.append(out[k])
        seqs.append(torch.stack(rows))
        finals.append([s.reshape(U) for s in last])
    return (torch.stack(seqs),) + tuple(torch.stack([f[j] for f in finals]) for j in range(len(finals[0])))


def _masks():
    rng = np.random.default_rng(5)
    lengths = np.array([7, 3, 1, 5])
    right = np.arange(T)[None] < lengths[:, None]  # variable-length sequences, padded at the end
    left = right[:, ::-1].copy()  # padded at the start: outputs are zero until the first real step
    holes = rng.random((N, T)) < 0.6
    holes[2] = False  # a sample with no step at all keeps its initial state
    return {"right": right, "left": left, "holes": holes}


@pytest.mark.parametrize("op,kind,go_backwards,zero_output",
                         [(op, kind, gb, False) for op in GATES for kind in ("right", "left", "holes")
                          for gb in (False, True)] + [(op, "holes", False, True) for op in GATES])
def test_masks_against_torch_on_unmasked_steps(op, kind, go_backwards, zero_output):
    arrays = _arrays(op)
    mask = _masks()[kind]
    kw = dict(go_backwards=go_backwards, zero_output_for_mask=zero_output)
    outs, grads, ups = _grads(NF[op], arrays, mask=mask, **kw)
    t_outs, t_grads = _torch_grads(lambda *ts: _torch_masked(op, ts, mask, go_backwards, zero_output), arrays, ups)
    _assert_close(outs, t_outs, f"{op} masked output")
    _assert_close(grads, t_grads, f"{op} masked gradient of input")


@pytest.mark.parametrize("op", list(GATES))
def test_masked_steps_carry_the_state(op):
    arrays = _arrays(op)
    mask = np.ones((N, T), bool)
    mask[:, 2:5] = False  # steps 2..4 masked for everyone
    outs = NF[op](*arrays, mask=mask)
    ref = NF[op](*[a.copy() for a in arrays])
    # the state at step 4 is the state after step 1: outputs repeat, the final state equals running without
    # the masked steps, and changing the inputs at masked steps changes nothing
    np.testing.assert_array_equal(outs[0].numpy()[:, 2:5], np.repeat(outs[0].numpy()[:, 1:2], 3, axis=1))
    np.testing.assert_allclose(outs[0].numpy()[:, 1], ref[0].numpy()[:, 1], rtol=1e-6)
    x2 = arrays[0].copy()
    x2[:, 2:5] = 100.0
    again = NF[op](x2, *arrays[1:], mask=mask)
    for a, b in zip(outs, again):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    short = NF[op](np.concatenate([arrays[0][:, :2], arrays[0][:, 5:]], axis=1), *arrays[1:])
    for a, b in zip(outs[1:], short[1:]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_all_masked_returns_initial_state_and_zero_outputs():
    x, k, r, b, h0, c0 = _arrays("lstm")
    outs, h, c = lstm(x, k, r, b, h0, c0, mask=np.zeros((N, T), bool))
    assert not outs.numpy().any()
    np.testing.assert_array_equal(h.numpy(), h0)
    np.testing.assert_array_equal(c.numpy(), c0)


# --- activations ------------------------------------------------------------------------------------------------------
def _torch_rnn_loop(x, k, r, b, act):
    h = torch.zeros(x.shape[0], r.shape[0], dtype=x.dtype)
    outs = []
    for t in range(x.shape[1]):
        h = act(x[:, t] @ k + h @ r + b)
        outs.append(h)
    return torch.stack(outs, 1), h


@pytest.mark.parametrize("name,torch_act", [
    ("tanh", torch.tanh), ("sigmoid", torch.sigmoid), ("relu", torch.relu),
    ("hard_sigmoid", torch.nn.functional.hardsigmoid),  # Keras 3: relu6(x + 3) / 6, the same as torch's
    ("linear", lambda z: z), (None, lambda z: z)])
def test_simple_rnn_activations(name, torch_act):
    arrays = _arrays("simple_rnn", states=False)
    arrays[0] *= 0.5
    outs, grads, ups = _grads(simple_rnn, arrays, activation=name)
    t_outs, t_grads = _torch_grads(lambda *ts: _torch_rnn_loop(*ts, torch_act), arrays, ups)
    _assert_close(outs, t_outs, f"{name} output")
    _assert_close(grads, t_grads, f"{name} gradient")


def test_activation_given_as_a_function():
    from neuroflow.ops import tanh
    arrays = _arrays("gru", states=False)
    a = gru(*arrays, activation=tanh)[0].numpy()
    np.testing.assert_array_equal(a, gru(*arrays)[0].numpy())


@pytest.mark.parametrize("kw", [{"activation": "softmax"}, {"recurrent_activation": "gelu"},
                                {"activation": lambda z: z}])
def test_unsupported_activation_is_a_config_error(kw):
    with pytest.raises(ConfigError, match="supported: hard_sigmoid, linear, relu, sigmoid, tanh"):
        lstm(*_arrays("lstm"), **kw)


# --- argument errors ------------------------------------------------------------------------------------------------
def test_shape_errors():
    x, k, r, b, h0, c0 = _arrays("lstm")
    with pytest.raises(ShapeError, match=r"lstm: inputs must have shape \(batch, timesteps >= 1, features\)"):
        lstm(x[0], k, r)
    with pytest.raises(ShapeError, match="timesteps >= 1"):
        lstm(x[:, :0], k, r)
    with pytest.raises(ShapeError, match=r"kernel must have shape \(features, 4 \* units\) = \(3, 24\)"):
        lstm(x[:, :, :3], k, r)
    with pytest.raises(ShapeError, match=r"recurrent_kernel must have shape \(units, 4 \* units\)"):
        lstm(x, k, r[:, :12])
    with pytest.raises(ShapeError, match=r"kernel must have shape"):
        lstm(x, k[:, :12], r)
    with pytest.raises(ShapeError, match=r"bias must have shape \(24,\)"):
        lstm(x, k, r, b[:5])
    with pytest.raises(ShapeError, match=r"initial_c must have shape \(batch, units\) = \(4, 6\)"):
        lstm(x, k, r, b, h0, c0[:2])
    with pytest.raises(ShapeError, match=r"mask must have shape \(batch, timesteps\) = \(4, 7\)"):
        lstm(x, k, r, mask=np.ones((N, T + 1), bool))
    xg, kg, rg, bg, hg = _arrays("gru")
    with pytest.raises(ShapeError, match=r"gru: bias must have shape \(2, 18\)"):
        gru(xg, kg, rg, bg[0])
    with pytest.raises(ShapeError, match=r"gru: bias must have shape \(18,\)"):
        gru(xg, kg, rg, bg, reset_after=False)


def test_integer_inputs_are_a_dtype_error():
    x, k, r = _arrays("simple_rnn", bias=False, states=False)
    with pytest.raises(DTypeError, match="simple_rnn: inputs must be floating point"):
        simple_rnn(x.astype(np.int64), k, r)


# --- dtypes and graph behaviour ------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", list(GATES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(op, dtype):
    arrays = _arrays(op, dtype=dtype)
    ts = [Tensor(a, requires_grad=True, dtype=dtype) for a in arrays]
    outs = NF[op](*ts)
    sum(o.sum() for o in outs).backward()
    assert all(o.dtype == dtype for o in outs)
    assert all(t.grad.dtype == dtype for t in ts)


def test_no_grad_records_nothing():
    arrays = [Tensor(a, requires_grad=True) for a in _arrays("lstm")]
    with no_grad():
        outs = lstm(*arrays)
    assert all(o.node is None and not o.requires_grad for o in outs)


def test_backward_twice_with_retained_graph_doubles_the_gradients():
    ts = [Tensor(a, requires_grad=True) for a in _arrays("gru", states=True)]
    out, h = gru(*ts, mask=_masks()["holes"])
    loss = out.sum() + (h * h).sum()
    loss.backward(retain_graph=True)
    first = [t.grad.copy() for t in ts]
    loss.backward()
    for f, t in zip(first, ts):
        np.testing.assert_allclose(t.grad, 2 * f, rtol=1e-6, atol=1e-7)


def test_frozen_weights_get_no_gradient():
    x, k, r, b, h0, c0 = _arrays("lstm")
    xt = Tensor(x, requires_grad=True)
    out, _, _ = lstm(xt, k, r, b, h0, c0)
    out.sum().backward()
    assert xt.grad.shape == x.shape and xt.grad.dtype == np.float32


def test_only_the_bias_trains():
    arrays = _arrays("gru", states=False)
    bias = Tensor(arrays[3], requires_grad=True)
    out, _ = gru(arrays[0], arrays[1], arrays[2], bias)
    out.sum().backward()
    tts = [torch.from_numpy(a.copy()) for a in arrays]
    tts[3].requires_grad_(True)
    torch_gru(*tts)[0].sum().backward()
    np.testing.assert_allclose(bias.grad, tts[3].grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("op", list(GATES))
def test_reused_work_arrays_never_leak_between_calls(op):
    """Work arrays are recycled between calls: live results and pending graphs must not see later calls."""
    first = [Tensor(a, requires_grad=True) for a in _arrays(op, seed=3)]
    outs1 = NF[op](*first)
    values1 = [o.numpy().copy() for o in outs1]
    for seed in (4, 5):  # other calls, with and without backward, in between
        other = [Tensor(a, requires_grad=True) for a in _arrays(op, seed=seed)]
        outs = NF[op](*other)
        if seed == 4:
            sum(o.sum() for o in outs).backward()
        with no_grad():
            NF[op](*_arrays(op, seed=seed + 10))
    for o, v in zip(outs1, values1):
        np.testing.assert_array_equal(o.numpy(), v)
    sum((o * o).sum() for o in outs1).backward()
    fresh = [Tensor(a, requires_grad=True) for a in _arrays(op, seed=3)]
    sum((o * o).sum() for o in NF[op](*fresh)).backward()
    for a, b in zip(first, fresh):
        np.testing.assert_array_equal(a.grad, b.grad)


@pytest.mark.parametrize("op", list(GATES))
@pytest.mark.parametrize("n,t,d,u", [(1, 1, 1, 1), (1, 5, 3, 4), (3, 1, 2, 2)])
def test_edge_sizes(op, n, t, d, u):
    rng = np.random.default_rng(2)
    k = GATES[op]
    arrays = [rng.standard_normal((n, t, d)), rng.uniform(-0.6, 0.6, (d, k * u)), rng.uniform(-0.6, 0.6, (u, k * u)),
              rng.uniform(-0.5, 0.5, (2, 3 * u) if op == "gru" else (k * u,))]
    arrays += [rng.standard_normal((n, u)) for _ in range(2 if op == "lstm" else 1)]
    arrays = [a.astype(np.float32) for a in arrays]
    outs, grads, ups = _grads(NF[op], arrays)
    t_outs, t_grads = _torch_grads(TORCH[op], arrays, ups)
    _assert_close(outs, t_outs, f"{op} output")
    _assert_close(grads, t_grads, f"{op} gradient of input")


@pytest.mark.parametrize("op", ["lstm", "gru", "simple_rnn"])
def test_recurrent_dropout_oracle_with_no_dropout_is_torch(op):
    # the step-loop oracle behind the recurrent_dropout rows, checked against torch's own modules
    arrays = [torch.from_numpy(a) for a in _arrays(op)]
    x, k, r, b, *states = arrays
    ones = torch.ones(N, U)
    got = torch_recurrent_dropout(op, x, k, r, b, ones, *states)
    expected = TORCH[op](x, k, r, b, *states)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.numpy(), e.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["lstm", "gru", "simple_rnn"])
def test_recurrent_mask_of_ones_changes_nothing_and_zeros_cut_the_recurrence(op):
    x, k, r, b, *states = _arrays(op)
    with _native.disabled():  # a recurrent mask takes the NumPy kernel: compare like with like
        base = [o.numpy() for o in NF[op](x, k, r, b, *states)]
    ones = [o.numpy() for o in NF[op](x, k, r, b, *states, recurrent_mask=np.ones((N, U), np.float32))]
    for o, e in zip(ones, base):
        np.testing.assert_array_equal(o, e)
    # with h_{t-1} dropped everywhere, each SimpleRNN step sees its own input only
    if op == "simple_rnn":
        cut = simple_rnn(x, k, r, b, *states, recurrent_mask=np.zeros((N, U), np.float32))[0].numpy()
        np.testing.assert_allclose(cut, np.tanh(x @ k + b), rtol=1e-5, atol=1e-6)
    with pytest.raises(ShapeError, match=r"recurrent_mask must have shape \(batch, units\) = \(4, 6\)"):
        NF[op](x, k, r, b, recurrent_mask=np.ones((N, U + 1), np.float32))
