"""Logits travel with the graph, never through layer state (issue #12).

A sigmoid/softmax output carries its pre-activation (``_keras_logits``, as in Keras 3); a cross-entropy with
``from_logits=False`` computes from it in one fused node. Every caller of a model (fit, evaluate, predict, another
thread, a second head, a custom loss or metric) sees the same probabilities.
"""
import threading

import numpy as np
import pytest

import neuroflow as keras
from neuroflow import layers, ops
from neuroflow.autograd.tensor import Tensor
from tests.conftest import host


def _data(n=240, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5)
    return x, keras.utils.to_categorical(labels, 3).astype(np.float32), labels


def _two_heads():
    """A classifier head (softmax) and a second head that reads the probabilities."""
    keras.utils.set_random_seed(3)
    inputs = keras.Input((5,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    probs = layers.Dense(3, activation="softmax", name="probs")(hidden)
    value = layers.Dense(1, name="value")(probs)
    model = keras.Model(inputs, [probs, value])
    model.compile(optimizer="adam", loss=["categorical_crossentropy", "mse"])
    return model


def _cce(y, p):
    p = np.clip(p / p.sum(-1, keepdims=True), 1e-7, 1 - 1e-7)
    return float(-(y * np.log(p)).sum(-1).mean())


def test_evaluate_equals_the_loss_of_predicts_outputs_with_a_head_reading_probabilities():
    x, y, _ = _data()
    target = x[:, :1] * 0.5
    model = _two_heads()
    model.fit(x, [y, target], epochs=2, batch_size=16, verbose=0)
    probs, value = model.predict(x, verbose=0)
    np.testing.assert_allclose(probs.sum(-1), 1, rtol=1e-5)
    expected = _cce(y, probs) + float(((value - target) ** 2).mean())
    loss = model.evaluate(x, [y, target], batch_size=len(x), verbose=0, return_dict=True)["loss"]
    assert loss == pytest.approx(expected, rel=1e-5)


class _Pause(layers.Layer):
    """Identity. In a training forward it stops midway, lets the other thread run one call of the model
    (``midway`` set), and goes on when that call is over (``resume`` set): the interleaving a thread scheduler
    may produce at any time, made certain."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.midway, self.resume = threading.Event(), threading.Event()

    def call(self, inputs, training=None):
        if training:
            self.resume.clear()
            self.midway.set()
            assert self.resume.wait(timeout=30), "the other thread never finished its call"
        return inputs


def _model(kind):
    """Dense relu -> pause -> Dense softmax, compiled with categorical cross-entropy; and its pause layer."""
    keras.utils.set_random_seed(5)
    pause = _Pause()
    stack = [layers.Dense(16, activation="relu"), pause, layers.Dense(3, activation="softmax")]
    if kind == "sequential":
        model = keras.Sequential([keras.Input((5,))] + stack)
    else:
        inputs = keras.Input((5,))
        out = inputs
        for layer in stack:
            out = layer(out)
        model = keras.Model(inputs, out)
    # the pause is a Python side effect of call(): a compiled (replayed) step would not run it
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"], jit_compile=False)
    return model, pause


def _beside_fit(model, pause, x, y, work, epochs=2):
    """Fit ``model`` in another thread; in the middle of each training step's forward, run ``work()`` here.
    Returns the fit's history and what ``work`` returned."""
    history, results = {}, []

    def train():
        try:
            history["h"] = model.fit(x, y, epochs=epochs, batch_size=16, shuffle=True, verbose=0).history
        finally:
            pause.midway.set()

    thread = threading.Thread(target=train)
    thread.start()
    while True:
        pause.midway.wait(timeout=30)
        pause.midway.clear()
        if not thread.is_alive():
            break
        results.append(work())
        pause.resume.set()
    thread.join()
    return history["h"], results


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_predict_in_another_thread_midway_through_fit_returns_probabilities(kind):
    x, y, _ = _data(64)
    model, pause = _model(kind)
    _, outs = _beside_fit(model, pause, x, y, lambda: model.predict(x[:8], verbose=0))
    assert len(outs) == 8  # one per training step: 2 epochs of 4 batches
    outs = np.stack(outs)
    assert ((outs >= 0) & (outs <= 1)).all()
    np.testing.assert_allclose(outs.sum(-1), 1, rtol=1e-5)


def test_evaluate_in_another_thread_midway_through_fit_leaves_the_training_loss_unchanged():
    x, y, _ = _data(64)
    model, pause = _model("functional")
    alone, _ = _beside_fit(model, pause, x, y, lambda: None)
    model, pause = _model("functional")
    beside, _ = _beside_fit(model, pause, x, y, lambda: model.evaluate(x[:16], y[:16], verbose=0))
    assert beside["loss"] == alone["loss"]


# --- the fused kernel ----------------------------------------------------------------------------------------
def _value_and_grad(loss_fn, z, through):
    z = Tensor(z, requires_grad=True, dtype="float64")
    loss = loss_fn(through(z))
    loss.backward()
    return float(loss.data), z.grad, loss


CASES = {
    "categorical": (lambda y: keras.losses.CategoricalCrossentropy(), ops.softmax, (6, 4)),
    "sparse": (lambda y: keras.losses.SparseCategoricalCrossentropy(), ops.softmax, (6, 4)),
    "binary": (lambda y: keras.losses.BinaryCrossentropy(), ops.sigmoid, (6, 3)),
}


def _targets(kind, shape, rng):
    if kind == "sparse":
        return rng.integers(0, shape[-1], shape[0])
    if kind == "binary":
        return (rng.random(shape) > 0.5).astype(np.float64)
    return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[0])]


