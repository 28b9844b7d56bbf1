"""Models that the compiled step used to leave eager now compile, bit for bit equal to eager: Embedding's ids are
an input of its lookup node (a feed), and the noise layers draw inside a random node."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers

from tests.conftest import ON_DEVICE

from .test_trace_step import _replayed, _same_as_eager

RNG = np.random.default_rng(11)
IDS = RNG.integers(1, 30, (48, 7))
IDS[::3, 5:] = 0  # padding, for mask_zero
Y = RNG.integers(0, 3, 48)


@pytest.mark.parametrize("rnn", ["LSTM", "GRU", "SimpleRNN"])
def test_embedding_into_a_recurrent_layer_compiles(rnn):
    def build():
        return nf.models.Sequential([layers.Input((7,), dtype="int64"), layers.Embedding(30, 6),
                                     getattr(layers, rnn)(5), layers.Dense(3, activation="softmax")])
    _replayed(_same_as_eager(build, x=IDS, y=Y, batch_size=16))


def test_char_lstm_shaped_model_compiles():
    """The char-LSTM benchmark's model: Embedding -> LSTM(return_sequences) -> Dense(softmax) on every step."""
    x = RNG.integers(0, 12, (32, 9))
    y = RNG.integers(0, 12, (32, 9))

    def build():
        return nf.models.Sequential([layers.Input((9,), dtype="int64"), layers.Embedding(12, 5),
                                     layers.LSTM(8, return_sequences=True), layers.Dense(12, activation="softmax")])
    _replayed(_same_as_eager(build, x=x, y=y, batch_size=8))


def test_float_ids_are_a_feed_view():
    """Whole-number float ids (a cast outside the graph) are re-derived from the feed at every replay."""
    def build():
        return nf.models.Sequential([layers.Input((7,)), layers.Embedding(30, 4), layers.Flatten(),
                                     layers.Dense(3, activation="softmax")])
    _replayed(_same_as_eager(build, x=IDS.astype("float32"), y=Y, batch_size=16))


@pytest.mark.skipif(ON_DEVICE, reason="on a device ids are not range-checked (a transfer per step): an out-of-range "
                                     "id follows the device library's rule, eagerly and replayed alike (README)")
def test_out_of_range_id_in_a_replay_names_the_layer():
    nf.random.set_seed(0)
    model = nf.models.Sequential([layers.Input((7,), dtype="int64"), layers.Embedding(30, 4, name="emb"),
                                  layers.Flatten(), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(IDS, Y, batch_size=16, epochs=1, verbose=0)
    _replayed(model)
    bad = IDS.copy()
    bad[3, 2] = 30
    with pytest.raises(nf.errors.IndexOutOfRangeError, match="Embedding 'emb'.*input_dim=30"):
        model.fit(bad, Y, batch_size=16, epochs=1, verbose=0)


@pytest.mark.parametrize("make", [lambda: layers.GaussianNoise(0.2), lambda: layers.GaussianDropout(0.3),
                                  lambda: layers.AlphaDropout(0.2), lambda: layers.GaussianNoise(0.2, seed=5),
                                  lambda: layers.AlphaDropout(0.2, noise_shape=(None, 1))],
                         ids=["gaussian-noise", "gaussian-dropout", "alpha-dropout", "seeded", "alpha-noise-shape"])
def test_noise_layers_compile(make):
    x = RNG.normal(size=(48, 6)).astype("float32")

    def build():
        return nf.models.Sequential([layers.Input((6,)), layers.Dense(8, activation="selu"), make(),
                                     layers.Dense(3, activation="softmax")])
    _replayed(_same_as_eager(build, x=x, y=Y, batch_size=16))


@pytest.mark.parametrize("cls, shape", [("SpatialDropout1D", (5, 4)), ("SpatialDropout2D", (4, 4, 3)),
                                        ("SpatialDropout3D", (3, 3, 3, 2))])
def test_spatial_dropout_compiles(cls, shape):
    x = RNG.normal(size=(48,) + shape).astype("float32")

    def build():
        return nf.models.Sequential([layers.Input(shape), getattr(layers, cls)(0.3), layers.Flatten(),
                                     layers.Dense(3, activation="softmax")])
    _replayed(_same_as_eager(build, x=x, y=Y, batch_size=16))


def test_noise_draws_unchanged_from_the_layer_generator():
    """The node draws what the layer drew before: NumPy's normals from the layer's generator, scaled in place."""
    layer = layers.GaussianNoise(0.5, seed=3)
    x = np.ones((4, 3), "float32")
    out = layer(x, training=True).numpy()
    noise = np.random.default_rng(3).standard_normal((4, 3), dtype=np.float32)
    noise *= 0.5
    assert np.array_equal(out, x + noise)


def test_gaussian_and_alpha_dropout_draws_unchanged():
    """GaussianDropout's and AlphaDropout's noise, as the layers computed it before it moved into a node."""
    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    out = layers.GaussianDropout(0.3, seed=2)(x, training=True).numpy()
    noise = np.random.default_rng(2).standard_normal((4, 3), dtype=np.float32)
    noise *= np.sqrt(0.3 / 0.7)
    noise += 1.0
    assert np.array_equal(out, x * noise)

    out = layers.AlphaDropout(0.2, seed=4)(x, training=True).numpy()
    kept = (np.random.default_rng(4).random((4, 3), dtype=np.float32) >= 0.2).astype("float32")
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = ((1 - 0.2) * (1 + 0.2 * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * 0.2
    assert np.array_equal(out, x * (a * kept).astype("float32") + (a * alpha_p * (1 - kept) + b).astype("float32"))
