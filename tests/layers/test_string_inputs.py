"""Strings in the graph: Input(dtype='string') feeding StringLookup / Hashing / TextVectorization in functional and
Sequential models, fit/predict/save on arrays of str, bytes and objects; layers that need numbers refuse strings
by name, when the model is built and when data arrives."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import DataError

X = np.array([["red"], ["green"], ["blue"], ["pink"]] * 8)
Y = np.array([0, 1, 0, 1] * 8, dtype=np.float32)


class _Batches(nf.utils.PyDataset):
    def __len__(self):
        return len(X) // 8

    def __getitem__(self, i):
        return X[i * 8:(i + 1) * 8].astype(object), Y[i * 8:(i + 1) * 8]


def _lookup_model():
    inputs = nf.Input(shape=(1,), dtype="string", name="color")
    encoded = layers.StringLookup(vocabulary=["red", "green", "blue"], output_mode="one_hot")(inputs)
    return nf.Model(inputs, layers.Dense(1, activation="sigmoid")(encoded))


def test_string_input_is_a_string_symbolic_tensor():
    t = nf.Input(shape=(1,), dtype="string")
    assert t.dtype == "string" and t.shape == (None, 1)
    assert nf.Input(shape=(2,), dtype=str).dtype == "string"
    assert layers.StringLookup(vocabulary=["a"])(t).dtype == "int64"


def test_functional_string_model_fits_predicts_and_saves(tmp_path):
    nf.random.set_seed(0)
    model = _lookup_model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(X, Y, epochs=3, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    pred = model.predict(X, verbose=0)
    np.testing.assert_array_equal(model.predict(X.astype(object), verbose=0), pred)
    np.testing.assert_array_equal(model.predict(np.char.encode(X, "utf-8"), verbose=0), pred)
    path = str(tmp_path / "strings.neuroflow")
    model.save(path)
    np.testing.assert_array_equal(nf.models.load_model(path).predict(X, verbose=0), pred)


def test_sequential_with_string_input_and_generator_batches():
    model = nf.Sequential([nf.Input(shape=(1,), dtype="string"), layers.Hashing(num_bins=8, output_mode="one_hot"),
                           layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(_Batches(), epochs=1, verbose=0)  # streamed batches are read the same way
    assert model.predict(X, verbose=0).shape == (len(X), 1)
    assert model.evaluate(X, Y, verbose=0) >= 0


def test_text_vectorization_inside_a_model():
    vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=4)
    vectorize.adapt(["the cat sat", "the dog ran far away"])
    inputs = nf.Input(shape=(1,), dtype="string")
    pooled = layers.GlobalAveragePooling1D()(layers.Embedding(20, 3)(vectorize(inputs)))
    model = nf.Model(inputs, layers.Dense(1)(pooled))
    assert model.predict(np.array([["the cat"], ["a dog ran"]]), verbose=0).shape == (2, 1)


def test_numeric_layers_refuse_strings_by_name():
    with pytest.raises(DataError, match=r"layer 'dense_on_strings' \(Dense\).*string"):
        layers.Dense(2, name="dense_on_strings")(nf.Input(shape=(1,), dtype="string"))
    model = nf.Sequential([layers.Dense(2, name="numbers_only")])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(DataError, match=r"'numbers_only'.*strings.*e\.g\. '"):
        model.fit(X, np.zeros((len(X), 2)), verbose=0)
    labelled = _lookup_model()
    labelled.compile(optimizer="sgd", loss="mse")
    with pytest.raises(DataError, match="y.*strings"):  # labels stay numbers
        labelled.fit(X, X, verbose=0)
