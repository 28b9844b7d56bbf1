"""GaussianNoise and GaussianDropout: the shared layer checks, statistics of the noise, seeding, gradients."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError
from neuroflow.layers.noise import GaussianDropout, GaussianNoise

from .layer_check import check_layer


@pytest.mark.parametrize("factory", [lambda: GaussianNoise(0.3, seed=1), lambda: GaussianDropout(0.4, seed=1)],
                         ids=["noise", "dropout"])
def test_check_layer(factory):
    check_layer(factory, (4, 3, 5), (4, 3, 5))


def test_inactive_unless_training():
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    for layer in (GaussianNoise(1.0), GaussianDropout(0.5)):
        np.testing.assert_array_equal(layer(x).numpy(), x)
        np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
        assert not np.array_equal(layer(x, training=True).numpy(), x)


def test_noise_statistics():
    x = np.ones((400, 500), np.float32)
    y = GaussianNoise(0.5, seed=3)(x, training=True).numpy()
    assert y.dtype == np.float32
    assert abs(y.mean() - 1) < 0.005 and abs(y.std() - 0.5) < 0.005
    y = GaussianDropout(0.2, seed=3)(x, training=True).numpy()
    assert y.dtype == np.float32
    assert abs(y.mean() - 1) < 0.005 and abs(y.std() - np.sqrt(0.2 / 0.8)) < 0.005


def test_seed_makes_noise_reproducible_and_draws_advance():
    x = np.zeros((3, 4), np.float32)
    a, b = GaussianNoise(1.0, seed=7), GaussianNoise(1.0, seed=7)
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    assert not np.array_equal(first, a(x, training=True).numpy())
    nf.random.set_seed(11)
    c = GaussianNoise(1.0)(x, training=True).numpy()
    nf.random.set_seed(11)
    np.testing.assert_array_equal(c, GaussianNoise(1.0)(x, training=True).numpy())


def test_gradients_pass_through():
    x = nf.Tensor(np.full((3, 4), 2.0, np.float32), requires_grad=True)
    GaussianNoise(1.0, seed=0)(x, training=True).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((3, 4)))
    x.grad = None
    y = GaussianDropout(0.3, seed=0)(x, training=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, y.numpy() / 2.0, rtol=1e-6)  # d(x * n)/dx = n = y / x
    assert x.grad.dtype == np.float32


def test_bad_arguments():
    with pytest.raises(ConfigError, match="stddev"):
        GaussianNoise(-1.0)
    with pytest.raises(ConfigError, match=r"rate must be in \[0, 1\)"):
        GaussianDropout(1.0)
