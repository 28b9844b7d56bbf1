"""Every optimizer against a direct NumPy (float64) transcription of Keras' formulas (keras_reference.py).

This is where Keras' own choices are checked that PyTorch cannot check: the default epsilon with its Keras
placement, decoupled weight decay for every optimizer, SGD momentum under a changing learning rate, schedules
and callables as learning rate, and the moving average of the weights (EMA).
"""
import pytest

from neuroflow import optimizers
from neuroflow.optimizers import schedules

from .helpers import assert_close, run_neuroflow, variables
from .keras_reference import DEFAULTS, make_problem, run_reference

NAMES = sorted(DEFAULTS)

VARIANTS = {
    "sgd": [dict(learning_rate=0.1), dict(momentum=0.9, learning_rate=0.05), dict(momentum=0.5, nesterov=True)],
    "adam": [dict(learning_rate=0.01), dict(learning_rate=0.01, amsgrad=True, beta_2=0.9)],
    "adamw": [dict(learning_rate=0.01, weight_decay=0.1)],
    "rmsprop": [dict(learning_rate=0.01), dict(learning_rate=0.01, momentum=0.9, centered=True, rho=0.7)],
    "adagrad": [dict(learning_rate=0.1), dict(learning_rate=0.1, initial_accumulator_value=0.0, epsilon=1e-3)],
    "adadelta": [dict(learning_rate=1.0), dict(learning_rate=1.0, rho=0.5, epsilon=1e-4)],
    "adamax": [dict(learning_rate=0.01), dict(learning_rate=0.01, beta_2=0.5, epsilon=1e-2)],
    "nadam": [dict(learning_rate=0.01), dict(learning_rate=0.01, beta_1=0.5, epsilon=1e-3)],
}
CASES = [(n, kw) for n in NAMES for kw in [{}] + VARIANTS[n]]


def _opt(name, **kwargs):
    return optimizers.ALL_OPTIMIZERS[name](**kwargs)


@pytest.mark.parametrize("flat", [False, True], ids=["per_variable", "flat"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_matches_keras_formula(name, kwargs, flat):
    weights, grads = make_problem(seed=2)
    vs = run_neuroflow(_opt(name, flat=flat, **kwargs), weights, grads)
    assert_close(vs, run_reference(name, weights, grads, **kwargs), what=f"{name} {kwargs}")


@pytest.mark.parametrize("name", NAMES)
def test_decoupled_weight_decay(name):
    """Keras decays ``w -= w * weight_decay * lr`` before every optimizer's update (PyTorch's SGD/RMSprop/Adagrad/
    Adadelta/Adamax use an L2 term instead, hence NumPy as the oracle)."""
    weights, grads = make_problem(seed=3)
    kwargs = dict(learning_rate=0.05, weight_decay=0.3)
    vs = run_neuroflow(_opt(name, **kwargs), weights, grads)
    assert_close(vs, run_reference(name, weights, grads, **kwargs), what=name)


def test_exclude_from_weight_decay_by_name_and_by_variable():
    weights, grads = make_problem(seed=4)
    for flat in (False, True):
        opt = _opt("sgd", learning_rate=0.1, weight_decay=0.5, flat=flat)
        vs = variables(weights)
        for v, n in zip(vs, ["kernel", "bias", "kernel", "bias", "kernel", "bias"]):
            v.name = n
        opt.exclude_from_weight_decay(var_list=[vs[0]], var_names=["bias"])
        run_neuroflow(opt, weights, grads, vs=vs)
        plain = run_reference("sgd", weights, grads, learning_rate=0.1)
        decayed = run_reference("sgd", weights, grads, learning_rate=0.1, weight_decay=0.5)
        expected = [plain[0], plain[1], decayed[2], plain[3], decayed[4], plain[5]]
        assert_close(vs, expected, what=f"exclusions flat={flat}")


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop"])
def test_schedule_learning_rate_is_read_at_iterations(name):
    """Step ``t`` (0-based) uses ``schedule(t)``; SGD's velocity accumulates ``lr_t * g`` as in Keras."""
    weights, grads = make_problem(seed=5)
    sched = schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
    kwargs = dict(momentum=0.9) if name == "sgd" else {}
    vs = run_neuroflow(_opt(name, learning_rate=sched, **kwargs), weights, grads)
    assert_close(vs, run_reference(name, weights, grads, learning_rate=sched, **kwargs), what=name)


def test_plain_callables_as_learning_rate():
    weights, grads = make_problem(seed=6)
    fn = lambda step: 0.1 / (1 + step)  # noqa: E731
    vs = run_neuroflow(_opt("adam", learning_rate=fn), weights, grads)
    assert_close(vs, run_reference("adam", weights, grads, learning_rate=fn))
    # Keras' own form: a callable of no argument.
    vs = run_neuroflow(_opt("adam", learning_rate=lambda: 0.02), weights, grads)
    assert_close(vs, run_reference("adam", weights, grads, learning_rate=0.02))


@pytest.mark.parametrize("flat", [False, True])
def test_ema_of_weights(flat):
    weights, grads = make_problem(seed=7)
    kwargs = dict(learning_rate=0.05, use_ema=True, ema_momentum=0.8, ema_overwrite_frequency=4)
    opt = _opt("adam", flat=flat, **kwargs)
    vs = run_neuroflow(opt, weights, grads)
    expected, averages = run_reference("adam", weights, grads, **kwargs)
    assert_close(vs, expected, what="weights")
    opt.finalize_variable_values(vs)
    assert_close(vs, averages, what="averages")
