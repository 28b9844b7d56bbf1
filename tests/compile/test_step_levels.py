"""The compiled training step runs its program through the optimiser (``compile_level``: default 1) and
backpropagates over the optimised program: bit for bit eager where nothing was merged, within rounding where CSE
merged nodes, within fusion's tolerance at level 2."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers, ops
from neuroflow.compile.optimized import compile_level, set_compile_level
from neuroflow.errors import ConfigError

from .test_trace_step import _replayed, _same_as_eager, _train

RNG = np.random.default_rng(5)
X = RNG.normal(size=(48, 8)).astype("float32")
Y = RNG.integers(0, 3, 48)


@pytest.fixture
def level():
    yield set_compile_level
    set_compile_level(None)


class _Twice(layers.Layer):
    """Computes ``tanh(x)`` twice: CSE merges the second into the first."""

    def call(self, inputs):
        return ops.tanh(inputs) * 0.5 + ops.tanh(inputs) * 0.25


def _programs(model):
    return [exe.program for entry in model._jit_cache.entries.values() for exe in entry.executables]


def _bn_gelu():
    return nf.models.Sequential([layers.Input((8,)), layers.Dense(16), layers.BatchNormalization(),
                                 layers.Activation("gelu"), layers.LayerNormalization(), layers.Dropout(0.2),
                                 layers.Dense(3, activation="softmax")])


def test_default_level_is_1_and_bit_for_bit(level):
    assert compile_level() == 1
    model = _same_as_eager(_bn_gelu, x=X, y=Y)
    _replayed(model)
    assert all(p.meta["optimize"]["level"] == 1 for p in _programs(model))


def test_dead_nodes_removed_and_still_bit_for_bit(level):
    ids = RNG.integers(0, 20, (48, 6))

    def build():  # the LSTM's final states are sliced out of its packed result and never read
        return nf.models.Sequential([layers.Input((6,), dtype="int64"), layers.Embedding(20, 5), layers.LSTM(7),
                                     layers.Dense(3, activation="softmax")])
    model = _same_as_eager(build, x=ids, y=Y)
    assert all(p.meta["optimize"]["dce"] > 0 for p in _programs(model))


def test_merged_nodes_get_their_gradients_summed_first(level):
    def build():
        return nf.models.Sequential([layers.Input((8,)), layers.Dense(8), _Twice(), layers.Dense(3,
                                                                                                activation="softmax")])
    eager, h_eager = _train(build, False, x=X, y=Y)
    jit, h_jit = _train(build, "auto", x=X, y=Y)
    _replayed(jit)
    assert all(p.meta["optimize"]["cse"] >= 1 for p in _programs(jit))
    for a, b in zip(eager.get_weights(), jit.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h_eager["loss"], h_jit["loss"], rtol=1e-5)


def test_level_0_runs_the_recorded_program(level):
    level(0)
    model = _same_as_eager(_bn_gelu, x=X, y=Y)
    assert all("optimize" not in p.meta for p in _programs(model))


def test_level_2_fuses_within_tolerance(level):
    level(2)
    eager, h_eager = _train(_bn_gelu, False, x=X, y=Y)
    jit, h_jit = _train(_bn_gelu, "auto", x=X, y=Y)
    _replayed(jit)
    assert any(p.meta["optimize"]["fuse"]["groups"] > 0 for p in _programs(jit))
    for a, b in zip(eager.get_weights(), jit.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h_eager["loss"], h_jit["loss"], rtol=1e-4)


def test_level_from_the_environment_and_bad_values(level, monkeypatch):
    monkeypatch.setenv("NEUROFLOW_COMPILE_LEVEL", "0")
    assert compile_level() == 0
    level(2)
    assert compile_level() == 2  # set_compile_level wins over the environment
    level(None)
    monkeypatch.setenv("NEUROFLOW_COMPILE_LEVEL", "fast")
    with pytest.raises(ConfigError, match="NEUROFLOW_COMPILE_LEVEL must be 0, 1 or 2, got 'fast'"):
        compile_level()
    with pytest.raises(ConfigError, match="level must be 0, 1, 2 or None, got 3"):
        level(3)
