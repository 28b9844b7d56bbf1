"""Pooling layers: the shared layer checks, forward and gradients against PyTorch, output shapes and errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D,
                                      GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D,
                                      GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D,
                                      MaxPooling3D)

from .layer_check import check_layer


@pytest.mark.parametrize("factory, in_shape, out_shape", [
    (lambda: MaxPooling2D(), (2, 6, 5, 3), (2, 3, 2, 3)),
    (lambda: MaxPooling2D((3, 2), strides=1, padding="same"), (2, 5, 5, 2), (2, 5, 5, 2)),
    (lambda: MaxPooling2D(data_format="channels_first"), (2, 3, 4, 4), (2, 3, 2, 2)),
    (lambda: MaxPooling1D(3, strides=2), (2, 7, 2), (2, 3, 2)),
    (lambda: MaxPooling3D(), (2, 4, 4, 2, 1), (2, 2, 2, 1, 1)),
    (lambda: AveragePooling2D(3, strides=2, padding="same"), (2, 5, 6, 2), (2, 3, 3, 2)),
    (lambda: AveragePooling1D(padding="same"), (2, 5, 3), (2, 3, 3)),
    (lambda: AveragePooling3D(2, data_format="channels_first"), (2, 1, 4, 4, 2), (2, 1, 2, 2, 1)),
    (lambda: GlobalMaxPooling2D(), (2, 3, 4, 5), (2, 5)),
    (lambda: GlobalMaxPooling1D(keepdims=True), (2, 3, 4), (2, 1, 4)),
    (lambda: GlobalMaxPooling3D(data_format="channels_first"), (2, 3, 2, 2, 2), (2, 3)),
    (lambda: GlobalAveragePooling2D(keepdims=True, data_format="channels_first"), (2, 3, 4, 5), (2, 3, 1, 1)),
    (lambda: GlobalAveragePooling1D(), (2, 3, 4), (2, 4)),
    (lambda: GlobalAveragePooling3D(keepdims=True), (2, 2, 2, 2, 3), (2, 1, 1, 1, 3)),
], ids=["max2d", "max2d-same-overlap", "max2d-cf", "max1d", "max3d", "avg2d-same", "avg1d-same", "avg3d-cf",
        "gmax2d", "gmax1d-keepdims", "gmax3d-cf", "gavg2d-cf-keepdims", "gavg1d", "gavg3d-keepdims"])
def test_check_layer(factory, in_shape, out_shape):
    check_layer(factory, in_shape, out_shape)


# --- PyTorch parity -----------------------------------------------------------------------------------------------
def _tf_same_pads(shape, pool, strides):
    pads = []
    for n, k, s in zip(shape, pool, strides):
        total = max((-(-n // s) - 1) * s + k - n, 0)
        pads.append((total // 2, total - total // 2))
    return [p for pair in reversed(pads) for p in pair]  # F.pad order: last axis first


def _parity(layer, x, ref, channels_first=False):
    """Forward and input gradient of ``layer`` vs ``ref(channels-first torch tensor)`` (channels-first result)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    nx = nf.Tensor(x, requires_grad=True)
    ny = layer(nx)
    g = rng.standard_normal(ny.shape).astype(np.float32)
    (ny * nf.Tensor(g)).sum().backward()
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = ref(tx if channels_first else tx.movedim(-1, 1))
    if not channels_first and ty.ndim > 2:
        ty = ty.movedim(1, -1)
    (ty * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(ny.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(nx.grad, tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert nx.grad.dtype == np.float32


@pytest.mark.parametrize("pool, strides, padding", [(2, None, "valid"), (3, 2, "valid"), (3, 2, "same"),
                                                    ((2, 3), (1, 2), "same")])
def test_max_pooling2d_matches_torch(pool, strides, padding):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    layer = MaxPooling2D(pool, strides, padding)
    x = np.random.default_rng(1).standard_normal((2, 7, 6, 3)).astype(np.float32)
    k, s = layer.pool_size, layer.strides

    def ref(t):
        if padding == "same":
            t = F.pad(t, _tf_same_pads(t.shape[2:], k, s), value=-float("inf"))
        return F.max_pool2d(t, k, s)

    _parity(layer, x, ref)


@pytest.mark.parametrize("pool, strides, padding", [(2, None, "valid"), (3, 2, "same"), ((2, 3), (2, 1), "same")])
def test_average_pooling2d_matches_torch(pool, strides, padding):
    """With 'same', each window averages its real elements only (TensorFlow's rule)."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    layer = AveragePooling2D(pool, strides, padding)
    x = np.random.default_rng(2).standard_normal((2, 7, 6, 3)).astype(np.float32)
    k, s = layer.pool_size, layer.strides

    def ref(t):
        if padding == "valid":
            return F.avg_pool2d(t, k, s)
        pads = _tf_same_pads(t.shape[2:], k, s)
        sums = F.avg_pool2d(F.pad(t, pads), k, s)
        counts = F.avg_pool2d(F.pad(torch.ones_like(t[:1, :1]), pads), k, s)
        return sums / counts

    _parity(layer, x, ref)


def test_pooling1d_matches_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = np.random.default_rng(3).standard_normal((2, 9, 3)).astype(np.float32)
    _parity(MaxPooling1D(3, 2), x, lambda t: F.max_pool1d(t, 3, 2))
    _parity(AveragePooling1D(2), x, lambda t: F.avg_pool1d(t, 2))


def test_pooling_channels_first_matches_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = np.random.default_rng(4).standard_normal((2, 3, 6, 6)).astype(np.float32)
    _parity(MaxPooling2D(data_format="channels_first"), x, lambda t: F.max_pool2d(t, 2), channels_first=True)
    _parity(AveragePooling2D(3, 3, data_format="channels_first"), x, lambda t: F.avg_pool2d(t, 3),
            channels_first=True)


@pytest.mark.parametrize("cls, reduce", [(GlobalMaxPooling2D, "amax"), (GlobalAveragePooling2D, "mean")])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling2d_matches_torch(cls, reduce, data_format, keepdims):
    pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((2, 4, 5, 3)).astype(np.float32)
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    _parity(cls(data_format=data_format, keepdims=keepdims), x,
            lambda t: getattr(t, reduce)(dim=axes, keepdim=keepdims), channels_first=True)


@pytest.mark.parametrize("cls, reduce", [(GlobalMaxPooling1D, "amax"), (GlobalAveragePooling1D, "mean")])
def test_global_pooling1d_matches_torch(cls, reduce):
    pytest.importorskip("torch")
    x = np.random.default_rng(6).standard_normal((2, 5, 3)).astype(np.float32)
    _parity(cls(), x, lambda t: getattr(t, reduce)(dim=1), channels_first=True)


def test_global_average_pooling1d_mask_averages_real_steps_only():
    x = np.random.default_rng(7).standard_normal((2, 4, 3)).astype(np.float32)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    out = GlobalAveragePooling1D()(x, mask=mask).numpy()
    np.testing.assert_allclose(out[0], x[0, :2].mean(0), rtol=1e-6)
    np.testing.assert_allclose(out[1], x[1].mean(0), rtol=1e-6)
    keep = GlobalAveragePooling1D(keepdims=True)(x, mask=mask).numpy()
    assert keep.shape == (2, 1, 3)
    np.testing.assert_allclose(keep[:, 0], out, rtol=1e-6)
    with pytest.raises(ShapeError, match="mask must have shape"):
        GlobalAveragePooling1D()(x, mask=np.ones((2, 3), bool))


# --- shapes and errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, in_shape", [
    (MaxPooling2D(), (2, 7, 7, 1)), (MaxPooling2D(3, 2, "same"), (2, 7, 8, 1)), (MaxPooling2D(2, 1), (2, 7, 8, 1)),
    (AveragePooling2D((3, 1), (2, 3), "same"), (2, 7, 8, 1)), (MaxPooling1D(4, padding="same"), (2, 9, 2)),
])
def test_compute_output_shape_matches_call(layer, in_shape):
    out = layer(np.zeros(in_shape, np.float32))
    assert tuple(layer.compute_output_shape((None,) + in_shape[1:])) == (None,) + out.shape[1:]
    assert layer.compute_output_shape((None, None) + in_shape[2:])[1] is None


def test_defaults_and_config_are_keras():
    layer = MaxPooling2D()
    assert layer.pool_size == (2, 2) and layer.strides == (2, 2) and layer.padding == "valid"
    config = AveragePooling1D(3).get_config()
    assert config["pool_size"] == [3] and config["strides"] == [3] and config["data_format"] == "channels_last"
    assert GlobalMaxPooling2D().get_config()["keepdims"] is False


def test_errors_name_the_layer():
    with pytest.raises(ShapeError, match=r"'pool'.*\(batch, rows, cols, channels\).*x\[\.\.\., None\]"):
        MaxPooling2D(name="pool")(np.zeros((2, 28, 28), np.float32))
    with pytest.raises(ShapeError, match="'gap'.*expects inputs of shape"):
        GlobalAveragePooling2D(name="gap")(np.zeros((2, 28), np.float32))
    with pytest.raises(ShapeError, match="smaller than pool_size"):
        MaxPooling2D(3)(np.zeros((1, 2, 2, 1), np.float32))
    with pytest.raises(ConfigError, match="padding"):
        MaxPooling2D(padding="full")
    with pytest.raises(ConfigError, match="pool_size"):
        MaxPooling2D((2, 2, 2))
    with pytest.raises(ConfigError, match="data_format"):
        GlobalMaxPooling2D(data_format="nchw")
