"""Keras parity for the last ops: ``scale_and_translate`` (every kernel, antialias both ways, translations,
integer images), ``polar``, ``view_as_complex``, ``view_as_real`` (complex results are NumPy arrays), and the
top-level ``absolute``/``fabs``; their argument errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import ops
from neuroflow.errors import ConfigError, DTypeError, ShapeError

from ..conftest import ON_DEVICE, host
from ..keras_oracle import keras

RNG = np.random.default_rng(0)
IMAGES = RNG.standard_normal((2, 7, 9, 3)).astype(np.float32)


@pytest.mark.parametrize("method", ["linear", "trilinear", "bicubic", "lanczos3", "lanczos5"])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("size, scale, translation", [((5, 13), (0.6, 1.5), (0.3, -0.7)),
                                                      ((14, 4), (2.0, 0.4), (-0.5, 0.2))])
def test_scale_and_translate_matches_keras(method, antialias, size, scale, translation):
    k = keras()
    args = ((2,) + size + (3,), np.array(scale, np.float32), np.array(translation, np.float32), (1, 2), method,
            antialias)
    ours = ops.image.scale_and_translate(IMAGES, *args).numpy()
    theirs = k.ops.convert_to_numpy(k.ops.image.scale_and_translate(IMAGES, *args))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_scale_and_translate_integer_images_and_keras_example():
    k = keras()
    image = RNG.integers(0, 255, (5, 6)).astype(np.uint8)
    args = ((9, 4), np.array([1.7, 0.7], np.float32), np.array([0.1, 0.2], np.float32), (0, 1), "cubic")
    ours = ops.image.scale_and_translate(image, *args)
    assert ours.dtype == np.uint8
    np.testing.assert_array_equal(ours.numpy(), k.ops.convert_to_numpy(k.ops.image.scale_and_translate(image, *args)))
    grid = np.arange(9, dtype=np.float32).reshape(3, 3)  # Keras' docstring: 2x upscaling centred
    scale = np.array([2.0, 2.0], np.float32)
    out = ops.image.scale_and_translate(grid, (5, 5), scale, -(scale / 2 - 0.5), (0, 1), "linear").numpy()
    np.testing.assert_allclose(out[0], [0.0, 0.5, 1.0, 1.5, 2.0])
    np.testing.assert_allclose(out[:, 0], [0.0, 1.5, 3.0, 4.5, 6.0])


def test_scale_and_translate_errors():
    with pytest.raises(ConfigError, match="method"):
        ops.image.scale_and_translate(IMAGES, IMAGES.shape, (1, 1), (0, 0), (1, 2), "nearest")
    with pytest.raises(ShapeError, match="scale"):
        ops.image.scale_and_translate(IMAGES, IMAGES.shape, (1, 1, 1), (0, 0), (1, 2), "linear")
    with pytest.raises(ShapeError, match="output_shape"):
        ops.image.scale_and_translate(IMAGES, (7, 9), (1, 1), (0, 0), (1, 2), "linear")
    with pytest.raises(ShapeError, match="spatial_dims"):
        ops.image.scale_and_translate(IMAGES, IMAGES.shape, (1, 1), (0, 0), (1, 5), "linear")


def test_polar_and_views_match_keras():
    k = keras()
    r, theta = RNG.uniform(0.1, 2, (3, 4)).astype(np.float32), RNG.uniform(-3, 3, (3, 4)).astype(np.float32)
    z = ops.polar(r, theta)
    assert isinstance(z, np.ndarray) if not ON_DEVICE else nf.backend.device_of(z) == nf.backend.get_device()
    assert z.dtype == np.complex64 and ops.nn.polar is ops.polar
    np.testing.assert_allclose(z, k.ops.convert_to_numpy(k.ops.polar(r, theta)), rtol=1e-6, atol=1e-6)
    pairs = RNG.standard_normal((3, 4, 2)).astype(np.float32)
    c = ops.view_as_complex(pairs)
    np.testing.assert_allclose(c, k.ops.convert_to_numpy(k.ops.view_as_complex(pairs)))
    back = ops.view_as_real(c)
    assert isinstance(back, nf.Tensor) and back.dtype == np.float32
    np.testing.assert_array_equal(back.numpy(), k.ops.convert_to_numpy(k.ops.view_as_real(host(c))))
    np.testing.assert_array_equal(ops.view_as_real(ops.view_as_complex(pairs.astype(np.float64))).numpy(), pairs)


def test_view_as_real_of_a_pair_carries_the_gradient():
    re, im = nf.Tensor(np.ones((2, 3)), requires_grad=True), nf.Tensor(np.zeros((2, 3)), requires_grad=True)
    out = ops.view_as_real((re, im))
    assert out.shape == (2, 3, 2)
    ops.sum(out * nf.Tensor(np.arange(12.0).reshape(2, 3, 2))).backward()
    np.testing.assert_array_equal(re.grad, np.arange(0, 12, 2).reshape(2, 3))
    np.testing.assert_array_equal(im.grad, np.arange(1, 12, 2).reshape(2, 3))
    real, imag = ops.rfft(nf.Tensor(RNG.standard_normal(8)))  # neuroflow's FFT pairs fit straight in
    assert ops.view_as_real((real, imag)).shape == (5, 2)


def test_complex_errors_and_absolute():
    with pytest.raises(ShapeError, match="view_as_complex.*size 2"):
        ops.view_as_complex(np.zeros((3, 4), np.float32))
    with pytest.raises(DTypeError, match="polar.*abs_"):
        ops.polar(np.ones(2, np.complex64), np.ones(2))
    with pytest.raises(ShapeError, match="view_as_real"):
        ops.view_as_real((np.ones(2), np.ones(3)))
    x = nf.Tensor([-1.5, 2.0])
    np.testing.assert_array_equal(ops.absolute(x).numpy(), [1.5, 2.0])
    np.testing.assert_array_equal(ops.fabs(x).numpy(), [1.5, 2.0])
