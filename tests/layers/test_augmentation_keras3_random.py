"""Keras 3's newer augmentation layers, statistically and exactly where the draw can be read back: shifts,
probabilities and strengths inside their factor ranges; MixUp/CutMix images and labels mixed by the same
weights; dict inputs with labels and bounding boxes."""
import numpy as np
import pytest

from neuroflow import layers as L
from neuroflow.errors import ConfigError
from neuroflow.ops import image as image_ops
from tests.conftest import host


def _images(shape=(64, 8, 9, 3), low=0.0, high=255.0, seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


def _hsv(x):
    return image_ops.rgb_to_hsv(x / 255.0).numpy()


def test_brightness_shift_inside_the_factor_range():
    x = _images(low=100, high=150)
    out = L.RandomBrightness((0.05, 0.15), seed=0)(x, training=True).numpy()
    shift = (out - x).mean(axis=(1, 2, 3))
    assert shift.min() >= 0.05 * 255 - 1e-3 and shift.max() <= 0.15 * 255 + 1e-3
    assert shift.std() > 3  # each image draws its own
    np.testing.assert_allclose(out - x, shift[:, None, None, None] * np.ones_like(x), atol=1e-3)


@pytest.mark.parametrize("make,share", [(lambda: L.RandomInvert((0.3, 0.3), seed=0), 0.3),
                                        (lambda: L.RandomGrayscale(0.7, seed=0), 0.7)])
def test_probability_of_applying(make, share):
    x = _images((400, 4, 4, 3))
    out = make()(x, training=True).numpy()
    changed = np.abs(out - x).max(axis=(1, 2, 3)) > 1e-3
    assert abs(changed.mean() - share) < 0.08
    if isinstance(make(), L.RandomGrayscale):
        assert np.allclose(out[changed][..., 0], out[changed][..., 2])


def test_hue_rotates_by_half_the_factor_either_way():
    x = _images((32, 4, 4, 3))
    out = L.RandomHue((0.2, 0.2), seed=0)(x, training=True).numpy()
    turn = (_hsv(out)[..., 0] - _hsv(x)[..., 0]) % 1.0
    near = np.minimum(np.abs(turn - 0.1), np.abs(turn - 0.9))
    assert near.max() < 1e-3
    signs = np.round(turn[:, 0, 0] * 10)  # 1 for +0.1, 9 for -0.1
    assert set(signs) == {1.0, 9.0}


def test_saturation_scales_by_f_over_one_minus_f():
    x = _images((8, 4, 4, 3))
    out = L.RandomSaturation((0.25, 0.25), seed=0)(x, training=True).numpy()
    np.testing.assert_allclose(_hsv(out)[..., 1], _hsv(x)[..., 1] / 3.0, atol=1e-4)


def test_posterization_keeps_the_top_bits():
    x = _images((16, 4, 4, 3))
    out = L.RandomPosterization((3, 3))(x, training=True).numpy()
    np.testing.assert_array_equal(out, np.floor(x / 32) * 32)
    bits = L.RandomPosterization(8, seed=0)(x, training=True).numpy()
    steps = [np.gcd.reduce(img.astype(np.int64).ravel()) for img in bits]
    assert set(steps) <= {1, 2, 4, 8, 16, 32, 64, 128} and len(set(steps)) > 2  # bits drawn from [1, 8)


def test_solarization_inverts_above_the_threshold():
    x = _images((4, 8, 8, 3))
    out = L.Solarization(threshold_factor=(0.5, 0.5))(x, training=True).numpy()
    np.testing.assert_allclose(out, np.where(x < 127.5, x, 255 - x), atol=1e-4)


def test_sharpness_half_is_identity_and_degeneration_one_is_gray():
    x = _images((4, 8, 8, 3))
    np.testing.assert_allclose(L.RandomSharpness((0.5, 0.5))(x, training=True).numpy(), x, atol=1e-4)
    gray = L.RandomColorDegeneration((1, 1))(x, training=True).numpy()
    np.testing.assert_allclose(gray, np.repeat(image_ops.rgb_to_grayscale(x).numpy(), 3, axis=-1), atol=1e-3)


def test_shear_is_one_of_the_two_signed_shears():
    x = _images((16, 8, 8, 1))
    out = L.RandomShear((0.3, 0.3), fill_mode="constant", seed=0)(x, training=True).numpy()
    one, zero = np.ones(16), np.zeros(16)

    def sheared(s):
        m = np.stack([one, s * one, zero, zero, one, zero, zero, zero], axis=1)
        return image_ops.affine_transform(x, m, fill_mode="constant").numpy()

    plus, minus = sheared(0.3), sheared(-0.3)
    err = np.minimum(np.abs(out - plus).max(axis=(1, 2, 3)), np.abs(out - minus).max(axis=(1, 2, 3)))
    assert err.max() < 1e-4


def test_warps_without_strength_or_chance_are_identity():
    x = _images((4, 8, 8, 3))
    for layer in (L.RandomPerspective(scale=0.0), L.RandomPerspective(factor=0.0), L.RandomElasticTransform(scale=0),
                  L.RandomGaussianBlur(factor=0.0), L.RandomErasing(factor=0.0)):
        np.testing.assert_allclose(layer(x, training=True).numpy(), x, atol=1e-3, err_msg=type(layer).__name__)


def test_erasing_cuts_one_box_of_the_drawn_size():
    x = np.ones((64, 20, 20, 1), np.float32)
    out = L.RandomErasing(factor=(1, 1), scale=(0.1, 0.3), fill_value=0.0, seed=0)(x, training=True).numpy()
    erased = out[..., 0] == 0
    rows, cols = erased.any(axis=2), erased.any(axis=1)
    np.testing.assert_array_equal(erased, rows[:, :, None] & cols[:, None, :])  # a rectangle
    share = erased.mean(axis=(1, 2))
    assert share.min() > 0.02 and share.max() < 0.45


def test_equalization_flattens_a_skewed_histogram():
    x = (_images((1, 64, 64, 1), 0, 1) ** 3 * 255).astype(np.float32)
    out = L.Equalization()(x).numpy()
    assert np.histogram(x, bins=4, range=(0, 256))[0].max() > 0.5 * x.size
    assert np.histogram(out, bins=4, range=(0, 256))[0].max() < 0.4 * x.size  # level 0 alone holds 16 %


def test_mixup_mixes_images_and_labels_by_the_same_weights():
    x, labels = _images((8, 4, 4, 3)), np.eye(8, dtype=np.float32)
    out = L.MixUp(alpha=1.0, seed=3)({"images": x, "labels": labels}, training=True)
    images, mixed = out["images"].numpy(), out["labels"].numpy()
    np.testing.assert_allclose(mixed.sum(axis=1), 1.0, atol=1e-6)
    rebuilt = np.einsum("ij,jhwc->ihwc", mixed, x)  # row i: w at i, 1 - w at its partner
    np.testing.assert_allclose(images, rebuilt, rtol=1e-5, atol=1e-3)
    assert (mixed.max(axis=1) < 0.999).any()


def test_cutmix_pastes_a_box_and_mixes_labels_by_area():
    x, labels = _images((16, 20, 20, 1), seed=1), np.eye(16, dtype=np.float32)
    out = L.CutMix(seed=0)({"images": x, "labels": labels}, training=True)
    images, mixed = out["images"].numpy(), out["labels"].numpy()
    np.testing.assert_allclose(mixed.sum(axis=1), 1.0, atol=1e-6)
    for i in range(16):
        others = np.where(np.arange(16) == i, -1.0, mixed[i])
        partner = int(np.argmax(others)) if others.max() > 0 else i
        pasted = images[i] != x[i]
        np.testing.assert_array_equal(images[i][pasted], x[partner][pasted])
        assert abs(pasted.mean() - (1 - mixed[i, i])) < 0.15  # pixel grid vs the real-valued box


def test_dict_inputs():
    x, y = _images((4, 8, 8, 3)), np.eye(4, dtype=np.float32)
    out = L.RandomInvert((1, 1))({"images": x, "labels": y}, training=True)
    np.testing.assert_array_equal(out["images"].numpy(), 255 - x)
    np.testing.assert_array_equal(out["labels"].numpy(), y)
    same = L.MixUp(seed=0)({"images": x, "labels": y}, training=False)  # unchanged
    np.testing.assert_array_equal(same["images"].numpy(), x)
    plain = L.MixUp(seed=0)({"images": x, "labels": y})  # no training argument: Keras' default, it mixes
    assert not np.allclose(plain["images"].numpy(), x) and not np.allclose(plain["labels"].numpy(), y)
    single = L.MixUp(seed=0)({"images": x[0], "labels": y[0]}, training=True)  # one image mixes with itself
    np.testing.assert_allclose(single["images"].numpy(), x[0], atol=1e-3)
    assert single["labels"].shape == (4,)


def test_bounding_boxes():
    x = _images((4, 8, 8, 3))
    boxes = {"boxes": np.random.default_rng(0).uniform(0, 8, (4, 2, 4)).astype(np.float32),
             "labels": np.arange(8).reshape(4, 2)}
    out = L.MixUp(seed=0, bounding_box_format="xyxy")({"images": x, "bounding_boxes": boxes}, training=True)
    assert out["bounding_boxes"]["boxes"].shape == (4, 4, 4) and out["bounding_boxes"]["labels"].shape == (4, 4)
    np.testing.assert_array_equal(out["bounding_boxes"]["boxes"].numpy()[:, :2], boxes["boxes"])
    kept = L.RandomBrightness(0.2, bounding_box_format="xyxy")({"images": x, "bounding_boxes": boxes},
                                                               training=True)
    np.testing.assert_array_equal(host(kept["bounding_boxes"]["boxes"]), boxes["boxes"])
    with pytest.raises(ConfigError, match="MixUp.*bounding_box_format"):
        L.MixUp()({"images": x, "bounding_boxes": boxes}, training=True)
    with pytest.raises(ConfigError, match="RandomShear.*bounding_boxes are not supported"):
        L.RandomShear(0.2, bounding_box_format="xyxy")({"images": x, "bounding_boxes": boxes}, training=True)
    with pytest.raises(ConfigError, match="CutMix.*bounding_boxes are not supported"):
        L.CutMix(bounding_box_format="xyxy")({"images": x, "bounding_boxes": boxes}, training=True)
    padded = L.MaxNumBoundingBoxes(3)({"images": x, "bounding_boxes": boxes})["bounding_boxes"]
    np.testing.assert_array_equal(padded["labels"].numpy()[:, 2], -1)


def test_policies_compose_their_operations():
    x = _images((8, 8, 8, 3))
    np.testing.assert_array_equal(L.RandAugment(num_ops=0)(x, training=True).numpy(), x)
    out = L.RandAugment(num_ops=3, seed=0)(x, training=True).numpy()
    assert out.shape == x.shape and not np.allclose(out, x)
    mixed = L.AugMix(seed=0, chain_depth=2, all_ops=False)(x, training=True).numpy()
    assert 0 <= mixed.min() and mixed.max() <= 255 and not np.allclose(mixed, x)
