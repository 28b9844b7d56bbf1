"""What Keras 3's newer image-augmentation layers share: their factor and ``value_range`` conventions and the
dict inputs ``{"images": ..., "labels": ..., "bounding_boxes": ...}`` they accept; and ``MaxNumBoundingBoxes``.

Shapes: images as for :mod:`neuroflow.layers.augmentation` (``(batch, h, w, c)``, channels_first, or one image);
``labels`` ``(batch, ...)``; ``bounding_boxes`` a dict ``{"boxes": (batch, n, 4), "labels": (batch, n)}``.
"""
from __future__ import annotations

from .. import _validate as check
from .. import backend
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from ..ops import image as image_ops
from ..registry import register_builtin
from .augmentation import _factor_range, _ImageAugmentation, resolve_training
from .base import Layer


def keras_factor(factor, arg: str, where: str, bounds=(0.0, 1.0)):
    """Keras' ``_set_factor``: a number ``f`` -> ``(max(-|f|, low), |f|)`` (so ``(0, f)`` for bounds ``(0, 1)``,
    ``(-f, f)`` for ``(-1, 1)``), a pair -> ``sorted(pair)``; every value inside ``bounds``."""
    if check.is_number(factor) and not isinstance(factor, bool):
        f = float(factor)
        if not bounds[0] <= f <= bounds[1]:
            raise ConfigError(f"{where}: {arg} must lie in [{bounds[0]}, {bounds[1]}], got {factor!r}")
        return max(-abs(f), float(bounds[0])), abs(f)
    return _factor_range(factor, arg, where, bounds=bounds)


def parse_value_range(value_range, where: str):
    """``(low, high)`` as floats, sorted as Keras sorts them; low < high."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2 \
            or not all(check.is_number(v) for v in value_range) or value_range[0] == value_range[1]:
        raise ConfigError(f"{where}: value_range must be (low, high) with low < high, got {value_range!r}")
    low, high = sorted(float(v) for v in value_range)
    return low, high


def rescale(images, source, target):
    """Map values linearly from the range ``source`` to ``target`` (identity when they are equal)."""
    if tuple(source) == tuple(target):
        return images
    scale = (target[1] - target[0]) / (source[1] - source[0])
    return ((images - source[0]) * scale + target[0]).astype(images.dtype, copy=False)


def random_boxes(rng, h: int, w: int, height_share, width_share):
    """One box per image covering ``height_share`` of the height and ``width_share`` of the width (each
    ``(batch,)``, on the images' device) at a uniformly random place. Returns its mask ``(batch, h, w, 1)`` (a
    pixel is in when its index lies in ``[start, start + length)``) and its real-valued share of the image area
    ``(batch,)``, both on the shares' device. ``rng``: a generator drawing on that device (``self._draws``)."""
    xp = get_array_module(height_share, width_share)

    def span(size, share):
        length = share * size
        start = rng.random(share.shape[0]) * (size - length)
        return start[:, None, None, None], (start + length)[:, None, None, None]

    x0, x1 = span(w, width_share)
    y0, y1 = span(h, height_share)
    gx, gy = xp.arange(w)[None, None, :, None], xp.arange(h)[None, :, None, None]
    mask = (gx >= x0) & (gx < x1) & (gy >= y0) & (gy < y1)
    return mask, ((x1 - x0) * (y1 - y0)).reshape(-1) / (w * h)


def _array(x):
    """The array of a Tensor, or host data copied to the current device (as ``Tensor(x)`` does)."""
    return x.data if isinstance(x, Tensor) else backend.to_device(x)