@pytest.mark.parametrize("kind", sorted(CASES))
def test_the_loss_on_probabilities_carrying_logits_is_one_fused_node_equal_to_the_unfused_form(kind):
    make, activation, shape = CASES[kind]
    rng = np.random.default_rng(0)
    z, y = rng.normal(size=shape) * 2, _targets(kind, shape, rng)
    loss = make(y)
    fused, g_fused, node = _value_and_grad(lambda p: loss(y, p), z, activation)
    # p * 1.0 is derived from the probabilities: it carries no logits, so the probability form runs
    plain, g_plain, _ = _value_and_grad(lambda p: loss(y, p * 1.0), z, activation)
    assert fused == pytest.approx(plain, rel=1e-12)
    np.testing.assert_allclose(g_fused, g_plain, rtol=1e-9, atol=1e-15)
    assert type(node._node).__name__ in ("SoftmaxCE", "SparseSoftmaxCE", "SigmoidBCE")  # the loss and its mean


def test_the_fused_loss_reads_the_layers_logits_and_skips_the_activation():
    keras.utils.set_random_seed(0)
    dense = layers.Dense(3, activation="softmax")
    x = np.random.default_rng(1).normal(size=(4, 2)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[[0, 1, 2, 0]]
    probs = dense(x)
    np.testing.assert_allclose(probs.numpy().sum(-1), 1, rtol=1e-6)
    loss = keras.losses.CategoricalCrossentropy()(y, probs)
    assert loss._node.inputs[0] is probs._keras_logits  # one node, fed the logits: backward skips the softmax
    expected = keras.losses.CategoricalCrossentropy(from_logits=True)(y, probs._keras_logits)
    assert float(loss.data) == float(expected.data)


def test_derived_tensors_carry_no_logits():
    p = ops.softmax(Tensor(np.ones((2, 3))))
    assert p._keras_logits is not None
    for derived in (p[:, :2], p * 2.0, ops.reshape(p, (3, 2)), p + 0.0):
        assert derived._keras_logits is None
    assert ops.softmax(Tensor(np.ones((2, 3))), axis=0)._keras_logits is None  # not the class axis


@pytest.mark.parametrize("kind", ["binary", "categorical"])
def test_saturating_logits_give_the_exact_finite_loss_and_a_gradient_that_does_not_vanish(kind):
    z = np.array([[1e4, -1e4], [-1e4, 1e4]])
    if kind == "binary":
        y = np.array([[0.0, 1.0], [1.0, 0.0]])  # every prediction confidently wrong
        value, grad, _ = _value_and_grad(lambda p: keras.losses.BinaryCrossentropy()(y, p), z, ops.sigmoid)
        expected_grad = (1 / (1 + np.exp(-np.clip(z, -50, 50))) - y) / y.size
    else:
        y = np.array([[0.0, 1.0], [1.0, 0.0]])
        value, grad, _ = _value_and_grad(lambda p: keras.losses.CategoricalCrossentropy()(y, p), z, ops.softmax)
        expected_grad = (np.exp(z - z.max(-1, keepdims=True)) - y) / len(y)
    assert value == pytest.approx(2e4 if kind == "categorical" else 1e4, rel=1e-12)  # not clipped at -log(1e-7)
    assert np.isfinite(host(grad)).all()
    np.testing.assert_allclose(grad, expected_grad, atol=1e-12)


def test_fit_on_saturated_outputs_stays_finite():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), layers.Dense(2, activation="softmax", kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    x = np.array([[1e4, -1e4], [-1e4, 1e4]], np.float32)
    y = np.array([[0, 1], [1, 0]], np.float32)
    history = model.fit(x, y, epochs=2, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_custom_losses_and_metrics_receive_probabilities():
    x, y, _ = _data(64)
    seen = {"loss": [], "metric": []}

    def custom_loss(y_true, y_pred):
        seen["loss"].append(np.array(host(y_pred.data)))
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

    def custom_metric(y_true, y_pred):
        seen["metric"].append(np.array(host(y_pred)))
        return ops.zeros((len(y_true),))  # keras.ops, as Keras' own custom metrics: on the data's device

    for loss in (custom_loss, keras.losses.CategoricalCrossentropy()):
        model, pause = _model("functional")
        pause.call = lambda inputs, training=None: inputs  # no other thread here: no pausing
        # custom_loss records each call (a Python side effect): a compiled step would call it only when tracing
        model.compile(optimizer="adam", loss=loss, metrics=[custom_metric], jit_compile=False)
        model.fit(x, y, epochs=1, batch_size=16, verbose=0)
        model.evaluate(x, y, verbose=0)
    assert len(seen["loss"]) == 4 + 2 and len(seen["metric"]) == 2 * (4 + 2)  # 4 training, 2 evaluation batches
    for p in seen["loss"] + seen["metric"]:
        np.testing.assert_allclose(p.sum(-1), 1, rtol=1e-5)


def test_from_logits_true_on_a_sigmoid_output_warns_as_keras_does():
    z = Tensor(np.array([[0.3, -1.2]]))
    y = np.array([[1.0, 0.0]])
    with pytest.warns(UserWarning, match="from_logits=True, but the output comes straight from a sigmoid/softmax"):
        value = keras.losses.BinaryCrossentropy(from_logits=True)(y, ops.sigmoid(z))
    expected = keras.losses.BinaryCrossentropy(from_logits=True)(y, ops.sigmoid(z) * 1.0)  # what was asked
    assert float(value.data) == float(expected.data)
