"""A second corpus of Keras 3 programs about the training API as users call it: compile() variants, fit() inputs,
callbacks, History, the *_on_batch methods, summary/config/cloning/saving round trips and step overrides.

Each program is ``def program(keras, workdir)`` written as a Keras user writes it; only its ``keras`` module
differs. Weights are set deterministically (``_fixed``) and data is not shuffled wherever numbers are compared, so
neuroflow and Keras 3 on its torch backend must return the same values.
"""
import csv

import numpy as np
import pytest

import neuroflow

from tests.keras_oracle import keras as keras_oracle
from tests.keras_programs.test_programs import _plain


def _data(n=32, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ np.linspace(0.5, -0.5, d, dtype="float32")[:, None]).astype("float32")
    return x, y


def _fixed(model):
    """Deterministic weights, the same on every implementation."""
    model.set_weights([np.linspace(-0.5, 0.5, w.size, dtype="float32").reshape(w.shape)
                       for w in model.get_weights()])
    return model


def _num(value):
    return float(np.asarray(value))


def _regressor(keras, units=8, lr=0.05, **compile_kw):
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(units, activation="tanh"),
                              keras.layers.Dense(1)])
    _fixed(model)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse", **compile_kw)
    return model


def _classifier(keras, n, seed, lr):
    """A softmax classifier on ``n`` samples whose label is the sign of the first feature: ``(model, x, y)``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation="softmax")])
    _fixed(model)
    model.compile(optimizer=keras.optimizers.SGD(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, x, y


def compile_strings_and_objects(keras, workdir):
    """compile() with strings, then with objects and a metric list mixing both; the History and evaluate keys."""
    x, y = _data()
    model = _regressor(keras)
    model.compile(optimizer="sgd", loss="mean_squared_error", metrics=["mae", "mse"])
    h1 = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss=keras.losses.MeanAbsoluteError(),
                  metrics=[keras.metrics.RootMeanSquaredError(name="rmse"), "mean_absolute_percentage_error"])
    h2 = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    result = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    plain = model.evaluate(x, y, batch_size=16, verbose=0)
    return {"h1": h1.history, "h2_keys": sorted(h2.history), "eval": result, "plain": plain,
            "epoch": h1.epoch, "params": h1.params}


def multi_output_dicts(keras, workdir):
    """A two-input two-output functional model compiled with per-output loss/metric/loss_weight dicts, fit on
    dicts keyed by input and output names."""
    layers = keras.layers
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(2,), name="b")
    h = layers.Dense(4, activation="relu", name="hidden")(layers.Concatenate()([a, b]))
    reg = layers.Dense(1, name="reg")(h)
    cls = layers.Dense(3, activation="softmax", name="cls")(h)
    model = keras.Model(inputs=[a, b], outputs={"reg": reg, "cls": cls})
    _fixed(model)
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  metrics={"reg": ["mae"], "cls": ["sparse_categorical_accuracy"]},
                  loss_weights={"reg": 0.5, "cls": 2.0})
    rng = np.random.default_rng(1)
    xa, xb = rng.normal(size=(24, 3)).astype("float32"), rng.normal(size=(24, 2)).astype("float32")
    yr, yc = rng.normal(size=(24, 1)).astype("float32"), rng.integers(0, 3, size=(24,))
    hist = model.fit({"a": xa, "b": xb}, {"reg": yr, "cls": yc}, batch_size=8, epochs=2, shuffle=False,
                     verbose=0)
    result = model.evaluate({"a": xa, "b": xb}, {"reg": yr, "cls": yc}, verbose=0, return_dict=True)
    pred = model.predict({"a": xa, "b": xb}, verbose=0)
    return {"history": hist.history, "eval": result, "pred": {k: v.shape for k, v in pred.items()},
            "dtype": str(pred["cls"].dtype)}


def multi_output_lists(keras, workdir):
    """Per-output loss and metric lists and loss_weights as a list; x and y as lists of arrays."""
    layers = keras.layers
    inp = keras.Input(shape=(4,))
    h = layers.Dense(5, activation="tanh")(inp)
    out1 = layers.Dense(1, name="first")(h)
    out2 = layers.Dense(2, name="second")(h)
    model = keras.Model(inp, [out1, out2])
    _fixed(model)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss=["mse", "mae"], metrics=[["mae"], ["mse", "mae"]],
                  loss_weights=[1.0, 0.25])
    x, y = _data(n=16)
    y2 = np.concatenate([y, -y], axis=1)
    hist = model.fit(x, [y, y2], batch_size=4, epochs=2, shuffle=False, verbose=0)
    result = model.evaluate(x, [y, y2], verbose=0, return_dict=True)
    as_list = model.evaluate(x, [y, y2], verbose=0)
    pred = model.predict(x, batch_size=5, verbose=0)
    return {"history": hist.history, "eval": result, "n_list": len(as_list), "shapes": [p.shape for p in pred]}


def weighted_metrics_and_sample_weight(keras, workdir):
    """weighted_metrics next to metrics, sample_weight in fit and evaluate, a 3-element validation_data."""
    x, y = _data(n=20)
    sw = np.linspace(0.0, 2.0, 20).astype("float32")
    model = _regressor(keras, metrics=["mae"], weighted_metrics=["mae", "mse"])
    hist = model.fit(x, y, sample_weight=sw, batch_size=5, epochs=2, shuffle=False, verbose=0,
                     validation_data=(x[:8], y[:8], sw[:8]))
    weighted = model.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    unweighted = model.evaluate(x, y, verbose=0, return_dict=True)
    return {"history": hist.history, "weighted": weighted, "unweighted": unweighted}


def run_eagerly_steps_per_execution(keras, workdir):
    """run_eagerly=True (and the model.run_eagerly attribute) and steps_per_execution=1 (the torch backend's only
    value) give the same numbers as the default path."""
    x, y = _data()
    default = _regressor(keras, metrics=["mae"])
    eager = _regressor(keras, metrics=["mae"], run_eagerly=True)
    spe = _regressor(keras, metrics=["mae"], steps_per_execution=1)
    batches = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(batch))
    results = [m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history for m in (default, eager)]
    spe_hist = spe.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[cb]).history
    default.run_eagerly = True
    assigned = default.run_eagerly
    again = default.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0).history
    return {"default": results[0], "eager": results[1], "spe": spe_hist, "flag": eager.run_eagerly,
            "default_flag": spe.run_eagerly, "spe_batches": batches, "assigned": assigned, "again": again}


def generator_and_pydataset(keras, workdir):
    """fit on an endless Python generator with steps_per_epoch, then on keras.utils.PyDatasets (validation too)."""
    x, y = _data(n=24)

    def gen():
        while True:
            for i in range(0, 24, 6):
                yield x[i:i + 6], y[i:i + 6]

    class Seq(keras.utils.PyDataset):
        def __init__(self, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.batch_size = batch_size

        def __len__(self):
            return int(np.ceil(len(x) / self.batch_size))

        def __getitem__(self, idx):
            sl = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
            return x[sl], y[sl]

    model = _regressor(keras, metrics=["mae"])
    h1 = model.fit(gen(), steps_per_epoch=3, epochs=2, verbose=0, validation_data=(x, y))
    model2 = _regressor(keras, metrics=["mae"])
    h2 = model2.fit(Seq(5), epochs=2, verbose=0, shuffle=False, validation_data=Seq(8))
    pred = model2.predict(Seq(7), verbose=0)
    ev = model2.evaluate(Seq(7), verbose=0, return_dict=True)
    return {"gen": h1.history, "seq": h2.history, "pred_shape": pred.shape, "eval": ev,
            "gen_params": h1.params, "seq_params": h2.params}


def generator_with_sample_weights(keras, workdir):
    """A generator that yields (x, y, sample_weight) triples, and one that yields (x,) for predict."""
    x, y = _data(n=12)
    sw = np.array([1.0, 0.0] * 6, "float32")

    def train():
        for i in range(0, 12, 4):
            yield x[i:i + 4], y[i:i + 4], sw[i:i + 4]

    def inputs_only():
        for i in range(0, 12, 3):
            yield (x[i:i + 3],)

    model = _regressor(keras, weighted_metrics=["mse"])
    hist = model.fit(train(), epochs=1, verbose=0)
    pred = model.predict(inputs_only(), verbose=0)
    return {"history": hist.history, "pred": pred.shape}


def validation_split_and_class_weight(keras, workdir):
    """validation_split takes the last fraction unshuffled; class_weight on integer labels; batch_size=None
    means 32."""
    model, x, y = _classifier(keras, 50, 3, 0.1)
    counts = []
    cb = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: counts.append(sorted(logs)))
    hist = model.fit(x, y, validation_split=0.2, class_weight={0: 1.0, 1: 3.0}, epochs=2, shuffle=False,
                     verbose=0, callbacks=[cb], batch_size=None)
    return {"history": hist.history, "steps": hist.params["steps"], "logs": counts}


def initial_epoch_and_steps(keras, workdir):
    """initial_epoch resumes the epoch count; History.epoch and the callbacks see the absolute epochs."""
    x, y = _data()
    model = _regressor(keras)
    seen = []
    cb = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(epoch))
    h = model.fit(x, y, epochs=5, initial_epoch=3, batch_size=8, shuffle=False, verbose=0, callbacks=[cb])
    h0 = model.fit(x, y, epochs=0, verbose=0)
    return {"epoch": h.epoch, "seen": seen, "n_loss": len(h.history["loss"]), "params": h.params,
            "empty": h0.history, "loss": h.history["loss"]}


def early_stopping_restore_best(keras, workdir):
    """EarlyStopping(restore_best_weights=True) on a loss that rises after epoch 1: training stops after
    patience epochs and the weights of the best epoch come back."""
    x, y = _data()
    model = _regressor(keras, lr=0.0)
    per_epoch = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            per_epoch.append([w.copy() for w in self.model.get_weights()])
            # make the monitored quantity rise from epoch 2 on by perturbing the weights
            if epoch >= 1:
                self.model.set_weights([w + 0.3 for w in self.model.get_weights()])

    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True, verbose=0)
    hist = model.fit(x, y, epochs=10, batch_size=32, shuffle=False, verbose=0, callbacks=[Record(), stopper])
    losses = hist.history["loss"]
    best = int(np.argmin(losses))
    restored = all(np.allclose(a, b) for a, b in zip(model.get_weights(), per_epoch[best]))
    return {"epochs_run": len(losses), "stopped_epoch": stopper.stopped_epoch, "best_epoch": best,
            "restored": restored, "best": round(float(stopper.best), 5)}


def model_checkpoint_variants(keras, workdir):
    """ModelCheckpoint: every epoch to .weights.h5 with {epoch:02d}, best-only to .keras with {epoch} and
    {val_loss:.2f}, then loading each back."""
    x, y = _data()
    model = _regressor(keras)
    weights_cb = keras.callbacks.ModelCheckpoint(str(workdir / "w_{epoch:02d}.weights.h5"),
                                                 save_weights_only=True, verbose=0)
    best_cb = keras.callbacks.ModelCheckpoint(str(workdir / "best.keras"), monitor="val_loss", mode="min",
                                              save_best_only=True, verbose=0)
    fmt_cb = keras.callbacks.ModelCheckpoint(str(workdir / "m_{epoch}_{loss:.2f}.keras"), verbose=0)
    model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0, validation_data=(x, y),
              callbacks=[weights_cb, best_cb, fmt_cb])
    files = sorted(p.name for p in workdir.iterdir())
    fresh = _regressor(keras)
    fresh.load_weights(str(workdir / "w_03.weights.h5"))
    same = all(np.allclose(a, b) for a, b in zip(fresh.get_weights(), model.get_weights()))
    best = keras.models.load_model(str(workdir / "best.keras"))
    return {"files": files, "same": same, "best_loss": best.loss, "best_params": best.count_params(),
            "best_lr": round(_num(best.optimizer.learning_rate), 6), "best_cb": round(float(best_cb.best), 5)}


def learning_rate_callbacks(keras, workdir):
    """LearningRateScheduler (with and without the lr argument) and ReduceLROnPlateau; the learning rate in
    the logs and on the optimizer; reading and assigning model.optimizer.learning_rate."""
    x, y = _data()
    model = _regressor(keras, lr=0.1)

    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    h = model.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.LearningRateScheduler(schedule)])
    after_schedule = _num(model.optimizer.learning_rate)
    model.optimizer.learning_rate = 0.2
    assigned = _num(model.optimizer.learning_rate)
    model.optimizer.learning_rate.assign(0.3)
    assigned2 = _num(model.optimizer.learning_rate)
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0,
                                                min_lr=0.05)
    h2 = model.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0, callbacks=[plateau])
    h3 = model.fit(x, y, epochs=2, verbose=0,
                   callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))])
    return {"keys": sorted(h.history), "lrs": h.history["learning_rate"], "after_schedule": after_schedule,
            "assigned": [assigned, assigned2], "plateau_lrs": h2.history["learning_rate"],
            "final": round(_num(model.optimizer.learning_rate), 6), "h3": h3.history["learning_rate"]}


def csv_logger_and_lambda(keras, workdir):
    """CSVLogger writes one row per epoch with epoch first then the sorted log keys; append=True adds rows."""
    x, y = _data()
    model = _regressor(keras, metrics=["mae"])
    path = workdir / "log.csv"
    events = []
    lam = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_end=lambda epoch, logs: events.append(("epoch", epoch, sorted(logs))),
        on_train_end=lambda logs: events.append("train_end"))
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0, validation_data=(x, y),
              callbacks=[keras.callbacks.CSVLogger(str(path)), lam])
    model.fit(x, y, epochs=3, initial_epoch=2, batch_size=16, shuffle=False, verbose=0, validation_data=(x, y),
              callbacks=[keras.callbacks.CSVLogger(str(path), separator=";", append=True)])
    with open(path, newline="") as fh:
        text = fh.read()
    lines = text.strip().splitlines()
    rows = list(csv.reader(lines[:3]))
    return {"header": rows[0], "n_lines": len(lines), "epochs": [r[0] for r in rows[1:]],
            "appended": lines[3].split(";")[0], "events": events}


def terminate_on_nan(keras, workdir):
    """TerminateOnNaN stops at the first batch whose loss is NaN or inf (a diverging learning rate); History
    keeps the partial epoch."""
    x, y = _data()
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
    _fixed(model)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e4), loss="mse")
    batches = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(b))
    hist = model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0,
                     callbacks=[keras.callbacks.TerminateOnNaN(), cb])
    last = hist.history["loss"][-1]
    return {"batches": batches, "epochs": len(hist.history["loss"]), "stop": model.stop_training,
            "not_finite": bool(not np.isfinite(last))}


def custom_callback_hooks(keras, workdir):
    """A Callback subclass recording every hook it gets, its params, self.model and the logs' keys."""
    x, y = _data(n=12)
    model = _regressor(keras, metrics=["mae"])
    calls = []

    class Recorder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            calls.append(("train_begin", sorted(self.params), self.model is model))

        def on_epoch_begin(self, epoch, logs=None):
            calls.append(("epoch_begin", epoch))

        def on_train_batch_begin(self, batch, logs=None):
            calls.append(("train_batch_begin", batch))

        def on_train_batch_end(self, batch, logs=None):
            calls.append(("train_batch_end", batch, sorted(logs)))

        def on_test_begin(self, logs=None):
            calls.append("test_begin")

        def on_test_batch_end(self, batch, logs=None):
            calls.append(("test_batch_end", batch, sorted(logs)))

        def on_test_end(self, logs=None):
            calls.append(("test_end", sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            calls.append(("epoch_end", epoch, sorted(logs)))

        def on_train_end(self, logs=None):
            calls.append(("train_end", sorted(logs)))

        def on_predict_begin(self, logs=None):
            calls.append("predict_begin")

        def on_predict_batch_end(self, batch, logs=None):
            calls.append(("predict_batch_end", batch, sorted(logs), tuple(logs["outputs"].shape)))

        def on_predict_end(self, logs=None):
            calls.append("predict_end")

    rec = Recorder()
    model.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0, validation_data=(x[:6], y[:6]),
              callbacks=[rec])
    model.evaluate(x, y, batch_size=12, verbose=0, callbacks=[rec])
    model.predict(x, batch_size=8, verbose=0, callbacks=[rec])
    return {"calls": calls}


def on_batch_methods(keras, workdir):
    """train_on_batch/test_on_batch/predict_on_batch with and without metrics and return_dict, sample_weight
    and class_weight."""
    x, y = _data(n=8)
    bare = _regressor(keras)
    a = bare.train_on_batch(x, y)
    b = bare.test_on_batch(x, y)
    model = _regressor(keras, metrics=["mae"])
    c = model.train_on_batch(x, y, sample_weight=np.arange(8, dtype="float32"))
    d = model.test_on_batch(x, y, return_dict=True)
    e = model.train_on_batch(x, y, return_dict=True)
    p = model.predict_on_batch(x)
    clf = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation="softmax")])
    _fixed(clf)
    clf.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    f = clf.train_on_batch(x, (x[:, 0] > 0).astype("int64"), class_weight={0: 2.0, 1: 1.0})
    return {"a": [type(a).__name__, a], "b": b, "c": c, "d": d, "e": e, "p": [p.shape, str(p.dtype)],
            "p_type": type(p).__name__, "f": f}


