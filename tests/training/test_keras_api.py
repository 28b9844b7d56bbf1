"""Keras names resolve in neuroflow; initializers, activations, regularizers; custom classes; callbacks in fit."""
import json

import numpy as np
import pytest

import neuroflow as keras
from neuroflow import initializers, layers
from neuroflow.errors import ConfigError, SavingError
from tests.conftest import host


def test_keras_names_resolve():
    assert keras.Sequential is keras.models.Sequential
    assert keras.layers.Dense is layers.Dense and keras.Input is layers.Input
    assert keras.optimizers.Adam().get_config()["epsilon"] == 1e-7
    for name in ("EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler", "CSVLogger",
                 "TerminateOnNaN", "LambdaCallback", "History"):
        assert hasattr(keras.callbacks, name), name
    assert hasattr(keras.losses, "BinaryCrossentropy") and hasattr(keras.metrics, "AUC")
    assert keras.utils.to_categorical([0, 2], 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    assert callable(keras.utils.set_random_seed) and callable(keras.ops.relu)


@pytest.mark.parametrize("name, check", [
    ("uniform", lambda w: w.min() >= -0.05 and w.max() <= 0.05 and w.std() > 0.02),  # Keras 1's 'uniform'
    ("zeros", lambda w: (w == 0).all()),
    ("ones", lambda w: (w == 1).all()),
    ("glorot_uniform", lambda w: np.abs(w).max() <= np.sqrt(6 / (200 + 300)) and w.std() > 0.8 * np.sqrt(2 / 500)),
    ("glorot_normal", lambda w: abs(w.std() - np.sqrt(2 / 500)) < 0.1 * np.sqrt(2 / 500)),
    ("he_normal", lambda w: abs(w.std() - np.sqrt(2 / 200)) < 0.1 * np.sqrt(2 / 200)),
    ("he_uniform", lambda w: np.abs(w).max() <= np.sqrt(6 / 200)),
    ("lecun_normal", lambda w: abs(w.std() - np.sqrt(1 / 200)) < 0.1 * np.sqrt(1 / 200)),
    ("lecun_uniform", lambda w: np.abs(w).max() <= np.sqrt(3 / 200)),
    ("normal", lambda w: abs(w.std() - 0.05) < 0.005),
    ("truncated_normal", lambda w: np.abs(w).max() <= 0.1 + 1e-7),
    ("orthogonal", lambda w: np.allclose(w.T @ w, np.eye(300), atol=1e-4) if w.shape[0] >= w.shape[1]
     else np.allclose(w @ w.T, np.eye(200), atol=1e-4)),
])
def test_initializers_by_name(name, check):
    w = host(initializers.get(name)((200, 300), rng=np.random.default_rng(0)))  # made on the current device
    assert w.dtype == np.float32 and w.shape == (200, 300)
    assert check(w.astype(np.float64))


def test_initializer_objects_identity_and_constant():
    assert np.array_equal(host(initializers.Identity(2.0)((3, 3))), 2 * np.eye(3))
    assert (host(initializers.Constant(0.5)((2,))) == 0.5).all()
    cfg = initializers.serialize(initializers.RandomUniform(-1, 1, seed=3))
    again = initializers.get(cfg)
    assert np.array_equal(host(again((4,))), host(initializers.RandomUniform(-1, 1, seed=3)((4,))))
    with pytest.raises(ConfigError, match="glorot_uniform"):
        initializers.get("glorot_uniformm")


@pytest.mark.parametrize("name", keras.activations.names())
def test_activations_by_name_match_ops(name):
    x = np.linspace(-3, 3, 14, dtype=np.float32).reshape(1, 14)
    fn = keras.activations.get(name)
    required = {"threshold": {"threshold": 0.5, "default_value": 0.0}}.get(name, {})  # Keras' required arguments
    out = fn(keras.Tensor(x), **required).numpy()
    assert out.shape == ((1, 7) if name == "glu" else x.shape) and out.dtype == np.float32  # glu halves its axis
    if name == "linear":
        assert np.array_equal(out, x)
    if name == "exponential":
        np.testing.assert_allclose(out, np.exp(x), rtol=1e-6)


def test_regularizers_add_to_the_loss():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Dense(4, input_dim=3, kernel_regularizer=keras.regularizers.l2(0.1),
                                           bias_initializer="ones", bias_regularizer="l1")])
    model.compile("sgd", "mse")
    x, y = np.zeros((5, 3), np.float32), np.zeros((5, 4), np.float32)
    kernel = model.layers[0].kernel.numpy()
    expected = 1.0 + 0.1 * float((kernel.astype(np.float64) ** 2).sum()) + 0.01 * 4  # mse of bias 1 + penalties
    np.testing.assert_allclose(model.test_on_batch(x, y), expected, rtol=1e-5)


