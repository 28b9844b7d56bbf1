"""``neuroflow.random`` as Keras 3's ``keras.random``: shapes, dtypes, distributions and Keras' seed semantics."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import random as r
from neuroflow.errors import ConfigError
from tests.conftest import host

from .keras_oracle import keras as keras_oracle

DRAWS = {
    "normal": lambda seed: r.normal((4000,), mean=1.0, stddev=2.0, seed=seed),
    "uniform": lambda seed: r.uniform((4000,), minval=-1.0, maxval=3.0, seed=seed),
    "truncated_normal": lambda seed: r.truncated_normal((4000,), stddev=2.0, seed=seed),
    "randint": lambda seed: r.randint((4000,), 3, 9, seed=seed),
    "gamma": lambda seed: r.gamma((4000,), 2.0, seed=seed),
    "beta": lambda seed: r.beta((4000,), 2.0, 5.0, seed=seed),
    "binomial": lambda seed: r.binomial((4000,), 10, 0.3, seed=seed),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_int_seed_repeats_and_seed_generator_advances(name):
    draw = DRAWS[name]
    assert np.array_equal(draw(7).numpy(), draw(7).numpy())
    gen = r.SeedGenerator(7)
    a, b = draw(gen).numpy(), draw(gen).numpy()
    assert not np.array_equal(a, b)
    gen2 = r.SeedGenerator(7)
    assert np.array_equal(draw(gen2).numpy(), a)  # the same stream from the same seed
    assert not np.array_equal(draw(None).numpy(), draw(None).numpy())


def test_set_seed_makes_unseeded_draws_reproducible():
    r.set_seed(3)
    a = r.normal((5,)).numpy()
    r.set_seed(3)
    assert np.array_equal(a, r.normal((5,)).numpy())


@pytest.mark.parametrize("name, mean, std, lo, hi", [
    ("normal", 1.0, 2.0, None, None), ("uniform", 1.0, 4 / 12 ** 0.5, -1.0, 3.0),
    ("truncated_normal", 0.0, 2.0 * 0.8796, -4.0, 4.0), ("randint", 5.5, (35 / 12) ** 0.5, 3, 8),
    ("gamma", 2.0, 2 ** 0.5, 0.0, None), ("beta", 2 / 7, (10 / (49 * 8)) ** 0.5, 0.0, 1.0),
    ("binomial", 3.0, 2.1 ** 0.5, 0, 10)])
def test_distribution_moments_and_support(name, mean, std, lo, hi):
    x = DRAWS[name](0).numpy().astype(np.float64)
    assert abs(x.mean() - mean) < 4 * std / np.sqrt(x.size)
    assert abs(x.std() - std) < 0.06 * std
    if lo is not None:
        assert x.min() >= lo
    if hi is not None:
        assert x.max() <= hi


def test_dtypes_like_keras():
    k = keras_oracle()
    for name, fn, kfn in [("normal", r.normal, k.random.normal), ("uniform", r.uniform, k.random.uniform)]:
        assert fn((2, 3), seed=1).dtype == np.dtype(k.backend.standardize_dtype(kfn((2, 3), seed=1).dtype))
        assert fn((2, 3), dtype="float64", seed=1).dtype == np.float64
    assert r.randint((2,), 0, 4, seed=1).dtype == np.int32
    assert r.categorical(np.zeros((2, 3)), 4, seed=1).shape == (2, 4)


def test_categorical_follows_softmax():
    ids = r.categorical(np.log([[0.1, 0.9], [0.7, 0.3]]), 20000, seed=0).numpy()
    assert np.allclose(ids.mean(axis=1), [0.9, 0.3], atol=0.015)


def test_dropout_is_inverted_and_differentiable():
    x = nf.Tensor(np.ones((200, 50)), requires_grad=True)
    y = r.dropout(x, 0.25, seed=0)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.01
    assert np.allclose(y.numpy()[kept], 1 / 0.75)
    y.sum().backward()
    assert np.array_equal(host(x.grad), y.numpy())
    shared = r.dropout(np.ones((4, 6)), 0.5, noise_shape=(4, 1), seed=0).numpy()
    assert all(len(set(row)) == 1 for row in shared)


def test_shuffle_permutes_along_axis():
    x = np.arange(12).reshape(4, 3)
    y = r.shuffle(x, axis=0, seed=1).numpy()
    assert sorted(map(tuple, y)) == sorted(map(tuple, x))


@pytest.mark.parametrize("call, words", [
    (lambda: r.normal((2,), seed="a"), ["seed", "'a'"]),
    (lambda: r.normal((2, -1)), ["shape", "-1"]),
    (lambda: r.normal((2,), dtype="int32"), ["float", "int32"]),
    (lambda: r.randint((2,), 5, 5), ["maxval", "5"]),
    (lambda: r.dropout(np.ones(3), 1.0), ["rate", "1.0"]),
    (lambda: r.categorical(np.zeros(3), 2), ["logits", "(3,)"]),
    (lambda: r.SeedGenerator(seed=1.5), ["seed", "1.5"]),
])
def test_bad_arguments_are_clear_errors(call, words):
    with pytest.raises(ConfigError) as info:
        call()
    for w in words:
        assert w in str(info.value)
