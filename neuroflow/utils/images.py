"""Image files (Keras' ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``,
``image_dataset_from_directory``), through Pillow (``pip install "neuroflow[images]"``).

Arrays are ``(height, width, channels)`` (``channels_last``, the default) or ``(channels, height, width)``; pixel
values stay in 0-255 unless ``scale=True`` asks ``array_to_img`` to stretch them.
"""
from __future__ import annotations

import io
import os

import numpy as np

from ..backend import default_float_dtype, image_data_format
from ..data.directory import check_split, labelled_files, split_and_batch
from ..errors import ConfigError, DataError, MissingDependencyError
from ..ops import convert_to_numpy

_EXTENSIONS = (".jpeg", ".jpg", ".png", ".bmp", ".gif")
_INTERPOLATIONS = {"nearest": 0, "bilinear": 2, "bicubic": 3, "lanczos": 1, "box": 4, "hamming": 5}


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise MissingDependencyError("image files need Pillow: pip install 'neuroflow[images]'") from None
    return Image


def _format(data_format):
    fmt = data_format or image_data_format()
    if fmt not in ("channels_last", "channels_first"):
        raise ConfigError(f"data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    return fmt


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """A ``PIL.Image`` read from ``path`` (or a file object), converted to ``color_mode`` (``"grayscale"``,
    ``"rgb"``, ``"rgba"``) and resized to ``target_size=(height, width)`` when given."""
    image = _pil()
    if color_mode not in ("grayscale", "rgb", "rgba"):
        raise ConfigError(f"load_img: color_mode must be 'grayscale', 'rgb' or 'rgba', got {color_mode!r}")
    if interpolation not in _INTERPOLATIONS:
        raise ConfigError(f"load_img: interpolation must be one of {sorted(_INTERPOLATIONS)}, got {interpolation!r}")
    try:
        if isinstance(path, (str, os.PathLike)):
            with open(path, "rb") as f:
                img = image.open(io.BytesIO(f.read()))
        else:
            img = image.open(path)
        img.load()
    except OSError as err:
        raise DataError(f"load_img: cannot read an image from {path!r}: {err}") from None
    img = img.convert({"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}[color_mode])
    if target_size is not None:
        h, w = (int(v) for v in target_size)
        if keep_aspect_ratio:  # the largest centred crop of the target's aspect ratio, then the resize
            cw, ch = img.size
            crop_w, crop_h = min(cw, int(ch * w / h)), min(ch, int(cw * h / w))
            left, top = (cw - crop_w) // 2, (ch - crop_h) // 2
            img = img.crop((left, top, left + crop_w, top + crop_h))
        if img.size != (w, h):
            img = img.resize((w, h), _INTERPOLATIONS[interpolation])
    return img


def img_to_array(img, data_format=None, dtype=None):
    """A float array of the image's pixels. Shapes: ``(height, width, channels)`` or channels first."""
    x = np.asarray(img, dtype=dtype or default_float_dtype())
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise DataError(f"img_to_array: expected an image, got an array of shape {x.shape}")
    return x.transpose(2, 0, 1) if _format(data_format) == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A ``PIL.Image`` from an array of shape ``(height, width, 1|3|4)`` (or channels first); ``scale=True``
    stretches the values to 0-255."""
    image = _pil()
    x = convert_to_numpy(x).astype(np.float64, copy=False)  # a Tensor or device array: read to the host once
    if x.ndim != 3:
        raise DataError(f"array_to_img: expected a 3-D image array, got shape {x.shape}")
    if _format(data_format) == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - x.min()
        top = x.max()
        if top > 0:
            x = x / top
        x = x * 255
    channels = x.shape[2]
    if channels not in (1, 3, 4):
        raise DataError(f"array_to_img: images need 1, 3 or 4 channels, got {channels}")
    x = np.clip(x, 0, 255).astype(np.uint8)
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    return image.fromarray(x[:, :, 0] if channels == 1 else x, mode)


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write the image array ``x`` to ``path`` (format from the extension unless ``file_format`` says)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format or os.path.splitext(str(path))[1].lower().lstrip(".")) in ("jpg", "jpeg"):
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, data_format=None,
                                 verbose=True):
    """A :class:`~neuroflow.data.Dataset` of ``(images, labels)`` batches from a folder with one subfolder per class
    (Keras semantics, as ``text_dataset_from_directory``). Shapes: images ``(batch, *image_size, channels)`` float32
    in 0-255, labels as ``label_mode`` gives."""
    where = "image_dataset_from_directory"
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ConfigError(f"{where}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True")
    check_split(validation_split, subset, shuffle, seed, label_mode, where)
    paths, y, names = labelled_files(directory, labels, label_mode, class_names, _EXTENSIONS, follow_links, where)
    fmt = _format(data_format)
    images = np.stack([img_to_array(load_img(p, color_mode, tuple(image_size), interpolation,
                                             keep_aspect_ratio=crop_to_aspect_ratio), fmt) for p in paths])
    if verbose:
        print(f"Found {len(paths)} files belonging to {len(names)} classes.")
    return split_and_batch(images, y, names, label_mode, batch_size, shuffle, seed, validation_split, subset)


__all__ = ["load_img", "img_to_array", "array_to_img", "save_img", "image_dataset_from_directory"]
