"""``keras.visualization``: the drawing functions against Keras 3 where Keras draws without OpenCV
(``draw_segmentation_masks``), and the galleries written to files."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError, DTypeError

from tests.keras_oracle import keras as keras_oracle

IMAGES = np.random.default_rng(0).uniform(0, 255, size=(2, 8, 8, 3)).astype("float32")
MASKS = np.random.default_rng(1).integers(0, 4, size=(2, 8, 8, 1)).astype("int32")


@pytest.mark.parametrize("blend", [True, False])
def test_draw_segmentation_masks_matches_keras(blend):
    got = nf.visualization.draw_segmentation_masks(IMAGES, MASKS, num_classes=4, blend=blend, alpha=0.6)
    keras = keras_oracle()
    want = keras.ops.convert_to_numpy(
        keras.visualization.draw_segmentation_masks(IMAGES, MASKS, num_classes=4, blend=blend, alpha=0.6))
    assert got.dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(got, want)


def test_draw_bounding_boxes_paints_the_edges_only():
    boxes = {"boxes": np.array([[[1, 2, 6, 5]], [[0, 0, 0, 0]]], "float32"), "labels": np.array([[3], [-1]])}
    black = np.zeros((2, 8, 8, 3), "uint8")
    out = nf.visualization.draw_bounding_boxes(black, boxes, "xyxy", color=(255, 0, 0), line_thickness=1)
    painted = out[0, ..., 0] == 255
    expected = np.zeros((8, 8), bool)
    expected[2, 1:7] = expected[5, 1:7] = expected[2:6, 1] = expected[2:6, 6] = True
    np.testing.assert_array_equal(painted, expected)
    assert not out[1].any()  # label -1: no box
    rel = {"boxes": np.array([[[0.5, 0.5, 0.25, 0.25]]], "float32"), "labels": np.array([[0]])}
    centred = nf.visualization.draw_bounding_boxes(black[:1], rel, "rel_center_xywh", line_thickness=1)
    assert centred[0, 3, 3:6].all() and not centred[0, 0].any()


def test_galleries_write_files(tmp_path):
    vis = nf.visualization
    vis.plot_image_gallery(IMAGES, y_true=np.array([0, 1]), y_pred=np.array([1, 1]), label_map={0: "a", 1: "b"},
                           path=tmp_path / "images.png")
    vis.plot_segmentation_mask_gallery(IMAGES, num_classes=4, y_true=MASKS, y_pred=MASKS,
                                       path=tmp_path / "masks.png")
    boxes = {"boxes": np.array([[[1, 1, 5, 5]]] * 2, "float32"), "labels": np.array([[1]] * 2)}
    vis.plot_bounding_box_gallery(IMAGES, "xyxy", y_true=boxes, y_pred=boxes, class_mapping={1: "cat"},
                                  legend=True, path=tmp_path / "boxes.png")
    for name in ("images.png", "masks.png", "boxes.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_arguments_name_themselves():
    with pytest.raises(ConfigError, match="label_map"):
        nf.visualization.plot_image_gallery(IMAGES, y_true=np.array([0, 1]))
    with pytest.raises(DTypeError, match="integer class ids"):
        nf.visualization.draw_segmentation_masks(IMAGES, MASKS.astype("float32"))
    with pytest.raises(ConfigError, match="bounding_box_format"):
        nf.visualization.draw_bounding_boxes(IMAGES, {"boxes": np.zeros((2, 1, 4)), "labels": np.zeros((2, 1))},
                                             "corners")
