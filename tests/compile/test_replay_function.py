"""neuroflow.function (trace per signature, replay, guards, re-traces) and the replay executor on a recorded step."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers, ops
from neuroflow.compile.replay import Executable, GuardFailed
from neuroflow.compile.trace import Recorder
from tests.conftest import host

RNG = np.random.default_rng(3)


def _counting(fn):
    calls = []

    def wrapped(*args, **kwargs):
        calls.append(1)
        return fn(*args, **kwargs)
    return wrapped, calls


def test_plain_function_replays_bit_for_bit():
    def body(x, w):
        return ops.tanh(ops.matmul(x, w)) * 3.0 + ops.sum(w)
    traced, calls = _counting(body)
    f = nf.function(traced)
    w = nf.Tensor(RNG.normal(size=(4, 3)))
    for _ in range(6):
        x = RNG.normal(size=(5, 4)).astype("float32")
        out = f(nf.Tensor(x), w)
        assert isinstance(out, nf.Tensor) and not out.requires_grad
        assert np.array_equal(out.numpy(), body(nf.Tensor(x), w).numpy())
    assert len(calls) == 2  # traced twice (to confirm), then replayed
    assert f.status() == [{"compiled": 1, "traces": 2, "replays": 4, "eager": None}]


def test_new_shape_retraces():
    f = nf.function(lambda x: ops.relu(x) * 2.0)
    for n in (3, 3, 3, 5, 5, 5):
        x = RNG.normal(size=(n, 2)).astype("float32")
        np.testing.assert_array_equal(f(x).numpy(), np.maximum(x, 0) * 2)
    status = f.status()
    assert len(status) == 2 and all(s["replays"] == 1 for s in status)


def test_guard_on_a_host_read_retraces_when_the_branch_flips():
    def body(x):
        if ops.mean(x) > 0:
            return x * 2.0
        return x - 1.0
    f = nf.function(body)
    signs = [1, 1, 1, 1, -1, -1, -1, 1, -1]
    for s in signs:
        x = nf.Tensor((np.abs(RNG.normal(size=(4,))) * s).astype("float32"))
        np.testing.assert_array_equal(f(x).numpy(), body(x).numpy())
    (status,) = f.status()
    assert status["compiled"] == 2 and status["eager"] is None and status["replays"] >= 3


def test_structures_and_python_values():
    @nf.function
    def f(pair, scale=1.0):
        a, b = pair
        return {"sum": (a + b) * scale, "n": 2}
    a, b = (nf.Tensor(RNG.normal(size=(3,)).astype("float32")) for _ in range(2))
    for _ in range(3):
        out = f((a, b), scale=2.0)
        assert out["n"] == 2
        np.testing.assert_array_equal(out["sum"].numpy(), ((a + b) * 2.0).numpy())
    out = f((a, b), scale=3.0)  # another Python value: another signature
    np.testing.assert_array_equal(out["sum"].numpy(), ((a + b) * 3.0).numpy())
    assert len(f.status()) == 2


def test_input_requiring_grad_runs_eagerly_with_its_graph():
    f = nf.function(lambda x: ops.sum(x * x))
    x = nf.Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        y = f(x)
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    assert f.status() == []


def test_random_draw_outside_a_node_stays_eager():
    f = nf.function(lambda x: x + nf.random.normal((3,)))
    x = np.zeros(3, dtype="float32")
    with pytest.warns(UserWarning, match="random draw outside a graph node"):
        outs = [f(x).numpy() for _ in range(3)]
    assert not np.array_equal(outs[0], outs[1])  # new noise each call, as eagerly
    (status,) = f.status()
    assert status["eager"] and status["replays"] == 0


def test_dropout_redraws_on_replay_like_eager():
    gen = np.random.default_rng(11)
    f = nf.function(lambda x: ops.dropout(x, 0.5, rng=gen))
    x = np.ones((4, 6), dtype="float32")
    outs = [f(x).numpy() for _ in range(5)]
    # the same stream drawn eagerly from a generator in the same start state
    ref_gen = np.random.default_rng(11)
    refs = [ops.dropout(nf.Tensor(x), 0.5, rng=ref_gen).numpy() for _ in range(5)]
    for a, b in zip(outs, refs):
        np.testing.assert_array_equal(a, b)


def test_numpy_array_returned_stays_eager():
    f = nf.function(lambda x: np.asarray(x) * 2.0)  # NumPy outside the graph: never replayed as a constant
    with pytest.warns(UserWarning, match="returns a NumPy array"):
        for i in range(4):
            x = np.full(2, i, dtype="float32")
            np.testing.assert_array_equal(f(x), x * 2.0)
    assert f.status()[0]["eager"]


def test_variable_read_after_its_assignment_stays_eager():
    v = nf.Variable(np.zeros(2, dtype="float32"), trainable=False)

    @nf.function
    def bump(x):
        v.assign(v + x)
        return v * 1.0
    with pytest.warns(UserWarning, match="after being assigned"):
        for i in range(4):
            out = bump(np.full(2, 1.0, dtype="float32"))
    np.testing.assert_array_equal(out.numpy(), [4.0, 4.0])
    assert "after being assigned" in bump.status()[0]["eager"]


def test_backward_inside_a_function_stays_eager():
    v = nf.Variable(np.ones(3, dtype="float32"))

    @nf.function
    def step(x):
        loss = ops.sum(v * x)
        loss.backward()
        return loss
    with pytest.warns(UserWarning, match="calls backward"):
        for _ in range(3):
            step(np.ones(3, dtype="float32"))
    assert "backward" in step.status()[0]["eager"]


def test_variable_assign_is_replayed_as_an_effect():
    v = nf.Variable(np.zeros(2, dtype="float32"), trainable=False)

    @nf.function
    def accumulate(x):
        v.assign(v + x)
        return ops.sum(x)
    for i in range(5):
        accumulate(np.full(2, i, dtype="float32"))
    np.testing.assert_array_equal(v.numpy(), [10.0, 10.0])
    assert accumulate.status()[0]["replays"] == 3


def test_executable_replays_a_recorded_step_and_its_backward():
    nf.random.set_seed(1)
    model = nf.models.Sequential([layers.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    x = RNG.normal(size=(6, 3)).astype("float32")
    with Recorder([x]) as rec:
        loss = ops.mean(ops.square(model(x, training=True)))
    trace = rec.finish([loss], loss)
    assert trace.unsafe is None
    loss.backward(retain_graph=True)
    grads = [np.array(host(v.grad)) for v in model.trainable_weights]
    for v in model.trainable_weights:
        v.grad = None
    exe = Executable(trace)
    (value,) = exe.forward([x])
    assert value == loss.data
    exe.backward()
    for g, v in zip(grads, model.trainable_weights):
        np.testing.assert_array_equal(g, v.grad)
    table = trace.program.graph_table()
    assert "linear" in table and "mean" in table
    assert trace.program.to_dot().startswith("digraph")


def test_guard_failure_raises_before_effects():
    v = nf.Variable(np.zeros(1, dtype="float32"), trainable=False)
    x = np.ones(1, dtype="float32")
    with Recorder([x]) as rec:
        t = nf.Tensor(x)
        if ops.sum(t) > 0:
            v.assign(t)
    exe = Executable(rec.finish([]))
    v.assign(np.zeros(1, dtype="float32"))
    with pytest.raises(GuardFailed):
        exe.forward([-np.ones(1, dtype="float32")])
    assert v.numpy()[0] == 0.0  # the failed replay changed nothing
    exe.forward([np.full(1, 5.0, dtype="float32")])
    assert v.numpy()[0] == 5.0


@pytest.mark.parametrize("level", [1, 2])
def test_passes_optimise_the_compiled_program(level):
    def body(x):
        a = ops.exp(x) * 2.0 + 1.0
        b = ops.exp(x) * 2.0 + 1.0  # the same again: CSE merges it
        if ops.sum(x) > 0:
            return a + b
        return a - b
    f = nf.function(body, passes=level)
    for s in (1, 1, 1, 1, -1, -1, -1):
        x = nf.Tensor((np.abs(RNG.normal(size=(3, 4))) * s).astype("float32"))
        got, want = f(x).numpy(), body(x).numpy()
        if level == 1:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    programs = f.programs()
    assert len(programs) == 2
    for p in programs:
        assert len(p.instrs) < len(p.meta["unoptimized"].instrs)
        assert p.graph_table() and p.meta["unoptimized"].graph_table()
