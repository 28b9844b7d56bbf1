"""Masks in functional and Sequential graphs, as Keras 3 passes them.

Each program below is written against a ``keras`` module and runs on neuroflow and on Keras 3 (torch backend,
``tests/keras_oracle.py``) with the same ids and embedding weights; the values must agree.
"""
import warnings

import numpy as np
import pytest

import neuroflow as nf

from tests.keras_oracle import keras as keras_oracle

IDS = np.array([[3, 5, 2, 0, 0], [7, 1, 0, 0, 0], [4, 4, 4, 9, 6]], dtype="int32")
EMBEDDINGS = np.random.default_rng(0).normal(size=(10, 4)).astype("float32")


def _layers(keras):
    """Custom layers defined on ``keras`` (each program builds its own classes, as a user would)."""
    ops = keras.ops

    class MaskedMean(keras.layers.Layer):
        """Mean over the unmasked steps: (batch, time, features) -> (batch, features)."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True
            self.seen_masks = []

        def call(self, inputs, mask=None):
            self.seen_masks.append(mask)
            weights = ops.expand_dims(ops.cast(mask, "float32"), -1)
            return ops.sum(inputs * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)

        def compute_mask(self, inputs, mask=None):
            return None

    class DropFirstStep(keras.layers.Layer):
        """Masks out the first unmasked step on top of the incoming mask (overrides compute_mask)."""

        def call(self, inputs):
            return inputs * 2.0

        def compute_mask(self, inputs, mask=None):
            return ops.logical_and(mask, ops.cumsum(ops.cast(mask, "int32"), axis=1) > 1)

    class SeesMaskOnly(keras.layers.Layer):
        """Takes ``mask`` in call but does not support masking: gets the mask, ends it."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.got_mask = []

        def call(self, inputs, mask=None):
            self.got_mask.append(mask is not None)
            return inputs + 1.0

    return MaskedMean, DropFirstStep, SeesMaskOnly


def _embedding(keras):
    layer = keras.layers.Embedding(10, 4, mask_zero=True)
    layer.build((None, None))
    layer.set_weights([EMBEDDINGS])
    return layer


def _numpy(keras, x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def functional_mask_program(keras):
    MaskedMean, _, _ = _layers(keras)
    inputs = keras.Input(shape=(None,), dtype="int32")
    h = _embedding(keras)(inputs)
    pool = MaskedMean()
    out = pool(h)
    model = keras.Model(inputs, out)
    build_mask = pool.seen_masks[0]
    return {"symbolic_mask_given": build_mask is not None,
            "h_mask_shape": tuple(h._keras_mask.shape),
            "out_has_mask": getattr(out, "_keras_mask", None) is not None,
            "y": _numpy(keras, model(IDS)),
            "runtime_mask": _numpy(keras, pool.seen_masks[-1]).astype(bool)}


def sequential_mask_program(keras):
    MaskedMean, _, _ = _layers(keras)
    pool = MaskedMean()
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"), _embedding(keras), pool])
    return {"y": _numpy(keras, model(IDS)), "runtime_mask": _numpy(keras, pool.seen_masks[-1]).astype(bool)}


def compute_mask_program(keras):
    MaskedMean, DropFirstStep, _ = _layers(keras)
    inputs = keras.Input(shape=(None,), dtype="int32")
    h = DropFirstStep()(_embedding(keras)(inputs))
    pool = MaskedMean()
    model = keras.Model(inputs, pool(h))
    y = _numpy(keras, model(IDS))
    return {"y": y, "runtime_mask": _numpy(keras, pool.seen_masks[-1]).astype(bool),
            "h_mask_shape": tuple(h._keras_mask.shape)}


def no_masking_support_program(keras):
    _, _, SeesMaskOnly = _layers(keras)
    inputs = keras.Input(shape=(None,), dtype="int32")
    h = _embedding(keras)(inputs)
    sees = SeesMaskOnly()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = sees(h)
    after = keras.layers.LSTM(3)
    model = keras.Model(inputs, after(out))
    model(IDS)
    return {"call_got_mask": sees.got_mask[-1],
            "output_mask": getattr(out, "_keras_mask", None) is not None,
            "warned": any("does not support masking" in str(w.message) for w in caught)}


PROGRAMS = [functional_mask_program, sequential_mask_program, compute_mask_program, no_masking_support_program]


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return np.round(value.astype("float64"), 5).tolist()
    return value


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_masks_match_keras(program):
    nf.utils.set_random_seed(0)
    got = _plain(program(nf))
    keras = keras_oracle()
    keras.utils.set_random_seed(0)
    assert got == _plain(program(keras))


def test_custom_layer_gets_the_padding_mask():
    got = functional_mask_program(nf)
    assert got["symbolic_mask_given"] and got["h_mask_shape"] == (None, None)
    np.testing.assert_array_equal(got["runtime_mask"], IDS != 0)
    expected = [(EMBEDDINGS[row[row != 0]]).mean(axis=0) for row in IDS]
    np.testing.assert_allclose(got["y"], expected, rtol=1e-5)


def test_compute_mask_override_reaches_the_next_layer():
    got = compute_mask_program(nf)
    expected = (IDS != 0) & (np.arange(IDS.shape[1]) > 0)  # every row's first step is unmasked
    np.testing.assert_array_equal(got["runtime_mask"], expected)


def test_layer_without_masking_support_gets_the_mask_and_ends_it():
    got = no_masking_support_program(nf)
    assert got == {"call_got_mask": True, "output_mask": False, "warned": True}


def test_functional_model_with_masks_saves_and_loads(tmp_path):
    inputs = nf.Input(shape=(None,), dtype="int32")
    h = _embedding(nf)(inputs)
    model = nf.Model(inputs, nf.layers.LSTM(3)(nf.layers.Dense(4)(h)))
    path = tmp_path / "masked.keras"
    model.save(path)
    loaded = nf.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(IDS, verbose=0), model.predict(IDS, verbose=0), rtol=1e-5)
    # the LSTM skips padding: a padded row equals its unpadded prefix
    np.testing.assert_allclose(model(IDS[1:2, :2]).numpy(), model(IDS[1:2]).numpy(), rtol=1e-5, atol=1e-6)
