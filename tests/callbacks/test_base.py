import numpy as np
import pytest

from neuroflow.callbacks.base import HOOK_NAMES
from neuroflow.callbacks import Callback, CallbackList, History, LambdaCallback, ProgbarLogger
from neuroflow.errors import ConfigError

from .fakes import FakeModel, run_fit


def _recording(name):
    def hook(self, *args):
        self.calls.append(name)
    return hook


# overrides every hook (the legacy on_batch_* aliases excepted, so that train batches are recorded once)
Recorder = type("Recorder", (Callback,), {
    "calls": None,
    **{h: _recording(h) for h in HOOK_NAMES if h not in ("on_batch_begin", "on_batch_end")},
})


class BatchCounter(Callback):
    def __init__(self):
        super().__init__()
        self.n = 0

    def on_batch_end(self, batch, logs=None):  # the legacy name still receives training batches
        self.n += 1


def test_hook_order_and_params():
    model = FakeModel()
    rec = Recorder()
    rec.calls = []
    run_fit(model, [rec], [{"loss": 1.0, "val_loss": 2.0}], steps=2)
    assert rec.calls == ["on_train_begin", "on_epoch_begin",
                     "on_train_batch_begin", "on_train_batch_end", "on_train_batch_begin", "on_train_batch_end",
                     "on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_end",
                     "on_epoch_end", "on_train_end"]
    assert rec.params == {"epochs": 1, "steps": 2, "verbose": 0} and rec.model is model


def test_defaults_history_and_progbar():
    model = FakeModel()
    cl = CallbackList([], add_history=True, add_progbar=True, model=model, epochs=1, steps=1, verbose=0)
    assert [type(c) for c in cl] == [History, ProgbarLogger] and model.history is cl.callbacks[0]
    mine = History()
    cl = CallbackList([[mine]], add_history=True, model=model)  # nested lists are flattened; no duplicate
    assert cl.callbacks == [mine] and model.history is mine
    assert len(CallbackList(None)) == 0


def test_rejects_non_callbacks():
    with pytest.raises(ConfigError, match=r"callbacks\[1\].*got function"):
        CallbackList([History(), lambda: None])


def test_batch_hooks_only_go_to_listeners():
    counter, history = BatchCounter(), History()
    cl = CallbackList([counter, history])
    assert cl._active["on_train_batch_end"] == [counter.on_train_batch_end]
    assert cl._active["on_test_batch_end"] == []
    run_fit(FakeModel(), [counter], [{"loss": 1.0}] * 2, steps=3)
    assert counter.n == 6


def test_epoch_logs_become_floats_and_history():
    model = FakeModel()
    history = run_fit(model, [], [{"loss": np.float32(0.5), "accuracy": np.array(0.25)}] * 2)
    assert history.history == {"loss": [0.5, 0.5], "accuracy": [0.25, 0.25]}
    assert all(type(v) is float for v in history.history["loss"])
    assert history.epoch == [0, 1] and history.params["epochs"] == 2


def test_lambda_callback():
    seen = []
    cb = LambdaCallback(on_epoch_end=lambda e, logs: seen.append(("epoch", e, logs["loss"])),
                        on_train_batch_end=lambda b, logs: seen.append(("batch", b)),
                        on_train_end=lambda logs: seen.append("end"),
                        on_test_end=lambda logs: seen.append("test"))
    run_fit(FakeModel(), [cb], [{"loss": 0.5, "val_loss": 1.0}], steps=2)
    assert seen == [("batch", 0), ("batch", 1), "test", ("epoch", 0, 0.5), "end"]
    with pytest.raises(ConfigError, match="on_epoch_ends.*did you mean 'on_epoch_end'"):
        LambdaCallback(on_epoch_ends=print)
    with pytest.raises(ConfigError, match="callable"):
        LambdaCallback(on_epoch_end=3)
