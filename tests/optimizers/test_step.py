"""step()/apply() behaviour: frozen and gradient-less variables, gradient forms, zero_grad, the learning-rate
property, lazily added variables, flat mode's storage, and a real backward pass."""
import importlib

import numpy as np
import pytest

import neuroflow as nf
from tests.conftest import host
from neuroflow import optimizers
from neuroflow.errors import ConfigError, DTypeError, ShapeError
from neuroflow.optimizers import schedules

from .helpers import assert_close, run_neuroflow, variables
from .keras_reference import make_problem, run_reference


@pytest.mark.parametrize("flat", [False, True], ids=["per_variable", "flat"])
def test_frozen_and_gradientless_variables_are_untouched(flat):
    weights, grads = make_problem(seed=31)
    vs = variables(weights)
    vs[2].trainable = False
    opt = optimizers.Adam(learning_rate=0.1, weight_decay=0.1, flat=flat)
    for step_grads in grads:
        for i, (v, g) in enumerate(zip(vs, step_grads)):
            v.grad = None if i == 4 else g.copy()   # variable 4 never gets a gradient
        opt.step(vs)
    np.testing.assert_array_equal(vs[2].data, weights[2])
    np.testing.assert_array_equal(vs[4].data, weights[4])
    others = [i for i in range(6) if i not in (2, 4)]
    expected = run_reference("adam", [weights[i] for i in others], [[g[i] for i in others] for g in grads],
                             learning_rate=0.1, weight_decay=0.1)
    assert_close([vs[i] for i in others], expected)


@pytest.mark.parametrize("flat", [False, True], ids=["per_variable", "flat"])
def test_unfrozen_variable_joins_later_with_fresh_state(flat):
    weights, grads = make_problem(seed=32)
    vs = variables(weights)
    vs[0].trainable = False
    opt = optimizers.Adam(learning_rate=0.05, flat=flat)
    run_neuroflow(opt, weights, grads[:5], vs=vs)
    np.testing.assert_array_equal(vs[0].data, weights[0])
    vs[0].trainable = True
    run_neuroflow(opt, weights, grads[5:], vs=vs)
    # variable 0's Adam state starts at step 6 (bias corrections use the optimizer's iterations, as in Keras)
    ref = optimizers.Adam(learning_rate=0.05)
    ref.iterations = 5
    solo = run_neuroflow(ref, [weights[0]], [[g[0]] for g in grads[5:]])
    np.testing.assert_array_equal(vs[0].data, solo[0].data)
    assert len(opt._units) == 6 and len(opt.variables) == 2 + 2 * 6  # iteration, learning_rate, m and v each


def test_step_with_no_gradient_is_a_no_op_and_apply_with_none_raises():
    v = nf.Variable(np.ones(3, np.float32))
    opt = optimizers.SGD()
    opt.step([v])
    assert opt.iterations == 0
    with pytest.raises(ConfigError, match="no gradients provided"):
        opt.apply_gradients([(None, v)])


def test_gradient_forms_tensors_float64_and_errors():
    v = nf.Variable(np.ones((2, 3), np.float32))
    opt = optimizers.SGD(learning_rate=0.5)
    it = opt.apply_gradients([(nf.Tensor(np.ones((2, 3), np.float32)), v)])
    assert it == 1 and np.allclose(host(v.data), 0.5)
    opt.apply([np.ones((2, 3), np.float64)], [v])
    assert v.data.dtype == np.float32 and np.allclose(host(v.data), 0.0)
    opt.apply([[[1, 1, 1], [1, 1, 1]]])                # no variables: the ones it was built with
    assert np.allclose(host(v.data), -0.5)
    with pytest.raises(ShapeError, match=r"has shape \(3, 2\), expected \(2, 3\)"):
        opt.apply([np.ones((3, 2), np.float32)], [v])
    with pytest.raises(ConfigError, match="2 gradients for 1 variables"):
        opt.apply([np.ones((2, 3)), np.ones((2, 3))], [v])
    with pytest.raises(ConfigError, match="must be built first"):
        optimizers.SGD().apply([np.ones(3)])
    with pytest.raises(DTypeError, match="only float variables"):
        optimizers.SGD().apply([np.ones(3)], [nf.Variable(np.arange(3))])


def test_weights_are_updated_in_place():
    v = nf.Variable(np.ones((4, 4), np.float32))
    storage, view = v.data, v.data[1]
    v.grad = np.ones((4, 4), np.float32)
    optimizers.Adam(learning_rate=0.1).step([v])
    assert v.data is storage and np.allclose(host(view), 0.9)


