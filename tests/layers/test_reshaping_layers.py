"""UpSampling, ZeroPadding and Cropping layers: the shared layer checks, forward and gradients against PyTorch /
NumPy, argument forms and errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.layers.reshaping import (Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D,
                                        UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)

from .layer_check import check_layer


@pytest.mark.parametrize("factory, in_shape, out_shape", [
    (lambda: UpSampling1D(3), (2, 4, 2), (2, 12, 2)),
    (lambda: UpSampling2D(), (2, 3, 4, 2), (2, 6, 8, 2)),
    (lambda: UpSampling2D((2, 3), interpolation="bilinear"), (2, 3, 4, 2), (2, 6, 12, 2)),
    (lambda: UpSampling2D(2, data_format="channels_first", interpolation="bilinear"), (2, 2, 3, 3), (2, 2, 6, 6)),
    (lambda: UpSampling3D((1, 2, 2)), (2, 2, 2, 2, 1), (2, 2, 4, 4, 1)),
    (lambda: ZeroPadding1D((1, 2)), (2, 4, 3), (2, 7, 3)),
    (lambda: ZeroPadding2D(), (2, 3, 4, 2), (2, 5, 6, 2)),
    (lambda: ZeroPadding2D(((1, 0), (2, 3)), data_format="channels_first"), (2, 2, 3, 4), (2, 2, 4, 9)),
    (lambda: ZeroPadding3D((1, 0, 2)), (2, 2, 2, 2, 1), (2, 4, 2, 6, 1)),
    (lambda: Cropping1D(), (2, 5, 3), (2, 3, 3)),
    (lambda: Cropping2D(((1, 0), (2, 1))), (2, 4, 5, 2), (2, 3, 2, 2)),
    (lambda: Cropping2D(1, data_format="channels_first"), (2, 2, 4, 5), (2, 2, 2, 3)),
    (lambda: Cropping3D(), (2, 3, 4, 3, 1), (2, 1, 2, 1, 1)),
], ids=["up1d", "up2d", "up2d-bilinear", "up2d-bilinear-cf", "up3d", "pad1d", "pad2d", "pad2d-cf", "pad3d",
        "crop1d", "crop2d", "crop2d-cf", "crop3d"])
def test_check_layer(factory, in_shape, out_shape):
    check_layer(factory, in_shape, out_shape)


def _forward_backward(layer, x):
    nx = nf.Tensor(x, requires_grad=True)
    ny = layer(nx)
    g = np.random.default_rng(0).standard_normal(ny.shape).astype(np.float32)
    (ny * nf.Tensor(g)).sum().backward()
    assert ny.dtype == np.float32 and nx.grad.dtype == np.float32
    return ny.numpy(), g, nx.grad


def _torch_check(layer, x, ref, channels_first=False):
    torch = pytest.importorskip("torch")
    y, g, gx = _forward_backward(layer, x)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = ref(tx if channels_first else tx.movedim(-1, 1))
    ty = ty if channels_first else ty.movedim(1, -1)
    (ty * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("size", [2, (3, 2)])
def test_upsampling2d_nearest_matches_torch(size):
    torch = pytest.importorskip("torch")
    layer = UpSampling2D(size)
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 2)).astype(np.float32)
    _torch_check(layer, x, lambda t: torch.nn.functional.interpolate(t, scale_factor=layer.size, mode="nearest"))


@pytest.mark.parametrize("size, data_format", [(2, "channels_last"), ((3, 2), "channels_last"),
                                               ((2, 4), "channels_first")])
def test_upsampling2d_bilinear_matches_torch_half_pixel(size, data_format):
    """Keras' bilinear (TensorFlow resize, half-pixel centres) = torch's ``align_corners=False``."""
    torch = pytest.importorskip("torch")
    layer = UpSampling2D(size, data_format=data_format, interpolation="bilinear")
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 5)).astype(np.float32)
    _torch_check(layer, x, lambda t: torch.nn.functional.interpolate(t, scale_factor=layer.size, mode="bilinear",
                                                                     align_corners=False),
                 channels_first=data_format == "channels_first")


def test_upsampling1d_and_3d_repeat():
    x = np.random.default_rng(3).standard_normal((2, 3, 2)).astype(np.float32)
    y, g, gx = _forward_backward(UpSampling1D(2), x)
    np.testing.assert_array_equal(y, np.repeat(x, 2, axis=1))
    np.testing.assert_allclose(gx, g.reshape(2, 3, 2, 2).sum(2), rtol=1e-6)
    x3 = np.random.default_rng(4).standard_normal((1, 2, 3, 2, 1)).astype(np.float32)
    y3 = UpSampling3D((2, 1, 3))(x3).numpy()
    np.testing.assert_array_equal(y3, np.repeat(np.repeat(x3, 2, axis=1), 3, axis=3))


@pytest.mark.parametrize("padding, expected", [
    (2, ((2, 2), (2, 2))), ((1, 3), ((1, 1), (3, 3))), (((1, 0), (0, 2)), ((1, 0), (0, 2)))])
def test_zero_padding2d_forms_match_numpy(padding, expected):
    x = np.random.default_rng(5).standard_normal((2, 3, 4, 2)).astype(np.float32)
    layer = ZeroPadding2D(padding)
    assert layer.padding == expected
    y, g, gx = _forward_backward(layer, x)
    np.testing.assert_array_equal(y, np.pad(x, ((0, 0),) + expected + ((0, 0),)))
    (t, b), (l_, r) = expected
    np.testing.assert_array_equal(gx, g[:, t:t + 3, l_:l_ + 4])


def test_zero_padding1d_channels_first_and_cropping_invert_it():
    x = np.random.default_rng(6).standard_normal((2, 3, 4)).astype(np.float32)
    padded = ZeroPadding1D((2, 1), data_format="channels_first")(x).numpy()
    np.testing.assert_array_equal(padded, np.pad(x, ((0, 0), (0, 0), (2, 1))))
    np.testing.assert_array_equal(Cropping1D((2, 1), data_format="channels_first")(padded).numpy(), x)
    x2 = np.random.default_rng(7).standard_normal((2, 5, 4, 3)).astype(np.float32)
    crop = ((1, 2), (0, 1))
    np.testing.assert_array_equal(Cropping2D(crop)(ZeroPadding2D(crop)(x2)).numpy(), x2)


def test_cropping2d_matches_slicing_with_gradient():
    x = np.random.default_rng(8).standard_normal((2, 6, 5, 2)).astype(np.float32)
    y, g, gx = _forward_backward(Cropping2D(((1, 2), (2, 0))), x)
    np.testing.assert_array_equal(y, x[:, 1:4, 2:5])
    expected = np.zeros_like(x)
    expected[:, 1:4, 2:5] = g
    np.testing.assert_array_equal(gx, expected)


def test_compute_output_shape_keeps_unknown_sizes():
    assert UpSampling2D((2, 3)).compute_output_shape((None, None, 4, 2)) == (None, None, 12, 2)
    assert ZeroPadding2D(1).compute_output_shape((None, 3, None, 2)) == (None, 5, None, 2)
    assert Cropping2D(1, data_format="channels_first").compute_output_shape((None, 2, None, 5)) == (None, 2, None, 3)


def test_config_round_trip_keeps_the_normalised_forms():
    for layer in [ZeroPadding2D((1, 2)), Cropping1D(3), UpSampling2D(3, interpolation="bilinear"),
                  ZeroPadding3D(((1, 0), (0, 1), (2, 2)))]:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config
    assert ZeroPadding2D((1, 2)).get_config()["padding"] == [[1, 1], [2, 2]]
    assert UpSampling2D(3, interpolation="bilinear").get_config()["interpolation"] == "bilinear"


def test_errors():
    with pytest.raises(ShapeError, match=r"'crop'.*removes all 4"):
        Cropping2D(2, name="crop")(np.zeros((1, 4, 6, 1), np.float32))
    with pytest.raises(ShapeError, match=r"\(batch, rows, cols, channels\).*x\[\.\.\., None\]"):
        ZeroPadding2D()(np.zeros((1, 28, 28), np.float32))
    with pytest.raises(ConfigError, match="padding must be"):
        ZeroPadding2D((1, 2, 3))
    with pytest.raises(ConfigError, match="cropping must be"):
        Cropping1D(-1)
    with pytest.raises(ConfigError, match="interpolation"):
        UpSampling2D(interpolation="bicubic")
    with pytest.raises(ConfigError, match="size"):
        UpSampling2D(0)
