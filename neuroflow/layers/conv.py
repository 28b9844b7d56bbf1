"""Convolution layers (Keras 3 names and arguments): Conv1D/2D/3D, Conv1D/2D/3DTranspose, DepthwiseConv1D/2D,
SeparableConv1D/2D.

Every layer is one call of an op of :mod:`neuroflow.ops.conv` with the bias fused in, then its activation.
``Conv1D/2D/3D`` define their forward once as a kernel (:mod:`neuroflow.layers.kernel`): the convolution node
with relu/tanh fused in, then any other activation as a node of its own, which ``call`` runs on Tensors and
``predict`` on arrays. Layouts: inputs ``(batch, *spatial, channels)`` (``data_format='channels_last'``, the
default) or ``(batch, channels, *spatial)``.
Kernels are Keras': ``(*kernel_size, in // groups, filters)`` for a convolution, ``(*kernel_size, filters, in)``
for a transposed one, ``(*kernel_size, in, depth_multiplier)`` for a depthwise one, so weights load from Keras.

The input-layout helpers at the top are shared with the pooling and reshaping layers.
"""
from __future__ import annotations

import numbers

from .. import _validate as check
from .. import activations as nf_activations, initializers as nf_initializers
from .. import constraints as nf_constraints, ops, regularizers as nf_regularizers
from ..errors import ConfigError, DTypeError, ShapeError
from ..ops.conv import (Conv, DepthwiseConv, _conv_plan, cached_plan, check_format, check_padding,
                        conv_transpose_geometry, int_tuple,
                        resolve_padding)
from ..registry import register_builtin
from .base import Layer
from .kernel import Kernel, Step, activation_only, activation_steps, run

_AXES = {1: ("steps",), 2: ("rows", "cols"), 3: ("dim1", "dim2", "dim3")}


# --- shared with pooling.py and reshaping.py -------------------------------------------------------------------
def layer_label(layer) -> str:
    """``Conv2D 'conv2d'``: how error messages name a layer."""
    return f"{type(layer).__name__} {layer.name!r}"


def data_format_of(layer, data_format) -> str:
    """``data_format`` checked and resolved (``None`` -> ``'channels_last'``)."""
    return "channels_first" if check_format(layer_label(layer), data_format) else "channels_last"


def layout(rank: int, data_format: str) -> str:
    """``'(batch, rows, cols, channels)'`` for rank 2 channels-last, and so on."""
    axes = _AXES[rank]
    axes = ("channels",) + axes if data_format == "channels_first" else axes + ("channels",)
    return "(batch, " + ", ".join(axes) + ")"


def check_spatial_input(layer, input_shape, rank: int, data_format: str, need_channels: bool = True) -> None:
    """ShapeError naming ``layer`` unless ``input_shape`` is ``(batch, *rank spatial axes, channels)``.

    One axis short (e.g. MNIST's (N, 28, 28) given to a 2-D layer) gets the hint to add a channel axis.
    """
    shape = tuple(input_shape)
    if len(shape) == rank + 2 and not (need_channels and shape[1 if data_format == "channels_first" else -1]
                                       is None):
        return
    msg = (f"{layer_label(layer)}: expects inputs of shape {layout(rank, data_format)} "
           f"(data_format={data_format!r}), got shape {shape}")
    if len(shape) == rank + 1:
        example = "MNIST's (N, 28, 28) images" if rank == 2 else "inputs without a channel axis"
        msg += (f" of rank {len(shape)}, one axis short: {example} need a channel axis, e.g. x[..., None] "
                f"(or Input(shape=(..., 1)))")
    elif len(shape) == rank + 2:
        msg += ": the channel axis must have a known size"
    raise ShapeError(msg)


def channels_of(input_shape, data_format: str) -> int:
    return input_shape[1] if data_format == "channels_first" else input_shape[-1]


def spatial_of(input_shape, data_format: str) -> tuple:
    return tuple(input_shape[2:] if data_format == "channels_first" else input_shape[1:-1])


def with_spatial(input_shape, spatial, channels, data_format: str) -> tuple:
    """The full output shape from the batch axis of ``input_shape``, ``spatial`` sizes and ``channels``."""
    if data_format == "channels_first":
        return (input_shape[0], channels) + tuple(spatial)
    return (input_shape[0],) + tuple(spatial) + (channels,)