def summary_and_shapes(keras, workdir):
    """model.summary() through print_fn: the parameter totals, the layers' output shapes, count_params."""
    layers = keras.layers
    inp = keras.Input(shape=(10, 3), name="series")
    x = layers.Conv1D(4, 3, name="conv")(inp)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.GlobalMaxPooling1D(name="pool")(x)
    out = layers.Dense(2, name="head")(x)
    model = keras.Model(inp, out, name="tiny")
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)
    totals = [ln.strip() for ln in text.splitlines() if "params" in ln.lower()]
    seq = keras.Sequential([layers.Dense(3)])
    try:
        seq.summary(print_fn=lambda *a, **k: None)
        unbuilt = "ok"
    except Exception as err:  # Keras raises ValueError for a model that is not built
        unbuilt = type(err).__mro__[1].__name__ if type(err).__name__ != "ValueError" else "ValueError"
    return {"totals": [t.replace("│", "").strip() for t in totals], "name_in": "tiny" in text,
            "shapes": [tuple(layer.output.shape) for layer in model.layers], "params": model.count_params(),
            "trainable": sum(int(np.prod(w.shape)) for w in model.trainable_weights),
            "non_trainable": sum(int(np.prod(w.shape)) for w in model.non_trainable_weights),
            "unbuilt": unbuilt}


