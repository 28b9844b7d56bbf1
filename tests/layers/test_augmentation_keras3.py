"""Keras 3's newer augmentation layers: the shared layer checks (config, save/load), what each does on a plain
call and with ``training=False``, seeding, layouts (batched, unbatched, channels_first), value ranges and argument
errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers as L
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.models import Sequential, load_model

from .layer_check import check_layer

RANDOM = {
    "AugMix": lambda: L.AugMix(value_range=(-3, 3), seed=1),
    "CutMix": lambda: L.CutMix(seed=1),
    "MixUp": lambda: L.MixUp(alpha=0.5, seed=1),
    "RandAugment": lambda: L.RandAugment(value_range=(-3, 3), num_ops=3, seed=1),
    "RandomBrightness": lambda: L.RandomBrightness(0.2, value_range=(-3, 3), seed=1),
    "RandomColorDegeneration": lambda: L.RandomColorDegeneration(0.5, value_range=(-3, 3), seed=1),
    "RandomColorJitter": lambda: L.RandomColorJitter((-3, 3), 0.1, 0.2, 0.6, 0.3, seed=1),
    "RandomElasticTransform": lambda: L.RandomElasticTransform(value_range=(-3, 3), seed=1),
    "RandomErasing": lambda: L.RandomErasing(value_range=(-3, 3), seed=1),
    "RandomGaussianBlur": lambda: L.RandomGaussianBlur(kernel_size=(3, 5), value_range=(-3, 3), seed=1),
    "RandomGrayscale": lambda: L.RandomGrayscale(0.7, seed=1),
    "RandomHue": lambda: L.RandomHue(0.5, value_range=(-3, 3), seed=1),
    "RandomInvert": lambda: L.RandomInvert(value_range=(-3, 3), seed=1),
    "RandomPerspective": lambda: L.RandomPerspective(scale=0.5, seed=1),
    "RandomPosterization": lambda: L.RandomPosterization(5, value_range=(-3, 3), seed=1),
    "RandomSaturation": lambda: L.RandomSaturation(0.8, value_range=(-3, 3), seed=1),
    "RandomSharpness": lambda: L.RandomSharpness(0.9, value_range=(-3, 3), seed=1),
    "RandomShear": lambda: L.RandomShear(0.3, (0.1, 0.2), fill_mode="constant", seed=1),
    "Solarization": lambda: L.Solarization(0.2, 0.6, value_range=(-3, 3), seed=1),
}
DETERMINISTIC = {
    "AutoContrast": lambda: L.AutoContrast(value_range=(-3, 3)),
    "ContrastLimitedAdaptiveHistogramEqualization":
        lambda: L.ContrastLimitedAdaptiveHistogramEqualization((-3, 3), tile_grid_size=(2, 3)),
    "Equalization": lambda: L.Equalization(value_range=(-3, 3), bins=32),
    "Pipeline": lambda: L.Pipeline([L.AutoContrast(value_range=(-3, 3)), L.RandomInvert((1, 1), (-3, 3))]),
}
ALL = {**RANDOM, **DETERMINISTIC}


def _images(shape=(4, 8, 9, 3), seed=0, low=0.0, high=255.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


@pytest.mark.parametrize("name", sorted(ALL))
def test_check_layer(name):
    # a random layer's plain call augments (Keras 3's default): its values are compared with training=False
    check_layer(ALL[name], (2, 8, 9, 3), (2, 8, 9, 3), call_kwargs={"training": False} if name in RANDOM else None)


def test_check_layer_max_num_bounding_boxes():
    check_layer(lambda: L.MaxNumBoundingBoxes(3), (2, 4, 5, 3), (2, 4, 5, 3))


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_layers_act_unless_training_is_false(name):
    x = _images((6, 8, 9, 3), low=-3, high=3)
    layer = RANDOM[name]()
    t = nf.Tensor(x)
    assert layer(t, training=False) is t
    assert not np.allclose(layer(x, training=True).numpy(), x)
    # Keras 3's call(data, training=True): a plain call augments, and so does a model called without training
    assert not np.allclose(layer(x).numpy(), x)
    model = Sequential([L.Input((8, 9, 3)), RANDOM[name]()])
    assert not np.allclose(model(x).numpy(), x)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_deterministic_layers_at_inference():
    x = _images()
    # AutoContrast and CLAHE always act; Equalization acts unless training=False (Keras' code and defaults).
    for layer in (L.AutoContrast(), L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))):
        want = layer(x, training=True).numpy()
        assert not np.allclose(want, x)
        np.testing.assert_array_equal(layer(x).numpy(), want)
        np.testing.assert_array_equal(layer(x, training=False).numpy(), want)
    eq = L.Equalization()
    assert not np.allclose(eq(x).numpy(), x)
    np.testing.assert_array_equal(eq(x).numpy(), eq(x, training=True).numpy())
    np.testing.assert_array_equal(eq(x, training=False).numpy(), x)
    model = Sequential([L.Input((8, 9, 3)), L.Equalization(), L.AutoContrast()])
    np.testing.assert_allclose(model.predict(x, verbose=0), L.AutoContrast()(x).numpy(), atol=1e-4)


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_seed_reproducible_and_draws_advance(name):
    x = _images((8, 8, 9, 3), low=-3, high=3)
    a, b = RANDOM[name](), RANDOM[name]()
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    assert not np.array_equal(first, a(x, training=True).numpy())
    other = type(a).from_config({**a.get_config(), "name": "other", "seed": 2})
    assert not np.array_equal(first, other(x, training=True).numpy())


@pytest.mark.parametrize("name", sorted(ALL))
def test_unbatched_and_channels_first_follow_the_batched_layout(name):
    x = _images((1, 8, 9, 3), low=-3, high=3)
    batched = ALL[name]()(x, training=True).numpy()
    single = ALL[name]()(x[0], training=True).numpy()
    np.testing.assert_allclose(single, batched[0], rtol=1e-6, atol=1e-5)
    if name == "Pipeline":
        return
    config = {**ALL[name]().get_config(), "data_format": "channels_first"}
    config.pop("name")
    first = type(ALL[name]()).from_config(config)(x.transpose(0, 3, 1, 2), training=True).numpy()
    np.testing.assert_allclose(first.transpose(0, 2, 3, 1), batched, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", ["RandomBrightness", "RandomSharpness", "RandomColorDegeneration", "AugMix",
                                  "RandomElasticTransform", "RandomErasing", "RandomGaussianBlur"])
def test_outputs_stay_in_value_range(name):
    x = _images((8, 8, 9, 3), low=-3, high=3)
    out = RANDOM[name]()(x, training=True).numpy()
    assert out.min() >= -3 and out.max() <= 3


def test_value_range_scales_the_8_bit_operations():
    x = _images((4, 8, 9, 3))
    for make in (lambda vr: L.RandomPosterization((3, 3), value_range=vr),
                 lambda vr: L.Solarization(threshold_factor=(0.5, 0.5), value_range=vr),
                 lambda vr: L.AutoContrast(value_range=vr), lambda vr: L.Equalization(value_range=vr),
                 lambda vr: L.ContrastLimitedAdaptiveHistogramEqualization(vr, tile_grid_size=(2, 2))):
        in_255 = make((0, 255))(x, training=True).numpy()
        in_unit = make((0, 1))(x / 255.0, training=True).numpy()
        np.testing.assert_allclose(in_unit * 255.0, in_255, atol=2e-3)


def test_integer_images_come_out_as_floats():
    x = _images().astype(np.uint8)
    for layer in (L.RandomInvert((1, 1)), L.AutoContrast(), L.Equalization(), L.RandomPosterization(4)):
        out = layer(x, training=True)
        assert out.dtype == np.float32


def test_inside_fit_and_saved_mid_stream(tmp_path):
    x = _images((8, 8, 9, 3)) / 255.0
    y = np.eye(2, dtype=np.float32)[np.arange(8) % 2]
    model = Sequential([L.Input((8, 9, 3)), L.RandAugment(value_range=(0, 1), seed=0),
                        L.RandomColorJitter((0, 1), 0.1, hue_factor=0.1, seed=0), L.Flatten(),
                        L.Dense(2, activation="softmax")])
    model.compile("adam", "categorical_crossentropy")
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    # The composed operations are named after their layer, so a loaded model continues their draws exactly.
    path = str(tmp_path / "m.neuroflow")
    model.save(path)
    loaded = load_model(path)
    for ours, theirs in zip(model.layers[:2], loaded.layers[:2]):
        np.testing.assert_array_equal(ours(x, training=True).numpy(), theirs(x, training=True).numpy())


def test_pipeline_config_keeps_the_layers_and_order():
    pipe = L.Pipeline([L.RandomInvert((1, 1), value_range=(0, 1)), L.AutoContrast(value_range=(0, 1))])
    clone = L.Pipeline.from_config(pipe.get_config())
    assert [type(l).__name__ for l in clone.layers] == ["RandomInvert", "AutoContrast"]
    x = _images() / 255.0
    np.testing.assert_array_equal(clone(x, training=True).numpy(), pipe(x, training=True).numpy())
    np.testing.assert_array_equal(pipe(x).numpy(), pipe(x, training=True).numpy())  # Keras' default: True
    np.testing.assert_array_equal(pipe(x, training=False).numpy(), L.AutoContrast(value_range=(0, 1))(x).numpy())


def test_bad_arguments_name_the_layer():
    with pytest.raises(ConfigError, match="RandomBrightness.*factor"):
        L.RandomBrightness(1.5)
    with pytest.raises(ConfigError, match="RandomHue.*factor"):
        L.RandomHue((0.2, 1.4))
    with pytest.raises(ConfigError, match="value_range"):
        L.RandomSaturation(0.5, value_range=(1, 1))
    with pytest.raises(ConfigError, match="RandomGrayscale.*factor"):
        L.RandomGrayscale(2)
    with pytest.raises(ConfigError, match="RandomPosterization.*factor"):
        L.RandomPosterization(9)
    with pytest.raises(ConfigError, match="kernel_size"):
        L.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(ConfigError, match="RandomErasing.*fill_value"):
        L.RandomErasing(fill_value=(1, 2))
    with pytest.raises(ConfigError, match="fill_mode"):
        L.RandomShear(0.1, fill_mode="mirror")
    with pytest.raises(ConfigError, match="Pipeline.*layers"):
        L.Pipeline([3])
    with pytest.raises(ShapeError, match="RandomHue.*3 channels"):
        L.RandomHue(0.2)(_images((2, 4, 4, 1)), training=True)
    with pytest.raises(ShapeError, match="RandomInvert"):
        L.RandomInvert()(np.zeros((2, 3)), training=True)
