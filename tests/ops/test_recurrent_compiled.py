"""The compiled LSTM (ops/recurrent_compiled.py) against the NumPy LSTMFn, which the op table checks by finite
differences in float64 (the op table's float32 rows already compare the compiled one with PyTorch)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import _native
from neuroflow.autograd.tensor import Tensor
from neuroflow.ops.recurrent import LSTMFn, lstm
from neuroflow.ops.recurrent_compiled import CompiledLSTMFn

pytestmark = [pytest.mark.skipif(_native.library() is None, reason="compiled kernels not built"),
              pytest.mark.skipif(nf.backend.get_device() != "cpu", reason="compiled kernels run on NumPy arrays only")]
N, T, D, U = 5, 7, 3, 6


def _inputs(with_bias, with_states, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {"inputs": rng.standard_normal((N, T, D)), "kernel": rng.uniform(-0.6, 0.6, (D, 4 * U)),
              "recurrent_kernel": rng.uniform(-0.6, 0.6, (U, 4 * U))}
    if with_bias:
        arrays["bias"] = rng.uniform(-1, 1, 4 * U)
    if with_states:
        arrays["initial_h"], arrays["initial_c"] = rng.standard_normal((N, U)), rng.standard_normal((N, U))
    return {k: Tensor(v.astype(np.float32), requires_grad=True) for k, v in arrays.items()}


def _run(tensors, weights, **kwargs):
    """Outputs, final states and every input's gradient of a random weighting of all three."""
    for t in tensors.values():
        t.grad = None
    outs = lstm(**tensors, **kwargs)
    kind = type(outs[0].node.inputs[0].node)  # outputs = getitem(packed): the node that made `packed`
    total = sum((o * Tensor(w)).sum() for o, w in zip(outs, weights))
    total.backward()
    return kind, [o.numpy() for o in outs] + [t.grad for t in tensors.values()]


@pytest.mark.parametrize("seq, backwards, with_bias, with_states",
                         list(itertools.product([True, False], repeat=4)))
def test_compiled_lstm_matches_numpy_lstm_outputs_and_gradients(seq, backwards, with_bias, with_states):
    tensors = _inputs(with_bias, with_states)
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal((N, T, U) if seq else (N, U)).astype(np.float32),
               rng.standard_normal((N, U)).astype(np.float32), rng.standard_normal((N, U)).astype(np.float32)]
    kind, fast = _run(tensors, weights, return_sequences=seq, go_backwards=backwards)
    assert kind is CompiledLSTMFn
    with _native.disabled():
        kind, plain = _run(tensors, weights, return_sequences=seq, go_backwards=backwards)
    assert kind is LSTMFn
    for a, b in zip(fast, plain):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


def test_compiled_lstm_gradient_of_only_some_inputs_and_of_a_non_contiguous_upstream():
    tensors = _inputs(True, False)
    tensors["inputs"].requires_grad = False
    outs = lstm(**tensors)
    (outs[0][:, ::2] * 2.0).sum().backward()  # the upstream gradient is zero at every other step
    assert tensors["inputs"].grad is None
    got = [tensors[k].grad for k in ("kernel", "recurrent_kernel", "bias")]
    for t in tensors.values():
        t.grad = None
    with _native.disabled():
        (lstm(**tensors)[0][:, ::2] * 2.0).sum().backward()
    for a, k in zip(got, ("kernel", "recurrent_kernel", "bias")):
        np.testing.assert_allclose(a, tensors[k].grad, rtol=2e-5, atol=2e-6)


def test_compiled_lstm_saturates_without_nan():
    tensors = _inputs(True, True)
    tensors["inputs"] = Tensor(tensors["inputs"].numpy() * 1e4, requires_grad=True)
    outs = lstm(**tensors)
    outs[0].sum().backward()
    assert all(np.isfinite(o.numpy()).all() for o in outs) and np.isfinite(tensors["kernel"].grad).all()


@pytest.mark.parametrize("case", ["float64", "mask", "recurrent_mask", "activation", "disabled"])
def test_lstm_falls_back_to_the_numpy_kernel_where_the_compiled_one_does_not_apply(case):
    tensors = _inputs(True, False)
    kwargs = {}
    if case == "float64":
        tensors = {k: Tensor(v.numpy(), requires_grad=True, dtype=np.float64) for k, v in tensors.items()}
    elif case == "mask":
        kwargs["mask"] = np.ones((N, T), bool)
    elif case == "recurrent_mask":
        kwargs["recurrent_mask"] = np.ones((N, U), np.float32)
    elif case == "activation":
        kwargs["recurrent_activation"] = "hard_sigmoid"
    weights = [np.ones((N, T, U), np.float32), np.ones((N, U), np.float32), np.ones((N, U), np.float32)]
    if case == "disabled":
        with _native.disabled():
            kind, _ = _run(tensors, weights, **kwargs)
    else:
        kind, _ = _run(tensors, weights, **kwargs)
    assert kind is LSTMFn
