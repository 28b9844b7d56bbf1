"""``Layer.add_loss``: losses added inside ``call`` join the loss of the forward pass that ran it (fit, evaluate,
``compute_loss``), show in ``layer.losses``/``model.losses``, need no compiled loss, and never leak into another
pass, not even a concurrent one in another thread. Values and one SGD step are compared with Keras."""
import threading
import warnings

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers, ops
from neuroflow.errors import ConfigError
from neuroflow.layers.loss_scope import collect_losses
from tests.keras_oracle import keras

RATE = 0.1


class ActivityPenalty(nf.layers.Layer):
    """Adds ``RATE * sum(x ** 2)`` of its input to the loss and passes the input on."""

    def call(self, x):
        self.add_loss(RATE * ops.sum(ops.square(x)))
        return x


def _data(n=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)).astype("float32"), rng.normal(size=(n, 1)).astype("float32")


def _nf_model():
    return nf.Sequential([nf.Input((3,)), layers.Dense(2), ActivityPenalty(), layers.Dense(1)])


@pytest.fixture(scope="module")
def keras_model():
    k = keras()

    class KerasActivityPenalty(k.layers.Layer):
        def call(self, x):
            self.add_loss(RATE * k.ops.sum(k.ops.square(x)))
            return x

    def make():
        return k.Sequential([k.Input((3,)), k.layers.Dense(2), KerasActivityPenalty(), k.layers.Dense(1)])
    return make


def test_evaluate_and_a_training_step_equal_keras(keras_model):
    x, y = _data()
    km = keras_model()
    km.compile(optimizer="sgd", loss="mse")
    model = _nf_model()
    model.compile(optimizer=nf.optimizers.SGD(learning_rate=0.01), loss="mse")
    model.set_weights(km.get_weights())
    assert model.evaluate(x, y, batch_size=4, verbose=0) == pytest.approx(
        km.evaluate(x, y, batch_size=4, verbose=0), rel=1e-5)
    assert model.train_on_batch(x, y) == pytest.approx(float(km.train_on_batch(x, y)), rel=1e-5)
    for got, want in zip(model.get_weights(), km.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_compile_without_a_loss_trains_on_the_added_losses_alone(keras_model):
    x, _ = _data()
    km = keras_model()
    km.compile(optimizer="sgd")
    model = _nf_model()
    model.compile(optimizer=nf.optimizers.SGD(learning_rate=0.01))
    model.set_weights(km.get_weights())
    assert model.train_on_batch(x) == pytest.approx(float(km.train_on_batch(x)), rel=1e-5)
    for got, want in zip(model.get_weights(), km.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    history = model.fit(x, epochs=5, batch_size=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_losses_lists_the_latest_pass_only():
    x, _ = _data()
    model = _nf_model()
    model(x)
    model(x[:2])
    penalty = model.layers[1]
    assert len(model.losses) == 1 and len(penalty.losses) == 1
    h = model.layers[0](x[:2]).numpy()
    np.testing.assert_allclose(model.losses[0].numpy(), RATE * (h ** 2).sum(), rtol=1e-5)
    penalty(np.ones((1, 2), "float32"))  # the layer on its own: its own pass, not the model's
    assert penalty.losses[0].numpy() == pytest.approx(RATE * 2)
    assert model.losses == []


def test_a_shared_layer_adds_once_per_call_within_one_pass():
    shared = ActivityPenalty()
    inp = nf.Input((2,))
    out = layers.Add()([shared(inp), shared(inp)])
    model = nf.Model(inp, out)
    with collect_losses() as scope:
        model(np.ones((1, 2), "float32"))
    assert [v.numpy() for v in scope.losses] == pytest.approx([RATE * 2, RATE * 2])
    assert len(shared.losses) == 2


def test_no_leak_between_concurrent_passes():
    barrier = threading.Barrier(2, timeout=10)

    class Waits(nf.layers.Layer):
        def call(self, x):
            self.add_loss(ops.sum(x))
            barrier.wait()  # both passes are now inside call, each holding its own loss
            return x

    layer, results = Waits(), {}

    def run(value):
        with collect_losses() as scope:
            layer(np.full((1, 1), value, "float32"))
        results[value] = [float(v.numpy()) for v in scope.losses]

    threads = [threading.Thread(target=run, args=(v,)) for v in (1.0, 2.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {1.0: [1.0], 2.0: [2.0]}


def test_add_loss_of_per_sample_values_is_summed():
    class PerSample(nf.layers.Layer):
        def call(self, x):
            self.add_loss(ops.sum(x, axis=-1))
            return x

    model = nf.Sequential([nf.Input((2,)), PerSample()])
    model.compile(optimizer="sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no trainable weights
        value = model.test_on_batch(np.ones((3, 2), "float32"))
    assert value == pytest.approx(6.0)


def test_a_model_without_weights_warns_and_still_runs():
    model = nf.Sequential([nf.Input((2,)), ActivityPenalty()])
    model.compile(optimizer="sgd", metrics=["mae"], loss="mse")
    x = np.ones((4, 2), "float32")
    with pytest.warns(UserWarning, match="no trainable weights"):
        history = model.fit(x, x, epochs=1, verbose=0)
    assert history.history["loss"] == [pytest.approx(RATE * 8)] and history.history["mae"] == [0.0]


def test_nothing_to_minimise_is_a_clear_error():
    model = nf.Sequential([nf.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd")
    with pytest.raises(ConfigError, match="no loss to compute.*add_loss"):
        model.train_on_batch(np.ones((2, 2), "float32"))


def test_compute_loss_in_a_custom_train_step_includes_added_losses():
    x, y = _data()
    model = _nf_model()
    model.compile(optimizer="sgd", loss="mse")
    y_pred = model(x, training=True)
    total = model.compute_loss(x, y, y_pred).numpy()
    mse = float(((y_pred.numpy() - y) ** 2).mean())
    assert total == pytest.approx(mse + float(model.losses[0].numpy()), rel=1e-5)


def test_shape_inference_dry_runs_add_no_loss():
    model = _nf_model()  # built symbolically from Input: ActivityPenalty's call ran once on zeros
    assert model.losses == [] and model.layers[1].losses == []
