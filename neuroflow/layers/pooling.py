"""Pooling layers (Keras 3 names and arguments): Max/AveragePooling1D/2D/3D over windows, and
GlobalMax/GlobalAveragePooling1D/2D/3D over all spatial axes.

Windowed pooling is one node of :func:`neuroflow.ops.max_pool` / :func:`~neuroflow.ops.average_pool`, defined
once per input shape as a kernel (:mod:`neuroflow.layers.kernel`) that ``call`` runs on Tensors and ``predict`` on
arrays; global pooling one ``ops.max`` / ``ops.mean`` over the spatial axes. Layouts as the convolution layers:
``(batch, *spatial, channels)`` by default, ``(batch, channels, *spatial)`` with ``data_format='channels_first'``.
"""
from __future__ import annotations

from .. import _validate as check, ops
from ..errors import DTypeError, ShapeError
from ..ops.conv import cached_plan, check_padding, int_tuple, resolve_padding
from ..ops.pooling import AveragePool, MaxPool, _pool_geometry
from ..registry import register_builtin
from .base import Layer
from .conv import channels_of, check_spatial_input, data_format_of, layer_label, spatial_of, with_spatial
from .kernel import Kernel, Step, run


class _Pooling(Layer):
    """Windowed pooling: ``pool_size`` (int or one per axis, default 2), ``strides`` (default ``pool_size``),
    ``padding`` ('valid' or 'same'), ``data_format``. Subclasses set ``rank`` and ``_op``."""

    rank = 2
    _op = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        label = layer_label(self)
        self.pool_size = int_tuple(label, "pool_size", pool_size, self.rank)
        self.strides = self.pool_size if strides is None else int_tuple(label, "strides", strides, self.rank)
        self.padding = check_padding(label, padding, ("valid", "same"))
        self.data_format = data_format_of(self, data_format)

    def build(self, input_shape):
        check_spatial_input(self, input_shape, self.rank, self.data_format, need_channels=False)
        self.compute_output_shape(input_shape)  # a window larger than the input fails here, naming the layer
        self.built = True

    def call(self, inputs):
        return run(self, inputs)

    def _forward_kernel(self, input_shape, dtype):
        """The pooling op's node, its plan made here once per input shape; a max pool keeps each window's argmax
        only when its input needs a gradient."""
        if len(input_shape) != self.rank + 2:
            check_spatial_input(self, input_shape, self.rank, self.data_format)
        op = self._op.__name__
        if dtype.kind != "f":
            raise DTypeError(f"{layer_label(self)}: inputs must be a floating tensor, got dtype {dtype}; cast them "
                             f"first (e.g. x.astype('float32'))")
        geom, cf = cached_plan(_pool_geometry, op, tuple(input_shape), self.pool_size, self.strides, self.padding,
                               self.data_format)
        if op == "max_pool":
            return Kernel(Step(lambda needs: MaxPool(geom, cf, bool(needs and needs[0])), saves=True))
        return Kernel(Step(lambda needs: AveragePool(geom, cf)))

    def compute_output_shape(self, input_shape):
        check_spatial_input(self, input_shape, self.rank, self.data_format, need_channels=False)
        spatial = spatial_of(input_shape, self.data_format)
        out = []
        for n, k, s in zip(spatial, self.pool_size, self.strides):
            out.append(None if n is None else resolve_padding(self.padding, (n,), (k,), (s,), (1,))[1][0])
        if any(o is not None and o < 1 for o in out):
            raise ShapeError(f"{layer_label(self)}: input spatial shape {spatial} is smaller than pool_size "
                             f"{self.pool_size} with padding='valid'; use padding='same' or a smaller pool_size")
        return with_spatial(input_shape, out, channels_of(input_shape, self.data_format), self.data_format)

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size), "strides": list(self.strides),
                "padding": self.padding, "data_format": self.data_format}


@register_builtin
class MaxPooling1D(_Pooling):
    """Max over windows of ``pool_size`` steps. Shapes: ``(batch, steps, C)`` -> ``(batch, new_steps, C)``,
    ``new = (n - pool) // stride + 1`` ('valid') or ``ceil(n / stride)`` ('same')."""

    rank, _op = 1, staticmethod(ops.max_pool)


@register_builtin
class MaxPooling2D(_Pooling):
    """Max over ``pool_size`` windows. Shapes: ``(batch, rows, cols, C)`` -> ``(batch, new_rows, new_cols, C)``,
    per axis ``(n - pool) // stride + 1`` ('valid') or ``ceil(n / stride)`` ('same')."""

    rank, _op = 2, staticmethod(ops.max_pool)


