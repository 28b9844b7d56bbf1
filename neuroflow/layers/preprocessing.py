"""Preprocessing layers (Keras 3): Rescaling, Normalization (with ``adapt``), Resizing.

Rescaling and Normalization are built from differentiable ops (gradients flow to their inputs); Resizing
returns a constant Tensor (no gradient with respect to the images, like the augmentation layers). Integer
inputs (e.g. uint8 pixels) are cast to the layer's float dtype first.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _validate as check
from .. import backend, ops
from ..autograd.tensor import Tensor
from ..errors import ConfigError, DataError, ShapeError
from ..ops import image as image_ops
from ..ops.image_scale import scale_and_translate
from ..registry import register_builtin
from .base import Layer


def _to_float(layer, inputs):
    return inputs if inputs.dtype == np.dtype(layer.dtype) else ops.cast(inputs, layer.dtype)


def _json(value):
    """A scale/offset/mean argument as JSON: numbers stay numbers, arrays become (nested) lists."""
    if value is None or isinstance(value, (int, float)):
        return value
    return np.asarray(value).tolist()


@register_builtin
class Rescaling(Layer):
    """``inputs * scale + offset``, e.g. ``Rescaling(1/255)`` maps pixels to [0, 1].

    Args: ``scale``, ``offset`` (default 0): numbers, or per-channel sequences broadcast against the last axis.
    Shapes: any -> same (float).
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("scale", scale), ("offset", offset)):
            if not (check.is_number(value) or (isinstance(value, (list, tuple, np.ndarray))
                                               and np.asarray(value).dtype.kind in "fiu")):
                raise check.ArgumentTypeError(f"Rescaling {self.name!r}: {arg} must be a number (or an array of "
                                              f"numbers, one per channel), got {check.describe(value)}")
            if not np.isfinite(value).all():
                raise ConfigError(f"Rescaling {self.name!r}: {arg} must be finite, got {value!r}")
        self.scale, self.offset = scale, offset
        self._scale = np.asarray(scale, dtype=self.dtype)
        self._offset = np.asarray(offset, dtype=self.dtype)

    def call(self, inputs):
        x = _to_float(self, inputs)
        out = ops.multiply(x, backend.kept_on_device(self, "scale", x, lambda: self._scale))
        if self._offset.ndim or float(self._offset) != 0.0:
            out = ops.add(out, backend.kept_on_device(self, "offset", x, lambda: self._offset))
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": _json(self.scale), "offset": _json(self.offset)}