def test_zero_grad():
    a, b = nf.Variable(np.ones(2, np.float32)), nf.Variable(np.ones(2, np.float32))
    a.grad, b.grad = np.ones(2, np.float32), np.ones(2, np.float32)
    keep = b.grad
    opt = optimizers.SGD()
    opt.zero_grad([a])
    opt.zero_grad([b], set_to_none=False)
    assert a.grad is None and b.grad is keep and not keep.any()


def test_learning_rate_property_and_iterations():
    opt = optimizers.SGD(learning_rate=0.1)
    assert opt.learning_rate == 0.1
    opt.learning_rate = 0.3
    assert opt.learning_rate == 0.3 and isinstance(opt.learning_rate, float)
    sched = schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=sched)
    v = nf.Variable(np.zeros(1, np.float32))
    assert opt.learning_rate == 1.0
    for _ in range(3):
        opt.apply([np.ones(1, np.float32)], [v])
    assert opt.iterations == 3 and opt.learning_rate == 0.125
    assert np.allclose(host(v.data), -(1.0 + 0.5 + 0.25))
    with pytest.raises(ConfigError, match="cannot be set to a number"):
        opt.learning_rate = 0.1
    opt.learning_rate = schedules.PiecewiseConstantDecay([1], [0.5, 0.25])
    assert opt.learning_rate == 0.25


def test_flat_mode_rebinds_variables_to_views_of_one_buffer():
    weights, grads = make_problem(seed=33)
    vs = variables(weights)
    opt = optimizers.Adam(flat=True)
    run_neuroflow(opt, weights, grads[:1], vs=vs)
    flat = opt._groups[0].weights
    xp = nf.backend.get_array_module(flat)  # views are compared by memory: a device wrapper is made per .base
    assert all(v.data.base is not None and xp.shares_memory(v.data, flat) for v in vs)
    assert all(v.data.flags.writeable for v in vs)
    # assign() keeps the storage; replacing .data from outside is noticed and taken back into the buffer
    vs[1].assign(np.zeros(6, np.float32))
    vs[3].data = np.full(6, 2.0, np.float32)
    ref = variables([v.data.copy() for v in vs])
    ref_opt = optimizers.Adam()
    ref_opt.set_state(opt.get_state())
    run_neuroflow(opt, weights, grads[1:], vs=vs)
    run_neuroflow(ref_opt, weights, grads[1:], vs=ref)
    for a, b in zip(vs, ref):
        np.testing.assert_array_equal(a.data, b.data)
    assert xp.shares_memory(vs[3].data, flat)


def test_flat_mode_keeps_dtypes_apart():
    a = nf.Variable(np.ones(3, np.float32))
    b = nf.Variable(np.ones(2, np.float64), dtype=np.float64)
    opt = optimizers.Adam(learning_rate=0.1, flat=True)
    opt.apply([np.ones(3, np.float32), np.ones(2, np.float64)], [a, b])
    assert a.data.dtype == np.float32 and b.data.dtype == np.float64
    assert np.allclose(host(a.data), 0.9) and np.allclose(host(b.data), 0.9)
    assert len(opt._groups) == 2


def test_float64_variables_stay_float64_and_exact():
    v = nf.Variable(np.ones(3), dtype=np.float64)
    opt = optimizers.Adam(learning_rate=0.1)
    opt.apply([np.full(3, 0.5)], [v])
    assert v.data.dtype == np.float64
    np.testing.assert_allclose(v.data, 1.0 - 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9) * 0.05 /
                               (np.sqrt(0.00025) + 1e-7), rtol=1e-14)


