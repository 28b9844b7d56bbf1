"""The compiled training step (compile(jit_compile=...)): weights and logs equal the eager step's bit for bit, for
every kind of model; re-traces on new shapes and flipped branches; unsafe steps stay eager."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers, ops
from neuroflow.errors import ConfigError

RNG = np.random.default_rng(7)
X = RNG.normal(size=(90, 8)).astype("float32")
Y = RNG.integers(0, 3, 90)


def _train(build, jit, x=X, y=Y, epochs=2, batch_size=16, compile_kw=None, fit_kw=None, seed=3):
    nf.random.set_seed(seed)
    model = build()
    kw = {"optimizer": "adam", "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}
    kw.update(compile_kw or {})
    model.compile(jit_compile=jit, **kw)
    hist = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, **(fit_kw or {}))
    return model, hist.history


def _same_as_eager(build, **kw):
    """Train eagerly and compiled from the same seed; the weights and the logs must be identical."""
    eager, h_eager = _train(build, False, **kw)
    jit, h_jit = _train(build, "auto", **kw)  # the default
    assert eager._jit_status() == []
    for a, b in zip(eager.get_weights(), jit.get_weights()):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert h_eager == h_jit
    return jit


def _replayed(model):
    status = model._jit_status()
    assert status and all(s["eager"] is None for s in status), status
    assert sum(s["replays"] for s in status) > 0, status
    return status


def _mlp():
    return nf.models.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu"),
                                 layers.Dense(3, activation="softmax")])


def test_mlp_bit_for_bit_and_last_batch_retraces():
    model = _same_as_eager(_mlp)
    status = _replayed(model)
    assert len(status) == 2  # 90 = 5 x 16 + 10: the smaller last batch is a second signature, traced anew


def test_cnn_bit_for_bit():
    x = RNG.normal(size=(40, 8, 8, 1)).astype("float32")
    y = RNG.integers(0, 3, 40)

    def build():
        return nf.models.Sequential([layers.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                                     layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(3, activation="softmax")])
    _replayed(_same_as_eager(build, x=x, y=y, batch_size=8))


def test_batchnorm_moving_statistics_bit_for_bit():
    def build():
        return nf.models.Sequential([layers.Input((8,)), layers.Dense(16), layers.BatchNormalization(),
                                     layers.Activation("relu"), layers.Dense(3, activation="softmax")])
    model = _same_as_eager(build)
    _replayed(model)
    bn = model.layers[1]
    assert not np.array_equal(bn.moving_mean.numpy(), np.zeros_like(bn.moving_mean.numpy()))


def test_dropout_redrawn_each_replay_same_as_eager():
    def build():
        return nf.models.Sequential([layers.Input((8,)), layers.Dense(32, activation="relu"), layers.Dropout(0.4),
                                     layers.Dense(3, activation="softmax")])
    _replayed(_same_as_eager(build, epochs=3))


def test_lstm_bit_for_bit():
    x = RNG.normal(size=(24, 5, 3)).astype("float32")
    y = RNG.integers(0, 3, 24)

    def build():
        return nf.models.Sequential([layers.Input((5, 3)), layers.LSTM(6), layers.Dense(3, activation="softmax")])
    # validation replays the forward-only program too (the recurrent node releases itself there: restored)
    _replayed(_same_as_eager(build, x=x, y=y, batch_size=8, epochs=3, fit_kw={"validation_data": (x[:16], y[:16])}))


def test_multi_output_with_sample_weights():
    w = RNG.uniform(0.5, 2.0, size=90).astype("float32")
    y2 = RNG.normal(size=(90, 2)).astype("float32")

    def build():
        inp = layers.Input((8,))
        h = layers.Dense(12, activation="tanh")(inp)
        a = layers.Dense(3, activation="softmax", name="cls")(h)
        b = layers.Dense(2, name="reg")(h)
        return nf.models.Model(inp, [a, b])
    model = _same_as_eager(build, y=[Y, y2], compile_kw={"loss": ["sparse_categorical_crossentropy", "mse"],
                                                         "loss_weights": [1.0, 0.5], "metrics": None},
                           fit_kw={"sample_weight": w})
    status = model._jit_status()
    assert status and all(s["eager"] is None for s in status), status


class _Penalised(layers.Layer):
    """Adds an activity loss with add_loss in call."""

    def call(self, x):
        self.add_loss(0.01 * ops.mean(ops.square(x)))
        return x


def test_add_loss_and_regularizers():
    def build():
        return nf.models.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu",
                                                                      kernel_regularizer="l2"),
                                     _Penalised(), layers.Dense(3, activation="softmax")])
    _replayed(_same_as_eager(build))


class _Branchy(layers.Layer):
    """A Python branch on a tensor value: doubles its input when the mean is positive, negates it otherwise."""

    def call(self, x):
        if ops.mean(x) > 0:
            return x * 2.0
        return -x


def test_python_branch_on_value_retraces_when_it_flips():
    x = np.concatenate([np.abs(X[:48]) + 0.5, -np.abs(X[48:]) - 0.5]).astype("float32")

    def build():
        return nf.models.Sequential([layers.Input((8,)), _Branchy(), layers.Dense(3, activation="softmax")])
    # no shuffle: the first batches take one branch, the later ones the other
    model = _same_as_eager(build, x=x, epochs=4, fit_kw={"shuffle": False})
    status = model._jit_status()
    assert any(s["compiled"] >= 2 for s in status), status  # both branches compiled, each replayed by its guard


class _NumpyNoise(layers.Layer):
    """Noise drawn with NumPy outside any graph node (what the built-in noise layers no longer do)."""

    def call(self, inputs, training=None):
        return inputs + self.rng.normal(0.0, 0.1, inputs.shape).astype("float32") if training else inputs


def test_unsafe_random_draw_stays_eager_with_a_reason():
    def build():
        return nf.models.Sequential([layers.Input((8,)), _NumpyNoise(), layers.Dense(3, activation="softmax")])
    model = _same_as_eager(build)
    status = model._jit_status()
    # the noise drawn outside the graph: found as a draw, or (the layer's generator made during its first call)
    # as a batch-shaped array computed outside the graph
    assert status and all(s["eager"] and ("random" in s["eager"] or "batch" in s["eager"]) for s in status), status
    assert any("random" in s["eager"] for s in status)
    assert all(s["replays"] == 0 for s in status)


def test_jit_compile_true_warns_when_unsafe():
    nf.random.set_seed(0)
    model = nf.models.Sequential([layers.Input((8,)), _NumpyNoise(), layers.Dense(3)])
    model.compile("adam", "mse", jit_compile=True)
    with pytest.warns(UserWarning, match="runs eagerly: a random draw outside a graph node"):
        model.fit(X, RNG.normal(size=(90, 3)).astype("float32"), epochs=1, verbose=0)
    assert model._jit_status()[0]["eager"]


def test_jit_compile_false_and_run_eagerly_are_eager():
    for kw in ({"jit_compile": False}, {"run_eagerly": True}):
        nf.random.set_seed(0)
        model = _mlp()
        model.compile("adam", "sparse_categorical_crossentropy", **kw)
        model.fit(X, Y, epochs=1, verbose=0)
        assert model._jit_status() == []


def test_jit_compile_rejects_other_values():
    model = _mlp()
    with pytest.raises(ConfigError, match="jit_compile"):
        model.compile("adam", "mse", jit_compile="yes")


def test_custom_train_step_stays_eager():
    class Custom(nf.models.Sequential):
        def train_step(self, data):
            x, y = data
            return {"loss": 0.0}
    nf.random.set_seed(0)
    model = Custom([layers.Input((8,)), layers.Dense(3)])
    model.compile("adam", "mse")
    model.fit(X, RNG.normal(size=(90, 3)).astype("float32"), epochs=1, verbose=0)
    assert model._jit_status() == []


def test_compile_again_traces_anew():
    nf.random.set_seed(0)
    model = _mlp()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X, Y, epochs=2, batch_size=30, verbose=0)
    assert model._jit_status()[0]["replays"] > 0
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert model._jit_status() == []
    model.fit(X, Y, epochs=1, batch_size=30, verbose=0)
    assert model._jit_status()[0]["traces"] == 2


def test_evaluate_and_validation_replay_the_forward_program():
    x_val, y_val = X[:40], Y[:40]
    results = []
    for jit in (False, True):
        nf.random.set_seed(2)
        model = nf.models.Sequential([layers.Input((8,)), layers.Dense(16), layers.BatchNormalization(),
                                      layers.Dropout(0.3), layers.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=jit)
        hist = model.fit(X, Y, batch_size=16, epochs=3, verbose=0, validation_data=(x_val, y_val))
        results.append((hist.history, [model.evaluate(x_val, y_val, batch_size=8, verbose=0) for _ in range(3)]))
        if jit:
            assert any(s["replays"] for s in model._jit_status())
    assert results[0] == results[1]


class _MaskFromData(layers.Layer):
    """Zeroes negative inputs through a mask made with NumPy on the data: invisible to the recorder."""

    def call(self, x):
        return x * nf.Tensor((x.data > 0).astype("float32"))


def test_batch_shaped_array_made_outside_the_graph_stays_eager():
    # the first batches are all positive (the mask is all ones, as if constant); later ones are not
    x = np.concatenate([np.abs(X[:48]) + 0.1, X[48:]]).astype("float32")

    def build():
        return nf.models.Sequential([layers.Input((8,)), _MaskFromData(), layers.Dense(3, activation="softmax")])
    model = _same_as_eager(build, x=x, fit_kw={"shuffle": False})
    status = model._jit_status()
    assert all(s["eager"] and "shaped like the batch" in s["eager"] for s in status), status


def test_embedding_ids_are_a_feed_and_compile():
    ids = RNG.integers(0, 20, (90, 5))

    def build():
        return nf.models.Sequential([layers.Input((5,), dtype="int32"), layers.Embedding(20, 4),
                                     layers.GlobalAveragePooling1D(), layers.Dense(3, activation="softmax")])
    model = _same_as_eager(build, x=ids)
    _replayed(model)
