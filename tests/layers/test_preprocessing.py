"""Rescaling, Normalization (adapt) and Resizing: the shared layer checks, Keras' documented examples, gradients,
adapt on arrays / datasets / lists, saving adapted statistics, and Resizing against torch's interpolate."""
import os

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers as nf_layers
from neuroflow.data import Dataset
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.layers.preprocessing import Normalization, Rescaling, Resizing
from neuroflow.models import Sequential, load_model

from .layer_check import check_layer


# --- Rescaling --------------------------------------------------------------------------------------------------
def test_rescaling_check_layer():
    check_layer(lambda: Rescaling(1 / 255.0, offset=-0.5), (3, 4, 5, 2), (3, 4, 5, 2))
    check_layer(lambda: Rescaling([1.0, 2.0], offset=[0.5, -1.0]), (3, 4, 2), (3, 4, 2))


def test_rescaling_values_dtype_and_gradient():
    pixels = np.array([[0, 128, 255]], np.uint8)
    out = Rescaling(1 / 255.0)(pixels)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), pixels / 255.0, rtol=1e-6)
    x = nf.Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    Rescaling(0.5, offset=2.0)(x).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 0.5, np.float32))
    assert x.grad.dtype == np.float32


# --- Normalization ----------------------------------------------------------------------------------------------
def test_normalization_check_layer():
    check_layer(lambda: Normalization(), (4, 3), (4, 3), non_trainable_weights=3)  # mean, variance, count (Keras)
    check_layer(lambda: Normalization(axis=None, mean=2.0, variance=4.0), (4, 5, 2), (4, 5, 2))
    check_layer(lambda: Normalization(axis=(1, 2), mean=[[1.0, 2.0]] * 5, variance=[[1.0, 4.0]] * 5),
                (4, 5, 2), (4, 5, 2))


def test_normalization_keras_examples():
    layer = Normalization(axis=None)
    layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32))
    np.testing.assert_allclose(layer(np.array([1.0, 2.0, 3.0], np.float32)).numpy(),
                               [-1.4142135, -0.70710677, 0.0], rtol=1e-6)
    data = np.array([[0.0, 7.0, 4.0], [2.0, 9.0, 6.0], [0.0, 7.0, 4.0], [2.0, 9.0, 6.0]], np.float32)
    layer = Normalization(axis=-1)
    layer.adapt(data)
    np.testing.assert_allclose(layer(np.array([[0.0, 7.0, 4.0]], np.float32)).numpy(), [[-1.0, -1.0, -1.0]])
    inverse = Normalization(axis=-1, invert=True)
    inverse.adapt(data)
    np.testing.assert_allclose(inverse(np.array([[1.0, 2.0, 3.0]], np.float32)).numpy(), [[2.0, 10.0, 8.0]])
    fixed = Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(fixed(np.array([[1.0], [2.0], [3.0]], np.float32)).numpy(),
                               [[-1.4142135], [-0.70710677], [0.0]], rtol=1e-6)


def test_adapt_gives_zero_mean_unit_variance_per_channel():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((300, 6, 5, 3)) * [1.0, 5.0, 0.1] + [10.0, -3.0, 1000.0]).astype(np.float32)
    layer = Normalization()  # axis=-1: one mean/variance per channel
    layer.adapt(x, batch_size=64)  # several chunks, merged
    assert layer.adapt_mean.shape == (3,) and layer.variance.dtype == np.float32
    assert layer.mean.shape == (1, 1, 1, 3)  # Keras: the statistics in the broadcast shape
    np.testing.assert_allclose(layer.adapt_mean.numpy(), x.astype(np.float64).mean(axis=(0, 1, 2)), rtol=1e-6)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), x.astype(np.float64).var(axis=(0, 1, 2)), rtol=1e-5)
    y = layer(x).numpy().astype(np.float64)
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(0, 1, 2)), 1.0, rtol=1e-4)


def test_adapt_on_dataset_list_and_tensor_agree():
    rng = np.random.default_rng(1)
    x = rng.random((50, 4)).astype(np.float32) * 7
    y = rng.random((50, 1)).astype(np.float32)
    whole = Normalization().adapt(x)
    from_ds = Normalization().adapt(Dataset.from_tensor_slices((x, y)).batch(16))  # (x, y) batches: x used
    from_list = Normalization().adapt([x[:7], x[7:30], x[30:]])
    from_tensor = Normalization().adapt(nf.Tensor(x))
    for other in (from_ds, from_list, from_tensor):
        np.testing.assert_allclose(other.mean.numpy(), whole.mean.numpy(), rtol=1e-6)
        np.testing.assert_allclose(other.variance.numpy(), whole.variance.numpy(), rtol=1e-5)


