"""A fake model implementing exactly the model side of the callback contract, and a loop that drives callbacks
as ``fit`` does. The "training" sets every weight to ``epoch + 1``, so a restored snapshot names its epoch."""
import numpy as np

from neuroflow.callbacks import CallbackList


class FakeOptimizer:
    def __init__(self, learning_rate=0.1):
        self.learning_rate = learning_rate


class FakeModel:
    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.history = None
        self._weights = [np.zeros((2, 2), np.float32), np.zeros(2, np.float32)]
        self.save_calls = []   # (method, path) of every save
        self.fail_save = False  # simulate a crash in the middle of writing a file

    def get_weights(self):
        return [w.copy() for w in self._weights]

    def set_weights(self, weights):
        self._weights = [np.array(w, np.float32) for w in weights]

    def save(self, path):
        self._write("save", path)

    def save_weights(self, path):
        self._write("save_weights", path)

    def _write(self, method, path):
        self.save_calls.append((method, path))
        with open(path, "wb") as f:
            f.write(method.encode() + b":" + str(float(self._weights[0][0, 0])).encode())
            if self.fail_save:
                raise OSError("disk full (simulated)")
            f.write(b":end")


def run_fit(model, callbacks, epoch_logs, steps=3, verbose=0, batch_loss=None, progbar=None):
    """Drive ``callbacks`` through ``len(epoch_logs)`` epochs of ``steps`` batches; ``epoch_logs[i]`` are epoch i's
    logs (its ``val_*`` keys also go through a one-batch validation pass). Returns the History."""
    cbs = [] if callbacks is None else list(callbacks)
    if progbar is not None:
        cbs.append(progbar)
    cl = CallbackList(cbs, add_history=True, add_progbar=verbose != 0, model=model,
                      epochs=len(epoch_logs), steps=steps, verbose=verbose)
    model.stop_training = False
    cl.on_train_begin()
    logs = None
    for epoch, ep_logs in enumerate(epoch_logs):
        cl.on_epoch_begin(epoch)
        for b in range(steps):
            cl.on_train_batch_begin(b)
            model._weights = [np.full_like(w, epoch + 1) for w in model._weights]
            loss = batch_loss(epoch, b) if batch_loss else ep_logs.get("loss", 1.0)
            cl.on_train_batch_end(b, {"loss": loss})
            if model.stop_training:
                break
        val = {k[4:]: v for k, v in ep_logs.items() if k.startswith("val_")}
        if val:
            cl.on_test_begin()
            cl.on_test_batch_begin(0)
            cl.on_test_batch_end(0, dict(val))
            cl.on_test_end(dict(val))
        logs = dict(ep_logs)
        cl.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cl.on_train_end(logs)
    return model.history


def epochs(key, values, **extra):
    """``[{'loss': 1.0, key: v, **extra}, ...]``: epoch logs with one varying metric."""
    return [{"loss": 1.0, **extra, key: v} for v in values]
