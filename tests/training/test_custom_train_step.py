"""Keras' pattern of overriding ``train_step``: a tiny GAN trains through ``fit``, each network only on its turn."""
import numpy as np

import neuroflow as keras
from neuroflow import layers


class GAN(keras.Model):
    def __init__(self, generator, discriminator, latent_dim):
        super().__init__()
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim
        self.bce = keras.losses.BinaryCrossentropy()
        self.d_opt = keras.optimizers.Adam(0.003)
        self.g_opt = keras.optimizers.Adam(0.003)
        self.noise = np.random.default_rng(0)

    def call(self, z, training=None):
        return self.generator(z, training=training)

    def train_step(self, data):
        real = data  # fit(x) without targets hands the batch itself, as in Keras
        n = len(real)
        z = self.noise.normal(size=(n, self.latent_dim)).astype("float32")
        fake = self.generator(z, training=True).detach()
        # the discriminator learns on real (1) and generated (0) samples; the generator's weights are untouched
        d_vars = self.discriminator.trainable_weights
        self.d_opt.zero_grad(d_vars)
        d_loss = (self.bce(np.ones((n, 1)), self.discriminator(real, training=True))
                  + self.bce(np.zeros((n, 1)), self.discriminator(fake, training=True)))
        d_loss.backward()
        self.d_opt.step(d_vars)
        # the generator learns through the discriminator, whose weights are held
        g_vars = self.generator.trainable_weights
        self.g_opt.zero_grad(g_vars)
        for v in d_vars:
            v.grad = None
        g_loss = self.bce(np.ones((n, 1)), self.discriminator(self.generator(z, training=True), training=True))
        g_loss.backward()
        self.g_opt.step(g_vars)
        for v in d_vars:
            v.grad = None
        return {"d_loss": d_loss, "g_loss": g_loss}


def test_gan_step_updates_only_the_network_whose_turn_it_is():
    keras.utils.set_random_seed(0)
    gen = keras.Sequential([layers.Dense(8, activation="relu", input_dim=2), layers.Dense(2)])
    disc = keras.Sequential([layers.Dense(8, activation="relu", input_dim=2), layers.Dense(1, activation="sigmoid")])
    gan = GAN(gen, disc, latent_dim=2)
    real = np.random.default_rng(1).normal(loc=3.0, size=(256, 2)).astype("float32")
    g0, d0 = gen.get_weights(), disc.get_weights()
    z = np.random.default_rng(2).normal(size=(500, 2)).astype("float32")
    start = gan.predict(z, verbose=0).mean()
    history = gan.fit(real, epochs=30, batch_size=64, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"} and len(history.history["d_loss"]) == 30
    assert all(not np.array_equal(a, b) for a, b in zip(g0, gen.get_weights()))
    assert all(not np.array_equal(a, b) for a, b in zip(d0, disc.get_weights()))
    end = gan.predict(z, verbose=0).mean()
    assert abs(end - 3.0) < 0.5 * abs(start - 3.0)  # the generator moved its samples towards the real data


def test_default_train_step_and_compute_loss():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Dense(1, input_dim=2)])
    model.compile("sgd", "mse")
    x, y = np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32)
    before = float(model.compute_loss(x, y, model(x)).item())
    logs = model.train_step((x, y))
    assert abs(logs["loss"] - before) < 1e-6 and float(model.compute_loss(x, y, model(x)).item()) < before