def config_clone_and_save(keras, workdir):
    """get_config/from_config, clone_model (fresh weights, with clone_function), save/load_model keeping the
    compile state and the optimizer's progress."""
    model = _regressor(keras, metrics=["mae"])
    x, y = _data()
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    config = model.get_config()
    rebuilt = keras.Sequential.from_config(config)
    clone = keras.models.clone_model(model)
    renamed = keras.models.clone_model(
        model, clone_function=lambda layer: layer.__class__.from_config(
            {**layer.get_config(), "name": "c_" + layer.name}))
    path = str(workdir / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    same = np.allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    resumed = loaded.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0).history
    original = model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0).history
    return {
        "layers": [type(layer).__name__ for layer in rebuilt.layers],
        "clone_compiled": clone.compiled if hasattr(clone, "compiled") else None,
        "clone_params": clone.count_params(),
        "renamed": [layer.name.startswith("c_") for layer in renamed.layers],
        "same": bool(same),
        "resumed": resumed,
        "original": original,
    }


def subclassed_model_fit(keras, workdir):
    """A subclassed Model with layers in __init__, built by fit; its summary counts and evaluate after fit."""

    class MLP(keras.Model):
        def __init__(self, hidden=6, **kwargs):
            super().__init__(**kwargs)
            self.hidden = keras.layers.Dense(hidden, activation="relu")
            self.out = keras.layers.Dense(1)

        def call(self, inputs, training=False):
            return self.out(self.hidden(inputs))

    x, y = _data()
    model = MLP()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    built_before = model.built
    hist = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    ev = model.evaluate(x, y, verbose=0, return_dict=True)
    return {"built_before": built_before, "built": model.built, "keys": sorted(hist.history),
            "eval_keys": sorted(ev), "params": model.count_params(), "n_weights": len(model.weights),
            "pred": model.predict(x[:3], verbose=0).shape}


