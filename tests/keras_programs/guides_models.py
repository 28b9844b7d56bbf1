"""Keras 3 programs from the Sequential, functional-API and subclassing guides.

Each program is ``def program(keras, workdir)``: ``keras`` is the module a user imported (``neuroflow`` or Keras 3
itself), so the body is the user's code with only its import changed. It returns a dict of values that are the
same on every conforming implementation (shapes, parameter counts, deterministic numbers).
"""
import numpy as np


def sequential_guide(keras, workdir):
    """The Sequential model guide: add/pop, Input, weights creation, summary, feature extraction."""
    layers = keras.layers
    model = keras.Sequential(
        [
            layers.Dense(2, activation="relu", name="layer1"),
            layers.Dense(3, activation="relu", name="layer2"),
            layers.Dense(4, name="layer3"),
        ]
    )
    x = keras.ops.ones((3, 3))
    y = model(x)
    assert len(model.weights) == 6
    model.pop()
    n_after_pop = len(model.layers)

    model = keras.Sequential()
    model.add(keras.Input(shape=(4,)))
    model.add(layers.Dense(2, activation="relu"))
    model.summary(print_fn=lambda *a, **k: None)

    model = keras.Sequential(name="my_sequential")
    model.add(keras.Input(shape=(250, 250, 3)))
    model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))
    feature_extractor = keras.Model(
        inputs=model.inputs, outputs=[layer.output for layer in model.layers]
    )
    features = feature_extractor(np.ones((1, 250, 250, 3), "float32"))
    return {
        "y_shape": tuple(y.shape),
        "n_after_pop": n_after_pop,
        "feature_shapes": [tuple(f.shape) for f in features],
        "params": model.count_params(),
    }


def functional_multi_io(keras, workdir):
    """The functional API guide's ticket classifier: three inputs, two outputs, loss dicts."""
    layers = keras.layers
    num_tags, num_words, num_departments = 12, 100, 4
    title_input = keras.Input(shape=(None,), name="title")
    body_input = keras.Input(shape=(None,), name="body")
    tags_input = keras.Input(shape=(num_tags,), name="tags")
    title_features = layers.Embedding(num_words, 8)(title_input)
    body_features = layers.Embedding(num_words, 8)(body_input)
    title_features = layers.LSTM(16)(title_features)
    body_features = layers.LSTM(8)(body_features)
    x = layers.concatenate([title_features, body_features, tags_input])
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)
    model = keras.Model(
        inputs=[title_input, body_input, tags_input],
        outputs={"priority": priority_pred, "department": department_pred},
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={
            "priority": keras.losses.BinaryCrossentropy(from_logits=True),
            "department": keras.losses.CategoricalCrossentropy(from_logits=True),
        },
        loss_weights={"priority": 1.0, "department": 0.2},
    )
    rng = np.random.default_rng(0)
    title_data = rng.integers(num_words, size=(32, 10))
    body_data = rng.integers(num_words, size=(32, 20))
    tags_data = rng.integers(2, size=(32, num_tags)).astype("float32")
    priority_targets = rng.random((32, 1)).astype("float32")
    dept_targets = rng.integers(2, size=(32, num_departments)).astype("float32")
    history = model.fit(
        {"title": title_data, "body": body_data, "tags": tags_data},
        {"priority": priority_targets, "department": dept_targets},
        epochs=2,
        batch_size=16,
        verbose=0,
    )
    out = model.predict({"title": title_data, "body": body_data, "tags": tags_data}, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    return {
        "out_shapes": {k: tuple(v.shape) for k, v in out.items()},
        "params": model.count_params(),
        "epochs": len(history.history["loss"]),
    }


def functional_resnet_toy(keras, workdir):
    """The functional guide's toy ResNet: residual adds, GlobalAveragePooling2D, plot_model."""
    layers = keras.layers
    inputs = keras.Input(shape=(16, 16, 3), name="img")
    x = layers.Conv2D(8, 3, activation="relu")(inputs)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])
    x = layers.Conv2D(16, 3, activation="relu")(block_2_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(32, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs, outputs, name="toy_resnet")
    try:  # needs pydot + graphviz in Keras; the guide calls it anyway
        keras.utils.plot_model(model, str(workdir / "mini_resnet.png"), show_shapes=True)
    except ImportError:
        pass
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["acc"],
    )
    rng = np.random.default_rng(0)
    x_train = rng.random((16, 16, 16, 3)).astype("float32")
    y_train = keras.utils.to_categorical(rng.integers(10, size=16), 10)
    history = model.fit(x_train, y_train, batch_size=8, epochs=1, validation_split=0.25, verbose=0)
    return {"params": model.count_params(), "keys": sorted(history.history)}