def test_normalization_gradient_and_integer_inputs():
    layer = Normalization(mean=[1.0, 2.0], variance=[4.0, 16.0])
    x = nf.Tensor(np.zeros((3, 2), np.float32), requires_grad=True)
    layer(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.tile([0.5, 0.25], (3, 1)))
    assert layer(np.array([[1, 2]], np.int64)).dtype == np.float32


def test_adapted_statistics_are_saved(tmp_path):
    x = np.random.default_rng(2).random((40, 3)).astype(np.float32) * 5
    norm = Normalization()
    norm.adapt(x)
    model = Sequential([nf_layers.Input((3,)), norm, nf_layers.Dense(2)])
    path = os.path.join(tmp_path, "m.neuroflow")
    model.save(path)
    np.testing.assert_array_equal(load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


def test_normalization_errors():
    with pytest.raises(ConfigError, match="both mean and variance"):
        Normalization(mean=1.0)
    with pytest.raises(ConfigError, match="adapt"):
        Normalization(mean=1.0, variance=1.0).adapt(np.ones((3, 1), np.float32))
    layer = Normalization()
    layer.adapt(np.ones((4, 3), np.float32))
    with pytest.raises(ShapeError, match="kept axes"):
        layer.adapt(np.ones((4, 5), np.float32))
    with pytest.raises(ShapeError, match="axis"):
        Normalization(axis=3)(np.ones((2, 3), np.float32))


# --- Resizing ---------------------------------------------------------------------------------------------------
def test_resizing_check_layer():
    check_layer(lambda: Resizing(4, 6), (2, 8, 12, 3), (2, 4, 6, 3))
    check_layer(lambda: Resizing(5, 5, crop_to_aspect_ratio=True, interpolation="nearest"), (2, 8, 12, 3),
                (2, 5, 5, 3))


def _torch_resize(x, size, mode):
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    kw = {"align_corners": False, "antialias": False} if mode == "bilinear" else {}
    return torch.nn.functional.interpolate(t, size=size, mode=mode, **kw).numpy().transpose(0, 2, 3, 1)


@pytest.mark.parametrize("in_hw,out_hw", [((16, 24), (8, 12)), ((16, 24), (4, 6)), ((5, 7), (13, 17)),
                                          ((10, 9), (7, 4)), ((6, 6), (6, 11))])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_resizing_matches_torch_interpolate(in_hw, out_hw, interpolation):
    x = np.random.default_rng(3).random((2,) + in_hw + (3,)).astype(np.float32)
    got = Resizing(*out_hw, interpolation=interpolation)(x).numpy()
    want = _torch_resize(x, out_hw, "bilinear" if interpolation == "bilinear" else "nearest-exact")
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=2e-6)


def test_resizing_layouts_crop_and_pad():
    x = np.random.default_rng(4).random((2, 8, 12, 3)).astype(np.float32)
    last = Resizing(4, 5)(x).numpy()
    first = Resizing(4, 5, data_format="channels_first")(x.transpose(0, 3, 1, 2)).numpy()
    np.testing.assert_allclose(first, last.transpose(0, 3, 1, 2), atol=1e-7)
    np.testing.assert_allclose(Resizing(4, 5)(x[0]).numpy(), last[0], atol=1e-7)
    cropped = Resizing(4, 4, crop_to_aspect_ratio=True)(x).numpy()  # centred 8 x 8 window, then 4 x 4
    np.testing.assert_allclose(cropped, _torch_resize(x[:, :, 2:10], (4, 4), "bilinear"), atol=2e-6)
    padded = Resizing(6, 6, pad_to_aspect_ratio=True, fill_value=-1.0)(x).numpy()  # 12 x 12 with 2 fill rows
    manual = np.pad(x, ((0, 0), (2, 2), (0, 0), (0, 0)), constant_values=-1.0)  # above and below, then 6 x 6
    np.testing.assert_allclose(padded, _torch_resize(manual, (6, 6), "bilinear"), atol=2e-6)
    t = nf.Tensor(x)
    assert Resizing(8, 12)(t) is t
    ints = Resizing(4, 6)((x * 255).astype(np.uint8))
    assert ints.dtype == np.float32
    with pytest.raises(ConfigError, match="only one of"):
        Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ConfigError, match="interpolation"):
        Resizing(4, 4, interpolation="area")