def compute_loss_override(keras, workdir):
    """A Model subclass overriding compute_loss to add a penalty; fit and evaluate both see it."""
    ops = keras.ops

    class Penalized(keras.Sequential):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            loss = super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)
            return loss + 0.1 * ops.mean(ops.square(y_pred))

    x, y = _data(n=16)
    model = Penalized([keras.Input(shape=(4,)), keras.layers.Dense(1)])
    _fixed(model)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    hist = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    ev = model.evaluate(x, y, verbose=0)
    return {"loss": hist.history["loss"], "eval": ev}


def custom_test_step(keras, workdir):
    """A test_step override (torch style) returning custom keys, used by evaluate and by fit's validation."""

    class Custom(keras.Model):
        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            err = keras.ops.mean(keras.ops.abs(y_pred - y))
            return {"abs_err": err}

    x, y = _data(n=16)
    inp = keras.Input(shape=(4,))
    model = Custom(inp, keras.layers.Dense(1)(inp))
    _fixed(model)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    hist = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0, validation_data=(x, y))
    ev = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    return {"history": hist.history, "eval": ev}


def add_loss_layers(keras, workdir):
    """Layers calling add_loss (activity penalties) and kernel regularizers: model.losses and the trained loss
    include them, test-time losses too."""
    ops = keras.ops

    class ActivityPenalty(keras.layers.Layer):
        def __init__(self, rate=0.01, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.sum(ops.square(inputs)))
            return inputs

    inp = keras.Input(shape=(4,))
    h = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.l2(0.01))(inp)
    h = ActivityPenalty(0.001)(h)
    out = keras.layers.Dense(1)(h)
    model = keras.Model(inp, out)
    _fixed(model)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    x, y = _data(n=8)
    model(x)
    n_losses = len(model.losses)
    hist = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    ev = model.evaluate(x, y, verbose=0)
    return {"n_losses": n_losses, "loss": hist.history["loss"], "eval": ev}


def fit_errors(keras, workdir):
    """The error types users see for common mistakes (neuroflow's are subclasses of Keras' builtin ones)."""
    x, y = _data(n=10)
    out = {}

    def kind(fn):
        try:
            fn()
        except Exception as err:  # record which builtin family the error belongs to
            for base in (ValueError, TypeError, RuntimeError, KeyError):
                if isinstance(err, base):
                    return base.__name__
            return "other"
        return "none"

    uncompiled = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
    out["fit_uncompiled"] = kind(lambda: uncompiled.fit(x, y, verbose=0))
    model = _regressor(keras)
    out["length_mismatch"] = kind(lambda: model.fit(x, y[:7], verbose=0))
    out["bad_optimizer"] = kind(lambda: model.compile(optimizer="not_an_optimizer", loss="mse"))
    out["bad_metric"] = kind(lambda: _regressor(keras, metrics=["not_a_metric"]).fit(x, y, verbose=0))
    out["wrong_width"] = kind(lambda: model.predict(np.ones((2, 5), "float32"), verbose=0))
    return out


