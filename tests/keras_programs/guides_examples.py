"""Keras 3 programs after the official code examples and the RNN/masking guides: RNNs, masking and padding, text
classification from scratch, an MNIST convnet, an autoencoder, a VAE, a GAN, timeseries forecasting, image
classification from a directory with augmentation, and a Transformer block.

Each program is ``def program(keras, workdir)`` and returns values every conforming implementation agrees on.
"""
import gzip
import os

import numpy as np

DATA = os.environ.get("NEUROFLOW_SHARED_DATA", "/work/shared/data")


def working_with_rnns(keras, workdir):
    """Working with RNNs: LSTM/GRU return_sequences and return_state, initial_state, Bidirectional, an RNN
    layer over a custom cell, cross-batch shapes."""
    layers = keras.layers
    model = keras.Sequential()
    model.add(keras.Input(shape=(None,)))
    model.add(layers.Embedding(input_dim=50, output_dim=8))
    model.add(layers.GRU(16, return_sequences=True))
    model.add(layers.SimpleRNN(8))
    model.add(layers.Dense(3))
    seq_out = model(np.array([[1, 2, 3, 4, 5]]))

    encoder_input = keras.Input(shape=(None,))
    encoder_embedded = layers.Embedding(input_dim=50, output_dim=8)(encoder_input)
    output, state_h, state_c = layers.LSTM(16, return_state=True, name="encoder")(encoder_embedded)
    encoder_state = [state_h, state_c]
    decoder_input = keras.Input(shape=(None,))
    decoder_embedded = layers.Embedding(input_dim=60, output_dim=8)(decoder_input)
    decoder_output = layers.LSTM(16, name="decoder")(decoder_embedded, initial_state=encoder_state)
    output = layers.Dense(4)(decoder_output)
    seq2seq = keras.Model([encoder_input, decoder_input], output)
    s2s_out = seq2seq([np.ones((2, 5), "int32"), np.ones((2, 7), "int32")])

    bidi = keras.Sequential(
        [
            keras.Input(shape=(5, 10)),
            layers.Bidirectional(layers.LSTM(8, return_sequences=True)),
            layers.Bidirectional(layers.LSTM(4)),
            layers.Dense(2),
        ]
    )

    class MinimalRNNCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.units), initializer="uniform", name="recurrent_kernel"
            )

        def call(self, inputs, states):
            prev_output = states[0]
            h = keras.ops.matmul(inputs, self.kernel)
            output = h + keras.ops.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

    rnn = layers.RNN(MinimalRNNCell(6), return_sequences=True)
    cell_out = rnn(np.ones((2, 4, 3), "float32"))

    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 5, 10)).astype("float32")
    y = rng.integers(2, size=16)
    bidi.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    bidi.fit(x, y, epochs=1, batch_size=8, verbose=0)
    return {
        "seq_out": tuple(seq_out.shape),
        "s2s_out": tuple(s2s_out.shape),
        "bidi_params": bidi.count_params(),
        "cell_out": tuple(cell_out.shape),
        "seq_params": model.count_params(),
    }


def masking_and_padding(keras, workdir):
    """Understanding masking and padding: pad_sequences, Embedding(mask_zero=True), Masking, compute_mask, a
    mask-consuming custom layer, and masks reaching an LSTM."""
    layers, ops = keras.layers, keras.ops
    raw_inputs = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]
    padded_inputs = keras.utils.pad_sequences(raw_inputs, padding="post")
    embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
    masked_output = embedding(padded_inputs)
    mask = ops.convert_to_numpy(embedding.compute_mask(padded_inputs))

    masking_layer = layers.Masking()
    unmasked_embedding = ops.cast(
        ops.tile(ops.expand_dims(padded_inputs, axis=-1), [1, 1, 10]), "float32"
    )
    masked_embedding = masking_layer(unmasked_embedding)
    masking_mask = ops.convert_to_numpy(masking_layer.compute_mask(unmasked_embedding))

    class TemporalSoftmax(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
            inputs_exp = ops.exp(inputs) * broadcast_float_mask
            inputs_sum = ops.sum(inputs_exp * broadcast_float_mask, axis=-1, keepdims=True)
            return inputs_exp / inputs_sum

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=10, output_dim=32, mask_zero=True)(inputs)
    x = layers.Dense(1)(x)
    outputs = TemporalSoftmax()(x)
    model = keras.Model(inputs, outputs)
    y = ops.convert_to_numpy(model(np.array([[1, 2, 3, 0, 0]])))

    lstm_inputs = keras.Input(shape=(None,), dtype="int32")
    h = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(lstm_inputs)
    lstm_model = keras.Model(lstm_inputs, layers.LSTM(8)(h))
    full = ops.convert_to_numpy(lstm_model(padded_inputs[:1, :3]))
    padded = ops.convert_to_numpy(lstm_model(padded_inputs[:1]))
    return {
        "padded": padded_inputs.tolist(),
        "mask": mask.tolist(),
        "masking_mask": masking_mask.tolist(),
        "masked_shape": tuple(masked_output.shape),
        "masked_embedding_shape": tuple(masked_embedding.shape),
        "padded_steps_zero": bool(np.allclose(y[0, 3:], 0.0)),
        "lstm_skips_padding": bool(np.allclose(full, padded, atol=1e-6)),
    }


