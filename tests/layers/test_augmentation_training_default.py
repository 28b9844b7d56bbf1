"""Keras 3's ``training`` default for augmentation layers (``call(data, training=True)``): a direct call
``layer(images)`` or ``model(images)`` augments; ``training=False`` (``predict``, ``evaluate``) does not; None
travels down through Sequential, functional models and Pipeline to each layer, which then uses its own default.
Checked against Keras itself (torch backend) for RandomFlip and RandomBrightness."""
import numpy as np
import pytest

from neuroflow import layers as L
from neuroflow.models import Model, Sequential

from ..keras_oracle import keras

# 16 images: the chance that no image of the batch is flipped (1/4 per image) is negligible.
IMAGES = np.random.default_rng(0).uniform(0, 255, (16, 6, 5, 3)).astype(np.float32)

LAYERS = {
    "RandomFlip": {"mode": "horizontal_and_vertical", "seed": 1},
    "RandomBrightness": {"factor": 0.5, "seed": 1},
}


def _changed(out, images=IMAGES) -> bool:
    return not np.allclose(np.asarray(out, dtype=np.float32), images)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_plain_call_augments_like_keras(name):
    k = keras()
    theirs = getattr(k.layers, name)(**LAYERS[name])
    ours = getattr(L, name)(**LAYERS[name])
    # no training argument: both augment
    assert _changed(k.ops.convert_to_numpy(theirs(IMAGES)))
    assert _changed(ours(IMAGES).numpy())
    # training=False: both return the images unchanged
    np.testing.assert_allclose(k.ops.convert_to_numpy(theirs(IMAGES, training=False)), IMAGES, rtol=0, atol=0)
    np.testing.assert_allclose(ours(IMAGES, training=False).numpy(), IMAGES, rtol=0, atol=0)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_models_pass_none_down_like_keras(name):
    """A model called without ``training`` augments on both sides; ``predict`` does not."""
    k = keras()
    theirs = k.Sequential([k.Input(IMAGES.shape[1:]), getattr(k.layers, name)(**LAYERS[name])])
    ours = Sequential([L.Input(IMAGES.shape[1:]), getattr(L, name)(**LAYERS[name])])
    assert _changed(k.ops.convert_to_numpy(theirs(IMAGES)))
    assert _changed(ours(IMAGES).numpy())
    np.testing.assert_array_equal(theirs.predict(IMAGES, verbose=0), IMAGES)
    np.testing.assert_array_equal(ours.predict(IMAGES, verbose=0), IMAGES)


def test_functional_model_and_pipeline_use_the_layer_default():
    inputs = L.Input(IMAGES.shape[1:])
    outputs = L.Pipeline([L.RandomFlip(seed=0), L.RandomBrightness(0.3, seed=0)])(inputs)
    model = Model(inputs, L.Rescaling(1.0)(outputs))
    assert _changed(model(IMAGES).numpy())
    assert _changed(model(IMAGES, training=None).numpy())
    np.testing.assert_array_equal(model(IMAGES, training=False).numpy(), IMAGES)
    np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), IMAGES)
    model.compile(loss="mse")  # evaluate runs training=False: the model is the identity, its error zero
    assert model.evaluate(IMAGES, IMAGES, verbose=0) == 0.0


def test_dropout_keeps_its_own_default_next_to_an_augmentation():
    """None reaches every layer as None: Dropout (default inference) stays off while the flip acts."""
    model = Sequential([L.Input(IMAGES.shape[1:]), L.Dropout(0.9, seed=0), L.RandomFlip("horizontal", seed=0)])
    out = model(IMAGES).numpy()
    flipped = IMAGES[:, :, ::-1]
    per_image = [np.array_equal(o, x) or np.array_equal(o, f) for o, x, f in zip(out, IMAGES, flipped)]
    assert all(per_image) and _changed(out)
