"""Keras 3 programs from the training guides: customizing fit(), training loops from scratch (the PyTorch-backend
variant), built-in training and evaluation with callbacks, serialization and saving, transfer learning.

Each program is ``def program(keras, workdir)`` and returns values every conforming implementation agrees on.
"""
import numpy as np


def _regression_data(n=32, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ np.arange(1, d + 1, dtype="float32")[:, None] * 0.1).astype("float32")
    return x, y


def custom_train_step_torch_style(keras, workdir):
    """Customizing fit() on the torch backend: zero_grad, compute_loss, loss.backward, v.value.grad,
    optimizer.apply, then the compiled metrics."""

    class CustomModel(keras.Model):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x, y = _regression_data()
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all()
    return {"keys": sorted(history.history), "epochs": len(losses)}


def custom_train_step_trackers(keras, workdir):
    """Customizing fit() with its own metric trackers (keras.metrics.Mean), the metrics property, a custom
    test_step, and compile() with no loss."""
    ops = keras.ops
    loss_fn = keras.losses.MeanSquaredError()

    class CustomModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = loss_fn(y, y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            self.optimizer.apply(gradients, trainable_weights)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.loss_tracker.update_state(loss_fn(y, y_pred))
            self.mae_metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    inputs = keras.Input(shape=(4,))
    model = CustomModel(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="adam")
    x, y = _regression_data()
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    tracker = keras.metrics.Mean()
    tracker.update_state([1.0, 2.0, 3.0])
    mean = float(ops.convert_to_numpy(tracker.result()))
    tracker.reset_state()
    reset = float(ops.convert_to_numpy(tracker.result()))
    return {"keys": sorted(history.history), "eval_keys": sorted(results), "mean": mean, "reset": reset}


def training_loop_from_scratch(keras, workdir):
    """Writing a training loop from scratch, torch-backend style: zero_grad, backward, v.value.grad,
    optimizer.apply, metric update/result/reset per epoch."""
    x, y = _regression_data(n=64)
    y_class = (y[:, 0] > 0).astype("int64")
    model = keras.Sequential(
        [keras.Input(shape=(4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2)]
    )
    optimizer = keras.optimizers.Adam(learning_rate=1e-2)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    first = last = None
    for epoch in range(3):
        for step in range(4):
            xb, yb = x[step * 16:(step + 1) * 16], y_class[step * 16:(step + 1) * 16]
            logits = model(xb, training=True)
            loss = loss_fn(yb, logits)
            model.zero_grad()
            loss.backward()
            trainable_weights = [v for v in model.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            optimizer.apply(gradients, trainable_weights)
            train_acc_metric.update_state(yb, logits)
            value = float(keras.ops.convert_to_numpy(loss))
            first = value if first is None else first
            last = value
        train_acc = float(keras.ops.convert_to_numpy(train_acc_metric.result()))
        train_acc_metric.reset_state()
    assert last < first, (first, last)
    return {"iterations": int(keras.ops.convert_to_numpy(optimizer.iterations)), "acc_in_range": 0 <= train_acc <= 1}


def builtin_training_callbacks(keras, workdir):
    """Training & evaluation with the built-in methods: validation_split, class_weight, sample_weight,
    EarlyStopping, ModelCheckpoint, ReduceLROnPlateau and a custom Callback reading epoch logs."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 6)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")

    def get_model():
        inputs = keras.Input(shape=(6,), name="digits")
        x_ = keras.layers.Dense(16, activation="relu", name="dense_1")(inputs)
        outputs = keras.layers.Dense(2, activation="softmax", name="predictions")(x_)
        model = keras.Model(inputs=inputs, outputs=outputs)
        model.compile(
            optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
            loss="sparse_categorical_crossentropy",
            metrics=["sparse_categorical_accuracy"],
        )
        return model

    class LossHistory(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.per_batch_losses = []
            self.epoch_keys = []

        def on_batch_end(self, batch, logs=None):
            self.per_batch_losses.append(logs.get("loss"))

        def on_epoch_end(self, epoch, logs=None):
            self.epoch_keys.append(sorted(logs))

    model = get_model()
    history_cb = LossHistory()
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=1e-2, patience=2, verbose=0),
        keras.callbacks.ModelCheckpoint(
            filepath=str(workdir / "model_{epoch}.keras"), save_best_only=True, monitor="val_loss", verbose=0
        ),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=1e-5),
        history_cb,
    ]
    history = model.fit(x, y, batch_size=16, epochs=2, validation_split=0.2, callbacks=callbacks, verbose=0)
    class_weight = {0: 1.0, 1: 2.0}
    model.fit(x, y, class_weight=class_weight, batch_size=16, epochs=1, verbose=0)
    sample_weight = np.ones(shape=(len(y),))
    sample_weight[y == 1] = 2.0
    model.fit(x, y, sample_weight=sample_weight, batch_size=16, epochs=1, verbose=0)
    results = model.evaluate(x, y, batch_size=32, verbose=0)
    checkpoints = sorted(p.name for p in workdir.glob("model_*.keras"))
    reloaded = keras.models.load_model(str(workdir / checkpoints[-1]))
    return {
        "history_keys": sorted(history.history),
        "epoch_keys": history_cb.epoch_keys,
        "batches": len(history_cb.per_batch_losses),
        "n_results": len(results),
        "has_checkpoint": bool(checkpoints),
        "reloaded_params": reloaded.count_params(),
    }


def serialization_and_saving(keras, workdir):
    """Serialization and saving: .keras files, load_model, get_config/from_config, a registered custom layer,
    save_weights/load_weights to .weights.h5, custom_objects."""
    ops = keras.ops

    @keras.saving.register_keras_serializable(package="MyLayers")
    class CustomScale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

        def call(self, x):
            return x * self.scale * self.factor

        def get_config(self):
            config = super().get_config()
            config.update({"factor": self.factor})
            return config

    inputs = keras.Input(shape=(3,))
    x = CustomScale(3.0)(inputs)
    outputs = keras.layers.Dense(2, activation="tanh")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    data = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)
    model.fit(data, np.zeros((4, 2), "float32"), epochs=1, verbose=0)
    expected = model.predict(data, verbose=0)

    # a .keras file of built-in layers
    plain = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(2)])
    plain.compile(optimizer="adam", loss="mse")
    plain.fit(data, np.zeros((4, 2), "float32"), epochs=1, verbose=0)
    path = str(workdir / "plain_model.keras")
    plain.save(path)
    reloaded = keras.models.load_model(path)
    same_after_load = np.allclose(reloaded.predict(data, verbose=0), plain.predict(data, verbose=0), atol=1e-6)

    config = model.get_config()
    clone = keras.Model.from_config(config)
    weights_path = str(workdir / "my.weights.h5")
    model.save_weights(weights_path)
    clone.load_weights(weights_path)
    same_after_weights = np.allclose(clone.predict(data, verbose=0), expected, atol=1e-6)

    seq = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4)])
    seq_clone = keras.Sequential.from_config(seq.get_config())
    layer_config = keras.layers.Dense(5, activation="relu").get_config()
    dense = keras.layers.Dense.from_config(layer_config)
    serialized = keras.utils.serialize_keras_object(CustomScale(1.5))
    revived = keras.utils.deserialize_keras_object(serialized)
    name = keras.utils.get_registered_name(CustomScale)
    return {
        "same_after_load": bool(same_after_load),
        "same_after_weights": bool(same_after_weights),
        "reloaded_params": reloaded.count_params(),
        "clone_layers": len(seq_clone.layers),
        "dense_units": dense.units,
        "revived_factor": revived.factor,
        "registered_name": name,
    }


def saving_namespace_serialization(keras, workdir):
    """The serialization guide's generic object API under ``keras.saving``."""

    @keras.saving.register_keras_serializable(package="Guide")
    def scaled_relu(x):
        return keras.ops.relu(x) * 2.0

    config = keras.saving.serialize_keras_object(keras.layers.Dense(3, activation="relu"))
    dense = keras.saving.deserialize_keras_object(config)
    return {"units": dense.units, "fn_name": keras.saving.get_registered_name(scaled_relu),
            "fn_back": keras.saving.get_registered_object("Guide>scaled_relu") is scaled_relu}


def saving_custom_layer_keras_file(keras, workdir):
    """Serialization guide: a model holding a registered custom layer saved to .keras and loaded back, with and
    without custom_objects."""

    @keras.saving.register_keras_serializable(package="MyLayers")
    class ScaledDense(keras.layers.Layer):
        def __init__(self, units=2, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.units, self.factor = units, factor
            self.dense = keras.layers.Dense(units)

        def call(self, x):
            return self.dense(x) * self.factor

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units, "factor": self.factor})
            return config

    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, ScaledDense(2, 3.0)(inputs))
    data = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)
    expected = model.predict(data, verbose=0)
    path = str(workdir / "custom_model.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    reloaded2 = keras.saving.load_model(path, custom_objects={"ScaledDense": ScaledDense})
    return {
        "same": bool(np.allclose(reloaded.predict(data, verbose=0), expected, atol=1e-6)),
        "same2": bool(np.allclose(reloaded2.predict(data, verbose=0), expected, atol=1e-6)),
    }


def transfer_learning(keras, workdir):
    """Transfer learning & fine-tuning: a frozen base with BatchNormalization run in inference mode, a new
    head, then unfreezing with a low learning rate."""
    layers = keras.layers
    base_model = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 3)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.BatchNormalization(),
            layers.Conv2D(4, 3, activation="relu"),
        ],
        name="base",
    )
    base_model.trainable = False
    n_trainable_frozen = len(base_model.trainable_weights)
    n_non_trainable_frozen = len(base_model.non_trainable_weights)

    inputs = keras.Input(shape=(8, 8, 3))
    x = base_model(inputs, training=False)  # BatchNormalization stays in inference mode
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    bn = base_model.layers[1]
    moving_mean_before = keras.ops.convert_to_numpy(bn.moving_mean).copy()
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy()],
    )
    rng = np.random.default_rng(0)
    x_train = rng.random((16, 8, 8, 3)).astype("float32")
    y_train = rng.integers(2, size=(16, 1)).astype("float32")
    model.fit(x_train, y_train, epochs=1, batch_size=8, verbose=0)
    frozen_stats = np.allclose(keras.ops.convert_to_numpy(bn.moving_mean), moving_mean_before)
    n_model_trainable = len(model.trainable_weights)

    base_model.trainable = True
    model.compile(
        optimizer=keras.optimizers.Adam(1e-5),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy()],
    )
    model.fit(x_train, y_train, epochs=1, batch_size=8, verbose=0)
    still_frozen_stats = np.allclose(keras.ops.convert_to_numpy(bn.moving_mean), moving_mean_before)
    return {
        "frozen": [n_trainable_frozen, n_non_trainable_frozen],
        "model_trainable": n_model_trainable,
        "unfrozen_trainable": len(model.trainable_weights),
        "bn_stats_untouched_frozen": bool(frozen_stats),
        "bn_stats_untouched_inference_call": bool(still_frozen_stats),
    }


PROGRAMS = [
    custom_train_step_torch_style,
    custom_train_step_trackers,
    training_loop_from_scratch,
    builtin_training_callbacks,
    serialization_and_saving,
    saving_namespace_serialization,
    saving_custom_layer_keras_file,
    transfer_learning,
]
