"""SwapEMAWeights (evaluation on the optimizer's moving averages, weights restored) and RemoteMonitor (JSON posted
to a local http.server on 127.0.0.1)."""
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import callbacks, optimizers
from neuroflow.errors import ConfigError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-1.0], [2.0]], "float32")).astype("float32")


def _model(optimizer):
    nf.utils.set_random_seed(0)
    model = nf.Sequential([nf.layers.Input((3,)), nf.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _averages(optimizer):
    return [u.average.copy() for u in optimizer._units]


def test_evaluate_runs_on_the_averages_and_the_weights_come_back():
    opt = optimizers.SGD(0.05, use_ema=True, ema_momentum=0.9)
    model = _model(opt)
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)  # fit ends with the averages as the weights (Keras' finalize)
    model.train_on_batch(X[:8], Y[:8])  # one more step: weights and averages differ again
    weights = [w.copy() for w in model.get_weights()]
    averages = _averages(opt)
    swapped = model.evaluate(X, Y, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
    for w, now in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(w, now)
    plain = model.evaluate(X, Y, verbose=0)
    model.set_weights(averages)
    np.testing.assert_allclose(swapped, model.evaluate(X, Y, verbose=0), rtol=1e-6)
    assert swapped != pytest.approx(plain)


def test_predict_restores_the_weights():
    opt = optimizers.Adam(0.05, use_ema=True)
    model = _model(opt)
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    weights = [w.copy() for w in model.get_weights()]
    model.predict(X, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
    for w, now in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(w, now)


def test_swap_on_epoch_leaves_the_averages_after_the_last_epoch():
    opt = optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5)
    model = _model(opt)
    seen = []
    probe = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(
        [w.copy() for w in model.get_weights()]))
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[callbacks.SwapEMAWeights(swap_on_epoch=True), probe])
    for w, avg, now in zip(seen[-1], _averages(opt), model.get_weights()):
        np.testing.assert_array_equal(w, now)  # the callback after it saw what the model now holds
        np.testing.assert_array_equal(avg, now)  # and the optimizer's averages agree (finalized)


def test_needs_use_ema():
    model = _model(optimizers.SGD(0.05))
    model.fit(X, Y, epochs=1, verbose=0)
    with pytest.raises(ConfigError, match="use_ema=True"):
        model.evaluate(X, Y, verbose=0, callbacks=[callbacks.SwapEMAWeights()])


class _Recorder(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        _Recorder.received.append((self.path, self.headers["Content-Type"], self.headers.get("X-Run"),
                                   self.rfile.read(length).decode()))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Recorder.received = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("as_json", [False, True])
def test_remote_monitor_posts_each_epoch(server, as_json):
    model = _model(optimizers.SGD(0.05))
    monitor = callbacks.RemoteMonitor(root=server, path="/epoch", headers={"X-Run": "7"}, send_as_json=as_json)
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[monitor])
    assert len(_Recorder.received) == 2
    for epoch, (path, content_type, run, body) in enumerate(_Recorder.received):
        assert path == "/epoch" and run == "7"
        if as_json:
            assert content_type == "application/json"
            payload = json.loads(body)
        else:
            payload = json.loads(urllib.parse.parse_qs(body)["data"][0])
        assert payload["epoch"] == epoch and isinstance(payload["loss"], float)


def test_remote_monitor_warns_when_unreachable():
    with pytest.warns(UserWarning, match="could not reach"):
        callbacks.RemoteMonitor(root="http://127.0.0.1:9", timeout=2).on_epoch_end(0, {"loss": np.float32(1.0)})