# --- the shared base -------------------------------------------------------------------------------------------
class _BaseConv(Layer):
    """Arguments, bias, activation and checks shared by every convolution layer. Subclasses set ``rank``."""

    rank = 2
    _paddings = ("valid", "same")

    def __init__(self, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, bias_initializer="zeros", bias_regularizer=None,
                 activity_regularizer=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        label, n = layer_label(self), self.rank
        self.kernel_size = int_tuple(label, "kernel_size", kernel_size, n)
        self.strides = int_tuple(label, "strides", strides, n)
        self.dilation_rate = int_tuple(label, "dilation_rate", dilation_rate, n)
        self.padding = check_padding(label, padding, self._paddings)
        self.data_format = data_format_of(self, data_format)
        self.activation = check.resolved(nf_activations.get, activation, label, "activation")
        self._act_name = nf_activations.serialize(self.activation)
        self.use_bias = check.boolean(use_bias, label, "use_bias")
        self.bias_initializer = nf_initializers.get(bias_initializer)
        self.bias_regularizer = nf_regularizers.get(bias_regularizer)
        self._activity_regularizer = nf_regularizers.get(activity_regularizer)
        self.bias_constraint = nf_constraints.get(bias_constraint)
        self.bias = None

    def _forbid_strided_dilation(self):
        # Keras (and TensorFlow's kernels) reject this combination; refuse it too so models stay portable.
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ConfigError(f"{layer_label(self)}: strides > 1 cannot be combined with dilation_rate > 1 "
                              f"(as in Keras); got strides={self.strides} and dilation_rate={self.dilation_rate}")

    def _check_built_input(self, input_shape):
        check_spatial_input(self, input_shape, self.rank, self.data_format)
        self._in_channels = int(channels_of(input_shape, self.data_format))

    def _check_call_input(self, shape):
        """Cheap per-call check of an input ``shape``, so that a wrong input names the layer rather than the op."""
        if len(shape) != self.rank + 2 or channels_of(shape, self.data_format) != self._in_channels:
            raise ShapeError(f"{layer_label(self)}: was built for inputs {layout(self.rank, self.data_format)} "
                             f"with {self._in_channels} channels, got shape {tuple(shape)}")

    def _add_bias(self, size):
        if self.use_bias:
            self.bias = self.add_weight("bias", (size,), self.bias_initializer, self.bias_regularizer,
                                        self.bias_constraint)

    def _activate(self, y):
        return y if self._act_name == "linear" else self.activation(y)

    def _conv_spatial(self, spatial, kernel_size=None):
        """Output spatial sizes of a (depthwise) convolution; None stays None."""
        kernel_size = kernel_size or self.kernel_size
        out = []
        for i, n in enumerate(spatial):
            if n is None:
                out.append(None)
                continue
            _, (o,) = resolve_padding(self.padding, (n,), (kernel_size[i],), (self.strides[i],),
                                      (self.dilation_rate[i],))
            out.append(o)
        if any(o is not None and o < 1 for o in out):
            raise ShapeError(f"{layer_label(self)}: input spatial shape {tuple(spatial)} is smaller than the "
                             f"(dilated) kernel {self.kernel_size} (dilation_rate={self.dilation_rate}) with "
                             f"padding={self.padding!r}; use padding='same' or a larger input")
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": list(self.dilation_rate), "activation": self._act_name, "use_bias": self.use_bias,
                "bias_initializer": nf_initializers.serialize(self.bias_initializer),
                "bias_regularizer": nf_regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": nf_regularizers.serialize(self._activity_regularizer),
                "bias_constraint": nf_constraints.serialize(self.bias_constraint)}


