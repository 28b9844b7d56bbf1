"""``evaluate`` and ``predict`` call every callback hook in Keras' order with the logs Keras passes, and the
validation pass inside ``fit`` calls the test hooks as Keras' fit does. The same recording callback runs on the
same tiny model in Keras (the oracle) and in neuroflow; the two event lists must be equal."""
import numpy as np
import pytest

import neuroflow as nf
from tests.keras_oracle import keras

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")


def _shapes(outputs):
    # ``.shape``, not ``np.shape``: on a device the batch outputs are device arrays (as Keras' are on a GPU)
    if isinstance(outputs, (list, tuple)):
        return tuple(tuple(o.shape) for o in outputs)
    return tuple(outputs.shape)


def recorder(base):
    """A ``base`` (Keras' or neuroflow's Callback) subclass that records (hook, batch/epoch, logs summary)."""
    def hook(name):
        def record(self, *args, logs=None):
            index = args[0] if args and isinstance(args[0], int) else None
            if args and not isinstance(args[-1], int):
                logs = args[-1]
            summary = {key: _shapes(value) if key == "outputs" else round(float(value), 4)
                       for key, value in (logs or {}).items()}
            self.events.append((name, index, summary))
        return record

    namespace = {name: hook(name) for name in HOOKS}
    namespace["__init__"] = lambda self: (base.__init__(self), setattr(self, "events", []))[1]
    return type("Recorder", (base,), namespace)


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(12, 3)).astype("float32"), rng.normal(size=(12, 1)).astype("float32")


def _run(lib, recorder_cls, model, x, y):
    rec = recorder_cls()
    model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.01), loss="mse", metrics=["mae"])
    model.fit(x, y, batch_size=5, epochs=2, validation_data=(x[:8], y[:8]), callbacks=[rec], verbose=0,
              shuffle=False)
    model.evaluate(x[:8], y[:8], batch_size=5, callbacks=[rec], verbose=0)
    model.predict(x[:8], batch_size=5, callbacks=[rec], verbose=0)
    model.predict(x[:3], batch_size=5, callbacks=[rec], verbose=0)  # one batch: the hooks all the same
    return rec


def _rounded(events, digits):
    return [(h, i, {k: v if isinstance(v, tuple) else round(v, digits) for k, v in logs.items()})
            for h, i, logs in events]


def test_hook_order_and_logs_equal_keras():
    k = keras()
    x, y = _data()
    km = k.Sequential([k.Input((3,)), k.layers.Dense(1)])
    nm = nf.Sequential([nf.Input((3,)), nf.layers.Dense(1)])
    nm.set_weights(km.get_weights())
    want = _run(k, recorder(k.callbacks.Callback), km, x, y).events
    got = _run(nf, recorder(nf.callbacks.Callback), nm, x, y).events
    assert [e[:2] for e in got] == [e[:2] for e in want]
    assert [sorted(e[2]) for e in got] == [sorted(e[2]) for e in want]
    assert _rounded(got, 3) == _rounded(want, 3)


def test_a_callback_can_stop_predict_and_evaluate_early():
    x, y = _data()
    model = nf.Sequential([nf.Input((3,)), nf.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")

    class StopAfterFirst(nf.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            self.model.stop_predicting = True

        def on_test_batch_end(self, batch, logs=None):
            self.model.stop_evaluating = True

    assert model.predict(x, batch_size=5, callbacks=[StopAfterFirst()], verbose=0).shape == (5, 1)
    first = model.evaluate(x[:5], y[:5], verbose=0)
    assert model.evaluate(x, y, batch_size=5, callbacks=[StopAfterFirst()], verbose=0) == pytest.approx(first)


def test_predict_batch_logs_hold_each_output_of_a_multi_output_model():
    inp = nf.Input((3,))
    model = nf.Model(inp, [nf.layers.Dense(1)(inp), nf.layers.Dense(2)(inp)])
    rec = recorder(nf.callbacks.Callback)()
    model.predict(_data()[0], batch_size=8, callbacks=rec, verbose=0)
    ends = [logs for hook, _, logs in rec.events if hook == "on_predict_batch_end"]
    assert ends == [{"outputs": ((8, 1), (8, 2))}, {"outputs": ((4, 1), (4, 2))}]  # both outputs of each batch


def test_evaluate_shows_the_progress_line_with_verbose(capsys):
    x, y = _data()
    model = nf.Sequential([nf.Input((3,)), nf.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.evaluate(x, y, batch_size=5, verbose=2)
    out = capsys.readouterr().out
    assert "3/3" in out and "loss:" in out and "mae:" in out
