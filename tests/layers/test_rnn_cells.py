"""RNN with SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells and a user-defined cell: Keras parity with the same
weights (masks, go_backwards, states), equality with the fused layers, the shared layer checks, errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.models import Sequential, load_model
from neuroflow.saving import register_serializable

from ..keras_oracle import keras
from .layer_check import check_layer

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 5, 3)).astype(np.float32)
MASK = np.ones((2, 5), bool)
MASK[1, 3:] = False

CELLS = [("SimpleRNNCell", {}), ("LSTMCell", {}), ("GRUCell", {}), ("GRUCell", {"reset_after": False}),
         ("LSTMCell", {"use_bias": False})]


@pytest.mark.parametrize("cell, kwargs", CELLS)
@pytest.mark.parametrize("rnn_kwargs", [{}, {"return_sequences": True, "return_state": True},
                                        {"go_backwards": True, "return_sequences": True},
                                        {"return_sequences": True, "zero_output_for_mask": True}])
def test_rnn_matches_keras(cell, kwargs, rnn_kwargs):
    k = keras()
    theirs = k.layers.RNN(getattr(k.layers, cell)(4, **kwargs), **rnn_kwargs)
    ours = layers.RNN(getattr(layers, cell)(4, **kwargs), **rnn_kwargs)
    theirs(X), ours(X)
    weights = [RNG.standard_normal(w.shape).astype(np.float32) * 0.5 for w in ours.get_weights()]
    theirs.set_weights(weights), ours.set_weights(weights)
    for mask in (None, MASK):
        a, b = ours(X, mask=mask), theirs(X, mask=mask)
        a, b = (a, b) if isinstance(a, list) else ([a], [b])
        for mine, keras_out in zip(a, b):
            np.testing.assert_allclose(mine.numpy(), k.ops.convert_to_numpy(keras_out), rtol=1e-5, atol=1e-6)


def test_stacked_cells_match_keras_and_states_are_flat():
    k = keras()
    theirs = k.layers.RNN([k.layers.LSTMCell(4), k.layers.GRUCell(3)], return_state=True)
    ours = layers.RNN([layers.LSTMCell(4), layers.GRUCell(3)], return_state=True)
    theirs(X), ours(X)
    ours.set_weights([k.ops.convert_to_numpy(w) for w in theirs.weights])
    out, h1, c1, h2 = ours(X)
    t_out, (t_h1, t_c1), (t_h2,) = theirs(X)
    for mine, keras_out in ((out, t_out), (h1, t_h1), (c1, t_c1), (h2, t_h2)):
        np.testing.assert_allclose(mine.numpy(), k.ops.convert_to_numpy(keras_out), rtol=1e-5, atol=1e-6)
    again = ours(X, initial_state=[[h1, c1], [h2]])  # nested initial states, as Keras takes them
    assert again[0].shape == (2, 3)


@pytest.mark.parametrize("cell, fused", [(lambda: layers.LSTMCell(4), lambda: layers.LSTM(4, return_sequences=True)),
                                         (lambda: layers.GRUCell(4), lambda: layers.GRU(4, return_sequences=True)),
                                         (lambda: layers.SimpleRNNCell(4),
                                          lambda: layers.SimpleRNN(4, return_sequences=True))])
def test_cell_weights_equal_the_fused_layers(cell, fused):
    layer, rnn = fused(), layers.RNN(cell(), return_sequences=True)
    layer(X), rnn(X)
    rnn.set_weights(layer.get_weights())
    np.testing.assert_allclose(rnn(X, mask=MASK).numpy(), layer(X, mask=MASK).numpy(), rtol=1e-5, atol=1e-6)


def test_check_layer():
    check_layer(lambda: layers.RNN(layers.LSTMCell(3), return_sequences=True), (4, 5, 2), (4, 5, 3),
                trainable_weights=3, atol=1e-6)
    check_layer(lambda: layers.RNN([layers.GRUCell(3), layers.SimpleRNNCell(2)]), (4, 5, 2), (4, 2),
                trainable_weights=6, atol=1e-6)


@register_serializable("tests")
class MinimalCell(nf.layers.Layer):
    """A user cell: ``h = tanh(x @ w + h_prev @ u)``."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1], self.units))
        self.u = self.add_weight("u", (self.units, self.units), "orthogonal")
        self.built = True

    def call(self, inputs, states):
        h = nf.ops.tanh(nf.ops.matmul(inputs, self.w) + nf.ops.matmul(states[0], self.u))
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_user_cell_trains_saves_and_loads(tmp_path):
    nf.random.set_seed(0)
    model = Sequential([layers.Input((5, 3)), layers.RNN(MinimalCell(4)), layers.Dense(1)])
    model.compile(optimizer=nf.optimizers.Adam(0.05), loss="mse")
    x = RNG.standard_normal((32, 5, 3)).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None] * 0.2
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    model.save(str(tmp_path / "m.neuroflow"))
    loaded = load_model(str(tmp_path / "m.neuroflow"))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_stateful_rnn_carries_states():
    rnn = layers.RNN(layers.GRUCell(3), stateful=True)
    whole = layers.RNN(layers.GRUCell(3))
    rnn(X[:, :2]), whole(X)
    whole.set_weights(rnn.get_weights())
    rnn.reset_states()
    rnn(X[:, :2])
    np.testing.assert_allclose(rnn(X[:, 2:]).numpy(), whole(X).numpy(), rtol=1e-6)
    with pytest.raises(ShapeError, match="stateful"):
        rnn(X[:1])


def test_cell_dropout_mask_is_per_sequence():
    cell = layers.SimpleRNNCell(3, dropout=0.5, seed=0)
    h = [np.zeros((2, 3), np.float32)]
    a, _ = cell(X[:, 0], h, training=True)
    b, _ = cell(X[:, 0], h, training=True)
    np.testing.assert_array_equal(a.numpy(), b.numpy())  # the same mask until reset
    cell.reset_dropout_mask()
    c, _ = cell(X[:, 0], h, training=True)
    assert not np.array_equal(a.numpy(), c.numpy())


def test_bad_arguments_and_shapes():
    with pytest.raises(ConfigError, match="cell must be"):
        layers.RNN(layers.Dense(3))
    with pytest.raises(ConfigError, match="units"):
        layers.LSTMCell(0)
    with pytest.raises(ConfigError, match="cells must be"):
        layers.StackedRNNCells([])
    with pytest.raises(ShapeError, match="timesteps"):
        layers.RNN(layers.GRUCell(2))(np.ones((2, 3), np.float32))
    with pytest.raises(ShapeError, match="initial state"):
        layers.RNN(layers.LSTMCell(2))(X, initial_state=[np.zeros((2, 2), np.float32)])
