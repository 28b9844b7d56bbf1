"""The compiled training step on the strict stand-in device: traced and replayed there (``jit_compile="auto"``), with
the NumPy device's losses and weights, its element-wise fusion written with the device's module, and at most one
device-to-host transfer per logging step once a signature is compiled."""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import backend, layers
from neuroflow.backends import strict
from neuroflow.compile import set_compile_level
from neuroflow.compile.fused import FusedElementwise

from .test_training_on_strict import ATOL, RTOL, _cnn, pytestmark  # noqa: F401 - pytestmark: the same skip


def _mlp():
    return [layers.Input((8,)), layers.Dense(16, activation="gelu"), layers.Dense(3, activation="softmax")]


def _batchnorm_dropout():
    return [layers.Input((8,)), layers.Dense(16), layers.BatchNormalization(), layers.Activation("swish"),
            layers.Dropout(0.3), layers.Dense(3, activation="softmax")]


def _embedding_lstm():
    return [layers.Input((6,), dtype="int64"), layers.Embedding(20, 5), layers.LSTM(6),
            layers.Dense(3, activation="softmax")]


def _norms():  # BatchNormalization and LayerNormalization leave element-wise chains for level 2 to fuse
    return [layers.Input((8,)), layers.Dense(16), layers.BatchNormalization(), layers.Activation("gelu"),
            layers.LayerNormalization(), layers.Dense(3, activation="softmax")]


MODELS = {"mlp": (_mlp, (8,)), "cnn": (_cnn, (8, 8, 1)), "batchnorm_dropout": (_batchnorm_dropout, (8,)),
          "embedding_lstm": (_embedding_lstm, (6,)), "norms": (_norms, (8,))}


def _data(name, n=80):
    rng = np.random.default_rng(0)
    shape = MODELS[name][1]
    x = rng.integers(0, 20, (n,) + shape) if name == "embedding_lstm" else \
        rng.standard_normal((n,) + shape).astype(np.float32)
    return x, rng.integers(0, 3, n)


def _train(name, x, y, epochs=3):
    """Fit (seeded; batch 16: 5 steps an epoch) and evaluate on the current device; host results and the model."""
    nf.random.set_seed(3)
    model = nf.Sequential(MODELS[name][0]())
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile="auto")
    history = model.fit(x, y, batch_size=16, epochs=epochs, verbose=0).history
    evaluated = model.evaluate(x, y, batch_size=16, verbose=0)
    weights = [backend.to_host(w.data) for w in model.weights]
    return history, evaluated, weights, model


def _compiled(model) -> dict:
    (status,) = [s for s in model._jit_status() if s["compiled"]][:1] or [{}]
    return status


@pytest.mark.parametrize("name", ["mlp", "cnn", "batchnorm_dropout", "embedding_lstm"])
def test_the_compiled_step_replays_on_strict_with_the_numpy_losses_and_weights(name):
    x, y = _data(name)
    cpu = _train(name, x, y)
    with nf.device("strict"):
        dev = _train(name, x, y)
    status = _compiled(dev[3])
    assert status.get("replays", 0) > 0 and status["eager"] is None, f"{name}: {dev[3]._jit_status()}"
    assert _compiled(cpu[3])["replays"] == status["replays"], "the same steps replay on both devices"
    assert {w.device for w in dev[3].weights} == {"strict"}
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(dev[0][key], cpu[0][key], rtol=RTOL, atol=ATOL, err_msg=f"{name}: fit {key}")
    np.testing.assert_allclose(dev[1], cpu[1], rtol=RTOL, atol=ATOL, err_msg=f"{name}: evaluate")
    for got, expected in zip(dev[2], cpu[2]):
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=f"{name}: weights")


@pytest.mark.parametrize("name", ["mlp", "batchnorm_dropout"])
def test_a_compiled_step_leaves_the_device_at_most_once_per_logging_step(name):
    x, y = _data(name)
    epochs = 3
    with nf.device("strict"):
        nf.random.set_seed(1)
        model = nf.Sequential(MODELS[name][0]())
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        with strict.counting() as first:
            model.fit(x, y, batch_size=16, epochs=epochs, verbose=0)
        replays = _compiled(model)["replays"]
        with strict.counting() as again:
            model.fit(x, y, batch_size=16, epochs=epochs, verbose=0)
    assert _compiled(model)["replays"] == replays + 5 * epochs, "every step of the second fit is a replay"
    # verbose=0 logs once an epoch; compiling the signature compared its two traces' device constants once
    assert again.count <= epochs, f"replayed fit made {again.count} transfers for {epochs} logging steps"
    assert first.count <= epochs + 1, f"fit made {first.count} transfers for {epochs} logging steps + 1 compile"


def test_level_2_fuses_on_the_device_within_tolerance_of_the_cpu():
    x, y = _data("norms")
    set_compile_level(2)
    try:
        cpu = _train("norms", x, y)
        with nf.device("strict"):
            dev = _train("norms", x, y)
    finally:
        set_compile_level(None)
    cache = dev[3].__dict__["_jit_cache"]
    programs = [exe.program for entry in cache.entries.values() for exe in entry.executables]
    fused = [ins.node for p in programs for ins in p.instrs if isinstance(ins.node, FusedElementwise)]
    assert fused, "level 2 fuses element-wise chains on the device too"
    assert all(("forward", strict) in node.plan._kernels for node in fused), "fused nodes ran the device kernel"
    np.testing.assert_allclose(dev[0]["loss"], cpu[0]["loss"], rtol=1e-4)
    for got, expected in zip(dev[2], cpu[2]):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_a_compiled_function_copies_its_host_arguments_to_the_device_at_every_replay():
    f = nf.function(lambda x: nf.ops.tanh(x) * 2.0 + 1.0)
    rng = np.random.default_rng(5)
    with nf.device("strict"):
        for _ in range(4):
            x = rng.standard_normal((3, 4)).astype(np.float32)
            out = f(x)
            assert out.device == "strict"
            np.testing.assert_array_equal(backend.to_host(out.data), np.tanh(x) * np.float32(2.0) + np.float32(1.0))
    (status,) = f.status()
    assert status["compiled"] == 1 and status["replays"] == 2 and status["eager"] is None
    program = f.programs()[0]
    assert "feed_view" in program.graph_table() and "to strict" in program.graph_table()