def functional_shared_layers(keras, workdir):
    """Shared Embedding across two inputs; node extraction with layer.output; model nesting."""
    layers = keras.layers
    shared_embedding = layers.Embedding(100, 8)
    text_input_a = keras.Input(shape=(None,), dtype="int32")
    text_input_b = keras.Input(shape=(None,), dtype="int32")
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)
    pooled = layers.Average()(
        [layers.GlobalAveragePooling1D()(encoded_input_a), layers.GlobalAveragePooling1D()(encoded_input_b)]
    )
    model = keras.Model([text_input_a, text_input_b], layers.Dense(1)(pooled))
    a = np.array([[1, 2, 3]])
    b = np.array([[1, 2, 3]])
    out = keras.ops.convert_to_numpy(model([a, b]))
    # encoder/decoder nesting: a model is callable like a layer
    encoder_input = keras.Input(shape=(6,), name="original")
    encoder = keras.Model(encoder_input, layers.Dense(3)(encoder_input), name="encoder")
    decoder_input = keras.Input(shape=(3,), name="encoded")
    decoder = keras.Model(decoder_input, layers.Dense(6)(decoder_input), name="decoder")
    autoencoder_input = keras.Input(shape=(6,))
    autoencoder = keras.Model(autoencoder_input, decoder(encoder(autoencoder_input)))
    return {
        "n_weights": len(model.weights),
        "out_shape": out.shape,
        "ae_params": autoencoder.count_params(),
        "ae_layers": len(autoencoder.layers),
    }


def subclassing_layers(keras, workdir):
    """Making new layers and models via subclassing: add_weight, build, add_loss, nested, training, config."""
    layers = keras.layers
    ops = keras.ops

    class Linear(layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
            )
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    class ComputeSum(layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    class ActivityRegularizationLayer(layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.mean(inputs))
            return inputs

    class MLPBlock(layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = Linear(32)
            self.linear_2 = Linear(32)
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = keras.activations.relu(self.linear_1(inputs))
            x = keras.activations.relu(self.linear_2(x))
            return self.linear_3(x)

    class CustomDropout(layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs, training=None):
            if training:
                return keras.random.dropout(inputs, rate=self.rate, seed=self.seed_generator)
            return inputs

    x = ops.ones((2, 2))
    linear_layer = Linear(4)
    y = linear_layer(x)
    my_sum = ComputeSum(2)
    my_sum(x)
    total = ops.convert_to_numpy(my_sum(x))
    mlp = MLPBlock()
    mlp(ops.ones(shape=(3, 64)))

    class OuterLayer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    layer = OuterLayer()
    _ = layer(ops.zeros((1, 1)))
    n_losses_first = len(layer.losses)
    _ = layer(ops.zeros((1, 1)))
    n_losses_second = len(layer.losses)  # losses are reset at the start of each __call__

    dropout = CustomDropout(0.5)
    inference = ops.convert_to_numpy(dropout(ops.ones((4, 4)), training=False))

    config = linear_layer.get_config()
    new_layer = Linear.from_config(config)

    # a model with an add_loss layer trains with fit and no compiled loss on the regularizer alone
    inputs = keras.Input(shape=(3,))
    outputs = ActivityRegularizationLayer()(layers.Dense(2)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((8, 3), "float32"), np.zeros((8, 2), "float32"), epochs=1, verbose=0)
    return {
        "y_shape": tuple(y.shape),
        "total": total.tolist(),
        "n_trainable_mlp": len(mlp.trainable_weights),
        "n_weights_mlp": len(mlp.weights),
        "sum_trainable": len(my_sum.trainable_weights),
        "sum_non_trainable": len(my_sum.non_trainable_weights),
        "losses": [n_losses_first, n_losses_second],
        "inference": inference.tolist(),
        "new_units": new_layer.units,
        "config_keys_has_units": "units" in config,
    }


def subclassed_model(keras, workdir):
    """A subclassed Model (the guide's end-to-end VAE-less example): call, fit, evaluate, predict, summary."""
    layers = keras.layers

    class ResidualMLP(keras.Model):
        def __init__(self, hidden=16, num_classes=3, **kwargs):
            super().__init__(**kwargs)
            self.dense_in = layers.Dense(hidden, activation="relu")
            self.dense_mid = layers.Dense(hidden, activation="relu")
            self.dropout = layers.Dropout(0.2)
            self.classifier = layers.Dense(num_classes, activation="softmax")

        def call(self, inputs, training=False):
            x = self.dense_in(inputs)
            x = x + self.dense_mid(x)
            x = self.dropout(x, training=training)
            return self.classifier(x)

    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0).astype("int64")
    model = ResidualMLP()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    model.fit(x, y, batch_size=20, epochs=2, verbose=0)
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    preds = model.predict(x, batch_size=32, verbose=0)
    model.summary(print_fn=lambda *a, **k: None)
    return {
        "pred_shape": preds.shape,
        "row_sums": np.allclose(preds.sum(axis=1), 1.0, atol=1e-5),
        "result_keys": sorted(results),
        "params": model.count_params(),
    }


PROGRAMS = [
    sequential_guide,
    functional_multi_io,
    functional_resnet_toy,
    functional_shared_layers,
    subclassing_layers,
    subclassed_model,
]
