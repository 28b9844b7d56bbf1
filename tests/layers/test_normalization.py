"""BatchNormalization and LayerNormalization: the shared layer checks, PyTorch parity (forward, gradients,
moving statistics), the frozen-layer rule and errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.layers.normalization import BatchNormalization, LayerNormalization
from tests.conftest import host

from .layer_check import check_layer

EPS = 1e-3


# --- shared checks ------------------------------------------------------------------------------------------------
def test_batch_norm_check_layer():
    check_layer(lambda: BatchNormalization(), (6, 5), (6, 5), trainable_weights=2, non_trainable_weights=2)


def test_batch_norm_channels_first_check_layer():
    check_layer(lambda: BatchNormalization(axis=1, momentum=0.9), (4, 3, 2, 2), (4, 3, 2, 2),
                trainable_weights=2, non_trainable_weights=2)


def test_batch_norm_without_affine_check_layer():
    layer, _ = check_layer(lambda: BatchNormalization(center=False, scale=False), (6, 3), (6, 3),
                           non_trainable_weights=2)
    assert [w.path.split("/")[-1] for w in layer.weights] == ["moving_mean", "moving_variance"]


def test_layer_norm_check_layer():
    check_layer(lambda: LayerNormalization(), (4, 6), (4, 6), trainable_weights=2)


def test_layer_norm_two_axes_check_layer():
    layer, _ = check_layer(lambda: LayerNormalization(axis=[-2, -1], gamma_regularizer="l2"), (2, 3, 4),
                           (2, 3, 4), trainable_weights=2)
    assert layer.gamma.shape == (3, 4) and len(layer.losses) == 1


def test_weight_order_and_shapes_match_keras():
    layer = BatchNormalization()
    layer(np.zeros((2, 7), np.float32))
    assert [w.path.split("/")[-1] for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert all(w.shape == (7,) for w in layer.weights)
    assert [w.trainable for w in layer.weights] == [True, True, False, False]


# --- PyTorch parity -----------------------------------------------------------------------------------------------
def _bn_pair(torch, c, dims, momentum, rng):
    """A neuroflow BatchNormalization and a torch BatchNorm{1,2}d with the same random gamma/beta."""
    layer = BatchNormalization(axis=-1, momentum=momentum, epsilon=EPS)
    tbn = {1: torch.nn.BatchNorm1d, 2: torch.nn.BatchNorm2d}[dims](c, eps=EPS, momentum=1 - momentum)
    gamma, beta = rng.uniform(0.5, 1.5, c).astype(np.float32), rng.standard_normal(c).astype(np.float32)
    with torch.no_grad():
        tbn.weight.copy_(torch.from_numpy(gamma))
        tbn.bias.copy_(torch.from_numpy(beta))
    return layer, tbn, gamma, beta


@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 3, 5)], ids=["1d", "2d-channels-last"])
def test_batch_norm_training_matches_torch(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    c = shape[-1]
    layer, tbn, gamma, beta = _bn_pair(torch, c, 1 if len(shape) == 2 else 2, 0.9, rng)
    layer(np.zeros(shape, np.float32))
    layer.set_weights([gamma, beta, np.zeros(c, np.float32), np.ones(c, np.float32)])
    n = int(np.prod(shape[:-1]))
    biased, unbiased = np.ones(c), np.ones(c)
    for step in range(3):  # several steps: the moving statistics follow torch's (momentum mapped)
        x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        tx = torch.from_numpy(x).movedim(-1, 1).requires_grad_(True)
        ty = tbn.train()(tx)
        (ty * torch.from_numpy(g).movedim(-1, 1)).sum().backward()
        nx = nf.Tensor(x, requires_grad=True)
        layer.gamma.grad = layer.beta.grad = None
        ny = layer(nx, training=True)
        (ny * nf.Tensor(g)).sum().backward()
        np.testing.assert_allclose(ny.numpy(), ty.detach().movedim(1, -1).numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(nx.grad, tx.grad.movedim(1, -1).numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(layer.gamma.grad, tbn.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(layer.beta.grad, tbn.bias.grad.numpy(), rtol=1e-4, atol=1e-4)
        tbn.weight.grad = tbn.bias.grad = None
        np.testing.assert_allclose(layer.moving_mean.data, tbn.running_mean.numpy(), rtol=1e-5, atol=1e-6)
        # torch's running variance follows the unbiased batch variance, Keras' (and neuroflow's) the biased one
        var = x.reshape(n, c).astype(np.float64).var(0)
        biased, unbiased = biased * 0.9 + var * 0.1, unbiased * 0.9 + var * n / (n - 1) * 0.1
        np.testing.assert_allclose(tbn.running_var.numpy(), unbiased, rtol=1e-5)
        np.testing.assert_allclose(layer.moving_variance.data, biased, rtol=1e-5)
    assert layer.moving_variance.dtype == np.float32


def test_batch_norm_moving_variance_uses_the_biased_batch_variance():
    rng = np.random.default_rng(1)
    layer = BatchNormalization(momentum=0.8)
    mm, mv = np.zeros(3), np.ones(3)
    for _ in range(3):
        x = (rng.standard_normal((6, 3)) * 3 + 2).astype(np.float32)
        layer(x, training=True)
        mm = mm * 0.8 + x.mean(0) * 0.2
        mv = mv * 0.8 + x.var(0) * 0.2  # ddof=0
    np.testing.assert_allclose(layer.moving_mean.data, mm, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.data, mv, rtol=1e-5)


def test_batch_norm_channels_first_matches_torch_batchnorm2d():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 5, 5)).astype(np.float32)
    layer = BatchNormalization(axis=1, momentum=0.95, epsilon=EPS)
    tbn = torch.nn.BatchNorm2d(4, eps=EPS, momentum=0.05)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = tbn.train()(tx)
    ty.sum().backward()
    nx = nf.Tensor(x, requires_grad=True)
    ny = layer(nx, training=True)
    ny.sum().backward()
    np.testing.assert_allclose(ny.numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(nx.grad, tx.grad.numpy(), atol=1e-4)
    np.testing.assert_allclose(layer.moving_mean.data, tbn.running_mean.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(6, 4), (2, 3, 3, 4)], ids=["1d", "2d-channels-last"])
def test_batch_norm_inference_matches_torch_eval(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    c = shape[-1]
    layer, tbn, gamma, beta = _bn_pair(torch, c, 1 if len(shape) == 2 else 2, 0.99, rng)
    mean, var = rng.standard_normal(c).astype(np.float32), rng.uniform(0.5, 2, c).astype(np.float32)
    with torch.no_grad():
        tbn.running_mean.copy_(torch.from_numpy(mean))
        tbn.running_var.copy_(torch.from_numpy(var))
    layer(np.zeros(shape, np.float32))
    layer.set_weights([gamma, beta, mean, var])
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    tx = torch.from_numpy(x).movedim(-1, 1).requires_grad_(True)
    ty = tbn.eval()(tx)
    (ty * torch.from_numpy(g).movedim(-1, 1)).sum().backward()
    nx = nf.Tensor(x, requires_grad=True)
    ny = layer(nx, training=False)
    (ny * nf.Tensor(g)).sum().backward()
    np.testing.assert_allclose(ny.numpy(), ty.detach().movedim(1, -1).numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(nx.grad, tx.grad.movedim(1, -1).numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.gamma.grad, tbn.weight.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.beta.grad, tbn.bias.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.data, mean)  # inference never moves the statistics


@pytest.mark.parametrize("axis,shape", [(-1, (4, 6)), ([-2, -1], (2, 3, 4)), (-1, (2, 3, 5))])
def test_layer_norm_matches_torch(axis, shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    layer = LayerNormalization(axis=axis, epsilon=EPS)
    x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
    layer(x)
    norm_shape = tuple(layer.gamma.shape)
    gamma = rng.uniform(0.5, 1.5, norm_shape).astype(np.float32)
    beta = rng.standard_normal(norm_shape).astype(np.float32)
    layer.set_weights([gamma, beta])
    tln = torch.nn.LayerNorm(norm_shape, eps=EPS)
    with torch.no_grad():
        tln.weight.copy_(torch.from_numpy(gamma))
        tln.bias.copy_(torch.from_numpy(beta))
    g = rng.standard_normal(shape).astype(np.float32)
    tx = torch.from_numpy(x).requires_grad_(True)
    (tln(tx) * torch.from_numpy(g)).sum().backward()
    nx = nf.Tensor(x, requires_grad=True)
    ny = layer(nx, training=True)
    (ny * nf.Tensor(g)).sum().backward()
    np.testing.assert_allclose(ny.numpy(), tln(tx).detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(nx.grad, tx.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.gamma.grad, tln.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.beta.grad, tln.bias.grad.numpy(), rtol=1e-4, atol=1e-4)


# --- modes ----------------------------------------------------------------------------------------------------------
def test_frozen_batch_norm_always_runs_in_inference_mode():
    rng = np.random.default_rng(5)
    layer = BatchNormalization()
    x = (rng.standard_normal((8, 3)) * 4 + 3).astype(np.float32)
    layer(x, training=True)
    stats = [w.copy() for w in layer.get_weights()]
    layer.trainable = False
    np.testing.assert_array_equal(layer(x, training=True).numpy(), layer(x, training=False).numpy())
    for a, b in zip(stats, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    layer.trainable = True
    out = layer(x, training=True).numpy()
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-5)  # unfrozen: batch statistics again
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2


def test_batch_norm_in_fit_updates_moving_stats_and_predict_uses_them():
    rng = np.random.default_rng(6)
    x = (rng.standard_normal((32, 4)) * 3 + 5).astype(np.float32)
    model = nf.models.Sequential([nf.layers.Input(shape=(4,)), BatchNormalization(momentum=0.5)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((32, 4), np.float32), epochs=5, batch_size=32, verbose=0)
    bn = model.layers[0]
    np.testing.assert_allclose(bn.moving_mean.data, x.mean(0) * (1 - 0.5 ** 5), rtol=1e-4)
    pred = model.predict(x, verbose=0)
    mean, variance, gamma, beta = host([bn.moving_mean, bn.moving_variance, bn.gamma, bn.beta])
    expected = (x - mean) / np.sqrt(variance + EPS) * gamma + beta
    np.testing.assert_allclose(pred, expected, rtol=1e-5, atol=1e-5)


# --- errors ---------------------------------------------------------------------------------------------------------
def test_errors_name_the_layer_and_shapes():
    layer = BatchNormalization(name="bn")
    layer(np.zeros((2, 3), np.float32))
    with pytest.raises(ShapeError, match=r"'bn'.*\(3,\).*\(2, 4\)"):
        layer(np.zeros((2, 4), np.float32))
    with pytest.raises(ShapeError, match="axis 3 is out of range"):
        LayerNormalization(axis=3)(np.zeros((2, 3), np.float32))
    with pytest.raises(ConfigError, match="momentum"):
        BatchNormalization(momentum=1.5)
    with pytest.raises(ShapeError, match="must be known"):
        BatchNormalization().build((None, None))
