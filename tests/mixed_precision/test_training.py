"""Training under mixed_float16: float32 weights and gradients, float16 activations, dynamic loss scaling."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import config, layers, optimizers
from tests.conftest import host


@pytest.fixture
def mixed():
    config.set_dtype_policy("mixed_float16")
    yield
    config.set_dtype_policy("float32")


def _data(n=512, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10)).astype("float32")
    logits = x[:, :3] @ np.array([[2.0, -1.0, 0.5], [-1.5, 2.0, 0.0], [0.5, 0.5, -2.0]], "float32")
    y = np.eye(3, dtype="float32")[logits.argmax(axis=1)]
    return x, y


def _mlp():
    return nf.Sequential([layers.Input((10,)), layers.Dense(32, activation="relu"), layers.BatchNormalization(),
                          layers.Dense(16, activation="tanh"), layers.Dense(3, activation="softmax")])


def _train(policy):
    config.set_dtype_policy(policy)
    try:
        nf.utils.set_random_seed(0)
        model = _mlp()
        model.compile(optimizer=optimizers.Adam(0.01), loss="categorical_crossentropy", metrics=["accuracy"])
        x, y = _data()
        history = model.fit(x, y, epochs=8, batch_size=32, verbose=0, shuffle=False)
        return model, history.history
    finally:
        config.set_dtype_policy("float32")


def test_mixed_float16_trains_as_well_as_float32():
    _, full = _train("float32")
    model, mixed = _train("mixed_float16")
    assert type(model.optimizer).__name__ == "LossScaleOptimizer"
    assert mixed["loss"][-1] < 0.5 * mixed["loss"][0]
    assert abs(mixed["loss"][-1] - full["loss"][-1]) < 0.05 + 0.1 * full["loss"][-1]
    assert abs(mixed["accuracy"][-1] - full["accuracy"][-1]) < 0.03
    assert all(v.dtype == np.float32 for v in model.weights)


def test_weights_float32_activations_float16_gradients_finite(mixed):
    model = _mlp()
    x, y = _data(64)
    hidden = model.layers[0](x)
    assert hidden.dtype == np.float16
    out = model(x, training=True)
    assert out.dtype == np.float16  # as Keras: softmax runs in float32 and returns the compute dtype
    loss = nf.losses.categorical_crossentropy(y, out).mean()
    assert loss.dtype == np.float32  # the cross-entropy reads the float32 logits
    loss.backward()
    for v in model.trainable_weights:
        assert v.dtype == np.float32 and v.grad.dtype == np.float32 and np.isfinite(host(v.grad)).all()
    assert any(np.abs(host(v.grad)).max() > 0 for v in model.trainable_weights)


def test_an_overflowing_step_is_skipped_and_halves_the_scale(mixed):
    model = _mlp()
    # a scale so large that the float16 backward overflows: the step must be skipped, not applied
    model.compile(optimizer=optimizers.LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=2.0 ** 40),
                  loss="categorical_crossentropy")
    x, y = _data(32)
    model(x)
    before = [w.copy() for w in model.get_weights()]
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point
        model.train_on_batch(x, y)
    assert model.optimizer.dynamic_scale == 2.0 ** 39 and model.optimizer.iterations == 0
    after = model.get_weights()
    trainable = {id(v) for v in model.trainable_weights}
    for v, a, b in zip(model.weights, before, after):
        if id(v) in trainable:
            np.testing.assert_array_equal(a, b)
    model.optimizer.dynamic_scale = 2.0 ** 10  # a workable scale: the next step applies
    model.train_on_batch(x, y)
    assert model.optimizer.iterations == 1 and model.optimizer.dynamic_scale == 2.0 ** 10
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_compile_wraps_only_under_mixed_float16(mixed):
    model = _mlp()
    model.compile("sgd", "mse")
    assert isinstance(model.optimizer, optimizers.LossScaleOptimizer) and model.optimizer.initial_scale == 2.0 ** 15
    assert model.optimizer.dynamic_growth_steps == 2000
    model.compile("sgd", "mse", auto_scale_loss=False)
    assert type(model.optimizer) is optimizers.SGD
    config.set_dtype_policy("float32")
    plain = _mlp()
    plain.compile("sgd", "mse")
    assert type(plain.optimizer) is optimizers.SGD


def test_losses_compute_in_float32_on_float16_outputs():
    y_pred = nf.Tensor(np.array([[1000.0], [2.0]], "float16"), dtype="float16")  # 1000**2 overflows float16
    loss = nf.losses.MeanSquaredError()(np.zeros((2, 1), "float32"), y_pred)
    assert loss.dtype == np.float32 and float(loss.data) == 500002.0
    probs = nf.Tensor(np.array([[0.25, 0.75]], "float16"), dtype="float16")
    assert nf.losses.CategoricalCrossentropy()(np.array([[0.0, 1.0]], "float32"), probs).dtype == np.float32
