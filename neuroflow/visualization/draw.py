"""Masks and boxes drawn into batches of images, in NumPy (Keras' ``draw_segmentation_masks`` and
``draw_bounding_boxes``).

``draw_segmentation_masks``: Keras' colours (its palette ``(i * [2**25-1, 2**15-1, 2**21-1]) % 255``) and blend,
the same uint8 result. ``draw_bounding_boxes``: Keras draws with OpenCV; neuroflow draws the rectangles' edges
with array slices (same corners, same ``line_thickness``, boxes labelled ``-1`` skipped) and does not rasterise
the class-name text (``plot_bounding_box_gallery`` writes the names as matplotlib text instead).
"""
from __future__ import annotations

import numpy as np

from .. import config as nf_config
from ..errors import ConfigError, DTypeError, ShapeError

BOX_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx", "rel_xywh",
               "rel_center_xywh")


def _numpy(x):
    return np.asarray(getattr(x, "data", x))


def _channels_last(images, data_format, who):
    images = _numpy(images)
    if images.ndim != 4:
        raise ShapeError(f"{who}: images must be a batch (batch, height, width, channels), got shape {images.shape}")
    data_format = data_format or nf_config.image_data_format()
    return images.transpose(0, 2, 3, 1) if data_format == "channels_first" else images


def color_palette(num_classes: int) -> list:
    """Keras' class colours: ``num_classes`` RGB triples."""
    palette = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1])
    return [((i * palette) % 255).tolist() for i in range(num_classes)]


def draw_segmentation_masks(images, segmentation_masks, num_classes=None, color_mapping=None, alpha=0.8, blend=True,
                            ignore_index=-1, data_format=None):
    """Overlay class masks on images. Shapes: images (batch, h, w, c), masks (batch, h, w[, 1]) of integer class
    ids -> the images with each class painted (blended by ``alpha``), uint8 when ``blend``."""
    images = _channels_last(images, data_format, "draw_segmentation_masks").astype("float32")
    masks = _numpy(segmentation_masks)
    if data_format == "channels_first" and masks.ndim == 4:
        masks = masks.transpose(0, 2, 3, 1)
    if masks.dtype.kind not in "iu":
        raise DTypeError(f"draw_segmentation_masks: segmentation_masks must hold integer class ids, got dtype "
                         f"{masks.dtype}")
    if masks.ndim == 4:
        masks = masks[..., 0]
    if masks.shape != images.shape[:3]:
        raise ShapeError(f"draw_segmentation_masks: masks of shape {masks.shape} do not cover images of shape "
                         f"{images.shape}")
    num_classes = int(masks.max()) if num_classes is None else int(num_classes)
    colors = color_palette(num_classes) if color_mapping is None else [color_mapping[i] for i in range(num_classes)]
    painted = images.copy()
    for cls, color in enumerate(colors):  # one pass per class, vectorised over the pixels
        painted[masks == cls] = np.asarray(color, dtype="float32")
    if not blend:
        return painted
    out = images * (1 - alpha) + painted * alpha
    out = np.where((masks != ignore_index)[..., None], out, images)
    return out.astype("uint8")


def to_xyxy(boxes, bounding_box_format, height, width):
    """Boxes (..., 4) in ``bounding_box_format`` -> absolute ``xyxy`` float32 corners."""
    if bounding_box_format not in BOX_FORMATS:
        raise ConfigError(f"bounding_box_format must be one of {list(BOX_FORMATS)}, got {bounding_box_format!r}")
    b = _numpy(boxes).astype("float32")
    fmt = bounding_box_format
    if fmt.startswith("rel_"):
        scale = np.array([width, height, width, height], "float32")
        if fmt in ("rel_yxyx",):
            scale = scale[[1, 0, 3, 2]]
        b, fmt = b * scale, fmt[4:]
    a0, a1, a2, a3 = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    if fmt == "xyxy":
        out = (a0, a1, a2, a3)
    elif fmt == "yxyx":
        out = (a1, a0, a3, a2)
    elif fmt == "xywh":
        out = (a0, a1, a0 + a2, a1 + a3)
    elif fmt == "center_xywh":
        out = (a0 - a2 / 2, a1 - a3 / 2, a0 + a2 / 2, a1 + a3 / 2)
    else:  # center_yxhw
        out = (a1 - a3 / 2, a0 - a2 / 2, a1 + a3 / 2, a0 + a2 / 2)
    return np.stack(out, axis=-1)


def as_uint8(images):
    """Keras' rule: floats up to 1 are scaled by 255, others clipped to [0, 255]."""
    if images.dtype.kind == "f" and images.size:
        images = np.clip(images, 0, 1) * 255 if images.max() <= 1.0 else np.clip(images, 0, 255)
    return images.astype("uint8")


def draw_bounding_boxes(images, bounding_boxes, bounding_box_format, class_mapping=None, color=(128, 128, 128),
                        line_thickness=2, text_thickness=1, font_scale=1.0, data_format=None):
    """Draw each box's edges into a copy of the images. Shapes: images (batch, h, w, c); ``bounding_boxes`` a
    dict with ``boxes`` (batch, n, 4) and ``labels`` (batch, n) (``-1`` = no box) -> uint8 (batch, h, w, c)."""
    images = _channels_last(images, data_format, "draw_bounding_boxes")
    if not isinstance(bounding_boxes, dict) or "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ConfigError("draw_bounding_boxes: bounding_boxes must be a dict with 'boxes' and 'labels'")
    out = as_uint8(images).copy()
    height, width = out.shape[1:3]
    boxes = to_xyxy(bounding_boxes["boxes"], bounding_box_format, height, width).astype("int64")
    labels = _numpy(bounding_boxes["labels"]).astype("int64")
    color = np.asarray(color, dtype="uint8")[: out.shape[-1]]
    t = max(int(line_thickness), 1)
    for i, j in zip(*np.nonzero(labels != -1)):  # a loop over boxes (a handful), never over pixels
        x1, y1, x2, y2 = np.clip(boxes[i, j], 0, [width - 1, height - 1, width - 1, height - 1])
        half = t // 2
        out[i, max(y1 - half, 0):y1 - half + t, x1:x2 + 1] = color
        out[i, max(y2 - half, 0):y2 - half + t, x1:x2 + 1] = color
        out[i, y1:y2 + 1, max(x1 - half, 0):x1 - half + t] = color
        out[i, y1:y2 + 1, max(x2 - half, 0):x2 - half + t] = color
    return out