def text_classification(keras, workdir):
    """Text classification from scratch: TextVectorization.adapt, Embedding, Conv1D, GlobalMaxPooling1D."""
    layers = keras.layers
    texts = np.array(
        ["a great movie", "terrible plot and acting", "loved it, great cast", "boring, terrible film",
         "great fun", "awful and boring", "a wonderful film", "not good, terrible"] * 2
    )
    labels = np.array([1, 0, 1, 0, 1, 0, 1, 0] * 2)
    vectorize_layer = layers.TextVectorization(max_tokens=50, output_mode="int", output_sequence_length=6)
    vectorize_layer.adapt(texts)
    vocab = vectorize_layer.get_vocabulary()
    x = vectorize_layer(texts)
    x = keras.ops.convert_to_numpy(x)

    inputs = keras.Input(shape=(None,), dtype="int64")
    h = layers.Embedding(50, 16)(inputs)
    h = layers.Dropout(0.5)(h)
    h = layers.Conv1D(16, 3, padding="valid", activation="relu", strides=1)(h)
    h = layers.GlobalMaxPooling1D()(h)
    h = layers.Dense(16, activation="relu")(h)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(h)
    model = keras.Model(inputs, predictions)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x, labels, epochs=2, batch_size=8, verbose=0)
    return {
        "vocab_head": vocab[:2],
        "vocab_size": len(vocab),
        "x_shape": x.shape,
        "keys": sorted(history.history),
        "params": model.count_params(),
    }


