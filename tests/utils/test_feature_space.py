"""keras.utils.FeatureSpace on the structured-data example's shape of data: adapt from a dict of arrays and from
dict batches, encoding by name order with crosses, the symbolic inputs and encoded features inside models, save
and load through the model, config round trip; and the keras.preprocessing aliases."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError, DataError
from neuroflow.utils import FeatureSpace

from ..keras_oracle import keras

N = 64


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return {"sex": rng.integers(0, 2, N), "cp": rng.integers(0, 4, N),
            "thal": rng.choice(["fixed", "normal", "reversible"], N),
            "age": rng.normal(50, 10, N).astype("float32"), "chol": rng.normal(200, 30, N).astype("float32"),
            "slope": rng.integers(1, 4, N)}


def _space(output_mode="concat"):
    return FeatureSpace(
        features={"sex": FeatureSpace.integer_categorical(num_oov_indices=0), "cp": "integer_categorical",
                  "thal": FeatureSpace.string_categorical(num_oov_indices=0),
                  "age": FeatureSpace.float_discretized(num_bins=5), "chol": "float_normalized",
                  "slope": FeatureSpace.integer_hashed(num_bins=4)},
        crosses=[FeatureSpace.cross(feature_names=("sex", "age"), crossing_dim=8),
                 FeatureSpace.cross(feature_names=("thal", "cp"), crossing_dim=6)],
        output_mode=output_mode)


def test_adapt_and_encode_layout():
    data = _data()
    space = _space()
    space.adapt(data)
    out = space({k: v[:10] for k, v in data.items()})
    # name order: age (5 bins), chol (1), cp (4 values + OOV), sex (2), slope (4), thal (3), then the crosses
    # sex_X_age (8), thal_X_cp (6)
    assert out.shape == (10, 5 + 1 + 5 + 2 + 4 + 3 + 8 + 6) and out.dtype == np.float32
    chol = out[:, 5]
    mean, std = data["chol"].mean(), data["chol"].std()
    np.testing.assert_allclose(chol, (data["chol"][:10] - mean) / std, rtol=1e-4, atol=1e-4)
    sex = out[:, 11:13]
    np.testing.assert_array_equal(sex.sum(1), 1)
    assert space({k: v[0] for k, v in data.items()}).shape == (out.shape[1],)  # one sample of scalars


def test_adapt_from_batches_equals_adapt_from_arrays():
    data = _data()
    whole, batched = _space(), _space()
    whole.adapt(data)
    batched.adapt(iter([({k: v[i:i + 16] for k, v in data.items()}, None) for i in range(0, N, 16)]))
    np.testing.assert_allclose(batched(data), whole(data), rtol=1e-5, atol=1e-5)


def test_dict_output_mode():
    data = _data()
    space = _space("dict")
    space.adapt(data)
    out = space(data)
    assert sorted(out) == ["age", "chol", "cp", "sex", "sex_X_age", "slope", "thal", "thal_X_cp"]
    assert out["thal"].shape == (N, 3)


def test_models_on_inputs_and_encoded_features_save_and_load(tmp_path):
    nf.random.set_seed(0)
    data, y = _data(), (_data()["age"] > 50).astype("float32")
    space = _space()
    space.adapt(data)
    inputs, encoded = space.get_inputs(), space.get_encoded_features()
    assert set(inputs) == set(data) and inputs["thal"].dtype == "string"
    hidden, head = nf.layers.Dense(8, activation="relu"), nf.layers.Dense(1, activation="sigmoid")
    predictions = head(hidden(encoded))
    features_in = nf.Input(shape=encoded.shape[1:])
    training_model = nf.Model(features_in, head(hidden(features_in)))
    training_model.compile(optimizer="adam", loss="binary_crossentropy")
    training_model.fit(space(data), y, epochs=2, verbose=0)
    inference_model = nf.Model(inputs, predictions)
    columns = {k: v[:8, None] for k, v in data.items()}
    from_dict = inference_model.predict(columns, verbose=0)
    np.testing.assert_allclose(from_dict, training_model.predict(space(columns), verbose=0), atol=1e-6)
    path = str(tmp_path / "space.neuroflow")
    inference_model.save(path)
    loaded = nf.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(columns, verbose=0), from_dict)


def test_config_round_trip_keeps_what_was_learned():
    data = _data()
    space = _space()
    space.adapt(data)
    clone = FeatureSpace.from_config(space.get_config())
    np.testing.assert_allclose(clone(data), space(data), rtol=1e-6, atol=1e-6)


def test_refusals():
    with pytest.raises(ConfigError, match="unknown kind"):
        FeatureSpace(features={"a": "float_squashed"})
    with pytest.raises(ConfigError, match="unknown features"):
        FeatureSpace(features={"a": "float"}, crosses=[("a", "b")])
    with pytest.raises(ConfigError, match="output_mode"):
        FeatureSpace(features={"a": "float"}, output_mode="list")
    space = FeatureSpace(features={"a": "float_normalized"})
    with pytest.raises(ConfigError, match="adapt"):
        space({"a": np.zeros(3)})
    space.adapt({"a": np.arange(4.0)})
    with pytest.raises(DataError, match="lacks features"):
        space({"b": np.zeros(3)})
    ids = FeatureSpace(features={"a": FeatureSpace.integer_categorical(output_mode="int")})
    with pytest.raises(ConfigError, match="concatenate"):  # adapt builds the encoding, as Keras' does
        ids.adapt({"a": np.arange(4)})


def test_keras_preprocessing_aliases():
    assert nf.preprocessing.sequence.pad_sequences is nf.utils.pad_sequences
    assert nf.preprocessing.image.load_img is nf.utils.load_img
    for name in ("image_dataset_from_directory", "text_dataset_from_directory", "timeseries_dataset_from_array"):
        assert getattr(nf.preprocessing, name) is getattr(nf.utils, name)


@pytest.mark.parametrize("shape, size, data_format", [((9, 12, 3), (5, 5), "channels_last"),
                                                        ((2, 3, 6, 10), (8, 4), "channels_first")])
def test_smart_resize_equals_keras(shape, size, data_format):
    k = keras()
    x = np.random.default_rng(1).uniform(0, 255, shape).astype(np.float32)
    want = k.ops.convert_to_numpy(k.preprocessing.image.smart_resize(x, size, data_format=data_format))
    got = nf.preprocessing.image.smart_resize(x, size, data_format=data_format)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)