@register_builtin
class Normalization(Layer):
    """``(inputs - mean) / sqrt(variance)`` per index of ``axis`` (``invert=True``: the inverse).

    ``mean`` and ``variance`` are either given (both) or learned by :meth:`adapt` and kept as the
    non-trainable weights ``mean`` and ``variance`` (attributes ``adapt_mean``, ``adapt_variance``: shape the kept
    axes' sizes; saved with the model). After ``build``, the attributes ``mean`` and ``variance`` are, as in Keras,
    those statistics as Tensors of the broadcast shape (the input's size on kept axes, 1 elsewhere: ``(1, n)``
    for ``(batch, n)`` inputs); None before. The denominator is
    ``max(sqrt(variance), 1e-7)``, as in Keras.

    Args:
        axis: the axis (or axes) that keep a separate mean and variance per index; ``-1`` (default) = features
            / channels; ``None`` = one scalar mean and variance.
        mean, variance: numbers or arrays broadcastable to the kept axes' shape.
        invert: map normalized values back (``mean + inputs * sqrt(variance)``).
    Shapes: any -> same (float).
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if (mean is None) != (variance is None):
            raise ConfigError(f"Normalization {self.name!r}: give both mean and variance, or neither (then call "
                              f"adapt); got mean={mean!r}, variance={variance!r}")
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ConfigError(f"Normalization {self.name!r}: mean and variance must have the same shape, got "
                              f"{np.shape(mean)} and {np.shape(variance)}")
        if variance is not None and (np.asarray(variance).dtype.kind not in "biuf"
                                     or not (np.asarray(variance) >= 0).all()):
            # a negative (or NaN) variance has no square root: every output would be NaN, silently
            raise ConfigError(f"Normalization {self.name!r}: variance must be numbers >= 0, got {variance!r:.80}")
        axes = (axis,) if check.is_int(axis) else axis
        if axis is not None and not (isinstance(axes, (tuple, list)) and all(check.is_int(a) for a in axes)):
            raise check.ArgumentTypeError(f"Normalization {self.name!r}: axis must be an int, a tuple of ints or "
                                          f"None, got {check.describe(axis)}")
        self.axis = axis
        self._axes = () if axis is None else tuple(int(a) for a in axes)
        self.input_mean, self.input_variance = mean, variance
        self.invert = check.boolean(invert, f"Normalization {self.name!r}", "invert")
        self._built_shape = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self._axes):
            raise ShapeError(f"Normalization {self.name!r}: axis {self.axis} is out of range for inputs of rank "
                             f"{ndim} (shape {tuple(input_shape)})")
        self._keep = tuple(sorted(a % ndim for a in self._axes))
        for d in self._keep:
            if input_shape[d] is None:
                raise ShapeError(f"Normalization {self.name!r}: the kept axis {d} must have a known size, got "
                                 f"input shape {tuple(input_shape)}")
        self._reduce = tuple(d for d in range(ndim) if d not in self._keep)
        self._stats_shape = tuple(int(input_shape[d]) for d in self._keep)
        self._broadcast = tuple(int(input_shape[d]) if d in self._keep else 1 for d in range(ndim))
        self._built_shape = tuple(input_shape)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", self._stats_shape, "zeros", trainable=False)
            self.adapt_variance = self.add_weight("variance", self._stats_shape, "ones", trainable=False)
            # Keras keeps (and never updates) an adapt sample count: in the weights, files and count_params
            self.count = self.add_weight("count", (), "zeros", dtype="int32", trainable=False)
        else:
            self._fixed = tuple(self._align(np.asarray(v, dtype=self.dtype), ndim)
                                for v in (self.input_mean, self.input_variance))
        self.built = True

    def _align(self, value, ndim):
        """Broadcast a given mean/variance onto the kept axes, matching trailing dimensions (as Keras)."""
        shape = [1] * ndim
        for i in range(1, value.ndim + 1):
            if i > len(self._keep):
                raise ConfigError(f"Normalization {self.name!r}: mean/variance of shape {value.shape} has more "
                                  f"axes than the kept axes {self._keep}")
            shape[self._keep[-i]] = value.shape[-i]
        try:
            return np.broadcast_to(value.reshape(shape), self._broadcast)
        except ValueError:
            raise ConfigError(f"Normalization {self.name!r}: mean/variance of shape {value.shape} does not fit the "
                              f"kept axes of shape {self._stats_shape}") from None

    def _stats(self, like=None):
        """(mean, std) arrays in the broadcast shape; std floored at Keras' epsilon. Given mean/variance (host
        constants) are taken to the device of Tensor ``like`` when given (once: kept there)."""
        if self.input_mean is None:
            mean = self.adapt_mean.data.reshape(self._broadcast)
            var = self.adapt_variance.data.reshape(self._broadcast)
        elif like is None:
            mean, var = self._fixed
        else:
            mean, var = (backend.kept_on_device(self, name, like, lambda v=v: v)
                         for name, v in zip(("mean", "variance"), self._fixed))
        xp = backend.get_array_module(var)  # the weights' device (or the given constants')
        return mean, xp.maximum(xp.sqrt(var), var.dtype.type(backend.epsilon()))  # a scalar: no upload

    def _broadcast_stat(self, i):
        if not self.built:
            return None
        if self.input_mean is None:
            return ops.reshape((self.adapt_mean, self.adapt_variance)[i], self._broadcast)
        return ops.convert_to_tensor(self._fixed[i])

    mean = property(lambda self: self._broadcast_stat(0),
                    doc="The mean, shape the broadcast shape (Keras: ``(1, n)`` for ``(batch, n)`` inputs).")
    variance = property(lambda self: self._broadcast_stat(1), doc="The variance, shaped as ``mean``.")

    def call(self, inputs):
        x = _to_float(self, inputs)
        if x.ndim != len(self._broadcast):
            raise ShapeError(f"Normalization {self.name!r}: built for inputs of rank {len(self._broadcast)} "
                             f"(shape {self._built_shape}), got shape {x.shape}")
        mean, std = self._stats(x)
        if self.invert:
            return ops.add(ops.multiply(x, std), mean)
        return ops.divide(ops.subtract(x, mean), std)

    # --- adapt -----------------------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Set ``mean`` and ``variance`` from ``data``: an array/Tensor (batch axis first), or an iterable of
        batches (a batched :class:`neuroflow.data.Dataset`, a list or generator of arrays; ``(x, y)`` elements
        use ``x``). ``steps`` limits the number of batches read.

        Each batch's moments are computed in one vectorised pass in float64 and merged exactly (Chan et al.),
        so the result does not depend on how the data is split. Returns the layer.
        """
        if self.input_mean is not None:
            raise ConfigError(f"Normalization {self.name!r}: mean and variance were given; adapt() would "
                              f"overwrite them. Create the layer without them to adapt it")
        if isinstance(data, (list, tuple)) and data and np.ndim(data[0]) == 0:
            data = np.asarray(data)  # a flat list of numbers is one batch of scalars, not a list of batches
        if isinstance(data, (np.ndarray, Tensor)):
            arr = data.data if isinstance(data, Tensor) else data
            size = batch_size or 4096  # chunks bound the float64 working copy on large arrays
            if arr.ndim and 0 not in self._axes_for(arr.ndim):  # the sample axis is reduced: chunk along it
                batches = (arr[i:i + size] for i in range(0, max(len(arr), 1), size))
            else:
                batches = iter([arr])
        elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
            batches = iter(data)
        else:
            raise DataError(f"Normalization.adapt: expected an array, a Tensor or an iterable of batches (e.g. a "
                            f"batched Dataset), got {type(data).__name__}")

        count, mean, m2 = 0, None, None
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            x = self._adapt_batch(batch)
            n = math.prod(x.shape[d] for d in self._reduce) if self._reduce else 1
            if n == 0:
                continue
            b_mean = x.mean(axis=self._reduce, dtype=np.float64)
            b_m2 = x.var(axis=self._reduce, dtype=np.float64) * n
            if count == 0:
                count, mean, m2 = n, b_mean, b_m2
                continue
            total = count + n
            delta = b_mean - mean
            mean = mean + delta * (n / total)
            m2 = m2 + b_m2 + delta ** 2 * (count * n / total)
            count = total
        if count == 0:
            raise DataError("Normalization.adapt: the data is empty; it needs at least one sample")
        self.adapt_mean.assign(mean.astype(self.adapt_mean.dtype).reshape(self._stats_shape))
        self.adapt_variance.assign((m2 / count).astype(self.adapt_variance.dtype).reshape(self._stats_shape))
        return self

    def _axes_for(self, ndim):
        return tuple(a % ndim for a in self._axes)

    def _adapt_batch(self, batch):
        if isinstance(batch, tuple):
            batch = batch[0]
        x = batch.data if isinstance(batch, Tensor) else batch
        x = backend.get_array_module(x).asarray(x)  # device batches stay there: their moments are computed there
        if x.dtype.kind not in "biuf":
            raise DataError(f"Normalization.adapt: expected numeric batches, got dtype {x.dtype}")
        if not self.built:
            self.build((None,) + x.shape[1:] if x.ndim and 0 not in self._axes_for(x.ndim) else x.shape)
        if x.ndim != len(self._broadcast) or any(x.shape[d] != self._broadcast[d] for d in self._keep):
            raise ShapeError(f"Normalization {self.name!r}: adapt data of shape {x.shape} does not match the "
                             f"layer's input shape {self._built_shape} on the kept axes {self._keep}")
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        axis = list(self.axis) if isinstance(self.axis, (list, tuple)) else self.axis
        return {**super().get_config(), "axis": axis, "mean": _json(self.input_mean),
                "variance": _json(self.input_variance), "invert": self.invert}


