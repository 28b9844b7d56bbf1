"""CategoryEncoding, Discretization, TextVectorization (the layer), adaptive pooling, InputSpec and
layers.serialize/deserialize: Keras parity where Keras runs without TensorFlow, saving, errors."""
import numpy as np
import pytest

from neuroflow import layers
from neuroflow.errors import ConfigError, DataError, ShapeError
from neuroflow.models import Sequential, load_model

from ..keras_oracle import keras
from .layer_check import check_layer

RNG = np.random.default_rng(0)


def _np(k, t):
    return k.ops.convert_to_numpy(t)


@pytest.mark.parametrize("mode, ids", [("multi_hot", [[0, 2], [3, 3]]), ("count", [[0, 2, 2], [3, 3, 1]]),
                                       ("one_hot", [1, 3, 0]), ("one_hot", [[1], [3]]), ("multi_hot", [1, 2])])
def test_category_encoding_matches_keras(mode, ids):
    k = keras()
    ids = np.array(ids)
    ours = layers.CategoryEncoding(4, output_mode=mode)(ids).numpy()
    np.testing.assert_array_equal(ours, _np(k, k.layers.CategoryEncoding(4, output_mode=mode)(ids)))
    assert tuple(layers.CategoryEncoding(4, output_mode=mode).compute_output_shape(ids.shape)) == ours.shape


def test_category_encoding_count_weights_and_errors():
    out = layers.CategoryEncoding(3, output_mode="count")(np.array([[0, 0, 2]]), count_weights=np.array([[.5, .5, 2.]]))
    np.testing.assert_array_equal(out.numpy(), [[1.0, 0.0, 2.0]])
    with pytest.raises(DataError, match=r"\[0, 3\)"):
        layers.CategoryEncoding(3)(np.array([[0, 3]]))
    with pytest.raises(ConfigError, match="num_tokens"):
        layers.CategoryEncoding()
    with pytest.raises(ConfigError, match="output_mode"):
        layers.CategoryEncoding(3, output_mode="tf_idf")


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_matches_keras(mode):
    k = keras()
    x = np.array([[-1.5, 0.0, 0.2], [1.0, 2.5, 0.99]], np.float32)
    bounds = [0.0, 1.0, 2.0]
    ours = layers.Discretization(bin_boundaries=bounds, output_mode=mode)(x).numpy()
    theirs = _np(k, k.layers.Discretization(bin_boundaries=bounds, output_mode=mode)(x))
    np.testing.assert_array_equal(ours, theirs)


def test_discretization_adapt_and_save(tmp_path):
    layer = layers.Discretization(num_bins=4)
    layer.adapt(np.arange(100, dtype=np.float32))
    assert layer.bin_boundaries == pytest.approx([24.75, 49.5, 74.25])
    np.testing.assert_array_equal(layer(np.array([0.0, 30.0, 99.0])).numpy(), [0, 1, 3])
    model = Sequential([layers.Input((3,)), layer])
    model.save(str(tmp_path / "m.neuroflow"))
    x = np.array([[10.0, 50.0, 80.0]], np.float32)
    np.testing.assert_array_equal(load_model(str(tmp_path / "m.neuroflow")).predict(x, verbose=0),
                                  model.predict(x, verbose=0))
    with pytest.raises(ConfigError, match="exactly one"):
        layers.Discretization()
    with pytest.raises(ConfigError, match="adapt"):
        layers.Discretization(num_bins=3)(x)


def test_text_vectorization_layer():
    texts = ["the cat sat", "the dog sat down", "a cat"]
    layer = layers.TextVectorization(max_tokens=10, output_sequence_length=4)
    layer.adapt(texts)
    assert layer.get_vocabulary()[:4] == ["", "[UNK]", "the", "sat"]
    ids = layer(["the cat ran"]).numpy()
    assert ids.shape == (1, 4) and ids[0, 2] == 1 and ids[0, 3] == 0
    clone = layers.TextVectorization.from_config(layer.get_config())
    np.testing.assert_array_equal(clone(texts).numpy(), layer(texts).numpy())
    bag = layers.TextVectorization(output_mode="count", vocabulary=["cat", "dog"])(["cat cat dog bird"]).numpy()
    np.testing.assert_array_equal(bag, [[1.0, 2.0, 1.0]])
    assert layer.output_mode == "int" and layer.vocabulary_size() == len(layer.get_vocabulary())
    with pytest.raises(ConfigError, match="standardize"):
        layers.TextVectorization(standardize="upper")


@pytest.mark.parametrize("name, shape, size", [("AdaptiveAveragePooling1D", (2, 7, 3), 3),
                                               ("AdaptiveMaxPooling1D", (2, 7, 3), 3),
                                               ("AdaptiveAveragePooling2D", (2, 7, 5, 3), (3, 2)),
                                               ("AdaptiveMaxPooling2D", (2, 7, 5, 3), (3, 2)),
                                               ("AdaptiveAveragePooling3D", (2, 5, 4, 3, 2), 2),
                                               ("AdaptiveMaxPooling3D", (2, 5, 4, 3, 2), 2)])
def test_adaptive_pooling_matches_keras(name, shape, size):
    k = keras()
    x = RNG.standard_normal(shape).astype(np.float32)
    for data_format in ("channels_last", "channels_first"):
        ours = getattr(layers, name)(size, data_format=data_format)(x).numpy()
        theirs = _np(k, getattr(k.layers, name)(size, data_format=data_format)(x))
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_adaptive_pooling_check_layer_and_errors():
    check_layer(lambda: layers.AdaptiveAveragePooling2D((2, 3)), (2, 7, 5, 3), (2, 2, 3, 3))
    check_layer(lambda: layers.AdaptiveMaxPooling1D(4), (2, 9, 3), (2, 4, 3))
    with pytest.raises(ConfigError, match="output_size"):
        layers.AdaptiveMaxPooling2D((2, 2, 2))
    with pytest.raises(ShapeError, match="rank 4"):
        layers.AdaptiveMaxPooling2D(2)(np.ones((2, 3, 4), np.float32))


def test_serialize_deserialize_and_input_spec():
    layer = layers.Dense(3, activation="relu", name="d")
    config = layers.serialize(layer)
    assert config["class_name"] == "Dense"
    clone = layers.deserialize(config)
    assert isinstance(clone, layers.Dense) and clone.get_config() == layer.get_config()
    spec = layers.InputSpec(ndim=3, axes={-1: 4})
    spec.check((None, 5, 4))
    with pytest.raises(ShapeError, match="rank 3"):
        spec.check((2, 4))
    with pytest.raises(ShapeError, match="axis -1 of size 4"):
        spec.check((2, 5, 3))
    assert layers.InputSpec.from_config(spec.get_config()).axes == {-1: 4}
