"""ConvLSTM1D/2D/3D: Keras parity with the same weights (paddings, strides, dilation, channels_first, masks,
go_backwards, states), finite-difference gradients in float64 through the layer, the shared layer checks, stateful
runs and argument errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import ConfigError, ShapeError
from tests.conftest import host

from ..keras_oracle import keras
from .layer_check import check_layer

RNG = np.random.default_rng(0)
MASK = np.ones((2, 4), bool)
MASK[1, 2:] = False

CASES = [  # (class, input shape (batch, time, ...), kwargs)
    ("ConvLSTM1D", (2, 4, 7, 3), {"filters": 2, "kernel_size": 3}),
    ("ConvLSTM1D", (2, 4, 7, 3), {"filters": 2, "kernel_size": 2, "padding": "same", "strides": 2,
                                  "return_sequences": True, "return_state": True}),
    ("ConvLSTM2D", (2, 4, 5, 6, 2), {"filters": 3, "kernel_size": (3, 2), "padding": "same",
                                     "return_sequences": True}),
    ("ConvLSTM2D", (2, 4, 6, 6, 2), {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "go_backwards": True,
                                     "return_state": True, "unit_forget_bias": False}),
    ("ConvLSTM2D", (2, 4, 2, 5, 5), {"filters": 2, "kernel_size": 2, "data_format": "channels_first",
                                     "return_sequences": True, "activation": "relu", "use_bias": False}),
    ("ConvLSTM3D", (2, 4, 3, 4, 4, 2), {"filters": 2, "kernel_size": 2, "padding": "same", "return_state": True}),
]


def _random_weights(layer):
    return [RNG.standard_normal(w.shape).astype(np.float32) * 0.4 for w in layer.get_weights()]


@pytest.mark.parametrize("name, shape, kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_conv_lstm_matches_keras(name, shape, kwargs):
    k = keras()
    x = RNG.standard_normal(shape).astype(np.float32)
    ours, theirs = getattr(layers, name)(**kwargs), getattr(k.layers, name)(**kwargs)
    ours(x), theirs(x)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    weights = _random_weights(ours)
    ours.set_weights(weights), theirs.set_weights(weights)
    for mask in (None, MASK):
        a, b = ours(x, mask=mask), theirs(x, mask=mask)
        a, b = (a, b) if isinstance(a, list) else ([a], [b])
        assert len(a) == len(b)
        for mine, ref in zip(a, b):
            np.testing.assert_allclose(mine.numpy(), k.ops.convert_to_numpy(ref), rtol=1e-4, atol=1e-5)
    assert tuple(ours.compute_output_shape(shape)[0] if kwargs.get("return_state") else
                 ours.compute_output_shape(shape)) == tuple(a[0].shape)


def test_initial_state_matches_keras():
    k = keras()
    x = RNG.standard_normal((2, 3, 5, 5, 2)).astype(np.float32)
    h0, c0 = (RNG.standard_normal((2, 5, 5, 3)).astype(np.float32) for _ in range(2))
    ours, theirs = layers.ConvLSTM2D(3, 3, padding="same"), k.layers.ConvLSTM2D(3, 3, padding="same")
    ours(x), theirs(x)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours(x, initial_state=[h0, c0]).numpy(),
                               k.ops.convert_to_numpy(theirs(x, initial_state=[h0, c0])), rtol=1e-4, atol=1e-5)


def test_gradients_match_finite_differences_in_float64():
    layer = layers.ConvLSTM2D(2, 2, padding="same", return_sequences=True, dtype="float64")
    x0 = RNG.standard_normal((2, 3, 3, 3, 2))
    layer(nf.Tensor(x0, dtype=np.float64))
    layer.set_weights([w.astype(np.float64) for w in _random_weights(layer)])
    upstream = RNG.standard_normal(layer(nf.Tensor(x0, dtype=np.float64)).shape)

    def loss(x_arr):
        with nf.no_grad():
            return float((layer(nf.Tensor(x_arr, dtype=np.float64)).numpy() * upstream).sum())

    x = nf.Tensor(x0, dtype=np.float64, requires_grad=True)
    out = layer(x)
    (out * nf.Tensor(upstream, dtype=np.float64)).sum().backward()
    eps = 1e-6
    for i in RNG.choice(x0.size, 12, replace=False):
        xp, xm = x0.copy().reshape(-1), x0.copy().reshape(-1)
        xp[i] += eps
        xm[i] -= eps
        numeric = (loss(xp.reshape(x0.shape)) - loss(xm.reshape(x0.shape))) / (2 * eps)
        np.testing.assert_allclose(x.grad.reshape(-1)[i], numeric, rtol=1e-5, atol=1e-7)
    for w in layer.trainable_weights:
        grad = host(w.grad).reshape(-1)
        flat = w.numpy().reshape(-1)
        for i in RNG.choice(flat.size, 4, replace=False):
            old = flat[i]
            w.assign(_with(flat, i, old + eps).reshape(w.shape))
            plus = loss(x0)
            w.assign(_with(flat, i, old - eps).reshape(w.shape))
            minus = loss(x0)
            w.assign(_with(flat, i, old).reshape(w.shape))
            np.testing.assert_allclose(grad[i], (plus - minus) / (2 * eps), rtol=1e-5, atol=1e-7)


def _with(flat, i, value):
    out = flat.copy()
    out[i] = value
    return out


@pytest.mark.parametrize("factory, shape, out", [
    (lambda: layers.ConvLSTM1D(2, 3), (2, 3, 6, 2), (2, 4, 2)),
    (lambda: layers.ConvLSTM2D(2, 2, padding="same", return_sequences=True), (2, 3, 4, 4, 1), (2, 3, 4, 4, 2)),
    (lambda: layers.ConvLSTM3D(2, 2), (2, 2, 3, 3, 3, 1), (2, 2, 2, 2, 2)),
])
def test_layer_checks(factory, shape, out, tmp_path):
    check_layer(factory, shape, expected_output_shape=out, trainable_weights=3, tmp_path=tmp_path)


def test_config_round_trip_keeps_every_argument():
    layer = layers.ConvLSTM2D(4, (3, 2), strides=(1, 2), padding="same", data_format="channels_first",
                              recurrent_activation="hard_sigmoid", dropout=0.1, recurrent_dropout=0.2, seed=3,
                              return_sequences=True, go_backwards=True, unit_forget_bias=False)
    config = layer.get_config()
    again = layers.ConvLSTM2D.from_config(config)
    assert again.get_config() == config
    assert config["kernel_size"] == (3, 2) and config["strides"] == (1, 2) and config["filters"] == 4


def test_dropout_changes_training_output_only():
    x = RNG.standard_normal((2, 3, 4, 4, 2)).astype(np.float32)
    layer = layers.ConvLSTM2D(2, 2, padding="same", dropout=0.5, recurrent_dropout=0.5, seed=1)
    inference = layer(x).numpy()
    np.testing.assert_array_equal(layer(x, training=False).numpy(), inference)
    assert not np.allclose(layer(x, training=True).numpy(), inference)


def test_stateful_continues_from_the_last_states():
    x = RNG.standard_normal((2, 4, 5, 2)).astype(np.float32)
    whole = layers.ConvLSTM1D(2, 3, padding="same")
    halves = layers.ConvLSTM1D(2, 3, padding="same", stateful=True)
    whole(x), halves(x[:, :2])
    halves.reset_states()
    halves.set_weights(whole.get_weights())
    halves(x[:, :2])
    np.testing.assert_allclose(halves(x[:, 2:]).numpy(), whole(x).numpy(), rtol=1e-5, atol=1e-6)


def test_errors_name_the_layer_and_argument():
    with pytest.raises(ConfigError, match="dilation_rate"):
        layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ConfigError, match="padding"):
        layers.ConvLSTM2D(2, 3, padding="causal")
    with pytest.raises(ShapeError, match="ConvLSTM2D.*rank 5"):
        layers.ConvLSTM2D(2, 3)(np.zeros((2, 3, 4, 4), np.float32))
    with pytest.raises(ShapeError, match="smaller"):
        layers.ConvLSTM1D(2, 5)(np.zeros((2, 3, 3, 1), np.float32))