def _positive_int(layer, name, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigError(f"{layer_label(layer)}: {name} must be a positive int, got {value!r}")
    return int(value)


# --- convolution ------------------------------------------------------------------------------------------------
class _Conv(_BaseConv):
    """``activation(conv(inputs, kernel) + bias)``; kernel ``(*kernel_size, in // groups, filters)``."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        self.filters = _positive_int(self, "filters", filters)
        self.groups = _positive_int(self, "groups", groups)
        if self.filters % self.groups:
            raise ConfigError(f"{layer_label(self)}: filters={self.filters} must be divisible by "
                              f"groups={self.groups}")
        self._forbid_strided_dilation()
        self.kernel_initializer = nf_initializers.get(kernel_initializer)
        self.kernel_regularizer = nf_regularizers.get(kernel_regularizer)
        self.kernel_constraint = nf_constraints.get(kernel_constraint)

    def build(self, input_shape):
        self._check_built_input(input_shape)
        if self._in_channels % self.groups:
            raise ShapeError(f"{layer_label(self)}: groups={self.groups} must divide the {self._in_channels} "
                             f"input channels of inputs {tuple(input_shape)}")
        self.kernel = self.add_weight("kernel", self.kernel_size + (self._in_channels // self.groups, self.filters),
                                      self.kernel_initializer, self.kernel_regularizer, self.kernel_constraint)
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        return run(self, inputs)

    def _forward_kernel(self, input_shape, dtype):
        """``ops.conv``'s node (its plan made here, once per input shape), relu/tanh fused in, then any other
        activation's node. The columns are kept for a backward only when the kernel needs a gradient."""
        self._check_call_input(input_shape)
        if dtype.kind != "f" or dtype != self.kernel.dtype:
            raise DTypeError(f"{layer_label(self)}: inputs must be floating, of the weights' dtype "
                             f"{self.kernel.dtype}; got dtype {dtype}")
        has_bias = self.bias is not None
        geom, cf, depthwise = cached_plan(_conv_plan, input_shape, self.kernel.shape,
                                          self.bias.shape if has_bias else None, self.strides, self.padding,
                                          self.data_format, self.dilation_rate, self.groups)
        weights = ("kernel", "bias") if has_bias else ("kernel",)
        if depthwise:  # one channel per group: the depthwise loop, its activation a node of its own (as ops.conv)
            node = Step(lambda needs: DepthwiseConv(geom, cf, bool(needs and needs[1])), weights, saves=True)
            return Kernel(node, *activation_only(self.activation))
        act, after = activation_steps(self.activation)
        node = Step(lambda needs: Conv(geom, cf, bool(needs and needs[1]), act), weights, saves=True)
        return Kernel(node, *after)

    def compute_output_shape(self, input_shape):
        check_spatial_input(self, input_shape, self.rank, self.data_format, need_channels=False)
        return with_spatial(input_shape, self._conv_spatial(spatial_of(input_shape, self.data_format)),
                            self.filters, self.data_format)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "groups": self.groups,
                "kernel_initializer": nf_initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": nf_regularizers.serialize(self.kernel_regularizer),
                "kernel_constraint": nf_constraints.serialize(self.kernel_constraint)}


@register_builtin
class Conv1D(_Conv):
    """1-D convolution. Shapes: ``(batch, steps, channels)`` -> ``(batch, new_steps, filters)``.

    ``padding`` may also be ``'causal'`` (output ``t`` sees inputs up to ``t`` only; for sequence models).
    Kernel ``(kernel_size, channels // groups, filters)``.
    """

    rank = 1
    _paddings = ("valid", "same", "causal")


@register_builtin
class Conv2D(_Conv):
    """2-D convolution. Shapes: ``(batch, rows, cols, channels)`` -> ``(batch, new_rows, new_cols, filters)``
    (channels first with ``data_format='channels_first'``). Kernel ``(k_rows, k_cols, channels // groups,
    filters)``. ``'valid'``: ``new = (n - dilation * (k - 1) - 1) // stride + 1``; ``'same'``: ``ceil(n / stride)``.
    """

    rank = 2


@register_builtin
class Conv3D(_Conv):
    """3-D convolution. Shapes: ``(batch, d1, d2, d3, channels)`` -> ``(batch, n1, n2, n3, filters)``."""

    rank = 3


