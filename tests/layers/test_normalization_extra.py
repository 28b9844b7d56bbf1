"""GroupNormalization, UnitNormalization, RMSNormalization, SpectralNormalization and Wrapper: the shared layer
checks, Keras parity with the same weights, gradients, errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import ConfigError, ShapeError
from tests.conftest import host

from ..keras_oracle import keras
from .layer_check import check_layer

RNG = np.random.default_rng(0)
X = (RNG.standard_normal((2, 6, 6)) * 3 + 1).astype(np.float32)


def _np(k, t):
    return k.ops.convert_to_numpy(t)


@pytest.mark.parametrize("name, kwargs", [
    ("GroupNormalization", {"groups": 2}), ("GroupNormalization", {"groups": -1}),
    ("GroupNormalization", {"groups": 3, "axis": 1, "epsilon": 0.1}),
    ("GroupNormalization", {"groups": 2, "center": False, "scale": False}),
    ("RMSNormalization", {}), ("RMSNormalization", {"axis": [1, 2]}),
    ("UnitNormalization", {}), ("UnitNormalization", {"axis": [1, 2]}), ("UnitNormalization", {"axis": 1}),
])
def test_matches_keras(name, kwargs):
    k = keras()
    theirs, ours = getattr(k.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    theirs(X), ours(X)
    values = [RNG.uniform(0.5, 1.5, w.shape).astype(np.float32) for w in ours.get_weights()]
    ours.set_weights(values), theirs.set_weights(values)
    np.testing.assert_allclose(ours(X).numpy(), _np(k, theirs(X)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("factory, weights", [(lambda: layers.GroupNormalization(groups=3), 2),
                                              (lambda: layers.RMSNormalization(axis=[1, 2]), 1),
                                              (lambda: layers.UnitNormalization(), 0)])
def test_check_layer(factory, weights):
    check_layer(factory, (4, 5, 6), (4, 5, 6), trainable_weights=weights, atol=1e-6)


def test_group_normalization_gradient_finite_differences():
    layer = layers.GroupNormalization(groups=2, gamma_initializer="random_normal", dtype="float64")
    x0 = RNG.standard_normal((2, 3, 4))
    x = nf.Tensor(x0, requires_grad=True, dtype="float64")
    w = RNG.standard_normal((2, 3, 4))
    (layer(x) * w).sum().backward()
    eps, numeric = 1e-6, np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        d = np.zeros_like(x0)
        d[i] = eps
        numeric[i] = ((layer(nf.Tensor(x0 + d, dtype="float64")).numpy() * w).sum()
                      - (layer(nf.Tensor(x0 - d, dtype="float64")).numpy() * w).sum()) / (2 * eps)
    np.testing.assert_allclose(x.grad, numeric, rtol=1e-5, atol=1e-8)


def test_unit_normalization_of_zeros_is_finite():
    x = nf.Tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    y = layers.UnitNormalization()(x)
    y.sum().backward()
    assert np.all(y.numpy() == 0) and np.all(np.isfinite(host(x.grad)))


def test_spectral_normalization_matches_keras():
    k = keras()
    theirs = k.layers.SpectralNormalization(k.layers.Dense(3, bias_initializer="ones"), power_iterations=2)
    ours = layers.SpectralNormalization(layers.Dense(3), power_iterations=2)
    theirs(X), ours(X)
    by_name = {w.path.split("/")[-1]: _np(k, w) for w in theirs.weights}  # Keras lists vector_u between them
    ours.set_weights([by_name[v.path.split("/")[-1]] for v in ours.weights])
    for training in (True, True, False):
        np.testing.assert_allclose(ours(X, training=training).numpy(), _np(k, theirs(X, training=training)),
                                   rtol=1e-5, atol=1e-5)


def test_spectral_normalization_bounds_the_norm_and_saves():
    layer = layers.SpectralNormalization(layers.Dense(8, kernel_initializer="random_normal"), power_iterations=5)
    x = RNG.standard_normal((4, 6)).astype(np.float32)
    for _ in range(10):
        layer(x, training=True)
    assert abs(np.linalg.norm(layer.layer.kernel.numpy(), 2) - 1) < 1e-3
    check_layer(lambda: layers.SpectralNormalization(layers.Dense(3)), (4, 5), (4, 3), trainable_weights=2,
                non_trainable_weights=1, check_training=False)


def test_wrapper_base_round_trip():
    check_layer(lambda: layers.Wrapper(layers.Dense(3)), (4, 5), (4, 3), trainable_weights=2)


@pytest.mark.parametrize("make, match", [
    (lambda: layers.GroupNormalization(groups=0), "groups"),
    (lambda: layers.GroupNormalization(epsilon=-1), "epsilon"),
    (lambda: layers.UnitNormalization(axis="x"), "axis"),
    (lambda: layers.RMSNormalization(epsilon=0), "epsilon"),
    (lambda: layers.SpectralNormalization(layers.Dense(2), power_iterations=0), "power_iterations"),
    (lambda: layers.Wrapper("dense"), "layer must be"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_shape_errors():
    with pytest.raises(ShapeError, match="equal groups"):
        layers.GroupNormalization(groups=4)(X)
    with pytest.raises(ShapeError, match="out of bounds"):
        layers.RMSNormalization(axis=3)(X)
    with pytest.raises(ShapeError, match="neither a 'kernel'"):
        layers.SpectralNormalization(layers.Flatten())(X)
