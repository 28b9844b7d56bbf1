"""Optimised programs recorded from real small models (MLP, CNN, LSTM, BatchNorm): level 1 replays eager mode
bit for bit (forward and gradients), level 2 (with fusion) within the stated tolerance."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.compile.fused import FORWARD_RTOL, GRAD_RTOL
from neuroflow.compile.ir import program_from_tensors
from neuroflow.compile.passes import optimize
from tests.conftest import host

L = nf.layers


def _model(kind, rng):
    if kind == "mlp":
        layers, x = [L.Input((6,)), L.Dense(16, activation="gelu"), L.Dense(8, activation="tanh"), L.Dense(3)], (5, 6)
    elif kind == "cnn":
        layers = [L.Input((8, 8, 2)), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(), L.Dense(3)]
        x = (2, 8, 8, 2)
    elif kind == "lstm":
        layers, x = [L.Input((5, 3)), L.LSTM(4), L.Dense(3)], (2, 5, 3)
    else:
        layers = [L.Input((6,)), L.Dense(8), L.BatchNormalization(), L.Activation("swish"), L.Dense(3)]
        x = (5, 6)
    return nf.models.Sequential(layers), rng.standard_normal(x).astype(np.float32)


def _record(kind, seed=0):
    """The model's loss recorded eagerly, with an element-wise head so that fusion has chains to merge."""
    rng = np.random.default_rng(seed)
    model, x = _model(kind, rng)
    xt, yt = nf.Tensor(x, name="x"), nf.Tensor(rng.integers(0, 3, len(x)), name="y")
    out = model(xt, training=True)
    head = nf.ops.tanh(out * 0.5) * out + nf.ops.sigmoid(out) * 0.25     # an element-wise chain
    loss = nf.losses.get("sparse_categorical_crossentropy")(yt, head) + nf.ops.mean(nf.ops.square(head - 1.0))
    variables = model.trainable_variables
    program = program_from_tensors([loss, out], feeds=[xt, yt], variables=variables)
    loss.backward(retain_graph=True)
    eager_grads = [v.grad.copy() for v in variables]
    return program, [xt.data, yt.data], [loss.data.copy(), out.data.copy()], eager_grads


def _replay(program, feeds):
    outs = [o.copy() for o in program.run_forward(feeds)]
    grads = program.run_backward([nf.backend.to_device(np.ones((), np.float32)), None])
    return outs, [grads[s] for s, _ in program.variables]


@pytest.mark.parametrize("kind", ["mlp", "cnn", "lstm", "batchnorm"])
def test_level_1_is_eager_bit_for_bit(kind):
    program, feeds, eager_outs, eager_grads = _record(kind)
    optimized = optimize(program, level=1)
    optimized.check()
    outs, grads = _replay(optimized, feeds)
    for a, b in zip(outs, eager_outs):
        assert a.tobytes() == b.tobytes()
    for a, b in zip(grads, eager_grads):
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("kind", ["mlp", "cnn", "lstm", "batchnorm"])
def test_level_2_fuses_and_stays_within_tolerance(kind):
    program, feeds, eager_outs, eager_grads = _record(kind)
    optimized = optimize(program, level=2)
    optimized.check()
    report = optimized.meta["optimize"]
    assert report["fuse"]["groups"] >= 1 and report["instrs_after"] < report["instrs_before"]
    assert "fused(" in optimized.graph_table() and "fused(" not in program.graph_table()
    outs, grads = _replay(optimized, feeds)
    rtol, gtol = FORWARD_RTOL[np.dtype(np.float32)], GRAD_RTOL[np.dtype(np.float32)]
    for a, b in zip(outs, eager_outs):
        np.testing.assert_allclose(a, b, rtol=10 * rtol, atol=10 * rtol * np.abs(host(b)).max())
    # absolute part scaled by the largest gradient: BatchNorm makes the bias before it a sum that cancels to 0
    scale = max(np.abs(host(b)).max() for b in eager_grads)
    for a, b in zip(grads, eager_grads):
        np.testing.assert_allclose(a, b, rtol=10 * gtol, atol=10 * gtol * scale)
