"""Keras 3's eager conventions: ``tensor._keras_mask`` carried from a masking layer to the next call, and the
``training`` value of an outer call reaching inner calls that pass none (Keras' call context)."""
import numpy as np

import neuroflow as nf
from neuroflow import layers

from tests.keras_oracle import keras as keras_oracle

IDS = np.array([[1, 2, 0, 0], [3, 0, 0, 0], [4, 5, 6, 7]])


def _pair(k):
    """The same Embedding(mask_zero) -> LSTM on both sides, with neuroflow's weights copied into Keras'."""
    emb, lstm = layers.Embedding(10, 4, mask_zero=True), layers.LSTM(3)
    lstm(emb(IDS))
    kemb, klstm = k.layers.Embedding(10, 4, mask_zero=True), k.layers.LSTM(3)
    klstm(kemb(IDS))
    kemb.set_weights(emb.get_weights())
    klstm.set_weights(lstm.get_weights())
    return (emb, lstm), (kemb, klstm)


def test_an_eager_masking_layer_output_carries_its_mask_like_keras():
    k = keras_oracle()
    (emb, _), (kemb, _) = _pair(k)
    y, ky = emb(IDS), kemb(IDS)
    np.testing.assert_array_equal(y._keras_mask, k.ops.convert_to_numpy(ky._keras_mask))
    assert nf.Tensor(np.ones(2))._keras_mask is None


def test_the_next_eager_call_uses_the_carried_mask_like_keras():
    k = keras_oracle()
    (emb, lstm), (kemb, klstm) = _pair(k)
    out = lstm(emb(IDS)).numpy()
    want = k.ops.convert_to_numpy(klstm(kemb(IDS)))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    unmasked = lstm(nf.Tensor(emb(IDS).numpy())).numpy()  # the same values without the mask differ
    assert not np.allclose(out[:2], unmasked[:2])


def test_a_mask_passes_through_a_masking_aware_layer():
    y = layers.Dense(2)(layers.Embedding(10, 4, mask_zero=True)(IDS))
    np.testing.assert_array_equal(y._keras_mask, IDS != 0)


class _FlipsWithoutForwarding(layers.Layer):
    """Calls an augmentation layer without passing ``training`` on."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.flip = layers.RandomFlip("horizontal", seed=1)

    def call(self, x):
        return self.flip(x)


def test_an_outer_training_value_reaches_inner_calls_that_pass_none():
    x = np.arange(2 * 4 * 4 * 1, dtype=np.float32).reshape(2, 4, 4, 1)
    model = nf.Sequential([layers.Input((4, 4, 1)), _FlipsWithoutForwarding()])
    np.testing.assert_array_equal(model.predict(np.repeat(x, 8, axis=0), verbose=0), np.repeat(x, 8, axis=0))
    np.testing.assert_array_equal(model(x, training=False).numpy(), x)
    flipped = [model(x, training=True).numpy() for _ in range(8)]
    assert any(not np.array_equal(f, x) for f in flipped)
