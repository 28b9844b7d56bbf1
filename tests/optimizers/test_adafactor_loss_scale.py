"""Adafactor and LossScaleOptimizer against Keras 3 (torch backend); factored state saved and restored; dynamic
loss scaling skips non-finite steps; fit scales the loss but logs it unscaled."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import optimizers
from neuroflow.errors import ConfigError

from ..keras_oracle import keras
from .helpers import run_neuroflow, variables
from .keras_reference import make_problem

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")

SHAPES = [(4, 3), (3,), (2, 3, 5), ()]

ADAFACTOR = {
    "defaults": {},
    "large-lr": dict(learning_rate=0.5, beta_2_decay=-0.5, clip_threshold=0.5, epsilon_2=1e-2),
    "weight-decay": dict(learning_rate=0.05, weight_decay=0.1),
}


@pytest.mark.parametrize("case", sorted(ADAFACTOR))
def test_adafactor_matches_keras(case):
    k = keras()
    kwargs = ADAFACTOR[case]
    weights, grads = make_problem(seed=3, steps=6, shapes=SHAPES)
    vs = [k.Variable(w.copy()) for w in weights]
    ref = k.optimizers.Adafactor(**kwargs)
    for step in grads:
        ref.apply([k.ops.convert_to_tensor(g) for g in step], vs)
    got = run_neuroflow(optimizers.Adafactor(**kwargs), weights, grads)
    for g, want in zip(got, vs):
        np.testing.assert_allclose(g.data, np.asarray(want.numpy()), rtol=2e-5, atol=2e-6)


def test_adafactor_state_is_factored_and_resumes():
    weights, grads = make_problem(seed=4, steps=6, shapes=SHAPES)
    whole = run_neuroflow(optimizers.Adafactor(learning_rate=0.1), weights, grads)
    first = optimizers.Adafactor(learning_rate=0.1)
    vs = run_neuroflow(first, weights, grads[:3])
    state = first.get_state()
    assert state["0/r"].shape == (4,) and state["0/c"].shape == (3,) and state["2/r"].shape == (2, 3)
    assert state["2/c"].shape == (2, 5) and state["1/r"].shape == ()
    resumed = optimizers.Adafactor(learning_rate=0.1)
    resumed.set_state(state)  # before build: applied when it builds, with the factored shapes
    run_neuroflow(resumed, None, grads[3:], vs=vs)
    for a, b in zip(vs, whole):
        np.testing.assert_array_equal(a.data, b.data)
    again = optimizers.deserialize(optimizers.serialize(resumed))
    assert type(again) is optimizers.Adafactor and again.get_config() == resumed.get_config()


def test_adafactor_refuses_bad_arguments_and_flat_packing():
    with pytest.raises(ConfigError, match="whole"):
        optimizers.Adafactor(flat=True)
    with pytest.raises(ConfigError, match="clip_threshold"):
        optimizers.Adafactor(clip_threshold=0)
    with pytest.raises(ConfigError, match="beta_2_decay"):
        optimizers.Adafactor(beta_2_decay=0.5)


def test_loss_scale_matches_keras_including_a_skipped_step():
    k = keras()
    weights, grads = make_problem(seed=5, steps=7, shapes=SHAPES)
    grads[2][1][0] = np.inf  # a non-finite step: skipped, the scale halves
    grads[4][0][1, 1] = np.nan
    vs = [k.Variable(w.copy()) for w in weights]
    ref = k.optimizers.LossScaleOptimizer(k.optimizers.Adam(learning_rate=0.05), initial_scale=8.0,
                                          dynamic_growth_steps=2)
    ours = optimizers.LossScaleOptimizer(optimizers.Adam(learning_rate=0.05), initial_scale=8.0,
                                         dynamic_growth_steps=2)
    mine = variables(weights)
    for step in grads:
        ref.apply([k.ops.convert_to_tensor(g) for g in step], vs)
        for v, g in zip(mine, step):
            v.grad = g.copy()
        ours.step(mine)
    for g, want in zip(mine, vs):
        np.testing.assert_allclose(g.data, np.asarray(want.numpy()), rtol=2e-5, atol=2e-6)
    assert ours.dynamic_scale == float(k.ops.convert_to_numpy(ref.dynamic_scale))
    assert ours.iterations == int(k.ops.convert_to_numpy(ref.iterations)) == 5


def test_loss_scale_config_state_and_errors():
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=4.0, dynamic_growth_steps=3)
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again.inner_optimizer) is optimizers.SGD and again.get_config() == opt.get_config()
    vs = variables([np.ones((2, 2), "float32")])
    vs[0].grad = np.ones((2, 2), "float32")
    opt.step(vs)
    state = opt.get_state()
    assert float(state["dynamic_scale"]) == 4.0 and int(state["step_counter"]) == 1
    with pytest.raises(ConfigError, match="clipnorm"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ConfigError, match="inner_optimizer"):
        optimizers.LossScaleOptimizer("sgd")


def test_fit_scales_the_loss_and_logs_it_unscaled():
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    histories = []
    for optimizer in (optimizers.SGD(0.05), optimizers.LossScaleOptimizer(optimizers.SGD(0.05), initial_scale=1024.0)):
        nf.utils.set_random_seed(0)
        model = nf.Sequential([nf.layers.Input((3,)), nf.layers.Dense(1)])
        model.compile(optimizer=optimizer, loss="mse")
        histories.append(model.fit(x, y, epochs=3, batch_size=8, verbose=0, shuffle=False).history["loss"])
    np.testing.assert_allclose(histories[1], histories[0], rtol=1e-5)
    assert histories[1][-1] < histories[1][0]


def test_fit_with_adafactor_lowers_the_loss():
    nf.utils.set_random_seed(0)
    x = np.random.default_rng(1).normal(size=(64, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = nf.Sequential([nf.layers.Input((4,)), nf.layers.Dense(8, activation="relu"),
                           nf.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.Adafactor(learning_rate=0.1), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=6, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize("make", [lambda: optimizers.Adafactor(learning_rate=0.1),
                                  lambda: optimizers.LossScaleOptimizer(optimizers.Adam(0.01), initial_scale=64.0)],
                         ids=["adafactor", "loss-scale"])
def test_saved_with_the_model_and_resumed(tmp_path, make):
    x = np.random.default_rng(2).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    nf.utils.set_random_seed(0)
    model = nf.Sequential([nf.layers.Input((3,)), nf.layers.Dense(4), nf.layers.Dense(1)])
    model.compile(optimizer=make(), loss="mse")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    model.save(tmp_path / "m.neuroflow")
    loaded = nf.models.load_model(tmp_path / "m.neuroflow")
    assert type(loaded.optimizer) is type(model.optimizer)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def _schedule_free_reference(weights, grads, lr, beta_1=0.9, beta_2=0.999, eps=1e-8, warmup=0, decay=None):
    """Keras' ScheduleFreeAdamW.update_step as written (previous z read before its update), in float64."""
    ys = [w.astype("float64") for w in weights]
    zs = [y.copy() for y in ys]
    vs = [np.zeros_like(y) for y in ys]
    for t, step in enumerate(grads, start=1):
        rate = lr * min(t / warmup, 1.0) if warmup else lr
        for y, z, v, g in zip(ys, zs, vs, step):
            if decay:
                y -= y * decay * lr
            x = (y - (1 - beta_1) * z) / beta_1
            v += (g * g - v) * (1 - beta_2)
            z -= rate * g / (np.sqrt(v / (1 - beta_2 ** t)) + eps)
            x = (1 - 1 / t) * x + z / t
            y[...] = (1 - beta_1) * z + beta_1 * x
    return ys


