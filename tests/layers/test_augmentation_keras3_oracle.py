"""Keras 3's newer augmentation layers against Keras itself (torch backend) where both sides are deterministic:
the preprocessing layers, and the random ones given a degenerate factor range. Same inputs, float32 tolerance."""
import numpy as np
import pytest

from neuroflow import layers as L

from ..keras_oracle import keras

IMAGES = np.random.default_rng(0).uniform(0, 255, (3, 16, 12, 3)).astype(np.float32)
ONE = IMAGES[:1]
UNIT = IMAGES / 255.0
ODD = IMAGES[:, :15, :11]

CASES = [
    ("AutoContrast", {}, IMAGES, 1e-4),
    ("AutoContrast", {"value_range": (0, 1)}, UNIT, 1e-6),
    # Keras pools Equalization's histogram over the batch; neuroflow equalizes each image: one image agrees.
    ("Equalization", {}, ONE, 0),
    ("Equalization", {"bins": 64}, ONE, 0),
    ("Equalization", {"value_range": (0, 1)}, ONE / 255.0, 1e-6),
    ("Equalization", {}, IMAGES[1], 0),
    # Padded for the tiling by one row and column: Keras' torch backend pads 'symmetric' as 'replicate', which is
    # the same for one pixel (neuroflow pads symmetrically, as the other backends do).
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (4, 3), "clip_limit": 0.0}, ODD, 2e-3),
    # A whole-number histogram limit (8 * 8 * 4 / 256 = 1): Keras' torch backend truncates it to an integer.
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (2, 3), "clip_limit": 8.0}, IMAGES, 2e-3),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (2, 2), "value_range": (0, 1),
                                                      "clip_limit": 0.0}, UNIT, 1e-5),
    ("Solarization", {}, IMAGES, 0),
    ("Solarization", {"value_range": (0, 1)}, UNIT, 1e-6),
    ("RandomInvert", {"factor": (1, 1)}, IMAGES, 0),
    ("RandomGrayscale", {"factor": 1.0}, IMAGES, 1e-4),
    ("RandomBrightness", {"factor": (0.1, 0.1)}, IMAGES, 1e-4),
    ("RandomBrightness", {"factor": (-0.3, -0.3), "value_range": (0, 1)}, UNIT, 1e-6),
    ("RandomSaturation", {"factor": (0.3, 0.3)}, IMAGES, 1e-3),
    ("RandomSaturation", {"factor": (0.6, 0.6), "value_range": (0, 1)}, UNIT, 1e-5),
    ("RandomHue", {"factor": (1.0, 1.0)}, IMAGES, 1e-3),  # +1/2 and -1/2 of a turn are the same hue
    ("RandomHue", {"factor": (0.0, 0.0), "value_range": (0, 1)}, UNIT, 1e-5),
    ("RandomColorDegeneration", {"factor": (0.4, 0.4)}, IMAGES, 1e-4),
    ("RandomSharpness", {"factor": (0.3, 0.3)}, IMAGES, 1e-3),
    ("RandomSharpness", {"factor": (0.9, 0.9), "value_range": (0, 1)}, UNIT, 1e-5),
    ("RandomPosterization", {"factor": (3, 3)}, IMAGES, 0),
    ("RandomPosterization", {"factor": (5, 5), "value_range": (0, 1)}, UNIT, 1e-6),
    ("RandomGaussianBlur", {"factor": (1, 1), "sigma": (0.7, 0.7), "kernel_size": 5}, IMAGES, 1e-3),
    ("RandomColorJitter", {"brightness_factor": (0.1, 0.1), "saturation_factor": (0.6, 0.6),
                           "hue_factor": (1.0, 1.0)}, IMAGES, 2e-3),
]


@pytest.mark.parametrize("name,kwargs,images,atol", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras(name, kwargs, images, atol):
    k = keras()
    want = np.asarray(getattr(k.layers, name)(**kwargs)(images, training=True))
    got = getattr(L, name)(**kwargs)(images, training=True).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=atol)


@pytest.mark.parametrize("name,kwargs", [("RandomGrayscale", {"factor": 1.0}),
                                         ("RandomSaturation", {"factor": (0.3, 0.3)}),
                                         ("RandomSharpness", {"factor": (0.3, 0.3)}),
                                         ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (2, 3),
                                                                                          "clip_limit": 0.0})])
def test_matches_keras_channels_first(name, kwargs):
    k = keras()
    x = IMAGES.transpose(0, 3, 1, 2)
    want = np.asarray(getattr(k.layers, name)(data_format="channels_first", **kwargs)(x, training=True))
    got = getattr(L, name)(data_format="channels_first", **kwargs)(x, training=True).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-3)


@pytest.mark.parametrize("training", [True, False])
def test_pipeline_matches_keras(training):
    k = keras()
    theirs = k.layers.Pipeline([k.layers.Equalization(), k.layers.RandomInvert(factor=(1, 1)),
                                k.layers.Solarization(), k.layers.AutoContrast()])
    ours = L.Pipeline([L.Equalization(), L.RandomInvert(factor=(1, 1)), L.Solarization(), L.AutoContrast()])
    np.testing.assert_allclose(ours(ONE, training=training).numpy(), np.asarray(theirs(ONE, training=training)),
                               atol=1e-4)


def test_inference_behaviour_matches_keras():
    k = keras()
    for name in ("AutoContrast", "Equalization", "ContrastLimitedAdaptiveHistogramEqualization", "Solarization",
                 "RandomBrightness"):
        kwargs = {"RandomBrightness": {"factor": 0.5},
                  "ContrastLimitedAdaptiveHistogramEqualization": {"tile_grid_size": (2, 2), "clip_limit": 0.0}
                  }.get(name, {})
        want = np.asarray(getattr(k.layers, name)(**kwargs)(ONE, training=False))
        got = getattr(L, name)(**kwargs)(ONE, training=False).numpy()
        np.testing.assert_allclose(got, want, atol=1e-4, err_msg=name)


def test_max_num_bounding_boxes_matches_keras():
    k = keras()
    boxes = np.random.default_rng(1).uniform(0, 10, (2, 5, 4)).astype(np.float32)
    labels = np.arange(10, dtype=np.int32).reshape(2, 5)
    for n in (3, 7):
        data = {"images": ONE.repeat(2, 0), "bounding_boxes": {"boxes": boxes, "labels": labels}}
        want = k.layers.MaxNumBoundingBoxes(n, bounding_box_format="xyxy")(dict(data))["bounding_boxes"]
        got = L.MaxNumBoundingBoxes(n, bounding_box_format="xyxy")(dict(data))["bounding_boxes"]
        np.testing.assert_array_equal(got["boxes"].numpy(), np.asarray(want["boxes"]))
        np.testing.assert_array_equal(got["labels"].numpy(), np.asarray(want["labels"]))