# --- transposed convolution ------------------------------------------------------------------------------------
class _ConvTranspose(_BaseConv):
    """``activation(conv_transpose(inputs, kernel) + bias)``; kernel ``(*kernel_size, filters, in)``."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        self.filters = _positive_int(self, "filters", filters)
        if output_padding is not None:
            if not isinstance(output_padding, (numbers.Integral, tuple, list)):
                raise check.ArgumentTypeError(f"{layer_label(self)}: output_padding must be None, a non-negative "
                                              f"int or {self.rank} of them, got {check.describe(output_padding)}")
            vals = (output_padding,) * self.rank if isinstance(output_padding, numbers.Integral) \
                else tuple(output_padding)
            if len(vals) != self.rank or not all(isinstance(v, numbers.Integral) and 0 <= v for v in vals):
                raise ConfigError(f"{layer_label(self)}: output_padding must be None, a non-negative int or "
                                  f"{self.rank} of them, got {output_padding!r}")
            # The extra length must stay below the stride (PyTorch's rule), else it adds output no window reaches.
            if any(v >= s and v >= d for v, s, d in zip(vals, self.strides, self.dilation_rate)):
                raise ConfigError(f"{layer_label(self)}: output_padding {vals} must be smaller than strides "
                                  f"{self.strides} (or dilation_rate {self.dilation_rate}) on every axis")
            output_padding = tuple(int(v) for v in vals)
        self.output_padding = output_padding
        self.kernel_initializer = nf_initializers.get(kernel_initializer)
        self.kernel_regularizer = nf_regularizers.get(kernel_regularizer)
        self.kernel_constraint = nf_constraints.get(kernel_constraint)

    def build(self, input_shape):
        self._check_built_input(input_shape)
        self.kernel = self.add_weight("kernel", self.kernel_size + (self.filters, self._in_channels),
                                      self.kernel_initializer, self.kernel_regularizer, self.kernel_constraint)
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        self._check_call_input(inputs.shape)
        y = ops.conv_transpose(inputs, self.kernel, bias=self.bias, strides=self.strides, padding=self.padding,
                               output_padding=self.output_padding, data_format=self.data_format,
                               dilation_rate=self.dilation_rate)
        return self._activate(y)

    def compute_output_shape(self, input_shape):
        check_spatial_input(self, input_shape, self.rank, self.data_format, need_channels=False)
        spatial = []
        for i, n in enumerate(spatial_of(input_shape, self.data_format)):
            op_ = None if self.output_padding is None else (self.output_padding[i],)
            spatial.append(None if n is None else conv_transpose_geometry(
                (n,), (self.kernel_size[i],), (self.strides[i],), (self.dilation_rate[i],), self.padding, op_)[1][0])
        return with_spatial(input_shape, spatial, self.filters, self.data_format)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "output_padding": None if self.output_padding is None else list(self.output_padding),
                "kernel_initializer": nf_initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": nf_regularizers.serialize(self.kernel_regularizer),
                "kernel_constraint": nf_constraints.serialize(self.kernel_constraint)}


@register_builtin
class Conv1DTranspose(_ConvTranspose):
    """1-D transposed convolution. Shapes: ``(batch, steps, channels)`` -> ``(batch, new_steps, filters)``;
    ``new_steps = steps * stride + max(k_eff - stride, 0)`` ('valid') or ``steps * stride`` ('same')."""

    rank = 1


@register_builtin
class Conv2DTranspose(_ConvTranspose):
    """2-D transposed convolution ("deconvolution"), the gradient of Conv2D with respect to its input.

    Shapes: ``(batch, rows, cols, channels)`` -> ``(batch, new_rows, new_cols, filters)``, per axis
    ``n * stride + max(k_eff - stride, 0)`` ('valid') or ``n * stride`` ('same') without ``output_padding``,
    else ``(n - 1) * stride + k_eff - 2 * pad + output_padding`` (``pad`` 0 or ``k_eff // 2``), as Keras.
    Kernel ``(k_rows, k_cols, filters, channels)``.
    """

    rank = 2


@register_builtin
class Conv3DTranspose(_ConvTranspose):
    """3-D transposed convolution. Shapes: ``(batch, d1, d2, d3, channels)`` -> ``(batch, n1, n2, n3, filters)``."""

    rank = 3


# --- depthwise and separable -----------------------------------------------------------------------------------
class _DepthwiseConv(_BaseConv):
    """Each input channel convolved with its own ``depth_multiplier`` filters; kernel ``(*k, in, multiplier)``.

    Output channel ``c * depth_multiplier + m`` is input channel ``c`` under filter ``m`` (Keras' order).
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        self.depth_multiplier = _positive_int(self, "depth_multiplier", depth_multiplier)
        self._forbid_strided_dilation()
        self.depthwise_initializer = nf_initializers.get(depthwise_initializer)
        self.depthwise_regularizer = nf_regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = nf_constraints.get(depthwise_constraint)

    def build(self, input_shape):
        self._check_built_input(input_shape)
        self.kernel = self.add_weight("kernel", self.kernel_size + (self._in_channels, self.depth_multiplier),
                                      self.depthwise_initializer, self.depthwise_regularizer,
                                      self.depthwise_constraint)
        self._add_bias(self._in_channels * self.depth_multiplier)
        self.built = True

    def call(self, inputs):
        self._check_call_input(inputs.shape)
        y = ops.depthwise_conv(inputs, self.kernel, bias=self.bias, strides=self.strides, padding=self.padding,
                               data_format=self.data_format, dilation_rate=self.dilation_rate)
        return self._activate(y)

    def compute_output_shape(self, input_shape):
        check_spatial_input(self, input_shape, self.rank, self.data_format, need_channels=False)
        c = channels_of(input_shape, self.data_format)
        return with_spatial(input_shape, self._conv_spatial(spatial_of(input_shape, self.data_format)),
                            None if c is None else c * self.depth_multiplier, self.data_format)

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": nf_initializers.serialize(self.depthwise_initializer),
                "depthwise_regularizer": nf_regularizers.serialize(self.depthwise_regularizer),
                "depthwise_constraint": nf_constraints.serialize(self.depthwise_constraint)}


@register_builtin
class DepthwiseConv1D(_DepthwiseConv):
    """1-D depthwise convolution. Shapes: ``(batch, steps, C)`` -> ``(batch, new_steps, C * depth_multiplier)``."""

    rank = 1


@register_builtin
class DepthwiseConv2D(_DepthwiseConv):
    """2-D depthwise convolution. Shapes: ``(batch, rows, cols, C)`` -> ``(batch, new_rows, new_cols,
    C * depth_multiplier)``; kernel ``(k_rows, k_cols, C, depth_multiplier)``."""

    rank = 2


class _SeparableConv(_BaseConv):
    """A depthwise convolution (no bias) then a 1x1 convolution to ``filters`` channels (with the bias).

    Weights: ``depthwise_kernel`` ``(*k, in, depth_multiplier)``, ``pointwise_kernel``
    ``(1, ..., 1, in * depth_multiplier, filters)``, ``bias`` ``(filters,)`` (Keras' names and order).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        self.filters = _positive_int(self, "filters", filters)
        self.depth_multiplier = _positive_int(self, "depth_multiplier", depth_multiplier)
        self._forbid_strided_dilation()
        self.depthwise_initializer = nf_initializers.get(depthwise_initializer)
        self.pointwise_initializer = nf_initializers.get(pointwise_initializer)
        self.depthwise_regularizer = nf_regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = nf_regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = nf_constraints.get(depthwise_constraint)
        self.pointwise_constraint = nf_constraints.get(pointwise_constraint)

    def build(self, input_shape):
        self._check_built_input(input_shape)
        c, m = self._in_channels, self.depth_multiplier
        self.depthwise_kernel = self.add_weight("depthwise_kernel", self.kernel_size + (c, m),
                                                self.depthwise_initializer, self.depthwise_regularizer,
                                                self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight("pointwise_kernel", (1,) * self.rank + (c * m, self.filters),
                                                self.pointwise_initializer, self.pointwise_regularizer,
                                                self.pointwise_constraint)
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        self._check_call_input(inputs.shape)
        y = ops.depthwise_conv(inputs, self.depthwise_kernel, strides=self.strides, padding=self.padding,
                               data_format=self.data_format, dilation_rate=self.dilation_rate)
        y = ops.conv(y, self.pointwise_kernel, bias=self.bias, data_format=self.data_format)
        return self._activate(y)

    def compute_output_shape(self, input_shape):
        check_spatial_input(self, input_shape, self.rank, self.data_format, need_channels=False)
        return with_spatial(input_shape, self._conv_spatial(spatial_of(input_shape, self.data_format)),
                            self.filters, self.data_format)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": nf_initializers.serialize(self.depthwise_initializer),
                "pointwise_initializer": nf_initializers.serialize(self.pointwise_initializer),
                "depthwise_regularizer": nf_regularizers.serialize(self.depthwise_regularizer),
                "pointwise_regularizer": nf_regularizers.serialize(self.pointwise_regularizer),
                "depthwise_constraint": nf_constraints.serialize(self.depthwise_constraint),
                "pointwise_constraint": nf_constraints.serialize(self.pointwise_constraint)}


@register_builtin
class SeparableConv1D(_SeparableConv):
    """1-D depthwise-separable convolution. Shapes: ``(batch, steps, C)`` -> ``(batch, new_steps, filters)``."""

    rank = 1


@register_builtin
class SeparableConv2D(_SeparableConv):
    """2-D depthwise-separable convolution. Shapes: ``(batch, rows, cols, C)`` -> ``(batch, new_rows, new_cols,
    filters)``."""

    rank = 2


# Keras' long spellings.
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = \
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