def test_with_a_real_backward_pass():
    """Fit y = 2x + 1 with a Variable pair through neuroflow's autograd."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 1)).astype(np.float32)
    y = 2 * x + 1
    w, b = nf.Variable(np.zeros((1, 1), np.float32)), nf.Variable(np.zeros(1, np.float32))
    opt = optimizers.Adam(learning_rate=0.1)
    for _ in range(300):
        loss = ((nf.Tensor(x) @ w + b - nf.Tensor(y)) ** 2).mean()
        loss.backward()
        opt.step([w, b])
        opt.zero_grad([w, b])
    assert abs(w.data.item() - 2) < 1e-2 and abs(b.data.item() - 1) < 1e-2


def test_auto_flat_packs_small_model_weights_in_fit_only():
    from neuroflow.layers import Dense
    x = np.random.default_rng(0).normal(size=(32, 5)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    small = nf.Sequential([nf.Input(shape=(5,)), Dense(4, activation="relu"), Dense(1)])
    small.compile(optimizer="adam", loss="mse")
    small.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert small.optimizer._flat  # 4 small variables: one flat buffer
    kernel = small.layers[0].kernel
    assert kernel.data.base is not None  # a view of the packed buffer
    before = small.get_weights()
    small.set_weights([w + 1 for w in before])  # writes reach the packed storage
    small.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not np.allclose(small.get_weights()[0], before[0] + 1) and np.all(np.isfinite(host(kernel.data)))

    wide = nf.Sequential([nf.Input(shape=(5,)), Dense(2048), Dense(1)])
    wide.compile(optimizer="adam", loss="mse")
    wide.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not wide.optimizer._flat  # large weights: the gradient copy would cost more than it saves
    assert optimizers.Adam(flat=False).get_config()["flat"] is False
    assert "flat" not in optimizers.Adam().get_config()
    with pytest.raises(nf.errors.ConfigError, match="flat must be True, False or 'auto'"):
        optimizers.Adam(flat="yes")


@pytest.mark.parametrize("name", ["adam", "rmsprop", "sgd", "nadam", "adamax", "adagrad", "adadelta", "adamw"])
def test_large_variables_updated_on_two_threads_match_one_thread(monkeypatch, name):
    # a variable of >= backend.SPLIT_MIN_SIZE elements is updated in slices on several threads: bit-identical
    rng = np.random.default_rng(0)
    w0, grads = rng.normal(size=(512, 300)).astype(np.float32), rng.normal(size=(3, 512, 300)).astype(np.float32)
    results = []
    for threads in ("1", "2"):
        monkeypatch.setenv("NEUROFLOW_NUM_THREADS", threads)
        v = nf.Variable(w0.copy())
        opt = optimizers.get(name)
        for g in grads:
            v.grad = g
            opt.step([v])
        results.append(v.data.copy())
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.array_equal(host(results[0]), w0)


def test_run_split_leaves_non_contiguous_arrays_to_one_call():
    from neuroflow import backend
    a = np.zeros((600, 600), np.float32).T  # not C-contiguous: raveling would copy, losing the writes
    backend.run_split(lambda x: x.__iadd__(1), (a,), threads=2)
    assert np.all(a == 1)
    b = np.zeros(1 << 18, np.float32)
    calls = []
    backend.run_split(lambda x: calls.append(x.size) or x.__iadd__(2), (b,), threads=2)
    assert np.all(b == 2) and sorted(calls) == [1 << 17, 1 << 17]


def test_run_split_on_one_thread_walks_cache_sized_slices():
    from neuroflow import backend
    b = np.zeros(backend.SPLIT_CHUNK * 2 + 5, np.float32)
    sizes = []
    backend.run_split(lambda x: sizes.append(x.size) or x.__iadd__(3), (b,), threads=1)
    assert np.all(b == 3) and sizes == [backend.SPLIT_CHUNK, backend.SPLIT_CHUNK, 5]


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam", "Adamax", "Nadam", "Adadelta"])
@pytest.mark.parametrize("flat", [False, True], ids=["per_variable", "flat"])
def test_state_of_vanished_gradients_never_turns_subnormal(monkeypatch, name, flat):
    # A weight whose gradient stays zero (a dead unit, an always-black pixel) sees its moving averages decay
    # geometrically; subnormal floats make every later update many times slower, so they are swept to zero.
    base = importlib.import_module("neuroflow.optimizers.base")
    kwargs = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}

    def subnormal_slots(sweep_every):
        monkeypatch.setattr(base, "SWEEP_EVERY", sweep_every)
        v = nf.Variable(np.ones(64, np.float32))
        opt = getattr(optimizers, name)(learning_rate=0.01, flat=flat, **kwargs)
        v.grad = np.full(64, 0.5, np.float32)
        opt.step([v])
        for _ in range(1500):  # 0.9 ** 1500 = 1e-69: far below float32's subnormals
            v.grad = np.zeros(64, np.float32)
            opt.step([v])
        tiny = np.finfo(np.float32).tiny
        return sum(int(np.count_nonzero((s != 0) & (np.abs(s) < tiny))) for s in map(host, opt._slots[0])), v.numpy().copy()

    unswept, w_unswept = subnormal_slots(10 ** 9)
    swept, w_swept = subnormal_slots(32)
    assert swept == 0
    assert unswept > 0  # the check can fail: without the sweep, subnormals appear
    np.testing.assert_array_equal(w_swept, w_unswept)  # and no weight moves differently