def predict_outputs(keras, workdir):
    """predict() concatenates batches, keeps dtypes, returns dicts/lists as the model's outputs are
    structured, and __call__ on NumPy returns a backend tensor."""
    inp = keras.Input(shape=(4,), name="x")
    h = keras.layers.Dense(3)(inp)
    model = keras.Model(inp, {"h": h, "s": keras.layers.Activation("sigmoid")(h)})
    _fixed(model)
    x, _ = _data(n=11)
    pred = model.predict(x, batch_size=4, verbose=0)
    direct = model(x)
    single = keras.Model(inp, h)
    one = single.predict(x[:1], verbose=0)
    return {"keys": sorted(pred), "shapes": {k: v.shape for k, v in pred.items()},
            "dtype": str(pred["h"].dtype), "same": bool(np.allclose(
                keras.ops.convert_to_numpy(direct["h"]), pred["h"], atol=1e-6)),
            "one": one.shape, "values": np.round(pred["s"][:2], 4)}


def compute_metrics_in_train_step(keras, workdir):
    """A torch-style train_step with sample weights that ends with self.compute_metrics(...) (Keras 3's helper
    updating the loss tracker's neighbours, the compiled metrics) and a test_step using get_metrics_result."""

    class Custom(keras.Model):
        def train_step(self, data):
            x, y, sample_weight = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            loss.backward()
            trainable = [v for v in self.trainable_weights]
            self.optimizer.apply([v.value.grad for v in trainable], trainable)
            return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.compute_loss(y=y, y_pred=y_pred)
            self.compute_metrics(x, y, y_pred)
            return self.get_metrics_result()

    inp = keras.Input(shape=(4,))
    model = Custom(inp, keras.layers.Dense(1)(inp))
    _fixed(model)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    x, y = _data(n=16)
    sw = np.linspace(0.5, 1.5, 16).astype("float32")
    hist = model.fit(x, y, sample_weight=sw, epochs=2, batch_size=8, shuffle=False, verbose=0)
    ev = model.evaluate(x, y, verbose=0, return_dict=True)
    return {"keys": sorted(hist.history), "mae": hist.history["mae"], "eval_keys": sorted(ev),
            "eval_mae": ev["mae"]}


def validation_freq_and_stop_training(keras, workdir):
    """validation_freq=2 validates on even epochs only; a callback setting model.stop_training mid-epoch ends
    fit after that batch."""
    x, y = _data()
    model = _regressor(keras)
    hist = model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0, validation_data=(x, y),
                     validation_freq=2, validation_batch_size=16)
    seen = []

    class StopAt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)
            if batch == 1:
                self.model.stop_training = True

    hist2 = model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0, callbacks=[StopAt()])
    return {"val_len": len(hist.history["val_loss"]), "loss_len": len(hist.history["loss"]), "seen": seen,
            "epochs2": hist2.epoch, "val": hist.history["val_loss"], "is_history": model.history is hist2,
            "history_model": hist2.model is model}


def early_stopping_modes(keras, workdir):
    """EarlyStopping on val_accuracy (mode inferred as max), with baseline and start_from_epoch."""
    model, x, y = _classifier(keras, 40, 5, 0.0)
    # a frozen model: val_accuracy never improves, so patience decides
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1, verbose=0)
    h = model.fit(x, y, epochs=6, batch_size=10, shuffle=False, verbose=0, validation_data=(x, y), callbacks=[stop])
    late = keras.callbacks.EarlyStopping(monitor="loss", patience=0, start_from_epoch=3)
    h2 = model.fit(x, y, epochs=6, batch_size=10, shuffle=False, verbose=0, callbacks=[late])
    base = keras.callbacks.EarlyStopping(monitor="loss", patience=2, baseline=0.0)
    h3 = model.fit(x, y, epochs=6, batch_size=10, shuffle=False, verbose=0, callbacks=[base])
    return {"epochs": len(h.epoch), "stopped": stop.stopped_epoch, "late": len(h2.epoch),
            "late_stopped": late.stopped_epoch, "baseline": len(h3.epoch)}


