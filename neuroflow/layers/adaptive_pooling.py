"""Adaptive pooling: average or max pooling to a fixed output size whatever the input size (windows of varying
size, as PyTorch's and Keras 3's adaptive pooling), on ``ops.adaptive_average_pool`` / ``adaptive_max_pool``."""
from __future__ import annotations

from .. import _validate as check, backend, ops
from ..errors import ShapeError
from ..registry import register_builtin
from .base import Layer


class _AdaptivePooling(Layer):
    """Shared arguments; subclasses set ``rank`` (spatial axes) and ``reduce`` (``'mean'`` or ``'max'``)."""

    rank = 2
    reduce = "mean"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = self._who = f"{type(self).__name__} {self.name!r}"
        sizes = (output_size,) * self.rank if check.is_int(output_size) else output_size
        if not isinstance(sizes, (list, tuple)) or len(sizes) != self.rank or not all(
                check.is_int(s) and s > 0 for s in sizes):
            raise check.ArgumentTypeError(f"{who}: output_size must be a positive int or a tuple of {self.rank} "
                                          f"positive ints, got {check.describe(output_size)}")
        self.output_size = tuple(int(s) for s in sizes)
        self.data_format = check.one_of(data_format or backend.image_data_format(), who, "data_format",
                                        ("channels_last", "channels_first"))

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ShapeError(f"{self._who}: expected inputs of rank {self.rank + 2} (batch, {self.rank} spatial "
                             f"axes, channels), got shape {tuple(input_shape)}")
        self.built = True

    def call(self, inputs):
        pool = ops.adaptive_average_pool if self.reduce == "mean" else ops.adaptive_max_pool
        return pool(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.data_format == "channels_last":
            return (shape[0],) + self.output_size + (shape[-1],)
        return shape[:2] + self.output_size

    def get_config(self):
        return {**super().get_config(), "output_size": list(self.output_size), "data_format": self.data_format}


def _make(name, rank, reduce):
    doc = (f"{'Average' if reduce == 'mean' else 'Max'} pooling over {rank} spatial axes to ``output_size``.\n\n"
           f"    Shapes: ``(batch, *spatial, channels)`` -> ``(batch, *output_size, channels)`` (channels_last; "
           f"channels first with ``data_format='channels_first'``). Args: ``output_size`` (an int or {rank} ints), "
           f"``data_format``.\n    ")
    cls = type(name, (_AdaptivePooling,), {"rank": rank, "reduce": reduce, "__doc__": doc,
                                            "__module__": __name__})
    return register_builtin(cls)


AdaptiveAveragePooling1D = _make("AdaptiveAveragePooling1D", 1, "mean")
AdaptiveAveragePooling2D = _make("AdaptiveAveragePooling2D", 2, "mean")
AdaptiveAveragePooling3D = _make("AdaptiveAveragePooling3D", 3, "mean")
AdaptiveMaxPooling1D = _make("AdaptiveMaxPooling1D", 1, "max")
AdaptiveMaxPooling2D = _make("AdaptiveMaxPooling2D", 2, "max")
AdaptiveMaxPooling3D = _make("AdaptiveMaxPooling3D", 3, "max")

__all__ = ["AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
           "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]
