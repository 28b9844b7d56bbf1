"""Mixed precision and int8 quantization against Keras 3 (torch backend): same weights, same inputs."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import config, layers

from ..keras_oracle import keras


@pytest.fixture
def mixed():
    """The global policy set to mixed_float16 in both libraries for one test."""
    k = keras()
    config.set_dtype_policy("mixed_float16")
    k.config.set_dtype_policy("mixed_float16")
    yield k
    config.set_dtype_policy("float32")
    k.config.set_dtype_policy("float32")


def _copy_weights(ours, theirs):
    for layer, ref in zip(ours.layers, theirs.layers):
        ref.set_weights(layer.get_weights())


def test_mixed_float16_mlp_matches_keras(mixed):
    k = mixed
    x = np.random.default_rng(0).normal(size=(16, 6)).astype("float32")
    ours = nf.Sequential([layers.Input((6,)), layers.Dense(12, activation="relu"), layers.LayerNormalization(),
                          layers.Dense(8, activation="tanh"), layers.Dense(4, activation="softmax")])
    theirs = k.Sequential([k.Input((6,)), k.layers.Dense(12, activation="relu"), k.layers.LayerNormalization(),
                           k.layers.Dense(8, activation="tanh"), k.layers.Dense(4, activation="softmax")])
    _copy_weights(ours, theirs)
    want = k.ops.convert_to_numpy(theirs(x))
    got = ours(x)
    assert got.dtype == want.dtype == np.float16
    np.testing.assert_allclose(got.data.astype("float32"), want.astype("float32"), atol=2e-3, rtol=1e-2)
    assert ours.predict(x, verbose=0).dtype == np.float16
    for layer, ref in zip(ours.layers, theirs.layers):
        assert (layer.compute_dtype, layer.variable_dtype) == (ref.compute_dtype, ref.variable_dtype)
        assert [v.dtype for v in layer.weights] == [np.dtype(v.dtype) for v in ref.weights]


def test_mixed_float16_batch_norm_and_conv_match_keras(mixed):
    k = mixed
    x = np.random.default_rng(1).normal(size=(4, 8, 8, 3)).astype("float32")
    ours = nf.Sequential([layers.Input((8, 8, 3)), layers.Conv2D(4, 3, activation="relu"),
                          layers.BatchNormalization(), layers.GlobalAveragePooling2D(), layers.Dense(2)])
    theirs = k.Sequential([k.Input((8, 8, 3)), k.layers.Conv2D(4, 3, activation="relu"),
                           k.layers.BatchNormalization(), k.layers.GlobalAveragePooling2D(), k.layers.Dense(2)])
    _copy_weights(ours, theirs)
    for training in (False, True):
        want = k.ops.convert_to_numpy(theirs(x, training=training))
        got = ours(x, training=training)
        assert got.dtype == want.dtype == np.float16
        np.testing.assert_allclose(got.data.astype("float32"), want.astype("float32"), atol=5e-3, rtol=1e-2)


def _quantized_pair(k, ours_layer, keras_layer, x):
    ours_layer(x)
    keras_layer(x)
    keras_layer.set_weights(ours_layer.get_weights())
    ours_layer.quantize("int8")
    keras_layer.quantize("int8")
    return ours_layer, keras_layer


def test_int8_dense_matches_keras():
    k = keras()
    x = np.random.default_rng(2).normal(size=(5, 7)).astype("float32")
    ours, theirs = _quantized_pair(k, layers.Dense(6, activation="relu"), k.layers.Dense(6, activation="relu"), x)
    assert ours.dtype_policy.name == theirs.dtype_policy.name == "int8_from_float32"
    got_w = {v.path.split("/")[-1]: v.data for v in ours.weights}
    want_w = {v.path.split("/")[-1]: k.ops.convert_to_numpy(v) for v in theirs.weights}
    assert sorted(got_w) == sorted(want_w)
    for name in got_w:
        assert got_w[name].dtype == want_w[name].dtype and got_w[name].shape == want_w[name].shape
        np.testing.assert_array_equal(got_w[name], want_w[name])
    np.testing.assert_allclose(ours(x).data, k.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-6)


def test_int8_einsum_dense_matches_keras():
    k = keras()
    x = np.random.default_rng(3).normal(size=(2, 3, 8)).astype("float32")
    ours, theirs = _quantized_pair(k, layers.EinsumDense("abc,cde->abde", (3, 2, 4), bias_axes="de"),
                                   k.layers.EinsumDense("abc,cde->abde", (3, 2, 4), bias_axes="de"), x)
    np.testing.assert_allclose(ours(x).data, k.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-6)


def test_int8_embedding_matches_keras():
    k = keras()
    ids = np.random.default_rng(4).integers(0, 20, size=(3, 5)).astype("int32")
    ours, theirs = _quantized_pair(k, layers.Embedding(20, 6), k.layers.Embedding(20, 6), ids)
    np.testing.assert_array_equal(ours.embeddings.data, k.ops.convert_to_numpy(theirs.embeddings))
    np.testing.assert_allclose(ours(ids).data, k.ops.convert_to_numpy(theirs(ids)), rtol=1e-6, atol=1e-7)


def test_mixed_bfloat16_matches_keras_within_bfloat16_rounding():
    k = keras()
    pytest.importorskip("ml_dtypes")
    x = np.random.default_rng(5).normal(size=(8, 6)).astype("float32")
    ours = nf.Sequential([layers.Input((6,)), layers.Dense(10, activation="relu", dtype="mixed_bfloat16"),
                          layers.Dense(3, dtype="mixed_bfloat16")])
    theirs = k.Sequential([k.Input((6,)), k.layers.Dense(10, activation="relu", dtype="mixed_bfloat16"),
                           k.layers.Dense(3, dtype="mixed_bfloat16")])
    _copy_weights(ours, theirs)
    want = k.ops.convert_to_numpy(k.ops.cast(theirs(x), "float32"))
    got = ours(x).data  # bfloat16 values in a float32 array
    np.testing.assert_allclose(got, want, atol=3e-2, rtol=2e-2)


def test_a_float32_last_layer_gives_float32_outputs_as_in_keras(mixed):
    k = mixed
    x = np.random.default_rng(6).normal(size=(4, 5)).astype("float32")
    ours = nf.Sequential([layers.Input((5,)), layers.Dense(3), layers.Activation("softmax", dtype="float32")])
    theirs = k.Sequential([k.Input((5,)), k.layers.Dense(3), k.layers.Activation("softmax", dtype="float32")])
    _copy_weights(ours, theirs)
    want = k.ops.convert_to_numpy(theirs(x))
    got = ours(x)
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_allclose(got.data, want, atol=1e-3)
    assert ours.predict(x, verbose=0).dtype == np.float32
