"""The Keras training API end to end: fit/evaluate/predict, functional and subclassed models, resume, errors."""
import numpy as np
import pytest

import neuroflow as keras
from neuroflow import layers
from neuroflow.errors import (ConfigError, DataError, NotCompiledError, SavingError, ShapeError)


def spirals(n=600, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.25, 3 * np.pi, n)
    cls = rng.integers(0, 2, n)
    r = t / (3 * np.pi)
    x = np.stack([r * np.cos(t + np.pi * cls), r * np.sin(t + np.pi * cls)], 1) + rng.normal(0, 0.01, (n, 2))
    return x.astype("float32"), cls.astype("float32")


def mlp(dropout=0.0):
    keras.utils.set_random_seed(1)
    stack = [layers.Dense(32, activation="relu", input_dim=2), layers.Dense(32, activation="tanh")]
    if dropout:
        stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(1, activation="sigmoid"))
    return keras.Sequential(stack)


def test_two_spirals_near_perfect():
    x, y = spirals()
    model = mlp()
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=60, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 5
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc >= 0.97
    assert set(history.history) == {"loss", "accuracy"}


def test_predict_records_no_graph_and_save_load_predict_identical(tmp_path):
    x, y = spirals(200)
    model = mlp(dropout=0.2)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=0)
    before = model.predict(x, verbose=0)
    assert before.shape == (200, 1) and before.dtype == np.float32
    path = tmp_path / "m.neuroflow"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), before)
    assert [type(l).__name__ for l in loaded.layers] == ["Dense", "Dense", "Dropout", "Dense"]
    assert loaded.optimizer.iterations == model.optimizer.iterations


def test_resume_from_checkpoint_equals_uninterrupted_training(tmp_path):
    x, y = spirals(300)

    def fresh():
        model = mlp(dropout=0.3)
        model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
        return model

    full = fresh()
    full.fit(x, y, batch_size=16, epochs=4, verbose=0)

    part = fresh()
    part.fit(x, y, batch_size=16, epochs=2, verbose=0)
    part.save(tmp_path / "ckpt.neuroflow")
    resumed = keras.models.load_model(tmp_path / "ckpt.neuroflow")
    resumed.fit(x, y, batch_size=16, epochs=4, initial_epoch=2, verbose=0)
    for a, b in zip(full.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_functional_multi_input_output_with_shared_layer():
    keras.utils.set_random_seed(0)
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(4,), name="b")
    shared = layers.Dense(8, activation="relu")
    out1 = layers.Dense(1, activation="sigmoid", name="cls")(shared(a))
    out2 = layers.Dense(2, name="reg")(shared(b))
    model = keras.Model(inputs=[a, b], outputs=[out1, out2])
    model.compile("adam", loss=["binary_crossentropy", "mse"], metrics={"cls": ["accuracy"]},
                  loss_weights=[1.0, 0.5])
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(64, 4)), rng.normal(size=(64, 4))
    y1 = (xa.sum(1) > 0).astype("float32")
    y2 = np.stack([xa[:, 0], xb[:, 1]], 1)
    h = model.fit({"a": xa, "b": xb}, [y1, y2], epochs=3, batch_size=16, verbose=0)
    assert "cls_accuracy" in h.history and len(h.history["loss"]) == 3
    p1, p2 = model.predict([xa, xb], verbose=0)
    assert p1.shape == (64, 1) and p2.shape == (64, 2)
    assert sum(1 for w in model.weights if w.path.startswith(shared.name)) == 2  # shared: one set of weights


