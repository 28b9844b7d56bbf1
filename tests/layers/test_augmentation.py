"""Image augmentation layers: the shared layer checks, inference identity, seeding, exact geometry (shift, rot90,
flips, zoom), contrast, crops, Keras' fill modes against a SciPy reference, layouts, speed."""

import numpy as np
import pytest

from tests.call_count import count_python_calls

import neuroflow as nf
from neuroflow import layers as nf_layers
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.layers.augmentation import (RandomContrast, RandomCrop, RandomFlip, RandomRotation,
                                           RandomTranslation, RandomZoom)
from neuroflow.models import Sequential
from neuroflow.ops import image as image_ops

from .layer_check import check_layer

FACTORIES = {
    "translation": lambda: RandomTranslation(0.2, (-0.3, 0.1), seed=1),
    "rotation": lambda: RandomRotation(0.1, fill_mode="constant", seed=1),
    "zoom": lambda: RandomZoom((-0.2, 0.3), 0.1, fill_mode="wrap", interpolation="nearest", seed=1),
    "flip": lambda: RandomFlip("horizontal", seed=1),
    "contrast": lambda: RandomContrast(0.4, value_range=(-5, 5), seed=1),
}


def _images(shape=(4, 8, 9, 3), seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_check_layer(name):
    check_layer(FACTORIES[name], (2, 8, 9, 3), (2, 8, 9, 3), call_kwargs={"training": False})


def test_check_layer_random_crop():
    check_layer(lambda: RandomCrop(5, 6, seed=3), (2, 8, 9, 3), (2, 5, 6, 3), call_kwargs={"training": False})


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_identity_only_with_training_false(name):
    x = _images()
    layer = FACTORIES[name]()
    t = nf.Tensor(x)
    assert layer(t, training=False) is t  # the very same Tensor: graph and all
    assert not np.allclose(layer(x, training=True).numpy(), x)
    # Keras 3's default (call(data, training=True)): a plain call augments, also inside a model (16 images: a
    # small nearest-neighbour zoom can leave a few images as they are)
    x16 = _images((16, 8, 9, 3))
    assert not np.allclose(layer(x16).numpy(), x16) and not np.allclose(layer(x16, training=None).numpy(), x16)
    model = Sequential([nf_layers.Input(shape=x.shape[1:]), FACTORIES[name]()])
    assert not np.allclose(model(x16).numpy(), x16)
    np.testing.assert_array_equal(model(x16, training=False).numpy(), x16)
    np.testing.assert_array_equal(model.predict(x16, verbose=0), x16)
    ints = (x * 255).astype(np.uint8)
    out = layer(ints, training=False)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), ints.astype(np.float32))


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_seed_reproducible_and_draws_advance(name):
    x = _images((16, 8, 9, 3))
    a, b = FACTORIES[name](), FACTORIES[name]()
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    assert not np.array_equal(first, a(x, training=True).numpy())
    other = type(a).from_config({**a.get_config(), "name": "other", "seed": 2})
    assert not np.array_equal(first, other(x, training=True).numpy())


def test_global_seed_makes_unseeded_layers_reproducible():
    x = _images()
    nf.random.set_seed(5)
    first = RandomRotation(0.2)(x, training=True).numpy()
    nf.random.set_seed(5)
    np.testing.assert_array_equal(first, RandomRotation(0.2)(x, training=True).numpy())


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_translation_15_pixels_left_is_exact(interpolation):
    x = _images((3, 28, 28, 1))
    layer = RandomTranslation(0.0, (-15 / 28, -15 / 28), fill_mode="constant", interpolation=interpolation)
    expected = np.roll(x, -15, axis=2)
    expected[:, :, -15:] = 0.0
    np.testing.assert_array_equal(layer(x, training=True).numpy(), expected)


def test_translation_down_with_nearest_fill():
    x = _images((2, 6, 5, 2))
    out = RandomTranslation((2 / 6, 2 / 6), 0.0, fill_mode="nearest", interpolation="nearest")(x, training=True)
    expected = np.concatenate([x[:, :1], x[:, :1], x[:, :4]], axis=1)  # moved down 2, top row repeated
    np.testing.assert_array_equal(out.numpy(), expected)


def test_rotation_quarter_turn_is_rot90_counter_clockwise():
    x = _images((3, 7, 7, 2))
    ccw = RandomRotation((0.25, 0.25), interpolation="nearest")(x, training=True).numpy()
    np.testing.assert_array_equal(ccw, np.rot90(x, k=1, axes=(1, 2)))
    cw = RandomRotation((-0.25, -0.25), interpolation="nearest")(x, training=True).numpy()
    np.testing.assert_array_equal(cw, np.rot90(x, k=-1, axes=(1, 2)))


