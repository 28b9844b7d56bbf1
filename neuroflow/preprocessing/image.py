"""``keras.preprocessing.image``: image files to arrays and back (``neuroflow.utils``' functions) and
``smart_resize``."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor
from ..ops import image as image_ops
from ..utils.images import array_to_img, img_to_array, load_img, save_img


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", backend_module=None):
    """Resize images to ``size = (height, width)`` without distorting them, as Keras' ``smart_resize``: crop the
    largest centred window of the target aspect ratio, then resize it (``interpolation``: ``'bilinear'``,
    ``'nearest'``...). Shapes: ``(h, w, c)`` or ``(batch, h, w, c)`` (``channels_first``: ``(c, h, w)``...) ->
    the same with ``size``. Returns a float NumPy array (integer images become ``floatx``); ``backend_module`` is
    accepted for Keras code and unused."""
    where = "smart_resize"
    image_ops.check_choice(interpolation, image_ops.INTERPOLATIONS, "interpolation", where)
    data_format = image_ops.standardize_data_format(data_format, where)
    size = (int(size[0]), int(size[1]))
    arr = x.data if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind != "f":
        arr = arr.astype(backend.floatx())
    images, unbatched = image_ops.to_batched_last(arr, data_format, where)
    images = image_ops.crop_or_pad_to_aspect(images, size, crop=True, pad=False)
    out = image_ops.resize_array(images, size, interpolation)
    return image_ops.from_batched_last(out, data_format, unbatched)


__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