@register_builtin
class Resizing(Layer):
    """Resizes images to ``(height, width)`` (Keras 3 ``Resizing``); no gradient.

    Args:
        height, width: the output size.
        interpolation: ``'bilinear'`` (default) or ``'nearest'``, half-pixel centres as TF/Keras (torch:
            ``interpolate(..., align_corners=False)`` / ``'nearest-exact'``).
        crop_to_aspect_ratio: first crop the largest centred window of the target aspect ratio.
        pad_to_aspect_ratio: first pad (with ``fill_value``) to the target aspect ratio instead.
        fill_mode: how padding is filled; ``'constant'`` (``fill_value``), the only mode Keras supports.
        antialias: when shrinking with ``'bilinear'``, widen the filter by the shrink factor (as torch's and
            Keras' ``antialias=True``); no effect for ``'nearest'`` or when enlarging.
        fill_value, data_format (``'channels_last'`` default or ``'channels_first'``).
    Shapes: ``(batch, h, w, c)`` -> ``(batch, height, width, c)``; unbatched and channels_first alike.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False, data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        where = f"Resizing {self.name!r}"
        self.fill_mode = check.one_of(fill_mode, where, "fill_mode", ("constant",))
        self.antialias = check.boolean(antialias, where, "antialias")
        height, width = check.positive_int(height, where, "height"), check.positive_int(width, where, "width")
        crop_to_aspect_ratio = check.boolean(crop_to_aspect_ratio, where, "crop_to_aspect_ratio")
        pad_to_aspect_ratio = check.boolean(pad_to_aspect_ratio, where, "pad_to_aspect_ratio")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ConfigError(f"{where}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True")
        self.height, self.width = int(height), int(width)
        self.interpolation = image_ops.check_choice(interpolation, image_ops.INTERPOLATIONS, "interpolation",
                                                    where)
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = bool(crop_to_aspect_ratio), bool(pad_to_aspect_ratio)
        self.fill_value = check.finite_float(fill_value, where, "fill_value")
        self.data_format = image_ops.standardize_data_format(data_format, where)

    def _spatial_axes(self, ndim):
        return (ndim - 3, ndim - 2) if self.data_format == "channels_last" else (ndim - 2, ndim - 1)

    def call(self, inputs):
        where = f"Resizing {self.name!r}"
        x, unbatched = image_ops.to_batched_last(inputs.data, self.data_format, where)
        if x.shape[1:3] == (self.height, self.width):
            return _to_float(self, inputs)
        x = image_ops.crop_or_pad_to_aspect(x.astype(self.dtype, copy=False), (self.height, self.width),
                                            self.crop_to_aspect_ratio, self.pad_to_aspect_ratio, self.fill_value)
        if self.antialias and self.interpolation == "bilinear" and (
                x.shape[1] > self.height or x.shape[2] > self.width):  # shrinking: the widened (triangle) filter
            size = (x.shape[0], self.height, self.width, x.shape[3])
            out = scale_and_translate(x, size, (self.height / x.shape[1], self.width / x.shape[2]), (0.0, 0.0),
                                      (1, 2), "linear", antialias=True).data
        else:
            out = image_ops.resize_array(x, (self.height, self.width), self.interpolation)
        return Tensor._from_op(image_ops.from_batched_last(out, self.data_format, unbatched), None)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis, w_axis = self._spatial_axes(len(shape))
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation, "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias, "data_format": self.data_format}