def test_rotation_half_turn_matches_keras_example():
    x = np.arange(25).reshape(1, 5, 5, 1)
    out = RandomRotation((0.5, 0.5))(x, training=True).numpy()  # Keras' own test: bilinear, default fill
    np.testing.assert_allclose(out[0, :, :, 0], np.arange(25)[::-1].reshape(5, 5), atol=1e-4)


def test_flips():
    x = _images((64, 4, 5, 2))
    variants = {"none": x, "h": x[:, :, ::-1], "v": x[:, ::-1], "hv": x[:, ::-1, ::-1]}

    def kinds(out):
        return [next(k for k, v in variants.items() if np.array_equal(o, v[i])) for i, o in enumerate(out)]

    assert set(kinds(RandomFlip("horizontal", seed=0)(x, training=True).numpy())) == {"none", "h"}
    assert set(kinds(RandomFlip("vertical", seed=0)(x, training=True).numpy())) == {"none", "v"}
    assert set(kinds(RandomFlip(seed=0)(x, training=True).numpy())) == {"none", "h", "v", "hv"}


def test_zoom_zero_is_identity_and_zoom_in_doubles_pixels():
    x = _images((3, 6, 8, 2))
    np.testing.assert_array_equal(RandomZoom(0.0, seed=0)(x, training=True).numpy(), x)
    img = _images((1, 4, 4, 1))
    out = RandomZoom((-0.5, -0.5), interpolation="nearest")(img, training=True).numpy()
    centre = img[:, 1:3, 1:3]
    np.testing.assert_array_equal(out, np.repeat(np.repeat(centre, 2, axis=1), 2, axis=2))


def test_zoom_out_shrinks_about_the_centre():
    img = np.zeros((1, 5, 5, 1), np.float32)
    img[0, 2, 2, 0] = 1.0
    img[0, 0, 0, 0] = 2.0
    out = RandomZoom((1.0, 1.0), fill_mode="constant", interpolation="nearest")(img, training=True).numpy()[0, ..., 0]
    assert out[2, 2] == 1.0 and out[1, 1] == 2.0  # the corner moves halfway to the centre
    assert out.sum() == 3.0


def test_contrast():
    x = _images((5, 6, 7, 3)) * 100
    np.testing.assert_allclose(RandomContrast(0.0, seed=0)(x, training=True).numpy(), x, atol=1e-4)  # float32 at 100
    out = RandomContrast((0.5, 0.5), value_range=(-1e6, 1e6), seed=0)(x, training=True).numpy()
    np.testing.assert_allclose(out.mean(axis=(1, 2)), x.mean(axis=(1, 2)), rtol=1e-5)
    # one factor per image: every channel's spread is scaled by the same c in [0.5, 1.5]
    ratio = (out - out.mean(axis=(1, 2), keepdims=True)).std(axis=(1, 2)) / x.std(axis=(1, 2))
    np.testing.assert_allclose(ratio, ratio[:, :1] * np.ones_like(ratio), rtol=1e-4)
    assert np.all((ratio > 0.5 - 1e-5) & (ratio < 1.5 + 1e-5)) and np.ptp(ratio[:, 0]) > 0
    clipped = RandomContrast(1.0, value_range=(0, 100), seed=0)(x, training=True).numpy()
    assert clipped.min() >= 0 and clipped.max() <= 100


def test_random_crop():
    x = _images((4, 10, 12, 2))
    out = RandomCrop(5, 6, seed=0)(x, training=True).numpy()
    assert out.shape == (4, 5, 6, 2)
    windows = [(i, j) for i in range(6) for j in range(7) if np.array_equal(out, x[:, i:i + 5, j:j + 6])]
    assert len(windows) == 1  # one window, the same for the whole batch (as Keras)
    # inference: the largest centred 5:6 window (10 x 12), resized to 5 x 6
    expected = image_ops.resize(x, (5, 6)).numpy()
    np.testing.assert_allclose(RandomCrop(5, 6)(x, training=False).numpy(), expected, rtol=1e-6)
    square = RandomCrop(4, 4)(x, training=False).numpy()
    np.testing.assert_allclose(square, image_ops.resize(x[:, :, 1:11], (4, 4)).numpy(), rtol=1e-6)
    t = nf.Tensor(x)
    assert RandomCrop(10, 12)(t, training=False) is t
    # a plain call crops at random, as Keras' call(data, training=True) does
    plain = RandomCrop(5, 6, seed=0)(x).numpy()
    assert any(np.array_equal(plain, x[:, i:i + 5, j:j + 6]) for i in range(6) for j in range(7))
    small = RandomCrop(20, 24, seed=0)(x, training=True)  # smaller than the target: resized, as Keras
    assert small.shape == (4, 20, 24, 2)


