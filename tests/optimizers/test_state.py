"""get_state / set_state: stable keys, and resuming equals not stopping, bit for bit."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import optimizers
from neuroflow.errors import SavingError
from neuroflow.optimizers import schedules
from tests.conftest import host

from .helpers import run_neuroflow, variables
from .keras_reference import make_problem

CASES = [("sgd", dict(momentum=0.9)), ("adam", dict(amsgrad=True)), ("adamw", {}),
         ("rmsprop", dict(momentum=0.5, centered=True)), ("adagrad", {}), ("adadelta", {}), ("adamax", {}),
         ("nadam", {}), ("adam", dict(use_ema=True)), ("sgd", dict(momentum=0.9, clipnorm=0.5, weight_decay=0.1)),
         ("adam", dict(learning_rate=schedules.CosineDecay(0.01, 20, warmup_target=0.05, warmup_steps=3)))]


def _roundtrip(state):
    """What a file would give back: plain arrays, keys as strings."""
    return {str(k): np.array(host(v)) for k, v in state.items()}


@pytest.mark.parametrize("flat", [False, True], ids=["per_variable", "flat"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_resume_is_bit_identical(name, kwargs, flat):
    weights, grads = make_problem(seed=21, steps=10)
    cls = optimizers.ALL_OPTIMIZERS[name]
    straight = run_neuroflow(cls(flat=flat, **kwargs), weights, grads)

    first = cls(flat=flat, **kwargs)
    half = run_neuroflow(first, weights, grads[:4])
    state, config = _roundtrip(first.get_state()), first.get_config()
    resumed_opt = cls.from_config(config)
    resumed = variables([v.data for v in half])
    resumed_opt.set_state(state)          # before build: applied when the first update builds it
    assert resumed_opt.iterations == 4
    run_neuroflow(resumed_opt, weights, grads[4:], vs=resumed)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.data, b.data)
    # and setting the state of a built optimizer (in place) works the same
    again = cls(flat=flat, **kwargs)
    again.build(resumed)
    again.set_state(resumed_opt.get_state())
    for k, v in resumed_opt.get_state().items():
        np.testing.assert_array_equal(again.get_state()[k], v)


def test_flat_and_per_variable_updates_are_bit_identical():
    weights, grads = make_problem(seed=22)
    for name in optimizers.ALL_OPTIMIZERS:
        if not optimizers.ALL_OPTIMIZERS[name]._elementwise:  # needs each variable whole: never flat (Lamb)
            continue
        a = run_neuroflow(optimizers.get(name), weights, grads)
        b = run_neuroflow(optimizers.ALL_OPTIMIZERS[name](flat=True), weights, grads)
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x.data, y.data, err_msg=name)


def test_state_keys_are_stable_and_named_by_variable_index():
    weights, grads = make_problem(seed=23, steps=2)
    opt = optimizers.Adam()
    run_neuroflow(opt, weights, grads)
    state = opt.get_state()
    expected = {"iterations", "learning_rate"} | {f"{i}/{s}" for i in range(6) for s in ("m", "v")}
    assert set(state) == expected
    assert state["iterations"].dtype == np.int64 and int(state["iterations"]) == 2
    assert state["0/m"].shape == (11, 6) and state["0/m"].dtype == np.float32
    nadam = optimizers.Nadam()
    run_neuroflow(nadam, weights, grads)
    assert "u_product" in nadam.get_state()
    # a copy: training on does not change a state taken earlier
    before = state["0/m"].copy()
    run_neuroflow(opt, weights, grads)
    np.testing.assert_array_equal(state["0/m"], before)


def test_learning_rate_is_part_of_the_state():
    opt = optimizers.SGD(learning_rate=0.1)
    opt.learning_rate = 0.025  # e.g. ReduceLROnPlateau
    other = optimizers.SGD(learning_rate=0.1)
    other.set_state(opt.get_state())
    assert other.learning_rate == 0.025


def test_mismatched_state_is_refused_with_a_clear_message():
    weights, grads = make_problem(seed=24, steps=1)
    opt = optimizers.Adam()
    run_neuroflow(opt, weights, grads)
    state = opt.get_state()
    pending = optimizers.Adagrad()
    pending.set_state(state)  # not built yet: checked at the first update
    with pytest.raises(SavingError, match=r"before the first update.*missing keys \['0/acc'"):
        run_neuroflow(pending, weights, grads)
    other = optimizers.RMSprop(centered=True)
    other.build(variables(weights))
    with pytest.raises(SavingError, match="missing keys"):
        other.set_state(state)
    bad = dict(state, **{"0/m": np.zeros((2, 2), np.float32)})
    fresh = optimizers.Adam()
    fresh.build(variables(weights))
    with pytest.raises(SavingError, match=r"'0/m' has shape \(2, 2\)"):
        fresh.set_state(bad)
    with pytest.raises(SavingError, match="iterations"):
        fresh.set_state({"0/m": state["0/m"]})


def test_pending_state_for_a_different_model_fails_at_build():
    weights, grads = make_problem(seed=25, steps=1)
    opt = optimizers.Adam()
    run_neuroflow(opt, weights, grads)
    fresh = optimizers.Adam()
    fresh.set_state(opt.get_state())
    v = nf.Variable(np.ones(3, np.float32))
    v.grad = np.ones(3, np.float32)
    with pytest.raises(SavingError, match="before the first update"):
        fresh.step([v])