@pytest.mark.parametrize("kwargs", [{}, dict(learning_rate=0.05, warmup_steps=3, weight_decay=0.1)])
@pytest.mark.parametrize("flat", [False, True])
def test_schedule_free_adamw(kwargs, flat):
    k = keras()
    weights, grads = make_problem(seed=6, steps=6, shapes=SHAPES)
    got = run_neuroflow(optimizers.ScheduleFreeAdamW(flat=flat, **kwargs), weights, grads)
    want = _schedule_free_reference(weights, grads, kwargs.get("learning_rate", 0.0025),
                                    warmup=kwargs.get("warmup_steps", 0), decay=kwargs.get("weight_decay"))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.data, w, rtol=2e-5, atol=2e-6)
    # Keras on its torch backend: the first step (where the average's history does not enter) is the same.
    vs = [k.Variable(w.copy()) for w in weights]
    k.optimizers.ScheduleFreeAdamW(**kwargs).apply([k.ops.convert_to_tensor(g) for g in grads[0]], vs)
    first = run_neuroflow(optimizers.ScheduleFreeAdamW(flat=flat, **kwargs), weights, grads[:1])
    for g, want in zip(first, vs):
        np.testing.assert_allclose(g.data, np.asarray(want.numpy()), rtol=2e-5, atol=2e-6)
    opt = optimizers.ScheduleFreeAdamW(**kwargs)
    assert optimizers.deserialize(optimizers.serialize(opt)).get_config() == opt.get_config()
