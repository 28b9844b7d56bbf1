"""Hostile inputs to the public API: each must raise a neuroflow error that names the op, layer or argument and
the bad value — never a raw NumPy/Python exception, a MemoryError from an unchecked allocation, or a silent wrong
result. (Everyday user mistakes live in tests/test_misuse.py; this file holds the stranger inputs.)

``CASES`` rows are ``(name, call, error type, words the message must contain)``; ``RIGHT`` rows are inputs that
look hostile but are legal (Keras accepts them) and must give the right result.
"""
import os
import warnings

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import initializers as I
from neuroflow import layers as L
from neuroflow import metrics as M
from neuroflow import ops
from neuroflow import optimizers as O
from neuroflow import random as R
from neuroflow import regularizers as REG
from neuroflow.errors import ConfigError, DataError, DTypeError, NeuroflowError, SavingError, ShapeError

A = np.ones((4, 3), "float32")
HUGE = (10 ** 8, 10 ** 8)  # 40 PB of float32: more than any machine's memory


def two_input_model():
    a, b = L.Input((4,), name="a"), L.Input((4,), name="b")
    model = nf.Model({"a": a, "b": b}, L.Dense(1)(L.Concatenate()([a, b])))
    model.compile("adam", "mse")
    return model


X8 = np.random.default_rng(0).random((20, 8)).astype("float32")
Y1 = np.ones((20, 1), "float32")
WRONG_KEYS = {"a": X8[:, :4], "c": X8[:, 4:]}