def _mnist(n):
    with gzip.open(os.path.join(DATA, "mnist", "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16)[: n * 784].reshape(n, 28, 28)
    with gzip.open(os.path.join(DATA, "mnist", "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    return images, labels


def mnist_convnet(keras, workdir):
    """The 'Simple MNIST convnet' example on a slice of MNIST (to_categorical, Conv2D/MaxPooling2D, Flatten,
    Dropout, validation_split, evaluate)."""
    layers = keras.layers
    num_classes, input_shape = 10, (28, 28, 1)
    images, labels = _mnist(96)
    x_train = np.expand_dims(images.astype("float32") / 255, -1)
    y_train = keras.utils.to_categorical(labels, num_classes)
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=1, validation_split=0.25, verbose=0)
    score = model.evaluate(x_train, y_train, verbose=0)
    return {"params": model.count_params(), "keys": sorted(history.history), "score_len": len(score)}


def convolutional_autoencoder(keras, workdir):
    """The convolutional autoencoder example: Conv2D/MaxPooling2D encoder, Conv2DTranspose decoder."""
    layers = keras.layers
    images, _ = _mnist(32)
    data = np.expand_dims(images[:, 2:26, 2:26].astype("float32") / 255.0, -1)
    inputs = layers.Input(shape=(24, 24, 1))
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(inputs)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
    autoencoder = keras.Model(inputs, x)
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    autoencoder.fit(x=data, y=data, epochs=2, batch_size=16, shuffle=True, validation_data=(data, data),
                    verbose=0)
    predictions = autoencoder.predict(data[:4], verbose=0)
    return {"pred_shape": predictions.shape, "params": autoencoder.count_params(),
            "in_range": bool(((predictions >= 0) & (predictions <= 1)).all())}


def variational_autoencoder(keras, workdir):
    """The VAE example: a Sampling layer drawing keras.random.normal from a SeedGenerator, ops math for the KL
    term, trackers, and a custom train_step (the torch-backend gradient pattern)."""
    layers, ops = keras.layers, keras.ops
    latent_dim = 2

    class Sampling(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = ops.shape(z_mean)[0]
            dim = ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    encoder_inputs = keras.Input(shape=(12, 12, 1))
    x = layers.Conv2D(8, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(6 * 6 * 8, activation="relu")(latent_inputs)
    x = layers.Reshape((6, 6, 8))(x)
    x = layers.Conv2DTranspose(8, 3, activation="relu", strides=2, padding="same")(x)
    decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

        def call(self, inputs):
            z_mean, z_log_var, z = self.encoder(inputs)
            return self.decoder(z)

        def train_step(self, data):
            self.zero_grad()
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            reconstruction_loss = ops.mean(
                ops.sum(keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2))
            )
            kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
            total_loss.backward()
            grads = [v.value.grad for v in self.trainable_weights]
            self.optimizer.apply(grads, self.trainable_weights)
            self.total_loss_tracker.update_state(total_loss)
            self.reconstruction_loss_tracker.update_state(reconstruction_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {
                "loss": self.total_loss_tracker.result(),
                "reconstruction_loss": self.reconstruction_loss_tracker.result(),
                "kl_loss": self.kl_loss_tracker.result(),
            }

    images, _ = _mnist(32)
    data = np.expand_dims(images[:, 2:26:2, 2:26:2].astype("float32") / 255, -1)
    vae = VAE(encoder, decoder)
    vae.compile(optimizer=keras.optimizers.Adam())
    history = vae.fit(data, epochs=1, batch_size=16, verbose=0)
    return {"keys": sorted(history.history), "enc_params": encoder.count_params(),
            "dec_params": decoder.count_params()}


def gan_two_optimizers(keras, workdir):
    """A GAN as in 'DCGAN'/'Customizing fit()': two models, two optimizers compiled in compile(), seeded latent
    draws, a custom train_step with the torch-backend gradient pattern."""
    layers, ops = keras.layers, keras.ops
    latent_dim = 4
    discriminator = keras.Sequential(
        [keras.Input(shape=(8,)), layers.Dense(16), layers.LeakyReLU(negative_slope=0.2), layers.Dense(1)],
        name="discriminator",
    )
    generator = keras.Sequential(
        [keras.Input(shape=(latent_dim,)), layers.Dense(16), layers.LeakyReLU(negative_slope=0.2),
         layers.Dense(8, activation="tanh")],
        name="generator",
    )

    class GAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim
            self.seed_generator = keras.random.SeedGenerator(1337)
            self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer
            self.loss_fn = loss_fn

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def train_step(self, real_images):
            batch_size = ops.shape(real_images)[0]
            random_latent_vectors = keras.random.normal(
                shape=(batch_size, self.latent_dim), seed=self.seed_generator
            )
            generated_images = self.generator(random_latent_vectors)
            combined_images = ops.concatenate([generated_images, real_images], axis=0)
            labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
            self.zero_grad()
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
            d_loss.backward()
            grads = [v.value.grad for v in self.discriminator.trainable_weights]
            self.d_optimizer.apply(grads, self.discriminator.trainable_weights)

            random_latent_vectors = keras.random.normal(
                shape=(batch_size, self.latent_dim), seed=self.seed_generator
            )
            misleading_labels = ops.zeros((batch_size, 1))
            self.zero_grad()
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
            g_loss.backward()
            grads = [v.value.grad for v in self.generator.trainable_weights]
            self.g_optimizer.apply(grads, self.generator.trainable_weights)
            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

    gan = GAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
    gan.built = True  # its parts are built; fit need not call the GAN itself
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    real = np.tanh(np.random.default_rng(0).normal(size=(32, 8))).astype("float32")
    history = gan.fit(real, epochs=1, batch_size=16, verbose=0)
    return {"keys": sorted(history.history),
            "d_iterations": int(ops.convert_to_numpy(gan.d_optimizer.iterations)),
            "g_iterations": int(ops.convert_to_numpy(gan.g_optimizer.iterations))}


def timeseries_forecasting(keras, workdir):
    """Timeseries forecasting: keras.utils.timeseries_dataset_from_array windows over a CSV series, an LSTM
    regressor fitted on the dataset."""
    import csv

    with open(os.path.join(DATA, "timeseries", "airline-passengers.csv")) as f:
        rows = list(csv.reader(f))[1:]
    series = np.array([float(r[1]) for r in rows], "float32")
    series = (series - series.mean()) / series.std()
    sequence_length = 12
    dataset = keras.utils.timeseries_dataset_from_array(
        data=series[:-sequence_length, None],
        targets=series[sequence_length:],
        sequence_length=sequence_length,
        batch_size=32,
    )
    first_x, first_y = next(iter(dataset))
    inputs = keras.Input(shape=(sequence_length, 1))
    x = keras.layers.LSTM(8)(inputs)
    outputs = keras.layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
    history = model.fit(dataset, epochs=2, verbose=0)
    return {"batch_x": tuple(first_x.shape), "batch_y": tuple(first_y.shape), "epochs": len(history.history["loss"])}


def image_classification_from_directory(keras, workdir):
    """Image classification from scratch: image_dataset_from_directory over generated PNGs, augmentation layers
    (RandomFlip, RandomRotation) and Rescaling inside the model."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for label, value in (("cats", 40), ("dogs", 200)):
        folder = workdir / "PetImages" / label
        folder.mkdir(parents=True)
        for i in range(6):
            pixels = np.clip(rng.normal(value, 20, size=(20, 20, 3)), 0, 255).astype("uint8")
            Image.fromarray(pixels).save(folder / f"{i}.png")
    train_ds, val_ds = keras.utils.image_dataset_from_directory(
        str(workdir / "PetImages"),
        validation_split=0.25,
        subset="both",
        seed=1337,
        image_size=(16, 16),
        batch_size=4,
    )
    data_augmentation = keras.Sequential([keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.1)])
    inputs = keras.Input(shape=(16, 16, 3))
    x = data_augmentation(inputs)
    x = keras.layers.Rescaling(1.0 / 255)(x)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(1, activation=None)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(3e-4), loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(name="acc")])
    history = model.fit(train_ds, epochs=1, validation_data=val_ds, verbose=0)
    images, labels = next(iter(train_ds))
    # The guide shows augmented samples by calling the augmentation model directly: that call augments.
    augmented = keras.ops.convert_to_numpy(data_augmentation(images))
    plain = keras.ops.convert_to_numpy(images)
    return {"class_names": train_ds.class_names, "batch": tuple(images.shape), "keys": sorted(history.history),
            "direct_call_augments": not np.allclose(augmented, plain),
            "training_false_is_identity": bool(np.allclose(
                keras.ops.convert_to_numpy(data_augmentation(images, training=False)), plain))}


def transformer_block(keras, workdir):
    """A Transformer block for text classification: MultiHeadAttention, LayerNormalization, residuals, a
    token-and-position embedding layer built by subclassing."""
    layers, ops = keras.layers, keras.ops

    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
            super().__init__()
            self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(rate)
            self.dropout2 = layers.Dropout(rate)

        def call(self, inputs, training=False):
            attn_output = self.att(inputs, inputs)
            attn_output = self.dropout1(attn_output, training=training)
            out1 = self.layernorm1(inputs + attn_output)
            ffn_output = self.ffn(out1)
            ffn_output = self.dropout2(ffn_output, training=training)
            return self.layernorm2(out1 + ffn_output)

    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim):
            super().__init__()
            self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            maxlen = ops.shape(x)[-1]
            positions = ops.arange(start=0, stop=maxlen, step=1)
            return self.token_emb(x) + self.pos_emb(positions)

    vocab_size, maxlen, embed_dim = 40, 10, 8
    inputs = layers.Input(shape=(maxlen,))
    x = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)(inputs)
    x = TransformerBlock(embed_dim, num_heads=2, ff_dim=16)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x_train = rng.integers(vocab_size, size=(16, maxlen))
    y_train = rng.integers(2, size=16)
    history = model.fit(x_train, y_train, batch_size=8, epochs=1, validation_data=(x_train, y_train), verbose=0)
    return {"params": model.count_params(), "keys": sorted(history.history)}


PROGRAMS = [
    working_with_rnns,
    masking_and_padding,
    text_classification,
    mnist_convnet,
    convolutional_autoencoder,
    variational_autoencoder,
    gan_two_optimizers,
    timeseries_forecasting,
    image_classification_from_directory,
    transformer_block,
]