def test_subclassed_model_and_generator_input():
    class TwoLayer(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(16, activation="relu")
            self.out = layers.Dense(3)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    keras.utils.set_random_seed(0)
    model = TwoLayer()
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 5)).astype("float32")
    y = x[:, :3].argmax(1)

    def batches():
        while True:
            for i in range(0, 96, 32):
                yield x[i:i + 32], y[i:i + 32]

    h = model.fit(batches(), steps_per_epoch=3, epochs=20, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert len(model.trainable_weights) == 4


def test_pandas_input_and_class_weight():
    pd = pytest.importorskip("pandas")
    x, y = spirals(200)
    model = mlp()
    model.compile("adam", "binary_crossentropy")
    model.fit(pd.DataFrame(x), pd.Series(y), epochs=1, verbose=0, class_weight={0: 1.0, 1: 2.0})


def test_train_on_batch_and_test_on_batch():
    x, y = spirals(64)
    model = mlp()
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    first = model.test_on_batch(x, y)
    for _ in range(5):
        model.train_on_batch(x, y)
    assert model.test_on_batch(x, y)[0] < first[0]


def test_frozen_layer_stays_bit_identical():
    x, y = spirals(100)
    model = mlp()
    model.layers[0].trainable = False
    frozen = model.layers[0].get_weights()
    model.compile("adam", "binary_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)


# --- errors a user meets --------------------------------------------------------------------------------------------
def test_fit_before_compile():
    with pytest.raises(NotCompiledError, match="compile"):
        mlp().fit(*spirals(10), verbose=0)


def test_input_shape_incompatible_names_layer_and_shapes():
    model = mlp()
    model.compile("adam", "binary_crossentropy")
    with pytest.raises(ShapeError, match=r"dense.*\(None, 2\)") as err:
        model.fit(np.zeros((10, 3)), np.zeros(10), verbose=0)
    assert "(10, 3)" in str(err.value)


def test_missing_batch_axis_is_spotted():
    model = mlp()
    with pytest.raises(ShapeError, match="batch axis"):
        model.predict(np.zeros(2))


def test_x_y_length_mismatch_and_empty_data():
    model = mlp()
    model.compile("adam", "binary_crossentropy")
    with pytest.raises(DataError, match="same number of samples"):
        model.fit(np.zeros((10, 2)), np.zeros(9), verbose=0)
    with pytest.raises(DataError, match="empty"):
        model.fit(np.zeros((0, 2)), np.zeros(0), verbose=0)


def test_nan_in_inputs():
    x, y = spirals(20)
    x[3, 1] = np.nan
    model = mlp()
    model.compile("adam", "binary_crossentropy")
    with pytest.raises(DataError, match="NaN"):
        model.fit(x, y, verbose=0)


def test_nan_loss_stops_with_terminate_on_nan(capsys):
    x, y = spirals(64)
    model = mlp()
    model.compile(keras.optimizers.SGD(1e30), "mse")
    cb = keras.callbacks.TerminateOnNaN()
    model.fit(x, y * 1e20, epochs=3, batch_size=8, verbose=0, callbacks=[cb])
    assert model.stop_training and "batch" in cb.message and "Epoch" in cb.message


def test_unknown_names_list_close_matches():
    model = mlp()
    with pytest.raises(ConfigError, match="adam"):
        model.compile("adamm", "binary_crossentropy")
    with pytest.raises(ConfigError, match="binary_crossentropy"):
        model.compile("adam", "binary_crosentropy")
    with pytest.raises(ConfigError, match="relu"):
        layers.Dense(3, activation="rellu")


def test_labels_that_do_not_fit_the_loss():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Dense(3, activation="softmax", input_dim=2)])
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises((DataError, ShapeError), match="categorical"):
        model.fit(np.zeros((4, 2)), np.eye(3)[[0, 1, 2, 0]], verbose=0)  # one-hot given to a sparse loss
    with pytest.raises(DataError, match="out of range"):
        model.fit(np.zeros((4, 2)), np.array([0, 1, 5, 0]), verbose=0)