CASES = [
    # --- allocations larger than memory: refused up front, not a MemoryError (or the OOM killer) in NumPy ------
    ("Dense units 10**12", lambda: L.Dense(10 ** 12)(A), MemoryError, ["Dense", "kernel", "(3, 1000000000000)", "GiB"]),
    ("Embedding 10**12 rows", lambda: L.Embedding(10 ** 12, 8)(np.array([[1]])), MemoryError,
     ["Embedding", "embeddings", "GiB"]),
    ("ops.zeros huge", lambda: ops.zeros(HUGE), MemoryError, ["zeros", "shape", "GiB"]),
    ("random.normal huge", lambda: R.normal(HUGE), MemoryError, ["random.normal", "GiB"]),
    ("ops.one_hot 10**12 classes", lambda: ops.one_hot(np.array([0]), 10 ** 12), MemoryError, ["one_hot", "GiB"]),
    ("ops.arange 10**13", lambda: ops.arange(10 ** 13), MemoryError, ["arange", "GiB"]),
    ("ops.linspace 10**13", lambda: ops.linspace(0, 1, 10 ** 13), MemoryError, ["linspace", "num", "GiB"]),
    ("ops.tile huge", lambda: ops.tile(A, HUGE), MemoryError, ["tile", "output shape", "GiB"]),
    ("ops.repeat huge", lambda: ops.repeat(A, 10 ** 12), MemoryError, ["repeat", "(4, 3)"]),
    ("ops.pad huge", lambda: ops.pad(A, 10 ** 7), MemoryError, ["pad", "(4, 3)"]),
    ("ops.image.resize huge", lambda: ops.image.resize(np.ones((1, 4, 4, 1), "float32"), (10 ** 6, 10 ** 6)),
     MemoryError, ["resize", "size", "GiB"]),
    ("Resizing layer huge", lambda: L.Resizing(10 ** 6, 10 ** 6)(np.ones((1, 4, 4, 1), "float32")), MemoryError,
     ["resize", "GiB"]),
    ("UpSampling2D huge", lambda: L.UpSampling2D(10 ** 6)(np.ones((1, 4, 4, 1), "float32")), MemoryError,
     ["repeat", "(1, 4000000, 4, 1)"]),
    ("CategoryEncoding count huge", lambda: L.CategoryEncoding(num_tokens=10 ** 12, output_mode="count")(
        np.array([[1]])), MemoryError, ["CategoryEncoding", "GiB"]),
    # --- shapes that are not shapes ----------------------------------------------------------------------------
    ("ops.ones float dim", lambda: ops.ones((2.5, 3)), ConfigError, ["ones", "shape", "2.5"]),
    ("random.normal float dim", lambda: R.normal((2.5,)), ConfigError, ["random.normal", "shape", "2.5"]),
    ("initializer negative shape", lambda: I.GlorotUniform()((-1, 3)), ConfigError, ["GlorotUniform", "-1"]),
    ("initializer str shape", lambda: I.GlorotUniform()("x"), ConfigError, ["GlorotUniform", "shape", "'x'"]),
    ("ops.eye -1", lambda: ops.eye(-1), ConfigError, ["eye", "-1"]),
    ("ops.linspace num -1", lambda: ops.linspace(0, 1, -1), ConfigError, ["linspace", "num", "-1"]),
    ("ops.reshape str", lambda: ops.reshape(A, "x"), ConfigError, ["reshape", "shape", "'x'"]),
    ("ops.tile str", lambda: ops.tile(A, "x"), ConfigError, ["tile", "repeats", "'x'"]),
    ("ops.repeat -1", lambda: ops.repeat(A, -1), ConfigError, ["repeat", "repeats", "-1"]),
    ("ops.pad -1", lambda: ops.pad(A, -1), ConfigError, ["pad", "pad_width", "-1"]),
    ("ops.pad 3 numbers", lambda: ops.pad(A, ((1, 2, 3),)), ConfigError, ["pad", "pad_width", "(1, 2, 3)"]),
    ("ragged list to tensor", lambda: ops.convert_to_tensor([[1, 2], [3]]), ShapeError, ["ragged", "pad_sequences"]),
    ("ops.cast bogus dtype", lambda: ops.cast(A, "floaty"), DTypeError, ["'floaty'", "float32"]),
    # --- axes ------------------------------------------------------------------------------------------------
    ("ops.sum axis str", lambda: ops.sum(A, axis="x"), ConfigError, ["sum", "axis", "'x'"]),
    ("ops.mean axis float", lambda: ops.mean(A, axis=1.5), ConfigError, ["mean", "axis", "1.5"]),
    ("ops.softmax axis 5", lambda: ops.softmax(A, axis=5), ShapeError, ["softmax", "axis 5", "2 dimension"]),
    ("ops.log_softmax axis 5", lambda: ops.log_softmax(A, axis=5), ShapeError, ["log_softmax", "axis 5"]),
    ("Softmax layer axis 5", lambda: L.Softmax(axis=5)(A), ShapeError, ["softmax", "axis 5"]),
    ("ops.sort axis 5", lambda: ops.sort(A, axis=5), ShapeError, ["axis 5"]),
    ("ops.argsort axis 5", lambda: ops.argsort(A, axis=5), ShapeError, ["argsort", "axis 5"]),
    ("ops.norm axis 5 (was silently axis 1)", lambda: ops.norm(A, axis=5), ShapeError, ["norm", "axis 5"]),
    ("ops.norm ord bogus", lambda: ops.norm(A, ord="bogus"), ConfigError, ["norm", "ord", "'bogus'"]),
    ("ops.einsum sizes differ", lambda: ops.einsum("ij,jk->ik", A, A), ShapeError, ["einsum", "'j'", "3", "4"]),
    ("random.shuffle axis 5", lambda: R.shuffle(A, axis=5), ConfigError, ["random.shuffle", "axis", "5"]),
    # --- distribution parameters ---------------------------------------------------------------------------------
    ("random.normal stddev -1", lambda: R.normal((3,), stddev=-1), ConfigError, ["random.normal", "stddev", "-1"]),
    ("random.uniform min > max", lambda: R.uniform((3,), minval=1, maxval=0), ConfigError,
     ["random.uniform", "maxval", "0"]),
    ("random.gamma alpha -1", lambda: R.gamma((3,), alpha=-1), ConfigError, ["random.gamma", "alpha", "-1"]),
    ("random.gamma array alpha", lambda: R.gamma((2,), alpha=np.array([1.0, -1.0])), ConfigError, ["random.gamma"]),
    ("random.binomial p 2", lambda: R.binomial((3,), counts=5, probabilities=2.0), ConfigError,
     ["random.binomial", "probabilities", "2.0"]),
    ("random.beta alpha 0", lambda: R.beta((3,), alpha=0, beta=1), ConfigError, ["random.beta", "alpha", "0"]),
    ("random.categorical num_samples -1", lambda: R.categorical(np.ones((2, 3)), -1), ConfigError,
     ["num_samples", "-1"]),
    # --- initializers, regularizers, activations (Keras refuses these too) ----------------------------------
    ("initializer seed str", lambda: I.GlorotUniform(seed="x"), ConfigError, ["GlorotUniform", "seed", "'x'"]),
    ("RandomNormal stddev -1", lambda: I.RandomNormal(stddev=-1), ConfigError, ["RandomNormal", "stddev", "-1"]),
    ("RandomUniform min > max", lambda: I.RandomUniform(1, 0), ConfigError, ["RandomUniform", "minval", "1"]),
    ("VarianceScaling scale 0", lambda: I.VarianceScaling(scale=0), ConfigError, ["VarianceScaling", "scale", "0"]),
    ("Constant str", lambda: I.Constant("x"), ConfigError, ["Constant", "value", "'x'"]),
    ("Orthogonal gain str", lambda: I.Orthogonal(gain="x"), ConfigError, ["Orthogonal", "gain", "'x'"]),
    ("L2 -1", lambda: REG.L2(-1), ConfigError, ["L2", "l2", "-1"]),
    ("L1 str", lambda: REG.L1("x"), ConfigError, ["L1", "l1", "'x'"]),
    ("L1L2 nan", lambda: REG.L1L2(l1=float("nan")), ConfigError, ["L1L2", "l1", "nan"]),
    ("OrthogonalRegularizer -1", lambda: REG.OrthogonalRegularizer(-1), ConfigError, ["factor", "-1"]),
    ("Dense kernel_regularizer l2 -1", lambda: L.Dense(2, kernel_regularizer=REG.l2(-1)), ConfigError, ["l2", "-1"]),
    ("leaky_relu slope str", lambda: nf.activations.leaky_relu(A, negative_slope="x"), ConfigError,
     ["leaky_relu", "negative_slope", "'x'"]),
    ("elu alpha str", lambda: ops.elu(A, alpha="x"), ConfigError, ["elu", "alpha", "'x'"]),
    # --- metrics, optimizers, compile ---------------------------------------------------------------------------
    ("Accuracy shapes differ", lambda: M.Accuracy()(A, np.ones((4, 5))), ShapeError, ["accuracy", "(4, 3)", "(4, 5)"]),
    ("Mean of a string", lambda: M.Mean()("x"), DTypeError, ["strings", "'x'"]),
    ("apply_gradients not pairs", lambda: O.SGD(0.1).apply_gradients([np.ones(3, "float32")]), ConfigError,
     ["apply_gradients", "(gradient, variable) pairs"]),
    ("compile loss_weights str", lambda: nf.Sequential([L.Input((8,)), L.Dense(1)]).compile("adam", "mse",
                                                                                            loss_weights="x"),
     ConfigError, ["loss_weights", "'x'"]),
    ("compile loss_weights nan", lambda: nf.Sequential([L.Input((8,)), L.Dense(1)]).compile(
        "adam", "mse", loss_weights=float("nan")), ConfigError, ["loss_weights", "nan"]),
    # --- layers and models ------------------------------------------------------------------------------------
    ("Discretization bins str", lambda: L.Discretization(bin_boundaries="x"), ConfigError,
     ["bin_boundaries", "'x'"]),
    ("Normalization variance -1 (all-NaN output)", lambda: L.Normalization(mean=[0, 0], variance=[-1, 1]),
     ConfigError, ["Normalization", "variance", "[-1, 1]"]),
    ("Normalization variance str", lambda: L.Normalization(mean="x", variance="y"), ConfigError, ["variance", "y"]),
    ("Dense kernel_constraint list", lambda: L.Dense(2, kernel_constraint=[1, "a"]), ConfigError,
     ["constraint", "[1, 'a']"]),
    ("StringLookup output_mode list", lambda: L.StringLookup(output_mode=[1, "a"]), ConfigError, ["output_mode"]),
    ("TextVectorization vocabulary -1", lambda: L.TextVectorization(vocabulary=-1), ConfigError,
     ["TextVectorization", "vocabulary", "-1"]),
    ("TextVectorization vocabulary missing file", lambda: L.TextVectorization(vocabulary="no-such-vocab.txt"),
     ConfigError, ["vocabulary", "'no-such-vocab.txt'", "not a file"]),
    ("Sequential(5)", lambda: nf.Sequential(5), ConfigError, ["Sequential", "layers", "5"]),
    ("fit dict with a wrong key", lambda: two_input_model().fit(WRONG_KEYS, Y1, verbose=0), DataError,
     ["fit", "'b'", "['a', 'c']"]),
    ("evaluate dict with a wrong key", lambda: two_input_model().evaluate(WRONG_KEYS, Y1, verbose=0), DataError,
     ["evaluate", "'b'"]),
    ("predict dict with a wrong key", lambda: two_input_model().predict(WRONG_KEYS, verbose=0), DataError,
     ["predict", "'b'", "['a', 'b']"]),
    ("call dict with a wrong key", lambda: two_input_model()(WRONG_KEYS), ConfigError, ["missing", "'b'"]),
    ("get_layer index 10", lambda: nf.Sequential([L.Input((3,)), L.Dense(2)]).get_layer(index=10), ConfigError,
     ["get_layer", "index", "10"]),
    ("utils.normalize axis 5", lambda: nf.utils.normalize(A, axis=5), ConfigError, ["normalize", "axis", "5"]),
    ("set_random_seed str", lambda: nf.utils.set_random_seed("x"), ConfigError, ["set_random_seed", "'x'"]),
    ("set_random_seed -1", lambda: nf.utils.set_random_seed(-1), ConfigError, ["set_random_seed", "-1"]),
    ("ModelCheckpoint(None)", lambda: nf.callbacks.ModelCheckpoint(None), ConfigError,
     ["ModelCheckpoint", "filepath", "None"]),
    ("Flatten on a ragged list", lambda: L.Flatten()([[1.0, 2.0], [1.0]]), ShapeError,
     ["Flatten", "list of 2", "['list', 'list']"]),
    ("Dropout on two arrays", lambda: L.Dropout(0.5)([A, A]), ShapeError, ["Dropout", "list of 2", "Concatenate"]),
    ("Reshape on a scalar", lambda: L.Reshape((-1,))(1.5), ShapeError, ["Reshape", "scalar", "batch axis"]),
    ("BatchNormalization on a dict", lambda: L.BatchNormalization()({"a": A}), ShapeError,
     ["BatchNormalization", "dict", "['a']"]),
    ("Masking on a dict", lambda: L.Masking()({"a": A}), ShapeError, ["Masking", "dict"]),
    ("PReLU on bools", lambda: L.PReLU()(A > 0), DTypeError, ["negative", "bool"]),
    ("ops.negative of bools", lambda: ops.negative(np.array([True])), DTypeError, ["negative", "bool"]),
    # --- saving -------------------------------------------------------------------------------------------------
    ("save to a directory", lambda: two_input_model().save(os.path.dirname(os.path.abspath(__file__))),
     SavingError, ["save", "directory"]),
    ("save_weights to a directory", lambda: two_input_model().save_weights(
        os.path.dirname(os.path.abspath(__file__))), SavingError, ["save_weights", "directory"]),
    ("save into a missing folder", lambda: two_input_model().save("/nonexistent-folder/m.keras"), SavingError,
     ["/nonexistent-folder", "does not exist"]),
    ("save to an int", lambda: two_input_model().save(5), SavingError, ["filepath", "int"]),
]


