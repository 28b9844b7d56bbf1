"""``CenterCrop``: the central ``(height, width)`` window of images (Keras 3's layer)."""
from __future__ import annotations

from .. import _validate as check
from .. import ops
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from ..ops import image as image_ops
from ..registry import register_builtin
from .base import Layer


@register_builtin
class CenterCrop(Layer):
    """Crops the centre ``(height, width)`` of each image; the offset of an odd margin rounds down, as Keras'.
    An image smaller than the target along either axis is resized as Keras resizes it (``smart_resize``: the
    largest centred window of the target aspect ratio, then bilinear), so the output size is always the target.

    Shapes: ``(batch, h, w, c)`` -> ``(batch, height, width, c)``; unbatched ``(h, w, c)`` and
    ``channels_first`` ``(batch, c, h, w)`` alike. Float32 output; the crop passes gradients, the resize not.
    Args: ``height``, ``width``, ``data_format`` (``'channels_last'`` default or ``'channels_first'``).
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = self._who = f"CenterCrop {self.name!r}"
        self.height = check.positive_int(height, who, "height")
        self.width = check.positive_int(width, who, "width")
        self.data_format = image_ops.standardize_data_format(data_format, who)

    def _spatial_axes(self, ndim):
        if ndim not in (3, 4):
            layout = "(h, w, c)" if self.data_format == "channels_last" else "(c, h, w)"
            raise ShapeError(f"{self._who}: expected images (batch, ...) or unbatched {layout}, got rank {ndim}")
        return (ndim - 3, ndim - 2) if self.data_format == "channels_last" else (ndim - 2, ndim - 1)

    def call(self, inputs):
        x = inputs if inputs.dtype == self.dtype else ops.cast(inputs, self.dtype)
        h_axis, w_axis = self._spatial_axes(x.ndim)
        height, width = x.shape[h_axis], x.shape[w_axis]
        if height >= self.height and width >= self.width:
            h0, w0 = (height - self.height) // 2, (width - self.width) // 2
            index = [slice(None)] * x.ndim
            index[h_axis], index[w_axis] = slice(h0, h0 + self.height), slice(w0, w0 + self.width)
            return x[tuple(index)]
        images, unbatched = image_ops.to_batched_last(x.data, self.data_format, self._who)
        size = (self.height, self.width)
        images = image_ops.crop_or_pad_to_aspect(images, size, crop=True, pad=False)
        out = image_ops.resize_array(images, size, "bilinear")
        return Tensor._from_op(image_ops.from_batched_last(out, self.data_format, unbatched), None)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis, w_axis = self._spatial_axes(len(shape))
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width, "data_format": self.data_format}


__all__ = ["CenterCrop"]