def test_weights_file_with_wrong_shapes(tmp_path):
    small = mlp()
    small.save_weights(tmp_path / "w.safetensors")
    keras.utils.set_random_seed(0)
    other = keras.Sequential([layers.Dense(16, activation="relu", input_dim=2), layers.Dense(32),
                              layers.Dense(1)])
    with pytest.raises(ShapeError, match=r"dense.*\(2, 32\).*\(2, 16\)|\(2, 16\).*\(2, 32\)"):
        other.load_weights(tmp_path / "w.safetensors")


def test_corrupt_and_tampered_model_files(tmp_path):
    model = mlp()
    model.compile("adam", "binary_crossentropy")
    path = tmp_path / "m.neuroflow"
    model.save(path)
    data = bytearray(path.read_bytes())
    (tmp_path / "trunc.neuroflow").write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(SavingError):
        keras.models.load_model(tmp_path / "trunc.neuroflow")
    import zipfile
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "tampered.neuroflow", "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "config.json":
                body = body.replace(b'"Dense"', b'"os.system"', 1)
            dst.writestr(info, body)
    with pytest.raises(SavingError, match="checksum|modified"):
        keras.models.load_model(tmp_path / "tampered.neuroflow")


def test_json_round_trip_and_summary(capsys):
    model = mlp()
    model.summary()
    out = capsys.readouterr().out
    assert "Total params: 1,185" in out and "(None, 32)" in out
    clone = keras.models.model_from_json(model.to_json())
    assert [l.get_config()["units"] for l in clone.layers] == [32, 32, 1]


def test_pop_makes_the_previous_layer_the_output(capsys):
    model = mlp()
    popped = model.pop()
    assert popped.units == 1 and model._output_shapes() == [(None, 32)]
    model.summary()
    assert "Total params: 1,152" in capsys.readouterr().out


def test_predict_on_batch_equals_predict():
    x, _ = spirals(50)
    model = mlp()
    # one batch of all 50 samples: bit-identical to predict with that batch size
    np.testing.assert_array_equal(model.predict_on_batch(x), model.predict(x, batch_size=50, verbose=0))
    np.testing.assert_array_equal(model.predict_on_batch(x.tolist()), model.predict(x, batch_size=50, verbose=0))
    # other batch sizes differ only by float rounding in BLAS
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x, batch_size=7, verbose=0), rtol=1e-5,
                               atol=1e-7)


def test_single_batch_predict_returns_fresh_arrays_and_checks_shapes():
    # one batch takes a direct path; an identity model must still not hand back the caller's own array
    inp = keras.Input(shape=(3,))
    identity = keras.Model(inp, inp)
    x = np.ones((4, 3), np.float32)
    out = identity.predict(x, verbose=0)
    np.testing.assert_array_equal(out, x)
    assert not np.shares_memory(out, x)
    model = mlp()
    xs, _ = spirals(10)
    np.testing.assert_array_equal(model.predict(xs, verbose=0), model.predict(xs, batch_size=10, verbose=0))
    with pytest.raises(ShapeError, match="incompatible"):  # a remembered good shape does not hide a bad one
        model.predict(np.ones((2, xs.shape[1] + 1), np.float32), verbose=0)
    with pytest.raises(ShapeError, match="batch axis is missing"):
        model.predict(xs[0], verbose=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("shape,dtype", [((6, 3, 2), np.float32), ((7,), np.float64), ((5, 4), np.float16)])
def test_nan_or_inf_anywhere_is_found_and_huge_finite_values_pass(bad, shape, dtype):
    from neuroflow.training.data_adapter import check_finite
    huge = np.full(shape, np.finfo(dtype).max, dtype)  # row sums overflow to inf: the exact test decides
    check_finite(huge, "x")
    for flat_index in (0, huge.size - 1):
        x = huge.copy()
        x.reshape(-1)[flat_index] = bad
        with pytest.raises(DataError, match=r"x contains 1 NaN or inf"):
            check_finite(x, "x")
    view = np.ones((8, 6), dtype)[:, ::2]  # not contiguous
    view[5, 1] = bad
    with pytest.raises(DataError, match="NaN or inf"):
        check_finite(view, "x")
