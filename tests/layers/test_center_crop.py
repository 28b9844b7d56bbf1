"""CenterCrop against Keras 3 (torch backend): crops of even and odd margins, the resize when the image is smaller,
both data formats, batched and unbatched; gradients through the crop; layer_check."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import ConfigError, ShapeError

from ..keras_oracle import keras
from .layer_check import check_layer

CASES = [
    ((2, 9, 8, 3), 5, 4, "channels_last"),   # odd margin: the offset rounds down
    ((2, 3, 9, 8), 5, 4, "channels_first"),
    ((9, 8, 3), 4, 6, "channels_last"),      # unbatched
    ((2, 4, 6, 3), 8, 5, "channels_last"),   # smaller height: Keras resizes (crop to aspect, then bilinear)
    ((2, 3, 4, 6), 5, 9, "channels_first"),  # smaller along both axes
    ((3, 5, 7), 6, 6, "channels_first"),     # unbatched, channels first, upscaled
]


@pytest.mark.parametrize("shape, height, width, data_format", CASES)
def test_center_crop_equals_keras(shape, height, width, data_format):
    k = keras()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    want = k.ops.convert_to_numpy(k.layers.CenterCrop(height, width, data_format=data_format)(x))
    got = layers.CenterCrop(height, width, data_format=data_format)(x).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_integer_images_become_float32_and_crop_passes_gradients():
    out = layers.CenterCrop(2, 2)(np.arange(16, dtype=np.uint8).reshape(1, 4, 4, 1)).numpy()
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[0, :, :, 0], [[5, 6], [9, 10]])
    x = nf.Tensor(np.ones((1, 4, 4, 1), np.float32), requires_grad=True)
    nf.ops.sum(layers.CenterCrop(2, 2)(x)).backward()
    np.testing.assert_array_equal(x.grad[0, :, :, 0], [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]])


def test_refusals():
    with pytest.raises(ConfigError, match="height"):
        layers.CenterCrop(0, 3)
    with pytest.raises(ConfigError, match="data_format"):
        layers.CenterCrop(2, 2, data_format="nhwc")
    with pytest.raises(ShapeError, match="rank"):
        layers.CenterCrop(2, 2)(np.zeros((4, 4), np.float32))


@pytest.mark.parametrize("data_format, shape", [("channels_last", (2, 7, 6, 3)), ("channels_first", (2, 3, 7, 6))])
def test_layer_check(data_format, shape):
    check_layer(lambda: layers.CenterCrop(4, 3, data_format=data_format), shape,
                expected_output_shape=(2, 4, 3, 3) if data_format == "channels_last" else (2, 3, 4, 3))