def test_kernel_constraint_is_applied_after_each_update():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Dense(4, input_dim=3, kernel_constraint=keras.constraints.NonNeg())])
    model.compile(keras.optimizers.SGD(1.0), "mse")
    model.fit(np.random.default_rng(0).normal(size=(32, 3)), -np.ones((32, 4)), epochs=2, verbose=0)
    assert (model.layers[0].kernel.numpy() >= 0).all()


@keras.saving.register_serializable(package="tests")
class Scale(layers.Layer):
    """A custom layer: multiplies by a trainable scalar."""

    def __init__(self, init=2.0, **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.factor = self.add_weight("factor", (), initializer=keras.initializers.Constant(self.init))

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "init": self.init}


class Unregistered(Scale):
    pass


def test_custom_layer_registered_by_name_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Dense(2, input_dim=3), Scale(3.0)])
    model.compile("adam", "mse")
    x = np.ones((4, 3), np.float32)
    model.save(tmp_path / "m.neuroflow")
    loaded = keras.models.load_model(tmp_path / "m.neuroflow")
    assert isinstance(loaded.layers[1], Scale)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    bad = keras.Sequential([layers.Dense(2, input_dim=3), Unregistered()])
    with pytest.raises(SavingError, match="Unregistered.*register_keras_serializable"):
        bad.save(tmp_path / "bad.neuroflow")  # refused when saving: the file could not be loaded back
    assert not (tmp_path / "bad.neuroflow").exists()


def test_callbacks_in_a_real_fit(tmp_path):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0]) > 0).astype("float32")
    model = keras.Sequential([layers.Dense(8, activation="relu", input_dim=4), layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    ckpt = tmp_path / "best.neuroflow"
    log = tmp_path / "log.csv"
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(x, y, validation_split=0.25, epochs=60, verbose=0, callbacks=[
        stop, keras.callbacks.ModelCheckpoint(str(ckpt), save_best_only=True), keras.callbacks.CSVLogger(str(log))])
    val = history.history["val_loss"]
    assert len(val) < 60 and stop.stopped_epoch > 0
    best = keras.models.load_model(ckpt)
    xv = x[96:]
    np.testing.assert_allclose(best.predict(xv, verbose=0), model.predict(xv, verbose=0), rtol=1e-6)
    assert log.read_text().splitlines()[0].startswith("epoch")
    json.dumps(history.history)


def test_model_input_and_output_shape_as_keras():
    seq = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(10)])
    assert seq.input_shape == (None, 28, 28, 1) and seq.output_shape == (None, 10)
    a, b = keras.Input((3,)), keras.Input((5,))
    both = keras.Model([a, b], [layers.Dense(2)(layers.Concatenate()([a, b])), layers.Dense(1)(b)])
    assert both.input_shape == [(None, 3), (None, 5)] and both.output_shape == [(None, 2), (None, 1)]
    unknown = keras.Sequential([layers.Dense(2)])
    with pytest.raises(AttributeError, match="no known input shape yet"):
        unknown.input_shape
