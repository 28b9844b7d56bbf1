"""The model families a "Python deep learning" course teaches, written as a student writes them with Keras 3.

Each program is ``def program(keras, workdir)`` (``keras`` is ``neuroflow`` or Keras 3 itself) and returns values
every conforming implementation agrees on: shapes, history keys, parameter counts, deterministic numbers. Every
program runs on neuroflow; where Keras 3 runs it (its torch backend, ``tests/keras_oracle.py``) both results must
be equal. Programs are tiny (a few hundred samples, one or two epochs); those reading ``../shared/data`` skip
when it is absent.
"""
import csv
import gzip
import os

import numpy as np
import pytest

import neuroflow

from tests.keras_oracle import keras as keras_oracle
from tests.keras_programs.test_programs import _plain

DATA = os.environ.get("NEUROFLOW_SHARED_DATA", "/work/shared/data")


def _need(*parts):
    path = os.path.join(DATA, *parts)
    if not os.path.exists(path):
        pytest.skip(f"{path} not found (../shared/data)")
    return path


def _mnist(n):
    """The first ``n`` MNIST training images (n, 28, 28, 1) in [0, 1] and their labels."""
    with gzip.open(_need("mnist", "train-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16)[: n * 784].reshape(n, 28, 28, 1)
    with gzip.open(_need("mnist", "train-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    return x.astype("float32") / 255.0, y.astype("int64")


def _history(history):
    return sorted(history.history), {k: len(v) for k, v in history.history.items()}


# ---------------------------------------------------------------------------------------------------- programs


def churn_mlp(keras, workdir):
    """An ANN on the bank churn CSV: NumPy preprocessing, one-hot geography, Normalization.adapt, dropout,
    early stopping on a validation split."""
    with open(_need("churn", "Churn_Modelling.csv")) as f:
        rows = list(csv.reader(f))[1:401]
    geo_names = sorted({r[4] for r in rows})
    geo = keras.utils.to_categorical([geo_names.index(r[4]) for r in rows], num_classes=len(geo_names))
    gender = np.array([[r[5] == "Male"] for r in rows], "float32")
    numeric = np.array([[float(r[i]) for i in (3, 6, 7, 8, 9, 10, 11, 12)] for r in rows], "float32")
    x = np.concatenate([numeric, gender, geo], axis=1).astype("float32")
    y = np.array([float(r[13]) for r in rows], "float32")
    geo_ops = keras.ops.one_hot(np.array([geo_names.index(r[4]) for r in rows[:5]]), 3)

    norm = keras.layers.Normalization()
    norm.adapt(x)
    model = keras.Sequential([
        keras.Input(shape=(x.shape[1],)),
        norm,
        keras.layers.Dense(6, activation="relu", kernel_initializer="he_uniform"),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(6, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy", keras.metrics.AUC(name="auc"), keras.metrics.Precision()])
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    history = model.fit(x, y, validation_split=0.2, epochs=2, batch_size=32, callbacks=[stop], verbose=0)
    scores = model.evaluate(x[:50], y[:50], verbose=0, return_dict=True)
    pred = model.predict(x[:7], verbose=0)
    normalized = keras.ops.convert_to_numpy(norm(x[:3]))
    return {
        "history": _history(history),
        "params": model.count_params(),
        "eval_keys": sorted(scores),
        "pred": (pred.shape, str(pred.dtype), bool(((pred >= 0) & (pred <= 1)).all())),
        "geo": [geo.shape, geo[:5].tolist()],  # Keras' is float64, neuroflow's float32 (its dtype argument)
        "geo_ops": keras.ops.convert_to_numpy(geo_ops).tolist(),
        "norm_mean": [float(f"{m:.5g}") for m in keras.ops.convert_to_numpy(norm.mean).ravel()],
        "norm_weights": [tuple(w.shape) for w in norm.weights],
        "normalized": normalized.round(3).tolist(),
        "x_mean_after": keras.ops.convert_to_numpy(keras.ops.mean(norm(x), axis=0)).round(3).tolist(),
    }


def mnist_cnn(keras, workdir):
    """A convnet on 300 MNIST digits with augmentation layers inside the model."""
    x, y = _mnist(300)
    layers = keras.layers
    augment = keras.Sequential([
        layers.RandomRotation(0.05),
        layers.RandomZoom(0.1),
        layers.RandomTranslation(0.1, 0.1),
    ], name="augment")
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        augment,
        layers.Conv2D(8, (3, 3), activation="relu", padding="same"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(pool_size=2),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(32, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x[:250], y[:250], epochs=1, batch_size=50, validation_data=(x[250:], y[250:]), verbose=0)
    y_cat = keras.utils.to_categorical(y, 10)
    model2 = keras.models.clone_model(model)
    model2.compile(optimizer=keras.optimizers.RMSprop(), loss="categorical_crossentropy",
                   metrics=[keras.metrics.CategoricalAccuracy()])
    history2 = model2.fit(x[:100], y_cat[:100], epochs=1, batch_size=50, verbose=0)
    same = np.allclose(keras.ops.convert_to_numpy(augment(x[:4], training=False)), x[:4])
    probs = model.predict(x[:5], verbose=0)
    return {
        "history": _history(history),
        "history2": _history(history2),
        "params": model.count_params(),
        "shapes": [tuple(layer.output.shape) for layer in model.layers],
        "augment_inference_identity": same,
        "probs": (probs.shape, np.allclose(probs.sum(axis=1), 1, atol=1e-5)),
        "n_weights": (len(model.weights), len(model.trainable_weights)),
    }


def rnn_forecast(keras, workdir):
    """LSTM and GRU forecasting the airline passengers series from windows of the past 6 months."""
    with open(_need("timeseries", "airline-passengers.csv")) as f:
        series = np.array([float(r[1]) for r in list(csv.reader(f))[1:]], "float32")
    series = (series - series.min()) / (series.max() - series.min())
    window = 6
    xs = np.stack([series[i:i + window] for i in range(len(series) - window)])[..., None]
    ys = series[window:]
    out = {}
    for name, rnn in (("lstm", keras.layers.LSTM), ("gru", keras.layers.GRU)):
        model = keras.Sequential([
            keras.Input(shape=(window, 1)),
            rnn(16, return_sequences=True),
            rnn(8),
            keras.layers.Dense(1),
        ])
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        history = model.fit(xs, ys, epochs=2, batch_size=16, validation_split=0.1, verbose=0)
        out[name] = [model.count_params(), _history(history), model.predict(xs[:3], verbose=0).shape]
    return out


def autoencoders(keras, workdir):
    """A dense and a convolutional autoencoder (Conv2DTranspose and UpSampling2D decoders) on random images."""
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1)).astype("float32")
    layers = keras.layers
    inp = keras.Input(shape=(784,))
    code = layers.Dense(32, activation="relu")(inp)
    out = layers.Dense(784, activation="sigmoid")(code)
    dense_ae = keras.Model(inp, out)
    encoder = keras.Model(inp, code)
    code_in = keras.Input(shape=(32,))
    decoder = keras.Model(code_in, dense_ae.layers[-1](code_in))
    dense_ae.compile(optimizer="adam", loss="binary_crossentropy")
    flat = x.reshape(len(x), -1)
    h1 = dense_ae.fit(flat, flat, epochs=1, batch_size=32, shuffle=True, validation_data=(flat, flat), verbose=0)
    codes = encoder.predict(flat[:4], verbose=0)
    decoded = decoder.predict(codes, verbose=0)

    inp = keras.Input(shape=(28, 28, 1))
    h = layers.Conv2D(16, 3, activation="relu", padding="same")(inp)
    h = layers.MaxPooling2D(2, padding="same")(h)
    h = layers.Conv2D(8, 3, activation="relu", padding="same")(h)
    encoded = layers.MaxPooling2D(2, padding="same", name="code")(h)
    h = layers.Conv2DTranspose(8, 3, strides=2, activation="relu", padding="same")(encoded)
    h = layers.Conv2D(16, 3, activation="relu", padding="same")(h)
    h = layers.UpSampling2D((2, 2))(h)
    decoded_img = layers.Conv2D(1, 3, activation="sigmoid", padding="same")(h)
    conv_ae = keras.Model(inp, decoded_img)
    conv_ae.compile(optimizer="adam", loss="mse")
    h2 = conv_ae.fit(x, x, epochs=1, batch_size=32, verbose=0)
    return {
        "dense": [dense_ae.count_params(), _history(h1), codes.shape, decoded.shape],
        "conv": [conv_ae.count_params(), _history(h2), tuple(conv_ae.get_layer("code").output.shape),
                 [tuple(layer.output.shape) for layer in conv_ae.layers]],
    }


def vae(keras, workdir):
    """A variational autoencoder: a Sampling layer, the KL term added with add_loss inside a layer, and the same
    model as a subclass whose train_step computes reconstruction and KL losses under trackers."""
    layers, ops = keras.layers, keras.ops
    latent_dim = 2

    class Sampling(layers.Layer):
        """z = mean + exp(log_var / 2) * eps."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch, dim = ops.shape(z_mean)[0], ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    class KLDivergenceLayer(layers.Layer):
        def call(self, inputs):
            z_mean, z_log_var = inputs
            kl = -0.5 * ops.mean(ops.sum(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=1))
            self.add_loss(kl)
            return inputs

    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(8, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(14 * 14 * 8, activation="relu")(latent_inputs)
    x = layers.Reshape((14, 14, 8))(x)
    x = layers.Conv2DTranspose(8, 3, activation="relu", strides=2, padding="same")(x)
    decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder, self.decoder = encoder, decoder
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

        def call(self, inputs):
            return self.decoder(self.encoder(inputs)[2])

        def train_step(self, data):
            import torch  # the torch-backend style of a custom step (Keras' guide for torch)

            self.zero_grad()
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            reconstruction_loss = ops.mean(ops.sum(
                keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2)))
            kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
            total_loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            self.total_loss_tracker.update_state(total_loss)
            self.reconstruction_loss_tracker.update_state(reconstruction_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {m.name: m.result() for m in self.metrics}

    rng = np.random.default_rng(0)
    images = (rng.random((64, 28, 28, 1)) > 0.7).astype("float32")
    model = VAE(encoder, decoder)
    model.compile(optimizer=keras.optimizers.Adam())
    history = model.fit(images, epochs=2, batch_size=32, verbose=0)

    # the add_loss form: the KL term rides on the functional model's losses
    inp = keras.Input(shape=(8,))
    h = layers.Dense(4, activation="relu")(inp)
    mu, log_var = layers.Dense(2)(h), layers.Dense(2)(h)
    mu, log_var = KLDivergenceLayer()([mu, log_var])
    zz = Sampling()([mu, log_var])
    out = layers.Dense(8)(zz)
    vae_fn = keras.Model(inp, out)
    vae_fn.compile(optimizer="adam", loss="mse")
    data = rng.random((32, 8)).astype("float32")
    h2 = vae_fn.fit(data, data, epochs=1, batch_size=16, verbose=0)
    vae_fn(data[:4])
    return {
        "history": _history(history),
        "params": [encoder.count_params(), decoder.count_params()],
        "encoded": [tuple(t.shape) for t in encoder(images[:3])],
        "decoded": tuple(model.predict(images[:3], verbose=0).shape),
        "add_loss": [_history(h2), len(vae_fn.losses)],
        "finite": bool(np.isfinite(history.history["total_loss"]).all()),
    }


def gan(keras, workdir):
    """A GAN with a custom train_step in the torch-backend style: two optimizers, a SeedGenerator, the
    discriminator's trainable flag toggled, metrics trackers."""
    layers, ops = keras.layers, keras.ops
    latent_dim = 8

    discriminator = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(8, 3, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Flatten(),
        layers.Dropout(0.2),
        layers.Dense(1),
    ], name="discriminator")
    generator = keras.Sequential([
        keras.Input(shape=(latent_dim,)),
        layers.Dense(7 * 7 * 8),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Reshape((7, 7, 8)),
        layers.Conv2DTranspose(8, 4, strides=2, padding="same"),
        layers.BatchNormalization(),
        layers.LeakyReLU(negative_slope=0.2),
        layers.UpSampling2D(),
        layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
    ], name="generator")

    class GAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim
            self.seed_generator = keras.random.SeedGenerator(1337)
            self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
            self.built = True

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

        def train_step(self, real_images):
            import torch

            if isinstance(real_images, tuple):
                real_images = real_images[0]
            batch_size = ops.shape(real_images)[0]
            noise = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
            generated = self.generator(noise)
            combined = ops.concatenate([generated, real_images], axis=0)
            labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
            self.discriminator.trainable = True
            self.zero_grad()
            d_loss = self.loss_fn(labels, self.discriminator(combined))
            d_loss.backward()
            grads = [v.value.grad for v in self.discriminator.trainable_weights]
            with torch.no_grad():
                self.d_optimizer.apply(grads, self.discriminator.trainable_weights)

            noise = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
            misleading = ops.zeros((batch_size, 1))
            self.discriminator.trainable = False
            self.zero_grad()
            g_loss = self.loss_fn(misleading, self.discriminator(self.generator(noise)))
            g_loss.backward()
            grads = [v.value.grad for v in self.generator.trainable_weights]
            with torch.no_grad():
                self.g_optimizer.apply(grads, self.generator.trainable_weights)
            self.discriminator.trainable = True
            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

    rng = np.random.default_rng(0)
    images = rng.random((48, 28, 28, 1)).astype("float32")
    model = GAN(discriminator, generator, latent_dim)
    model.compile(d_optimizer=keras.optimizers.Adam(learning_rate=3e-4),
                  g_optimizer=keras.optimizers.Adam(learning_rate=3e-4),
                  loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    history = model.fit(images, epochs=2, batch_size=16, verbose=0)
    samples = generator(keras.random.normal((3, latent_dim), seed=1))
    return {
        "history": _history(history),
        "params": [discriminator.count_params(), generator.count_params()],
        "trainable": [len(discriminator.trainable_weights), len(generator.trainable_weights),
                      len(generator.non_trainable_weights)],
        "samples": tuple(samples.shape),
        "opt_iterations": [int(keras.ops.convert_to_numpy(model.d_optimizer.iterations)),
                           int(keras.ops.convert_to_numpy(model.g_optimizer.iterations))],
    }


def transfer_learning(keras, workdir):
    """Pre-train a small convnet base, save it, reload it frozen under a new head (BatchNormalization in
    inference mode), train the head, then fine-tune everything with a low learning rate; feature extraction
    from an inner layer with Model(inputs=base.input, outputs=base.get_layer(name).output)."""
    layers = keras.layers
    rng = np.random.default_rng(0)
    x = rng.random((96, 16, 16, 3)).astype("float32")
    y = rng.integers(0, 4, 96)

    base_in = keras.Input(shape=(16, 16, 3))  # a functional base, as keras.applications builds them
    b = layers.Conv2D(8, 3, padding="same", use_bias=False, name="conv1")(base_in)
    b = layers.BatchNormalization(name="bn1")(b)
    b = layers.Activation("relu", name="relu1")(b)
    b = layers.MaxPooling2D(name="pool1")(b)
    base = keras.Model(base_in, layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(b),
                       name="base")
    pretrain = keras.Sequential([base, layers.GlobalAveragePooling2D(), layers.Dense(4, activation="softmax")])
    pretrain.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    pretrain.fit(x, y, epochs=1, batch_size=32, verbose=0)
    base.save_weights(str(workdir / "base.weights.h5"))

    base2 = keras.models.clone_model(base)
    base2.load_weights(str(workdir / "base.weights.h5"))
    same_after_load = all(np.allclose(a, b) for a, b in zip(base.get_weights(), base2.get_weights()))
    base2.trainable = False
    inputs = keras.Input(shape=(16, 16, 3))
    h = base2(inputs, training=False)
    h = layers.GlobalAveragePooling2D()(h)
    h = layers.Dropout(0.2)(h)
    outputs = layers.Dense(3, activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    counts_frozen = [len(model.trainable_weights), len(model.non_trainable_weights)]
    before = [np.array(w) for w in base2.get_weights()]
    history = model.fit(x, y % 3, epochs=1, batch_size=32, verbose=0)
    frozen_unchanged = all(np.array_equal(a, b) for a, b in zip(before, base2.get_weights()))

    # frozen BatchNormalization runs in inference mode even when called with training=True (Keras 3)
    bn = base2.get_layer("bn1")
    moving = np.array(keras.ops.convert_to_numpy(bn.moving_mean))  # a copy: torch's may be a view
    bn(rng.random((4, 16, 16, 8)).astype("float32") * 5, training=True)
    bn_frozen_inference = np.array_equal(moving, np.array(keras.ops.convert_to_numpy(bn.moving_mean)))

    base2.trainable = True
    model.compile(optimizer=keras.optimizers.Adam(1e-5), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    counts_tuned = [len(model.trainable_weights), len(model.non_trainable_weights)]
    history2 = model.fit(x, y % 3, epochs=1, batch_size=32, verbose=0)
    tuned_changed = not np.array_equal(before[0], base2.get_weights()[0])
    # base2 was called with training=False: its BatchNormalization stays in inference mode while fine-tuning
    bn_still_inference = np.array_equal(moving, keras.ops.convert_to_numpy(bn.moving_mean))

    extractor = keras.Model(inputs=base.input, outputs=base.get_layer("pool1").output)
    multi = keras.Model(inputs=base.inputs, outputs=[base.get_layer(n).output for n in ("relu1", "conv2")])
    features = extractor.predict(x[:5], verbose=0)
    feats = multi(x[:2])
    summary = []
    model.summary(print_fn=lambda line, *a, **k: summary.append(line))
    return {
        "same_after_load": same_after_load,
        "counts": [counts_frozen, counts_tuned],
        "frozen_unchanged": frozen_unchanged,
        "bn_frozen_inference": bn_frozen_inference,
        "tuned_changed": tuned_changed,
        "bn_still_inference": bn_still_inference,
        "history": [_history(history), _history(history2)],
        "features": [features.shape, [tuple(f.shape) for f in feats], extractor.count_params()],
        "params": [model.count_params(), base2.count_params()],
        # (Keras' "Total params" also counts the built optimizer's variables: not compared)
        "summary_params": [line.strip() for line in "\n".join(summary).splitlines()
                           if line.strip().startswith(("Trainable params", "Non-trainable params"))],
    }


def custom_parts(keras, workdir):
    """A custom Layer (build/add_weight/get_config), a custom Loss and Metric subclass with state variables,
    dropout and early stopping, and the model saved and reloaded with custom_objects."""
    ops = keras.ops

    @keras.saving.register_keras_serializable(package="course")
    class Linear(keras.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                     trainable=True, name="w")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True, name="b")
            self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False, name="calls")

        def call(self, inputs):
            self.calls.assign_add(1.0)
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    @keras.saving.register_keras_serializable(package="course")
    class HuberLike(keras.losses.Loss):
        def __init__(self, delta=1.0, name="huber_like", **kwargs):
            super().__init__(name=name, **kwargs)
            self.delta = delta

        def call(self, y_true, y_pred):
            err = ops.abs(y_true - y_pred)
            return ops.mean(ops.where(err < self.delta, 0.5 * err ** 2, self.delta * (err - 0.5 * self.delta)),
                            axis=-1)

        def get_config(self):
            return {**super().get_config(), "delta": self.delta}

    @keras.saving.register_keras_serializable(package="course")
    class RootMeanSquared(keras.metrics.Metric):
        def __init__(self, name="rms", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")
            self.count = self.add_variable(shape=(), initializer="zeros", name="count")

        def update_state(self, y_true, y_pred, sample_weight=None):
            sq = ops.square(ops.cast(y_true, "float32") - ops.cast(y_pred, "float32"))
            self.total.assign_add(ops.sum(sq))
            self.count.assign_add(ops.cast(ops.size(sq), "float32"))

        def result(self):
            return ops.sqrt(self.total / self.count)

        def reset_state(self):
            self.total.assign(0.0)
            self.count.assign(0.0)

    layer = Linear(4)
    out = layer(np.ones((2, 3), "float32"))
    config = layer.get_config()
    clone = Linear.from_config(config)

    metric = RootMeanSquared()
    metric.update_state(np.array([[1.0], [2.0]]), np.array([[0.0], [0.0]]))
    rms = float(metric.result())
    metric.reset_state()
    loss = HuberLike(delta=1.0)
    loss_value = float(loss(np.array([[0.0, 0.0]]), np.array([[0.5, 3.0]])))

    rng = np.random.default_rng(0)
    x = rng.random((200, 5)).astype("float32")
    y = (x @ np.arange(1, 6, dtype="float32"))[:, None]
    model = keras.Sequential([keras.Input(shape=(5,)), Linear(16), keras.layers.Activation("relu"),
                              keras.layers.Dropout(0.3), Linear(1)])
    model.compile(optimizer="adam", loss=HuberLike(), metrics=[RootMeanSquared(), "mae"])
    stop = keras.callbacks.EarlyStopping(monitor="val_rms", patience=0, min_delta=100.0, mode="min")
    history = model.fit(x, y, epochs=5, batch_size=50, validation_split=0.25, callbacks=[stop], verbose=0)
    path = str(workdir / "custom.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    same = np.allclose(model.predict(x[:4], verbose=0), loaded.predict(x[:4], verbose=0), atol=1e-6)
    return {
        "out": tuple(out.shape),
        "weights": [(w.name, tuple(w.shape), w.trainable) for w in layer.weights],
        "config": {k: config[k] for k in ("units", "name", "trainable")},
        "clone_units": clone.units,
        "rms": round(rms, 5),
        "loss": round(loss_value, 5),
        "history": _history(history),
        "stopped_epoch": stop.stopped_epoch,
        "reloaded_same": same,
        "loaded_types": [type(layer).__name__ for layer in loaded.layers],
        "params": model.count_params(),
        "metric_vars": [v.name for v in RootMeanSquared().variables],
    }


# ------------------------------------------------------------------------------------------------------- tests

PROGRAMS = [churn_mlp, mnist_cnn, rnn_forecast, autoencoders, vae, gan, transfer_learning, custom_parts]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_course_program_matches_keras(program, tmp_path):
    if program in (vae, gan):
        pytest.importorskip("torch", reason="the program's train_step is written in Keras' torch-backend style")
    (tmp_path / "nf").mkdir()
    (tmp_path / "keras").mkdir()
    neuroflow.utils.set_random_seed(0)
    got = _plain(program(neuroflow, tmp_path / "nf"))
    keras = keras_oracle()
    keras.utils.set_random_seed(0)
    expected = _plain(program(keras, tmp_path / "keras"))
    assert got == expected


def test_course_programs_skip_without_data(monkeypatch):
    monkeypatch.setitem(globals(), "DATA", "/nonexistent/shared/data")
    with pytest.raises(pytest.skip.Exception):
        churn_mlp(neuroflow, None)


# --- the parts Keras cannot run here (its TextVectorization and timeseries datasets need TensorFlow) -------------


def test_text_classification_with_text_vectorization():
    """TextVectorization adapted on raw strings, Embedding + GlobalAveragePooling1D, trained on strings."""
    keras = neuroflow
    texts = np.array(["good movie", "great great film", "bad movie", "awful bad film", "good fun",
                      "terrible awful", "great fun", "bad plot"] * 8)
    labels = np.array([1, 1, 0, 0, 1, 0, 1, 0] * 8, "float32")
    vectorize = keras.layers.TextVectorization(max_tokens=20, output_mode="int", output_sequence_length=4)
    vectorize.adapt(texts)
    vocab = vectorize.get_vocabulary()
    # Keras' order: padding, OOV, then by decreasing frequency (ties: reverse lexical order, as its lexsort)
    assert vocab[:2] == ["", "[UNK]"]
    counts = {w: sum(t.split().count(w) for t in texts) for w in set(" ".join(texts).split())}
    assert vocab[2:] == sorted(counts, key=lambda w: (counts[w], w), reverse=True)
    ids = keras.ops.convert_to_numpy(vectorize(["good movie unknownword"]))
    assert ids.tolist() == [[vocab.index("good"), vocab.index("movie"), 1, 0]]

    inputs = keras.Input(shape=(1,), dtype="string")
    x = vectorize(inputs)
    x = keras.layers.Embedding(len(vocab), 8)(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(texts[:, None], labels, epochs=2, batch_size=16, validation_split=0.25, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert model.count_params() == len(vocab) * 8 + 9
    assert model.predict(np.array([["good film"], ["bad film"]]), verbose=0).shape == (2, 1)


def test_rnn_fed_by_timeseries_dataset_from_array():
    """Windows from keras.utils.timeseries_dataset_from_array fed straight to fit/evaluate/predict."""
    keras = neuroflow
    series = np.sin(np.arange(120, dtype="float32") / 6)
    window = 8
    train = keras.utils.timeseries_dataset_from_array(series[:-window, None], targets=series[window:],
                                                      sequence_length=window, batch_size=16)
    first_x, first_y = next(iter(train))
    first_x, first_y = np.asarray(first_x), np.asarray(first_y)
    assert first_x.shape == (16, window, 1) and first_y.shape == (16,)
    np.testing.assert_array_equal(first_x[3, :, 0], series[3:3 + window])
    assert first_y[3] == series[3 + window]  # the target follows the window
    assert sum(len(np.asarray(x)) for x, _ in train) == len(series) - 2 * window + 1

    model = keras.Sequential([keras.Input(shape=(window, 1)), keras.layers.GRU(8, return_sequences=True),
                              keras.layers.LSTM(4), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(train, epochs=2, validation_data=train, verbose=0)
    assert sorted(history.history) == ["loss", "mae", "val_loss", "val_mae"]
    assert len(history.history["loss"]) == 2
    assert model.predict(train, verbose=0).shape == (len(series) - 2 * window + 1, 1)


def test_rbm_and_dbn_as_the_readme_documents():
    rng = np.random.default_rng(0)
    x = (rng.random((120, 16)) > 0.5).astype("float32")
    rbm = neuroflow.models.RBM(8, visible="bernoulli", k=1, learning_rate=0.05, batch_size=20, seed=0)
    rbm.fit(x, epochs=2, verbose=0)
    assert rbm.transform(x[:5]).shape == (5, 8)
    assert rbm.reconstruct(x[:5]).shape == (5, 16)
    assert rbm.free_energy(x[:5]).shape == (5,)
    assert np.isfinite(rbm.pseudo_likelihood(x[:10], seed=0)).all()
    assert rbm.sample(3, steps=5, seed=0).shape == (3, 16)

    dbn = neuroflow.models.DBN([8, 4], batch_size=20, seed=0)
    dbn.pretrain(x, epochs=1, verbose=0)
    clf = dbn.to_classifier(3)
    np.testing.assert_array_equal(clf.layers[0].get_weights()[0], dbn.rbms[0].W)  # initialised from the RBMs
    clf.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = clf.fit(x, rng.integers(0, 3, 120), epochs=1, batch_size=30, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"]
    assert clf.predict(x[:4], verbose=0).shape == (4, 3)


def test_rntn_as_the_readme_documents():
    from neuroflow.data.trees import build_vocabulary, synthetic_sentiment_treebank

    trees = synthetic_sentiment_treebank(40, depth=2, seed=0)
    vocab = build_vocabulary(trees)
    model = neuroflow.models.RNTN(vocab, units=6, num_classes=3)
    history = model.fit(trees[:30], epochs=2, batch_size=10, seed=0, verbose=0)
    assert len(history["loss"]) == 2 and np.isfinite(history["loss"]).all()
    scores = model.evaluate(trees[30:])
    assert set(scores) == {"root_accuracy", "all_node_accuracy"}
    assert all(0 <= v <= 1 for v in scores.values())


# --- regressions found by the programs above, on generated data (they run without ../shared/data) ---------------


def test_normalization_keeps_keras_count_weight():
    """Keras' Normalization has mean, variance and an int count (never updated): count_params and the weights
    list match it (the churn MLP's count_params was one short)."""
    keras = keras_oracle()
    x = np.random.default_rng(0).random((10, 3)).astype("float32")
    got, want = neuroflow.layers.Normalization(), keras.layers.Normalization()
    got.adapt(x)
    want.adapt(x)
    assert got.count_params() == want.count_params() == 7
    assert [w.name for w in got.weights] == [w.name for w in want.weights]
    assert [len(got.get_weights()), got.get_weights()[2].dtype] == [3, np.dtype("int32")]
    got.set_weights([np.asarray(w) for w in want.get_weights()])


def test_metric_subclass_with_add_variable_state():
    """Keras' custom-metric form: state made with add_variable after super().__init__, reset_state reading it
    (neuroflow called reset_state before the variables existed), and the default reset_state zeroing them."""
    class BinaryTruePositives(neuroflow.metrics.Metric):
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), initializer="zeros", name="true_positives")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hits = neuroflow.ops.logical_and(neuroflow.ops.cast(y_true, "bool"), neuroflow.ops.cast(y_pred, "bool"))
            self.true_positives.assign_add(neuroflow.ops.sum(neuroflow.ops.cast(hits, self.dtype)))

        def result(self):
            return self.true_positives

    class Explicit(BinaryTruePositives):
        def reset_state(self):
            self.true_positives.assign(0.0)

    for cls in (BinaryTruePositives, Explicit):
        metric = cls()
        assert [v.name for v in metric.variables] == ["true_positives"]
        metric.update_state(np.array([1, 1, 0, 1]), np.array([1, 0, 1, 1]))
        assert float(metric.result()) == 2.0
        metric.reset_state()
        assert float(metric.result()) == 0.0
    model = neuroflow.Sequential([neuroflow.Input((2,)), neuroflow.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[BinaryTruePositives()])
    history = model.fit(np.ones((8, 2), "float32"), np.ones((8, 1), "float32"), batch_size=4, verbose=0)
    assert sorted(history.history) == ["binary_true_positives", "loss"]


def test_functional_model_input_and_output_are_its_own():
    """``Model(inputs=base.input, outputs=base.get_layer(name).output)``: a functional model's ``input`` and
    ``output`` are its constructor's tensors (neuroflow raised AttributeError), also once nested in another."""
    inp = neuroflow.Input(shape=(6, 6, 2))
    h = neuroflow.layers.Conv2D(3, 3, name="conv")(inp)
    out = neuroflow.layers.GlobalAveragePooling2D()(h)
    base = neuroflow.Model(inp, out)
    assert base.input is inp and base.output is out
    outer_in = neuroflow.Input(shape=(6, 6, 2))
    neuroflow.Model(outer_in, neuroflow.layers.Dense(1)(base(outer_in)))
    assert base.input is inp and base.output is out
    extractor = neuroflow.Model(inputs=base.input, outputs=base.get_layer("conv").output)
    assert extractor.predict(np.ones((2, 6, 6, 2), "float32"), verbose=0).shape == (2, 4, 4, 3)
    seq = neuroflow.Sequential([neuroflow.Input((4,)), neuroflow.layers.Dense(2)])
    with pytest.raises(AttributeError):  # as in Keras: a Sequential's input is its first call's
        seq.input