def accuracy_resolution(keras, workdir):
    """metrics=["accuracy"] resolves by the loss and output: binary, categorical (one-hot) and sparse; plus
    class_weight with one-hot targets and a named SparseCategoricalAccuracy object."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(24, 4)).astype("float32")
    labels = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0.5).astype("int64")
    out = {}
    for name, units, act, loss, y in (
            ("binary", 1, "sigmoid", "binary_crossentropy", (labels > 0).astype("float32")[:, None]),
            ("categorical", 3, "softmax", "categorical_crossentropy", np.eye(3, dtype="float32")[labels]),
            ("sparse", 3, "softmax", "sparse_categorical_crossentropy", labels)):
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(units, activation=act)])
        _fixed(model)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss, metrics=["accuracy", "acc"])
        kwargs = {"class_weight": {0: 1.0, 1: 2.0, 2: 0.5}} if name == "categorical" else {}
        hist = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0, **kwargs)
        out[name] = hist.history
    logits = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    _fixed(logits)
    logits.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                   metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")])
    out["logits"] = logits.evaluate(x, labels, verbose=0, return_dict=True)
    return out


def partial_losses_and_single_loss_for_outputs(keras, workdir):
    """One loss string for two outputs (both get it, each logged), and a loss dict leaving an output without
    a loss (that output is not trained on and not logged)."""
    inp = keras.Input(shape=(4,))
    h = keras.layers.Dense(3, activation="tanh")(inp)
    a = keras.layers.Dense(1, name="a")(h)
    b = keras.layers.Dense(1, name="b")(h)
    model = keras.Model(inp, [a, b])
    _fixed(model)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    x, y = _data(n=16)
    h1 = model.fit(x, [y, 2 * y], epochs=1, batch_size=8, shuffle=False, verbose=0).history
    model2 = keras.Model(inp, {"a": a, "b": b})
    model2.compile(optimizer=keras.optimizers.SGD(0.05), loss={"a": "mse", "b": None}, metrics={"b": ["mae"]})
    h2 = model2.fit(x, {"a": y, "b": 2 * y}, epochs=1, batch_size=8, shuffle=False, verbose=0).history
    return {"h1": h1, "h2_keys": sorted(h2)}


def checkpoint_save_freq_and_threshold(keras, workdir):
    """ModelCheckpoint with save_freq in batches ({batch} in the name) and initial_value_threshold, monitor on
    a metric in mode max."""
    x, y = _data()
    model = _regressor(keras, metrics=["mae"])
    by_batch = keras.callbacks.ModelCheckpoint(str(workdir / "b_{epoch}_{batch}.weights.h5"),
                                               save_weights_only=True, save_freq=3)
    never = keras.callbacks.ModelCheckpoint(str(workdir / "never.keras"), monitor="loss", save_best_only=True,
                                            initial_value_threshold=0.0)
    maxed = keras.callbacks.ModelCheckpoint(str(workdir / "max.weights.h5"), monitor="mae", mode="max",
                                            save_best_only=True, save_weights_only=True)
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0, callbacks=[by_batch, never, maxed])
    return {"files": sorted(p.name for p in workdir.iterdir()), "max_best": round(float(maxed.best), 4)}


def nested_model_summary_and_weights(keras, workdir):
    """A Sequential used as a layer inside a functional model: summary totals, weights lists, get/set_weights
    round trip, trainable flag on the nested model, layer lookup by name."""
    base = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(5, name="d1"),
                             keras.layers.BatchNormalization(name="bn")], name="base")
    inp = keras.Input(shape=(4,))
    out = keras.layers.Dense(2, name="head")(base(inp))
    model = keras.Model(inp, out)
    lines = []
    model.summary(print_fn=lambda line, *a, **k: lines.append(line))
    totals = [ln.replace("│", "").strip() for ln in "\n".join(lines).splitlines() if "params:" in ln]
    weights = model.get_weights()
    model.set_weights([w + 1 for w in weights])
    shifted = all(np.allclose(a, b + 1) for a, b in zip(model.get_weights(), weights))
    base.trainable = False
    return {"totals": totals, "n_weights": len(weights), "shapes": [w.shape for w in weights], "shifted": shifted,
            "trainable_after": len(model.trainable_weights), "frozen_after": len(model.non_trainable_weights),
            "lookup": model.get_layer("base").get_layer("d1").units, "layers": [l.name for l in model.layers][1:]}


def evaluate_and_predict_steps(keras, workdir):
    """evaluate(steps=...) and predict(steps=...) on endless generators; evaluate on a PyDataset; predict on a
    list input for a two-input model."""
    x, y = _data(n=12)

    def gen():
        while True:
            yield x[:4], y[:4]

    model = _regressor(keras, metrics=["mae"])
    ev = model.evaluate(gen(), steps=2, verbose=0, return_dict=True)
    pred = model.predict(((b[0],) for b in gen()), steps=3, verbose=0)
    a = keras.Input(shape=(4,))
    b = keras.Input(shape=(2,))
    two = keras.Model([a, b], keras.layers.Concatenate()([a, b]))
    both = two.predict([x, x[:, :2]], batch_size=5, verbose=0)
    return {"eval": ev, "pred_shape": pred.shape, "both": both.shape}


def custom_step_with_class_weight(keras, workdir):
    """The guide's train_step supporting sample_weight & class_weight: unpack 2 or 3 elements, weighted loss,
    every metric of self.metrics updated with the weights, fit(class_weight=...) feeding it."""

    class CustomModel(keras.Model):
        def train_step(self, data):
            if len(data) == 3:
                x, y, sample_weight = data
            else:
                sample_weight = None
                x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)
            return {m.name: m.result() for m in self.metrics}

    rng = np.random.default_rng(4)
    x = rng.normal(size=(24, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    inputs = keras.Input(shape=(4,))
    model = CustomModel(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    _fixed(model)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")])
    h1 = model.fit(x, y, class_weight={0: 1.0, 1: 3.0}, epochs=2, batch_size=8, shuffle=False, verbose=0)
    h2 = model.fit(x, y, sample_weight=np.linspace(0, 1, 24), epochs=1, batch_size=8, shuffle=False, verbose=0)
    return {"h1": h1.history, "h2": h2.history}


def steps_on_array_data(keras, workdir):
    """steps_per_epoch on arrays: an epoch is that many batches of a pass that goes on into the next epoch (a
    short epoch where the pass ends); validation_steps, evaluate(steps=) and predict(steps=) read the first
    batches each time."""
    x, y = _data()
    model = _regressor(keras)
    seen = []
    cb = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda b, logs: seen.append(("train", b)),
        on_test_batch_end=lambda b, logs: seen.append(("test", b, round(float(logs["loss"]), 4))))
    hist = model.fit(x, y, steps_per_epoch=3, batch_size=8, epochs=3, shuffle=False, verbose=0,
                     validation_data=(x, y), validation_steps=3, callbacks=[cb])
    return {"history": hist.history, "seen": seen,
            "eval": model.evaluate(x, y, steps=3, batch_size=8, verbose=0),
            "pred": model.predict(x, steps=2, batch_size=8, verbose=0).shape,
            "pred_all": model.predict(x, steps=2, batch_size=20, verbose=0).shape}


def compile_list_forms_for_one_output(keras, workdir):
    """A single-output model compiled with Keras' list forms: loss=["mse"], metrics=[["mae"]], loss_weights=[2.0],
    a metric tuple, duplicated metric names and a plain function as loss and metric."""
    x, y = _data(n=16)

    def fresh():
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
        return _fixed(model)

    def my_loss(y_true, y_pred):
        return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)

    out = {}
    for key, kwargs in (("lists", dict(loss=["mse"], metrics=[["mae"]], loss_weights=[2.0])),
                        ("tuple", dict(loss="mse", metrics=("mae",))),
                        ("duplicates", dict(loss="mse", metrics=["mae", keras.metrics.MeanAbsoluteError()])),
                        ("function", dict(loss=my_loss, metrics=[my_loss]))):
        model = fresh()
        model.compile(optimizer="sgd", **kwargs)
        out[key] = model.evaluate(x, y, verbose=0, return_dict=True)
    return out


PROGRAMS = [
    compile_strings_and_objects, multi_output_dicts, multi_output_lists, weighted_metrics_and_sample_weight,
    run_eagerly_steps_per_execution, generator_and_pydataset, generator_with_sample_weights,
    validation_split_and_class_weight, initial_epoch_and_steps, early_stopping_restore_best,
    model_checkpoint_variants, learning_rate_callbacks, csv_logger_and_lambda, terminate_on_nan,
    custom_callback_hooks, on_batch_methods, summary_and_shapes, config_clone_and_save, subclassed_model_fit,
    compute_loss_override, custom_test_step, add_loss_layers, fit_errors, predict_outputs,
    compute_metrics_in_train_step, validation_freq_and_stop_training, early_stopping_modes, accuracy_resolution,
    partial_losses_and_single_loss_for_outputs, checkpoint_save_freq_and_threshold,
    nested_model_summary_and_weights, evaluate_and_predict_steps, custom_step_with_class_weight,
    steps_on_array_data, compile_list_forms_for_one_output,
]


@pytest.mark.parametrize("program", [pytest.param(p, id=p.__name__) for p in PROGRAMS])
def test_program_runs_on_neuroflow(program, tmp_path):
    neuroflow.utils.set_random_seed(0)
    assert isinstance(program(neuroflow, tmp_path), dict)


@pytest.mark.parametrize("program", [pytest.param(p, id=p.__name__) for p in PROGRAMS])
def test_program_matches_keras(program, tmp_path):
    keras = keras_oracle()
    keras.utils.set_random_seed(0)
    (tmp_path / "keras").mkdir()
    expected = _plain(program(keras, tmp_path / "keras"))  # the program is valid Keras 3
    neuroflow.utils.set_random_seed(0)
    (tmp_path / "nf").mkdir()
    assert _plain(program(neuroflow, tmp_path / "nf")) == expected


# --- neuroflow-only regression tests for what the programs found (they run without the Keras oracle) ----------

def _two_outputs(keras, **compile_kw):
    inp = keras.Input(shape=(4,))
    h = keras.layers.Dense(3, activation="tanh")(inp)
    model = keras.Model(inp, [keras.layers.Dense(1, name="a")(h), keras.layers.Dense(2, name="b")(h)])
    _fixed(model)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss=["mse", "mae"], loss_weights=[1.0, 0.5],
                  **compile_kw)
    return model


def test_plain_metrics_ignore_sample_weight_and_weighted_metrics_use_it():
    x, y = _data(n=8)
    sw = np.array([1, 0, 1, 0, 1, 0, 1, 0], "float32")
    model = _regressor(neuroflow, metrics=["mae"], weighted_metrics=["mae", "mse"])
    result = model.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    err = np.abs(model.predict(x, verbose=0) - y)[:, 0]
    assert sorted(result) == ["loss", "mae", "mse", "weighted_mae"]
    assert np.isclose(result["mae"], err.mean(), atol=1e-5)
    assert np.isclose(result["weighted_mae"], err[sw > 0].mean(), atol=1e-5)
    assert model.metrics_names == ["loss", "compile_metrics"]  # Keras 3: the names of model.metrics


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_each_output_loss_is_logged_unweighted(run_eagerly):
    x, y = _data(n=8)
    ys = [y, np.concatenate([y, -y], axis=1)]
    model = _two_outputs(neuroflow, run_eagerly=run_eagerly)
    hist = model.fit(x, ys, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    assert sorted(hist) == ["a_loss", "b_loss", "loss"]
    result = model.evaluate(x, ys, batch_size=8, verbose=0, return_dict=True)
    pa, pb = model.predict(x, verbose=0)
    a_loss, b_loss = np.mean((pa - ys[0]) ** 2), np.mean(np.abs(pb - ys[1]))
    assert np.allclose([result["a_loss"], result["b_loss"], result["loss"]],
                       [a_loss, b_loss, a_loss + 0.5 * b_loss], atol=1e-5)
    assert len(model.evaluate(x, ys, verbose=0)) == 3


def test_compiled_and_eager_steps_log_the_same_per_output_losses():
    x, y = _data(n=8)
    ys = [y, np.concatenate([y, -y], axis=1)]
    runs = [_two_outputs(neuroflow, run_eagerly=eager).fit(x, ys, batch_size=4, epochs=3, shuffle=False,
                                                           verbose=0).history for eager in (False, True)]
    assert runs[0] == runs[1]


def test_compute_loss_override_is_what_fit_minimises():
    class Doubled(neuroflow.Sequential):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return 2.0 * super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                              training=training)

    x, y = _data(n=8)
    model = Doubled([neuroflow.Input(shape=(4,)), neuroflow.layers.Dense(1)])
    _fixed(model)
    model.compile(optimizer=neuroflow.optimizers.SGD(0.0), loss="mse")
    loss = model.fit(x, y, batch_size=8, verbose=0).history["loss"][0]
    plain = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    assert np.isclose(loss, 2 * plain, rtol=1e-5)
    assert np.isclose(model.evaluate(x, y, verbose=0), 2 * plain, rtol=1e-5)


def test_freezing_a_layer_keeps_the_weights_order():
    model = neuroflow.Sequential([neuroflow.Input((4,)), neuroflow.layers.Dense(4, name="a"),
                                  neuroflow.layers.BatchNormalization(name="bn"), neuroflow.layers.Dense(4, name="b")])
    order = [v.path for v in model.weights]
    assert order == ["a/kernel", "a/bias", "bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance",
                     "b/kernel", "b/bias"]
    saved = model.get_weights()
    model.layers[0].trainable = False
    assert [v.path for v in model.weights] == order
    model.set_weights(saved)
    assert np.array_equal(model.layers[0].get_weights()[0], saved[0])


def test_compile_state_attributes():
    model = neuroflow.Sequential([neuroflow.Input((4,)), neuroflow.layers.Dense(1)])
    assert (model.compiled, model.loss, model.run_eagerly) == (False, None, False)
    loss = neuroflow.losses.Huber()
    model.compile(optimizer="sgd", loss=loss, run_eagerly=True)
    assert (model.compiled, model.loss, model.run_eagerly) == (True, loss, True)
    model.run_eagerly = False
    assert model.run_eagerly is False


def test_fit_before_compile_is_a_value_error_as_in_keras():
    model = neuroflow.Sequential([neuroflow.Input((4,)), neuroflow.layers.Dense(1)])
    with pytest.raises(ValueError, match="compile"):
        model.fit(*_data(n=4), verbose=0)


def test_fit_with_zero_epochs_trains_nothing():
    model = _regressor(neuroflow)
    before = model.get_weights()
    hist = model.fit(*_data(n=4), epochs=0, verbose=0)
    assert hist.history == {} and hist.epoch == []
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_learning_rate_reads_like_keras_variable():
    opt = neuroflow.optimizers.SGD(0.1)
    lr = opt.learning_rate
    assert float(lr) == pytest.approx(0.1) and lr.numpy().dtype == np.float32
    lr.assign(0.25)
    assert opt.learning_rate == pytest.approx(0.25)
    import copy
    import pickle
    assert type(pickle.loads(pickle.dumps(opt.learning_rate))) is float
    assert type(copy.deepcopy(opt.learning_rate)) is float


def test_summary_totals_carry_byte_sizes():
    model = _regressor(neuroflow)
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 49 (196.00 B)" in lines[0]


def test_clone_of_compiled_model_is_compiled_with_fresh_state():
    model = _regressor(neuroflow, metrics=["mae"], weighted_metrics=["mse"])
    clone = neuroflow.models.clone_model(model)
    assert clone.compiled and clone.optimizer is not model.optimizer
    assert clone.get_compile_config()["weighted_metrics"] == ["mse"]
    assert clone.metrics_names == model.metrics_names
    uncompiled = neuroflow.Sequential([neuroflow.Input((4,)), neuroflow.layers.Dense(1)])
    assert not neuroflow.models.clone_model(uncompiled).compiled


@pytest.mark.parametrize("suffix", [".keras", ".neuroflow"])
def test_weighted_metrics_survive_save_and_load(tmp_path, suffix):
    model = _regressor(neuroflow, metrics=["mae"], weighted_metrics=["mae"])
    path = str(tmp_path / ("m" + suffix))
    model.save(path)
    loaded = neuroflow.models.load_model(path)
    x, y = _data(n=8)
    assert sorted(loaded.evaluate(x, y, verbose=0, return_dict=True)) == ["loss", "mae", "weighted_mae"]


def test_stricter_than_keras_on_arguments_keras_accepts_silently():
    model = _regressor(neuroflow)
    x, y = _data(n=10)
    with pytest.raises(neuroflow.errors.ConfigError, match="validation_split"):
        model.fit(x, y, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="not_a_loss"):
        model.compile(optimizer="sgd", loss="not_a_loss")


def test_add_metric_says_it_was_removed_in_keras_3():
    layer = neuroflow.layers.Dense(2, name="d")
    with pytest.raises(NotImplementedError, match="'d'.*compile\\(metrics"):
        layer.add_metric(1.0, name="m")


def test_model_metrics_holds_the_compiled_metrics_as_one_keras_entry():
    x, y = _data(n=8)
    sw = np.array([1, 0] * 4, "float32")
    model = _regressor(neuroflow, metrics=["mae"], weighted_metrics=["mae"])
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics"]
    entry = model.metrics[1]
    pred = model.predict(x, verbose=0)
    entry.update_state(y, pred, sample_weight=sw)  # what a custom train_step does with each of self.metrics
    err = np.abs(pred - y)[:, 0]
    result = {k: float(v) for k, v in entry.result().items()}
    assert np.isclose(result["mae"], err.mean()) and np.isclose(result["weighted_mae"], err[sw > 0].mean())
    assert sorted(model.get_metrics_result()) == ["loss", "mae", "weighted_mae"]
    entry.reset_state()
    assert model.compute_metrics(x, y, pred)["mae"] == pytest.approx(err.mean())
    assert [m.name for m in _two_outputs(neuroflow).metrics] == ["loss", "a_loss", "b_loss"]


def test_steps_per_epoch_on_arrays_walks_the_whole_data_across_epochs():
    from neuroflow.training.data_adapter import ArrayBatches
    x, y = _data(n=32)
    batches = ArrayBatches(x, y, batch_size=8, steps=3)
    firsts = [[float(bx[0, 0]) for bx, _, _ in batches.epoch(e)] for e in range(3)]
    assert firsts == [[x[0, 0], x[8, 0], x[16, 0]], [x[24, 0]], [x[0, 0], x[8, 0], x[16, 0]]]
    batches.restart()  # what every evaluation does
    assert [float(bx[0, 0]) for bx, _, _ in batches.epoch(3)] == [x[0, 0], x[8, 0], x[16, 0]]
    model = _regressor(neuroflow)
    assert model.evaluate(x, y, steps=2, batch_size=8, verbose=0) == pytest.approx(
        model.evaluate(x[:16], y[:16], batch_size=8, verbose=0), rel=1e-6)
    assert model.predict(x, steps=2, batch_size=8, verbose=0).shape == (16, 1)


def test_one_output_takes_keras_list_forms_of_compile_arguments():
    x, y = _data(n=8)
    model = neuroflow.Sequential([neuroflow.Input(shape=(4,)), neuroflow.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=["mse"], metrics=[["mae"]], loss_weights=[2.0])
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    err = model.predict(x, verbose=0) - y
    assert sorted(result) == ["loss", "mae"]
    assert result["loss"] == pytest.approx(2 * np.mean(err ** 2), rel=1e-5)


def test_compute_loss_override_without_training_argument_still_runs():
    class Older(neuroflow.Sequential):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):  # Keras 3.0's signature
            return super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight) + 1.0

    x, y = _data(n=8)
    model = Older([neuroflow.Input(shape=(4,)), neuroflow.layers.Dense(1)])
    model.compile(optimizer=neuroflow.optimizers.SGD(0.0), loss="mse")
    plain = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(plain + 1.0, rel=1e-5)
