"""What a functional model takes as inputs, as Keras 3's Functional does: a symbolic tensor made by layers (not an
``Input``) becomes a fresh ``Input`` named ``<name>CLONE`` with the graph between re-recorded on it (the layers and
weights shared), and ``(batch,)`` data fed to a ``(None, 1)`` input gains its last axis (``(batch, 1)`` for
``(None,)`` loses it). Checked against Keras (torch backend) with the same weights, and on FeatureSpace's
structured-data guide: ``Model(inputs=encoded_features, ...)`` trained, ``Model(inputs=dict_inputs, ...)`` served."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers as L
from neuroflow.errors import ConfigError
from neuroflow.utils import FeatureSpace

from ..keras_oracle import keras

X = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)


def _chain(M):
    """Input(4) -> d1 -> d3 -> d2, the tensors (a, h, out) and the full model, in neuroflow or Keras."""
    a = M.Input((4,), name="a")
    h = M.layers.Dense(3, name="d1")(a)
    out = M.layers.Dense(2, name="d2")(M.layers.Dense(5, activation="tanh", name="d3")(h))
    return a, h, out, M.Model(a, out)


def test_intermediate_tensor_as_input_matches_keras(tmp_path):
    k = keras()
    _, h, out, full = _chain(nf)
    _, kh, kout, kfull = _chain(k)
    kfull.set_weights(full.get_weights())
    sub, ksub = nf.Model(h, out), k.Model(kh, kout)
    assert [type(l).__name__ for l in sub.layers] == [type(l).__name__ for l in ksub.layers] \
        == ["InputLayer", "Dense", "Dense"]
    assert sub.layers[0].name.endswith("CLONE") and sub.input_shape == (None, 3)
    assert sub.get_layer("d3") is full.get_layer("d3")  # the same layers: weights shared with the full model
    hidden = full.get_layer("d1")(X).numpy()
    want = np.asarray(ksub.predict(hidden, verbose=0))
    np.testing.assert_allclose(sub.predict(hidden, verbose=0), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sub.predict(hidden, verbose=0), full.predict(X, verbose=0), rtol=1e-6, atol=1e-7)
    path = str(tmp_path / "sub.neuroflow")
    sub.save(path)
    np.testing.assert_array_equal(nf.models.load_model(path).predict(hidden, verbose=0),
                                  sub.predict(hidden, verbose=0))


def test_intermediate_and_real_inputs_mixed():
    a, h, out, _ = _chain(nf)
    b = nf.Input((2,), name="b")
    both = L.Add()([out, b])
    model = nf.Model([h, b], both)
    assert [l.name for l in model.layers if type(l).__name__ == "InputLayer"][1] == "b"
    hidden = np.ones((3, 3), np.float32)
    extra = np.full((3, 2), 5.0, np.float32)
    head = nf.Model(h, out)
    np.testing.assert_allclose(model.predict([hidden, extra], verbose=0), head.predict(hidden, verbose=0) + 5.0,
                               rtol=1e-6)


def test_an_input_left_out_is_named():
    a, b = nf.Input((2,), name="left"), nf.Input((2,), name="right")
    h = L.Dense(2)(a)
    with pytest.raises(ConfigError, match="'right'"):
        nf.Model(h, L.Add()([h, b]))


def _scalar_model(M, shape):
    x = M.Input(shape, name="age")
    return M.Model(x, M.layers.Dense(2, name="d")(x if shape == (1,) else M.layers.Reshape((1,))(x)))


@pytest.mark.parametrize("shape, data_shape", [((1,), (5,)), ((), (5, 1))])
def test_rank_adjusted_like_keras(shape, data_shape):
    k = keras()
    ours, theirs = _scalar_model(nf, shape), _scalar_model(k, shape)
    theirs.set_weights(ours.get_weights())
    data = np.arange(5, dtype=np.float32).reshape(data_shape)
    want = np.asarray(theirs.predict(data, verbose=0))
    assert want.shape == (5, 2)
    np.testing.assert_allclose(ours.predict(data, verbose=0), want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours(data).numpy(), want, rtol=1e-6, atol=1e-6)
    ours.compile(optimizer="sgd", loss="mse")
    history = ours.fit(data, np.zeros((5, 2), np.float32), epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]


def test_other_shapes_still_refused():
    model = _scalar_model(nf, (1,))
    with pytest.raises(nf.errors.ShapeError, match=r"\(4, 3\)"):
        model.predict(np.ones((4, 3), np.float32), verbose=0)


def test_feature_space_guide_training_and_inference_models():
    """keras.io's structured-data guide: train on the encoded features, serve on the raw dict columns."""
    rng = np.random.default_rng(0)
    n = 48
    data = {"sex": rng.integers(0, 2, n), "thal": rng.choice(["fixed", "normal", "reversible"], n),
            "age": rng.normal(50, 10, n).astype("float32")}
    y = (data["age"] > 50).astype("float32")
    space = FeatureSpace(features={"sex": FeatureSpace.integer_categorical(num_oov_indices=0),
                                   "thal": FeatureSpace.string_categorical(num_oov_indices=0),
                                   "age": FeatureSpace.float_normalized()}, output_mode="concat")
    space.adapt(data)
    dict_inputs, encoded_features = space.get_inputs(), space.get_encoded_features()
    x = L.Dense(8, activation="relu")(encoded_features)
    predictions = L.Dense(1, activation="sigmoid")(x)
    training_model = nf.Model(inputs=encoded_features, outputs=predictions)
    training_model.compile(optimizer="adam", loss="binary_crossentropy")
    training_model.fit(space(data), y, epochs=2, verbose=0)
    inference_model = nf.Model(inputs=dict_inputs, outputs=predictions)
    served = inference_model.predict({k: v[:8] for k, v in data.items()}, verbose=0)  # (batch,) columns
    np.testing.assert_allclose(served, training_model.predict(space({k: v[:8] for k, v in data.items()}),
                                                              verbose=0), rtol=1e-6, atol=1e-6)