@register_builtin
class MaxPooling3D(_Pooling):
    """Max over 3-D windows. Shapes: ``(batch, d1, d2, d3, C)`` -> ``(batch, n1, n2, n3, C)``."""

    rank, _op = 3, staticmethod(ops.max_pool)


@register_builtin
class AveragePooling1D(_Pooling):
    """Mean over windows of ``pool_size`` steps (with 'same', over the real elements only). Shapes: as
    :class:`MaxPooling1D`."""

    rank, _op = 1, staticmethod(ops.average_pool)


@register_builtin
class AveragePooling2D(_Pooling):
    """Mean over ``pool_size`` windows (with 'same', over the real elements only). Shapes: as
    :class:`MaxPooling2D`."""

    rank, _op = 2, staticmethod(ops.average_pool)


@register_builtin
class AveragePooling3D(_Pooling):
    """Mean over 3-D windows. Shapes: as :class:`MaxPooling3D`."""

    rank, _op = 3, staticmethod(ops.average_pool)


# --- global pooling ---------------------------------------------------------------------------------------------
class _GlobalPooling(Layer):
    """Reduces every spatial axis: ``(batch, *spatial, C)`` -> ``(batch, C)``, or ``(batch, 1, ..., 1, C)``
    with ``keepdims=True`` (channels first: ``(batch, C)`` / ``(batch, C, 1, ..., 1)``)."""

    rank = 2
    _reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_of(self, data_format)
        self.keepdims = check.boolean(keepdims, layer_label(self), "keepdims")

    def _axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return tuple(range(first, first + self.rank))

    def build(self, input_shape):
        check_spatial_input(self, input_shape, self.rank, self.data_format, need_channels=False)
        self.built = True

    def call(self, inputs):
        if inputs.ndim != self.rank + 2:
            check_spatial_input(self, inputs.shape, self.rank, self.data_format)
        return self._reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        check_spatial_input(self, input_shape, self.rank, self.data_format, need_channels=False)
        c = channels_of(input_shape, self.data_format)
        if self.keepdims:
            return with_spatial(input_shape, (1,) * self.rank, c, self.data_format)
        return (input_shape[0], c)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


@register_builtin
class GlobalMaxPooling1D(_GlobalPooling):
    """Max over the steps. Shapes: ``(batch, steps, C)`` -> ``(batch, C)`` (``keepdims``: ``(batch, 1, C)``)."""

    rank, _reduce = 1, staticmethod(ops.max)


@register_builtin
class GlobalMaxPooling2D(_GlobalPooling):
    """Max over rows and cols. Shapes: ``(batch, rows, cols, C)`` -> ``(batch, C)`` (``keepdims``:
    ``(batch, 1, 1, C)``)."""

    rank, _reduce = 2, staticmethod(ops.max)


@register_builtin
class GlobalMaxPooling3D(_GlobalPooling):
    """Max over the three spatial axes. Shapes: ``(batch, d1, d2, d3, C)`` -> ``(batch, C)``."""

    rank, _reduce = 3, staticmethod(ops.max)


@register_builtin
class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps. Shapes: ``(batch, steps, C)`` -> ``(batch, C)`` (``keepdims``: ``(batch, 1, C)``).

    A ``mask`` (``(batch, steps)``, true for real steps, e.g. from ``Embedding(mask_zero=True)``) averages
    over the real steps only, as Keras does.
    """

    rank, _reduce = 1, staticmethod(ops.mean)

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        if inputs.ndim != 3:
            check_spatial_input(self, inputs.shape, 1, self.data_format)
        steps = 2 if self.data_format == "channels_first" else 1
        if tuple(getattr(mask, "shape", ())) != (inputs.shape[0], inputs.shape[steps]):
            raise ShapeError(f"{layer_label(self)}: mask must have shape (batch, steps) = "
                             f"{(inputs.shape[0], inputs.shape[steps])}, got {getattr(mask, 'shape', mask)}")
        m = ops.expand_dims(ops.cast(mask, inputs.dtype), 1 if steps == 2 else 2)
        total = ops.sum(inputs * m, axis=steps, keepdims=self.keepdims)
        return total / ops.sum(m, axis=steps, keepdims=self.keepdims)


@register_builtin
class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over rows and cols. Shapes: ``(batch, rows, cols, C)`` -> ``(batch, C)`` (``keepdims``:
    ``(batch, 1, 1, C)``)."""

    rank, _reduce = 2, staticmethod(ops.mean)


@register_builtin
class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over the three spatial axes. Shapes: ``(batch, d1, d2, d3, C)`` -> ``(batch, C)``."""

    rank, _reduce = 3, staticmethod(ops.mean)


# Keras' aliases.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = \
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D
