"""Keras 3's Optimizer API: gradient accumulation, loss scaling, EMA, ``apply``/``apply_gradients``,
``iterations``, ``learning_rate``, configs; checked against Keras itself (torch backend) where it runs."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import optimizers
from neuroflow.errors import ConfigError
from neuroflow.optimizers import schedules
from tests.conftest import host

from ..keras_oracle import keras
from .helpers import run_neuroflow, variables
from .keras_reference import make_problem, run_reference

# Keras' torch backend converts its variables with np.array(x) (NumPy 2 deprecation warnings, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")

ACCUMULATION_CASES = {
    "adam": ("Adam", dict(learning_rate=0.05)),
    "sgd-momentum-loss-scale": ("SGD", dict(learning_rate=0.1, momentum=0.9, loss_scale_factor=4.0)),
    "rmsprop-clipnorm": ("RMSprop", dict(learning_rate=0.01, clipnorm=0.5)),
    "adam-ema-weight-decay": ("Adam", dict(learning_rate=0.05, weight_decay=0.1, use_ema=True,
                                           ema_overwrite_frequency=2)),
}


def _keras_weights(k, class_name, kwargs, weights, grad_steps):
    vs = [k.Variable(w.copy()) for w in weights]
    opt = getattr(k.optimizers, class_name)(**kwargs)
    for grads in grad_steps:
        opt.apply([k.ops.convert_to_tensor(g) for g in grads], vs)
    return [np.asarray(v.numpy()) for v in vs], int(opt.iterations)


@pytest.mark.parametrize("flat", [False, True], ids=["per_variable", "flat"])
@pytest.mark.parametrize("case", sorted(ACCUMULATION_CASES))
def test_gradient_accumulation_matches_keras(case, flat):
    k = keras()
    class_name, kwargs = ACCUMULATION_CASES[case]
    kwargs = dict(kwargs, gradient_accumulation_steps=3)
    weights, grads = make_problem(seed=41, steps=8)  # 8 calls: two updates, two gradients left accumulated
    expected, expected_iterations = _keras_weights(k, class_name, kwargs, weights, grads)
    opt = getattr(optimizers, class_name)(flat=flat, **kwargs)
    vs = run_neuroflow(opt, weights, grads)
    assert opt.iterations == expected_iterations == 2
    for got, want in zip(vs, expected):
        np.testing.assert_allclose(got.data, want, rtol=2e-5, atol=2e-6)


def test_gradient_accumulation_state_resumes_bit_for_bit():
    weights, grads = make_problem(seed=42, steps=9)
    straight = run_neuroflow(optimizers.Adam(0.05, gradient_accumulation_steps=4), weights, grads)
    first = optimizers.Adam(0.05, gradient_accumulation_steps=4)
    half = run_neuroflow(first, weights, grads[:6])  # stopped with two gradients accumulated
    state = first.get_state()
    assert int(state["iterations"]) == 6 and first.iterations == 1
    assert "0/gradient_accumulator" in state and np.any(host(state["0/gradient_accumulator"]))
    again = optimizers.Adam(0.05, gradient_accumulation_steps=4)
    again.set_state(state)
    resumed = run_neuroflow(again, weights, grads[6:], vs=variables([v.data for v in half]))
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.data, b.data)


def test_gradient_accumulation_changes_weights_every_nth_call_only():
    v = nf.Variable(np.ones(3, np.float32))
    opt = optimizers.SGD(1.0, gradient_accumulation_steps=2)
    opt.apply([np.full(3, 2.0, np.float32)], [v])
    np.testing.assert_array_equal(v.data, 1.0)
    assert opt.iterations == 0
    opt.apply([np.full(3, 4.0, np.float32)], [v])
    np.testing.assert_array_equal(v.data, 1.0 - 3.0)  # the mean of the two gradients
    assert opt.iterations == 1
    assert opt.get_config()["gradient_accumulation_steps"] == 2
    assert optimizers.SGD.from_config(opt.get_config()).gradient_accumulation_steps == 2


def test_loss_scale_factor_matches_keras_and_scale_loss():
    k = keras()
    weights, grads = make_problem(seed=43, steps=4)
    scaled = [[g * 8.0 for g in step] for step in grads]
    expected, _ = _keras_weights(k, "Adam", dict(learning_rate=0.01, loss_scale_factor=8.0), weights, scaled)
    opt = optimizers.Adam(0.01, loss_scale_factor=8.0)
    vs = run_neuroflow(opt, weights, scaled)
    for got, want in zip(vs, expected):
        np.testing.assert_allclose(got.data, want, rtol=2e-5, atol=2e-6)
    assert opt.scale_loss(2.5) == 20.0
    assert optimizers.Adam().scale_loss(2.5) == 2.5
    loss = opt.scale_loss(nf.Tensor(np.float32(0.5)))
    assert isinstance(loss, nf.Tensor) and float(loss.data) == 4.0


def test_ema_matches_keras():
    k = keras()
    weights, grads = make_problem(seed=44, steps=6)
    kwargs = dict(learning_rate=0.05, use_ema=True, ema_momentum=0.8, ema_overwrite_frequency=4)
    expected, _ = _keras_weights(k, "SGD", dict(kwargs, momentum=0.5), weights, grads)
    vs = run_neuroflow(optimizers.SGD(momentum=0.5, **kwargs), weights, grads)
    for got, want in zip(vs, expected):
        np.testing.assert_allclose(got.data, want, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("flat", [False, True], ids=["per_variable", "flat"])
def test_centered_rmsprop_with_ema_keeps_its_mean_gradient_apart_from_the_average(flat):
    # the kernel's slots are its own (v, m, mg); the moving average of the weights is not one of them
    weights, grads = make_problem(seed=45)
    kwargs = dict(learning_rate=0.01, momentum=0.5, centered=True, use_ema=True, ema_momentum=0.9)
    vs = run_neuroflow(optimizers.RMSprop(flat=flat, **kwargs), weights, grads)
    expected, _ = run_reference("rmsprop", weights, grads, **kwargs)
    for got, want in zip(vs, expected):
        np.testing.assert_allclose(got.data, want, rtol=1e-5, atol=2e-6)


def test_apply_takes_keras_keyword_and_apply_gradients_returns_iterations():
    v = nf.Variable(np.ones(2, np.float32))
    opt = optimizers.SGD(0.5)
    opt.apply([np.ones(2, np.float32)], trainable_variables=[v])
    assert opt.apply_gradients(zip([np.ones(2, np.float32)], [v])) == 2 == opt.iterations
    np.testing.assert_array_equal(v.data, 0.0)
    assert [x.path.split('/')[-1] for x in opt.variables] == ['iteration', 'learning_rate']  # Keras' own state


def test_learning_rate_kinds_are_named_strategies():
    sched = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    assert optimizers.SGD(learning_rate=sched)._learning_rate is sched
    assert optimizers.SGD(learning_rate=0.3)._learning_rate == 0.3
    assert optimizers.SGD(learning_rate=lambda: 0.2).learning_rate == 0.2        # Keras' () -> lr
    assert optimizers.SGD(learning_rate=lambda step: 0.1 * step).learning_rate == 0.0
    with pytest.raises(ConfigError, match="schedule's value must be a number"):
        _ = optimizers.SGD(learning_rate=lambda: "fast").learning_rate