class _DataAugmentation(_ImageAugmentation):
    """An augmentation that also takes Keras' dict inputs.

    ``{"images": x, "labels": y, "bounding_boxes": {...}, ...}``: the images are augmented as a plain input
    would be; the labels (and boxes) go through ``_augment_data`` with them, from the same draw (unchanged
    unless the layer mixes samples). Layers that move no pixels (``_MOVES_PIXELS = False``) pass boxes and
    ``segmentation_masks`` unchanged; others, unless they transform boxes (``_BOXES = True``), raise a
    ConfigError naming the layer. As in Keras, boxes need ``bounding_box_format``.
    """

    _MOVES_PIXELS = True
    _BOXES = False

    def __init__(self, *args, bounding_box_format=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.bounding_box_format = bounding_box_format

    def _augment_data(self, images, labels, boxes):
        """``(images, labels, boxes)`` augmented with one draw; ``labels`` and ``boxes`` may be None.
        Shapes: images ``(b, h, w, c)``, labels ``(b, ...)``, boxes ``{"boxes": (b, n, 4), "labels": (b, n)}``."""
        return self._augment(images), labels, boxes

    def _chosen(self, images):
        """Which images of ``images`` ``(b, h, w, c)`` a change applies to: ``(b, 1, 1, 1)`` bool on their device,
        each with probability ``p``, ``p`` drawn per image from ``self.factor`` (Keras' two-draw rule)."""
        b, rng = images.shape[0], self._draws(images)
        p = rng.uniform(*self.factor, size=b)
        return (rng.random(b) < p)[:, None, None, None]

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            return self._call_dict(inputs, resolve_training(training))
        return super().call(inputs, training)

    def _check_entries(self, data, training, where):
        if "images" not in data:
            raise ShapeError(f"{where}: a dict input needs an 'images' entry, got keys {sorted(data)}")
        if "bounding_boxes" in data:
            if self.bounding_box_format is None:
                raise ConfigError(f"{where}: the input has 'bounding_boxes' but the layer has no "
                                  "bounding_box_format; pass e.g. bounding_box_format='xyxy'")
            if training and self._MOVES_PIXELS and not self._BOXES:
                raise ConfigError(f"{where}: bounding_boxes are not supported by this layer in neuroflow (its "
                                  "box transform is not built); pass only images and labels")
        if "segmentation_masks" in data and training and self._MOVES_PIXELS:
            raise ConfigError(f"{where}: segmentation_masks are not supported by this layer in neuroflow")

    def _call_dict(self, data, training):
        where = f"{type(self).__name__} {self.name!r}"
        self._check_entries(data, training, where)
        out = dict(data)
        if not training:
            out["images"] = self._inference(data["images"])
            return out
        arr = _array(data["images"]).astype(self.dtype, copy=False)
        x, unbatched = image_ops.to_batched_last(arr, self.data_format, where)
        labels, boxes = data.get("labels"), data.get("bounding_boxes")
        if labels is not None:
            labels = _array(labels)
            labels = labels[None] if unbatched else labels
            if labels.shape[:1] != x.shape[:1]:
                raise ShapeError(f"{where}: labels must have one row per image ({x.shape[0]}), got shape "
                                 f"{labels.shape}")
        if boxes is not None and self._MOVES_PIXELS:
            boxes = {k: (_array(v)[None] if unbatched else _array(v)) for k, v in boxes.items()}
        images, labels, boxes = self._augment_data(x, labels, boxes)
        out["images"] = Tensor._from_op(image_ops.from_batched_last(images, self.data_format, unbatched), None)
        if labels is not None:
            out["labels"] = Tensor._from_op(labels[0] if unbatched else labels, None)
        if boxes is not None and self._MOVES_PIXELS:
            out["bounding_boxes"] = {k: Tensor._from_op(v[0] if unbatched else v, None) for k, v in boxes.items()}
        return out

    def get_config(self):
        config = super().get_config()
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config


@register_builtin
class MaxNumBoundingBoxes(Layer):
    """Pads or trims each image's bounding boxes to exactly ``max_number`` (Keras' ``MaxNumBoundingBoxes``).

    Takes a dict ``{"images": ..., "bounding_boxes": {"boxes": (batch, n, 4), "labels": (batch, n)}}`` and
    returns it with boxes ``(batch, max_number, 4)`` and labels ``(batch, max_number)``: extra boxes are cut
    off, missing ones are filled with ``fill_value``. Images and other entries pass unchanged; a plain image
    input is returned as it is.

    Args: ``max_number`` (int > 0), ``fill_value`` (int, default -1), ``bounding_box_format`` (recorded only).
    """

    def __init__(self, max_number, fill_value=-1, bounding_box_format=None, **kwargs):
        super().__init__(**kwargs)
        who = f"MaxNumBoundingBoxes {self.name!r}"
        self.max_number = check.positive_int(max_number, who, "max_number")
        self.fill_value = check.integer(fill_value, who, "fill_value")
        self.bounding_box_format = bounding_box_format

    def _pad_or_trim(self, x, fill):
        x = x[:, :self.max_number]
        missing = self.max_number - x.shape[1]
        if missing > 0:
            width = [(0, 0), (0, missing)] + [(0, 0)] * (x.ndim - 2)
            x = get_array_module(x).pad(x, width, constant_values=fill)
        return x

    def call(self, inputs):
        if not isinstance(inputs, dict) or "bounding_boxes" not in inputs:
            return inputs
        boxes = inputs["bounding_boxes"]
        who = f"MaxNumBoundingBoxes {self.name!r}"
        if not isinstance(boxes, dict) or set(boxes) - {"boxes", "labels"} or "boxes" not in boxes:
            raise ConfigError(f"{who}: bounding_boxes must be a dict with 'boxes' and 'labels', got "
                              f"{sorted(boxes) if isinstance(boxes, dict) else type(boxes).__name__}")
        b = _array(boxes["boxes"])
        if b.ndim != 3 or b.shape[-1] != 4:
            raise ShapeError(f"{who}: boxes must have shape (batch, n, 4), got {b.shape}")
        out = dict(inputs)
        new = {"boxes": Tensor._from_op(self._pad_or_trim(b, self.fill_value).astype(b.dtype), None)}
        if "labels" in boxes:
            lab = _array(boxes["labels"])
            new["labels"] = Tensor._from_op(self._pad_or_trim(lab, self.fill_value).astype(lab.dtype), None)
        out["bounding_boxes"] = new
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_number": self.max_number, "fill_value": self.fill_value,
                "bounding_box_format": self.bounding_box_format}
