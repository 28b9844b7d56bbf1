"""Activation, utility and dropout-variant layers: the shared layer checks, Keras parity, masks, errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import ConfigError, SavingError, ShapeError
from neuroflow.models import Sequential, load_model
from tests.conftest import host

from ..keras_oracle import keras
from .layer_check import check_layer

X = np.random.default_rng(0).standard_normal((4, 3, 5)).astype(np.float32) * 3


@pytest.mark.parametrize("factory, weights", [
    (lambda: layers.ReLU(), 0),
    (lambda: layers.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.5), 0),
    (lambda: layers.LeakyReLU(0.2), 0),
    (lambda: layers.ELU(0.7), 0),
    (lambda: layers.Softmax(axis=[1, 2]), 0),
    (lambda: layers.PReLU(alpha_initializer="random_normal", shared_axes=[1]), 1),
    (lambda: layers.Identity(), 0),
    (lambda: layers.ActivityRegularization(l1=0.01, l2=0.02), 0),
    (lambda: layers.AlphaDropout(0.3, seed=1), 0),
    (lambda: layers.SpatialDropout1D(0.3, seed=1), 0),
], ids=["relu", "relu_opts", "leaky", "elu", "softmax_axes", "prelu", "identity", "actreg", "alpha", "spatial1d"])
def test_check_layer(factory, weights):
    check_layer(factory, (4, 3, 5), (4, 3, 5), trainable_weights=weights)


def test_spatial_dropout_2d_3d_check_layer():
    check_layer(lambda: layers.SpatialDropout2D(0.5, seed=2), (2, 4, 4, 3), (2, 4, 4, 3))
    check_layer(lambda: layers.SpatialDropout3D(0.5, data_format="channels_first", seed=2), (2, 3, 2, 2, 2),
                (2, 3, 2, 2, 2))


@pytest.mark.parametrize("name, kwargs", [
    ("ReLU", {}), ("ReLU", {"max_value": 2.0, "negative_slope": 0.1, "threshold": 0.5}),
    ("ReLU", {"max_value": 6.0}), ("ReLU", {"threshold": 1.0}), ("LeakyReLU", {}),
    ("LeakyReLU", {"negative_slope": 0.05}),
    ("ELU", {"alpha": 0.5}), ("Softmax", {"axis": 1}), ("Softmax", {"axis": [1, 2]}), ("Identity", {}),
])
def test_matches_keras(name, kwargs):
    k = keras()
    x = X.copy()
    x[0, 0, :3] = [0.5, 1.0, 0.0]  # values at the thresholds
    ours = getattr(layers, name)(**kwargs)(x).numpy()
    np.testing.assert_allclose(ours, k.ops.convert_to_numpy(getattr(k.layers, name)(**kwargs)(x)), rtol=1e-5, atol=1e-6)


def test_prelu_matches_keras_with_weights():
    k = keras()
    alpha = np.random.default_rng(1).uniform(0, 0.5, (1, 5)).astype(np.float32)
    ours, theirs = layers.PReLU(shared_axes=1), k.layers.PReLU(shared_axes=1)
    ours(X), theirs(X)
    ours.set_weights([alpha]), theirs.set_weights([alpha])
    assert ours.alpha.shape == (1, 5)
    np.testing.assert_allclose(ours(X).numpy(), k.ops.convert_to_numpy(theirs(X)), rtol=1e-5, atol=1e-6)


def test_softmax_mask_matches_keras():
    k = keras()
    mask = np.random.default_rng(2).random((4, 1, 5)) > 0.3
    mask[:, :, 0] = True
    ours = layers.Softmax()(X, mask=mask).numpy()
    np.testing.assert_allclose(ours, k.ops.convert_to_numpy(k.layers.Softmax()(X, mask=mask)), rtol=1e-5, atol=1e-7)
    assert np.all(ours[~np.broadcast_to(mask, X.shape)] == 0)
    with pytest.raises(ShapeError, match="does not broadcast"):
        layers.Softmax()(X, mask=np.ones((4, 2, 5), bool))


def test_alpha_dropout_keeps_selu_statistics():
    x = np.random.default_rng(3).standard_normal((400, 500)).astype(np.float32)
    y = layers.AlphaDropout(0.2, seed=0)(x, training=True).numpy()
    assert y.dtype == np.float32
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01
    np.testing.assert_array_equal(layers.AlphaDropout(0.2)(x).numpy(), x)


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((8, 5, 6, 4), np.float32)
    y = layers.SpatialDropout2D(0.5, seed=0)(x, training=True).numpy()
    per_map = y.reshape(8, 30, 4)
    assert np.all(per_map == per_map[:, :1, :])  # each (sample, channel) map is all kept or all dropped
    assert set(np.unique(y)) == {0.0, 2.0}


def test_activity_regularization_adds_loss_and_gradient():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.5)
    x = nf.Tensor(np.array([[1.0, -2.0]], np.float32), requires_grad=True)
    layer(x)
    assert np.isclose(float(host(layer.losses[0])), 0.1 * 3 + 0.5 * 5)


def test_prelu_trains_and_gradient():
    x = nf.Tensor(np.array([[-2.0, 3.0]], np.float32), requires_grad=True)
    layer = layers.PReLU(alpha_initializer="ones")
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.alpha.grad, [-2.0, 0.0])
    np.testing.assert_allclose(x.grad, [[1.0, 1.0]])


def _double(x):
    return x * 2.0


def test_lambda_runs_saves_and_needs_custom_objects(tmp_path):
    model = Sequential([layers.Input((3,)), layers.Lambda(_double, output_shape=(3,)), layers.Dense(2)])
    x = np.ones((2, 3), np.float32)
    assert model.layers[0].compute_output_shape((None, 3)) == (None, 3)
    path = str(tmp_path / "m.neuroflow")
    model.save(path)
    with pytest.raises(SavingError, match="_double.*custom_objects"):
        load_model(path)
    loaded = load_model(path, custom_objects={"_double": _double})
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    anonymous = Sequential([layers.Input((3,)), layers.Lambda(lambda t: t + 1)])
    anonymous.save(path)
    with pytest.raises(SavingError, match="lambda expression"):
        load_model(path)


def test_lambda_arguments_and_training():
    layer = layers.Lambda(lambda x, k, training=None: x * k + (1 if training else 0), arguments={"k": 3.0})
    np.testing.assert_array_equal(layer(np.ones((1, 2), np.float32), training=True).numpy(), [[4.0, 4.0]])


@pytest.mark.parametrize("make, match", [
    (lambda: layers.ReLU(max_value=-1), "max_value"),
    (lambda: layers.ReLU(negative_slope=-0.1), "negative_slope"),
    (lambda: layers.ReLU(threshold="a"), "threshold"),
    (lambda: layers.LeakyReLU(-1), "negative_slope"),
    (lambda: layers.Softmax(axis="x"), "axis"),
    (lambda: layers.PReLU(shared_axes=[0]), "shared_axes"),
    (lambda: layers.AlphaDropout(1.5), "rate"),
    (lambda: layers.SpatialDropout2D(0.2, data_format="nchw"), "data_format"),
    (lambda: layers.ActivityRegularization(l1=-1), "l1"),
    (lambda: layers.Lambda(3), "callable"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_shape_errors():
    with pytest.raises(ShapeError, match="rank 4"):
        layers.SpatialDropout2D(0.2)(np.ones((2, 3, 4), np.float32))
    with pytest.raises(ShapeError, match="shared_axes"):
        layers.PReLU(shared_axes=[3])(np.ones((2, 3), np.float32))
