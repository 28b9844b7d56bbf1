"""``quantize("int8")``: Dense, EinsumDense, Embedding and models holding them; errors; files."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers, quantizers
from neuroflow.errors import ConfigError
from tests.conftest import host

from ..keras_oracle import keras
from ..layers.layer_check import check_layer


def test_abs_max_quantize_and_quantizer_objects():
    x = np.array([[0.5, -1.0, 0.25], [2.0, 0.0, -0.5]], "float32")
    q, scale = quantizers.abs_max_quantize(x, axis=-1)
    assert q.dtype == np.int8 and scale.shape == (2, 1)
    np.testing.assert_array_equal(q.data, [[63, -127, 32], [127, 0, -32]])  # 0.5 * 127 / (1 + eps)
    np.testing.assert_allclose(q.data / scale.data, x, atol=0.01)
    quantizer = quantizers.get(quantizers.serialize(quantizers.AbsMaxQuantizer(axis=0)))
    assert isinstance(quantizer, nf.Quantizer) and quantizer.axis == (0,)
    assert quantizer(x)[1].shape == (1, 3)
    packed, shape, n = quantizers.pack_int4(np.array([[-3, 7], [2, -8], [1, 0]], "int8"))
    assert shape == (2, 2) and n == 3
    np.testing.assert_array_equal(quantizers.unpack_int4(packed, n).data, [[-3, 7], [2, -8], [1, 0]])
    with pytest.raises(ConfigError, match="value_range"):
        quantizers.AbsMaxQuantizer(value_range=(-200, 200))


def test_keras_helpers_match():
    k = keras()
    from keras import quantizers as kq
    x = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
    for axis in (0, -1, (0, 1)):
        q, s = quantizers.abs_max_quantize(x, axis)
        kq_, ks = kq.abs_max_quantize(x, axis)
        np.testing.assert_array_equal(q.data, k.ops.convert_to_numpy(kq_))
        np.testing.assert_array_equal(s.data, k.ops.convert_to_numpy(ks))
    amax, scale = np.array([3.0, 0.0, np.inf], "float32"), np.array([2.0, 4.0, 8.0], "float32")
    np.testing.assert_allclose(quantizers.compute_float8_scale(amax, scale, 448.0).data,
                               k.ops.convert_to_numpy(kq.compute_float8_scale(amax, scale, 448.0)), rtol=1e-6)
    got = quantizers.quantize_and_dequantize(x, np.float32(0.1), "float8_e4m3fn", "float32")
    want = kq.quantize_and_dequantize(x, np.float32(0.1), "float8_e4m3fn", "float32")
    np.testing.assert_allclose(got.data, k.ops.convert_to_numpy(want), rtol=1e-6)


def test_quantized_model_predicts_close_trains_its_bias_and_keeps_int8(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 8)).astype("float32")
    model = nf.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(4)])
    want = model.predict(x, verbose=0)  # also caches the float prediction chain, which quantize must drop
    model.quantize("int8")
    got = model.predict(x, verbose=0)
    assert np.abs(got - want).max() < 0.05 * np.abs(want).max()
    assert [l.dtype_policy.name for l in model.layers] == ["int8_from_float32"] * 2
    assert [v.dtype for v in model.layers[0].weights] == [np.float32, np.int8, np.float32]
    assert len(model.trainable_weights) == 2  # the biases
    kernel = model.layers[0].kernel.data.copy()
    model.compile("sgd", "mse")
    history = model.fit(x, np.zeros((32, 4), "float32"), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_array_equal(model.layers[0].kernel.data, kernel)


def test_quantized_input_gradient_passes_through_the_dequantized_kernel():
    layer = layers.Dense(3)
    x = nf.Tensor(np.random.default_rng(2).normal(size=(4, 5)).astype("float32"), requires_grad=True)
    layer(x)
    layer.quantize("int8")
    layer(x).sum().backward()
    dequantized = host(layer.kernel.data / layer.kernel_scale.data)
    np.testing.assert_allclose(x.grad, np.ones((4, 3), "float32") @ dequantized.T, rtol=1e-5)


def test_quantize_errors():
    with pytest.raises(ConfigError, match="not built"):
        layers.Dense(2).quantize("int8")
    layer = layers.Dense(2)
    layer(np.ones((1, 3), "float32"))
    for mode, match in (("int3", "one of"), ("float8", "not implemented"), ("int4", "not implemented")):
        with pytest.raises(ConfigError, match=match):
            layer.quantize(mode)
    layer.quantize("int8")
    with pytest.raises(ConfigError, match="already quantized"):
        layer.quantize("int8")

    class MyDense(layers.Dense):
        pass
    sub = MyDense(2)
    sub(np.ones((1, 3), "float32"))
    with pytest.raises(ConfigError, match="subclass"):
        sub.quantize("int8")
    sub.quantize("int8", type_check=False)
    with pytest.raises(ConfigError, match="float16"):
        half = layers.Dense(2, dtype="mixed_float16")
        half(np.ones((1, 3), "float32"))
        half.quantize("int8")
    with pytest.raises(ConfigError, match="nothing to quantize"):
        nf.Sequential([layers.Input((3,)), layers.ReLU()]).quantize("int8")


@pytest.mark.parametrize("make, data", [
    (lambda: layers.Dense(3, dtype="int8_from_float32"), None),
    (lambda: layers.Embedding(10, 3, dtype="int8_from_float32"), np.arange(8).reshape(4, 2) % 10),
], ids=["dense", "embedding"])
def test_layers_made_with_a_quantized_policy_pass_the_layer_check(make, data, tmp_path):
    trainable = 1 if data is None else 0
    check_layer(make, (4, 5) if data is None else (4, 2), trainable_weights=trainable,
                non_trainable_weights=2, input_data=data, tmp_path=tmp_path, check_training=bool(trainable))


def test_quantized_files_load_in_neuroflow_and_keras(tmp_path):
    k = keras()
    ids = np.random.default_rng(3).integers(0, 12, size=(6, 4)).astype("int32")
    model = nf.Sequential([layers.Input((4,), dtype="int32"), layers.Embedding(12, 6), layers.Flatten(),
                           layers.Dense(5, activation="relu"), layers.Dense(2)])
    model.predict(ids, verbose=0)
    model.quantize("int8")
    want = model.predict(ids, verbose=0)
    for suffix in ("neuroflow", "keras"):
        model.save(tmp_path / f"q.{suffix}")
        loaded = nf.models.load_model(tmp_path / f"q.{suffix}")
        assert loaded.layers[0].quantization_mode == "int8"
        np.testing.assert_array_equal(loaded.predict(ids, verbose=0), want)
    theirs = k.models.load_model(tmp_path / "q.keras")
    assert [l.dtype_policy.name for l in theirs.layers] == [l.dtype_policy.name for l in model.layers]
    np.testing.assert_allclose(k.ops.convert_to_numpy(theirs(ids)), want, rtol=1e-5, atol=1e-6)


def test_keras_quantized_files_load_including_weight_only_configs(tmp_path):
    k = keras()
    x = np.random.default_rng(4).normal(size=(6, 5)).astype("float32")
    theirs = k.Sequential([k.Input((5,)), k.layers.Dense(4, activation="relu"), k.layers.Dense(2)])
    theirs.layers[0].quantize("int8")
    theirs.layers[1].quantize("int8", config=k.quantizers.Int8QuantizationConfig(activation_quantizer=None))
    theirs.save(tmp_path / "k.keras")
    ours = nf.models.load_model(tmp_path / "k.keras")
    assert ours.layers[1].quantization_config.activation_quantizer is None  # weight-only
    np.testing.assert_allclose(ours.predict(x, verbose=0), k.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-6)
    ours.save(tmp_path / "again.neuroflow")
    again = nf.models.load_model(tmp_path / "again.neuroflow")
    np.testing.assert_array_equal(again.predict(x, verbose=0), ours.predict(x, verbose=0))


def test_quantization_configs():
    config = quantizers.Int8QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(axis=0),
                                               activation_quantizer=None)
    again = quantizers.deserialize(quantizers.serialize(config))
    assert type(again) is quantizers.Int8QuantizationConfig and again.mode == "int8"
    assert again.activation_quantizer is None and again.weight_quantizer.axis == (0,)
    layer = layers.Dense(3)
    x = np.random.default_rng(5).normal(size=(4, 6)).astype("float32")
    want = layer(x).data
    layer.quantize(config=config)  # the mode comes from the config
    assert layer.quantization_mode == "int8"
    np.testing.assert_allclose(layer(x).data, want, atol=0.02)
    with pytest.raises(ConfigError, match="contradicts"):
        other = layers.Dense(3)
        other(x)
        other.quantize("int4", config=quantizers.Int8QuantizationConfig())
    with pytest.raises(ConfigError, match="output_dtype"):
        quantizers.Int8QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(output_dtype="int16",
                                                                                      value_range=(-9, 9)))