def _keras_numpy_reference(images, transform, interpolation, fill_mode, fill_value):
    """Keras' NumPy-backend affine_transform: pad by the fill rule, then scipy.ndimage.map_coordinates."""
    ndimage = pytest.importorskip("scipy.ndimage")
    out = np.empty_like(images)
    b, h, w, c = images.shape
    yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    for i in range(b):
        a0, a1, a2, b0, b1, b2 = transform[i, :6]
        xs, ys = a0 * xx + a1 * yy + a2, b0 * xx + b1 * yy + b2
        pad_y = (max(int(-np.floor(ys.min())) + 1, 0), max(int(np.ceil(ys.max())) + 1 - h, 0))
        pad_x = (max(int(-np.floor(xs.min())) + 1, 0), max(int(np.ceil(xs.max())) + 1 - w, 0))
        mode = {"nearest": "edge", "reflect": "symmetric", "wrap": "wrap", "constant": "constant"}[fill_mode]
        kw = {"constant_values": fill_value} if fill_mode == "constant" else {}
        for ch in range(c):
            padded = np.pad(images[i, :, :, ch].astype(np.float64), (pad_y, pad_x), mode=mode, **kw)
            out[i, :, :, ch] = ndimage.map_coordinates(padded, [ys + pad_y[0], xs + pad_x[0]],
                                                       order=0 if interpolation == "nearest" else 1,
                                                       mode="constant", cval=fill_value)
    return out


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_matches_keras_numpy_backend(fill_mode, interpolation):
    rng = np.random.default_rng(1)
    x = rng.random((3, 7, 9, 2)).astype(np.float32)
    angle = rng.uniform(-2, 2, 3)
    scale = rng.uniform(0.6, 1.8, 3)
    t = np.stack([scale * np.cos(angle), -np.sin(angle), rng.uniform(-6, 6, 3),
                  np.sin(angle), scale * np.cos(angle), rng.uniform(-6, 6, 3), np.zeros(3), np.zeros(3)], axis=1)
    got = image_ops.affine_transform(x, t, interpolation, fill_mode, fill_value=0.7).numpy()
    want = _keras_numpy_reference(x, t, interpolation, fill_mode, 0.7)
    np.testing.assert_allclose(got, want, atol=2e-5)


def test_channels_first_and_unbatched():
    x = _images((3, 6, 7, 2))
    last = RandomRotation(0.3, seed=4)(x, training=True).numpy()
    first = RandomRotation(0.3, seed=4, data_format="channels_first")(x.transpose(0, 3, 1, 2), training=True)
    np.testing.assert_allclose(first.numpy(), last.transpose(0, 3, 1, 2), atol=1e-6)
    single = RandomRotation(0.3, seed=4)(x[0], training=True).numpy()
    np.testing.assert_allclose(single, last[0], atol=1e-6)
    crop = RandomCrop(3, 4, data_format="channels_first")
    assert crop(x.transpose(0, 3, 1, 2)).shape == (3, 2, 3, 4)
    assert crop.compute_output_shape((None, 2, 6, 7)) == (None, 2, 3, 4)


def test_augmentation_inside_fit_and_predict():
    rng = np.random.default_rng(0)
    x = rng.random((32, 8, 8, 1)).astype(np.float32)
    y = rng.random((32, 1)).astype(np.float32)
    model = Sequential([nf_layers.Input((8, 8, 1)), RandomTranslation(0.1, 0.1, seed=0),
                        RandomRotation(0.05, seed=1), nf_layers.Flatten(), nf_layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    plain = Sequential([nf_layers.Input((8, 8, 1)), nf_layers.Flatten(), model.layers[-1]])
    np.testing.assert_array_equal(model.predict(x, verbose=0), plain.predict(x, verbose=0))


def test_bad_arguments():
    with pytest.raises(ConfigError, match="height_factor"):
        RandomTranslation(1.5, 0.1)
    with pytest.raises(ConfigError, match="fill_mode"):
        RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ConfigError, match="interpolation"):
        RandomZoom(0.1, interpolation="bicubic")
    with pytest.raises(ConfigError, match="mode"):
        RandomFlip("diagonal")
    with pytest.raises(ConfigError, match="factor"):
        RandomContrast(-0.5)
    with pytest.raises(ConfigError, match="data_format"):
        RandomFlip(data_format="channels_middle")
    with pytest.raises(ShapeError, match="RandomFlip"):
        RandomFlip()(np.zeros((4, 5), np.float32), training=True)


def test_translation_and_rotation_are_vectorised():
    """RandomTranslation + RandomRotation make no more Python calls for 128 images than for 2 (no Python loop over
    images or pixels)."""
    shift, turn = RandomTranslation(0.1, 0.1, seed=0), RandomRotation(0.1, seed=0)
    small, large = _images((2, 28, 28, 1)), _images((128, 28, 28, 1))
    turn(shift(small, training=True), training=True)
    turn(shift(large, training=True), training=True)
    calls = [count_python_calls(lambda x=x: turn(shift(x, training=True), training=True)) for x in (small, large)]
    assert calls[1] <= calls[0], calls
