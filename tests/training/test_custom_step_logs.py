"""What ``fit`` logs for a model's own ``train_step``, against Keras 3 (torch backend, ``tests/keras_oracle.py``).

Keras 3 averages nothing itself: the epoch logs the model's metric results when the step returns exactly their
names, and otherwise what the last step returned. The GAN-style step below scores a generator and a
discriminator per batch (the same weights on both sides) and returns per-batch numbers, tracker results, or a
mixture of both.
"""
import numpy as np
import pytest

import neuroflow as nf

from tests.keras_oracle import keras as keras_oracle

REAL = np.random.default_rng(0).normal(size=(12, 3)).astype("float32")
NOISE = np.random.default_rng(1).normal(size=(12, 2)).astype("float32")


def _gan_class(keras, mode):
    ops = keras.ops

    class GANScores(keras.Model):
        """A generator (noise -> sample) and a discriminator (sample -> logit), scored on each batch."""

        def __init__(self, generator, discriminator, **kwargs):
            super().__init__(**kwargs)
            self.generator, self.discriminator = generator, discriminator
            self.d_tracker = keras.metrics.Mean(name="d_loss")
            self.g_tracker = keras.metrics.Mean(name="g_loss")

        @property
        def metrics(self):
            return [self.d_tracker, self.g_tracker]

        def call(self, noise):
            return self.generator(noise)

        def train_step(self, data):
            noise, real = data
            fake = self.generator(noise)
            real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
            d_loss = ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
            g_loss = ops.mean(ops.softplus(-fake_logits))
            self.d_tracker.update_state(d_loss)
            self.g_tracker.update_state(g_loss)
            if mode == "plain":
                return {"d_loss": d_loss, "g_loss": g_loss}
            if mode == "trackers":
                return {"d_loss": self.d_tracker.result(), "g_loss": self.g_tracker.result()}
            return {"d_loss": self.d_tracker.result(), "g_batch": g_loss}  # names differ from model.metrics

    return GANScores


def _history(keras, mode, epochs=2):
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    discriminator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    for part, seed in ((generator, 2), (discriminator, 3)):
        rng = np.random.default_rng(seed)
        part.set_weights([rng.normal(size=w.shape).astype("float32") for w in part.get_weights()])
    model = _gan_class(keras, mode)(generator, discriminator)
    model.compile()
    batches = []

    class Batches(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append({k: float(v) for k, v in (logs or {}).items()})

    history = model.fit(NOISE, REAL, batch_size=4, epochs=epochs, shuffle=False, verbose=0, callbacks=[Batches()])
    return {k: [float(v) for v in vs] for k, vs in history.history.items()}, batches


@pytest.mark.parametrize("mode", ["plain", "trackers", "mixed"])
def test_custom_step_history_matches_keras(mode):
    got, got_batches = _history(nf, mode)
    keras = keras_oracle()
    want, want_batches = _history(keras, mode)
    assert sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-6)
    assert len(got_batches) == len(want_batches)
    for g, w in zip(got_batches, want_batches):
        assert sorted(g) == sorted(w)
        np.testing.assert_allclose([g[k] for k in sorted(g)], [w[k] for k in sorted(w)], rtol=1e-5, atol=1e-6)


def test_step_values_under_other_names_log_the_last_batch_not_the_epoch_mean():
    history, batches = _history(nf, "mixed", epochs=1)
    assert history["g_batch"] == [batches[-1]["g_batch"]]
    assert not np.isclose(history["g_batch"][0], np.mean([b["g_batch"] for b in batches]))
    # names equal to model.metrics': the trackers' results, which averaged the per-batch values
    plain, plain_batches = _history(nf, "plain", epochs=1)
    np.testing.assert_allclose(plain["d_loss"], [np.mean([b["d_loss"] for b in plain_batches])], rtol=1e-6)