@pytest.mark.parametrize("name, call, error, words", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_gets_a_clear_error(name, call, error, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error) as info:
            call()
    assert isinstance(info.value, NeuroflowError), f"{type(info.value).__name__} is not a neuroflow error"
    missing = [w for w in words if w not in str(info.value)]
    assert not missing, f"message lacks {missing}: {info.value}"


def test_case_names_are_distinct():
    assert len({c[0] for c in CASES}) == len(CASES)


# --- inputs that look hostile but are legal ----------------------------------------------------------------------
def test_integer_and_bool_inputs_compute_in_the_layer_dtype():
    """Keras promotes int with float32 weights to float32; NumPy's int64 @ float32 would be float64."""
    ints = np.arange(12).reshape(4, 3)
    for layer in (L.Dense(2), L.Dense(2, activation="relu"), L.BatchNormalization(), L.LayerNormalization()):
        assert layer(ints).dtype == np.float32, type(layer).__name__
    assert L.Dense(2)(ints > 5).dtype == np.float32
    dense = L.Dense(2)
    np.testing.assert_allclose(dense(ints).numpy(), dense(ints.astype("float32")).numpy(), rtol=1e-6)
    for layer in (L.LSTM(2), L.GRU(2), L.SimpleRNN(2)):
        assert layer(np.ones((2, 5, 3), "int64")).dtype == np.float32, type(layer).__name__
    model = nf.Sequential([L.Input((3,)), L.Dense(2)])
    assert model.predict(ints, verbose=0).dtype == np.float32
    assert ops.linear(ints, np.ones((3, 2), "float32")).dtype == np.float32


@pytest.mark.parametrize("layer, shape", [
    (lambda: L.Conv1D(2, 3), (8, 3)), (lambda: L.Conv2D(2, 3), (8, 8, 3)), (lambda: L.Conv2D(4, 3, groups=2), (8, 8, 4)),
    (lambda: L.Conv3D(2, 3), (5, 5, 5, 1)), (lambda: L.DepthwiseConv2D(3, depth_multiplier=2), (8, 8, 3)),
    (lambda: L.SeparableConv2D(2, 3), (8, 8, 3)), (lambda: L.Conv2DTranspose(2, 3), (8, 8, 3)),
], ids=["Conv1D", "Conv2D", "Conv2D groups", "Conv3D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose"])
def test_convolutions_take_an_empty_batch(layer, shape):
    """A zero-size batch gives a zero-size output of the right shape (Keras does), not NumPy's reshape error."""
    conv = layer()
    full = conv(np.ones((2,) + shape, "float32"))
    empty = conv(np.ones((0,) + shape, "float32"))
    assert empty.shape == (0,) + tuple(full.shape[1:])


def test_dict_inputs_are_matched_by_key_not_order():
    """A dict in another key order than the model's must feed the same inputs: before, a compiled evaluate step
    traced with one order replayed the other's arrays into the wrong inputs."""
    model = two_input_model()
    ab, ba = {"a": X8[:, :4], "b": X8[:, 4:]}, {"b": X8[:, 4:], "a": X8[:, :4]}
    expected = float(np.mean((model.predict(ab, verbose=0) - Y1) ** 2))
    losses = [model.evaluate(x, Y1, verbose=0) for x in (ab, ba, ab, ba)]
    np.testing.assert_allclose(losses, expected, rtol=1e-5)
    np.testing.assert_allclose(model.predict(ba, verbose=0), model.predict(ab, verbose=0))
    np.testing.assert_allclose(model(ba).numpy(), model(ab).numpy())


def test_one_hot_category_encoding_of_a_large_vocabulary():
    """One-hot rows were taken from eye(num_tokens): num_tokens**2 floats (4 TB for a million tokens)."""
    encode = L.CategoryEncoding(num_tokens=10 ** 6, output_mode="one_hot")
    out = encode(np.array([3, 999_999])).numpy()
    assert out.shape == (2, 10 ** 6) and out.sum() == 2 and out[0, 3] == out[1, -1] == 1
    np.testing.assert_array_equal(L.CategoryEncoding(num_tokens=4, output_mode="one_hot")(np.array([[1], [3]])),
                                  np.eye(4, dtype="float32")[[1, 3]])


@pytest.mark.parametrize("wrap", [tuple, list], ids=["tuple", "list"])
def test_one_array_in_a_sequence_feeds_a_single_input_model(wrap):
    """Keras takes fit((x,), y) and predict([x]); these raised AttributeError: 'list' object has no 'shape'."""
    model = nf.Sequential([L.Input((8,)), L.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(wrap([X8]), Y1, verbose=0, validation_split=0.2)
    np.testing.assert_allclose(model.predict(wrap([X8]), verbose=0), model.predict(X8, verbose=0))
    np.testing.assert_allclose(model.evaluate(wrap([X8]), Y1, verbose=0), model.evaluate(X8, Y1, verbose=0))


def test_text_vectorization_reads_a_vocabulary_file(tmp_path):
    """Keras takes a path; the string's characters were taken as the vocabulary."""
    path = tmp_path / "vocab.txt"
    path.write_text("hello\nworld\n", encoding="utf-8")
    layer = L.TextVectorization(vocabulary=str(path))
    assert layer.get_vocabulary() == ["", "[UNK]", "hello", "world"]
    np.testing.assert_array_equal(layer(["hello world foo"]), [[2, 3, 1]])


def test_hostile_looking_but_legal_calls():
    assert R.normal((3,), seed=-1).shape == (3,)  # Keras takes negative seeds
    np.testing.assert_array_equal(R.normal((3,), seed=-1).numpy(), R.normal((3,), seed=-1).numpy())
    assert R.normal(3).shape == (3,) and ops.ones(np.int64(2)).shape == (2,)
    assert R.gamma((2,), alpha=np.array([1.0, 2.0])).shape == (2,)  # a host array of parameters, any device
    assert I.RandomNormal(stddev=0)((2, 2)).shape == (2, 2)
    assert I.GlorotUniform(seed=R.SeedGenerator(1))((2, 2)).shape == (2, 2)
    assert REG.L1L2(l1=None, l2=0.1).l1 == 0.0
    assert len(nf.Sequential(layer for layer in [L.Dense(2)]).layers) == 1
    m = nf.Sequential([L.Input((3,)), L.Dense(1)])
    m.compile("sgd", "mse", loss_weights=[0.5])  # Keras takes [w] for a single output
    m2 = nf.Sequential([L.Input((3,)), L.Dense(1)])
    m2.set_weights(m.get_weights())
    m2.compile("sgd", "mse")
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    np.testing.assert_allclose(m.evaluate(x, y, verbose=0), 0.5 * m2.evaluate(x, y, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(ops.einsum("ij,ij->i", A, np.ones((1, 3))).numpy(), [3.0] * 4)
    b = np.arange(12, dtype="float32").reshape(3, 4)
    for order, axes in ((1, (1, 0)), (np.inf, (1, 0)), (2, (0, 1))):  # the axes' order matters to matrix norms
        np.testing.assert_allclose(ops.norm(b, ord=order, axis=axes).numpy(), np.linalg.norm(b, order, axes),
                                   rtol=1e-5)
    np.testing.assert_array_equal(ops.pad(A, ((1, 0),)).shape, (5, 4))  # NumPy's one pair for every axis
    assert ops.softmax(np.ones((2, 0), "float32")).shape == (2, 0)  # an empty axis: an empty result (Keras)
    assert L.Softmax()(np.ones((0, 4), "float32")).shape == (0, 4)
