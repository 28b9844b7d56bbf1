"""``ConvLSTM1D/2D/3D``: an LSTM whose input and recurrent transforms are convolutions (Shi et al., 2015), with
Keras 3's arguments and weights (so ``get_weights``/``set_weights`` interchange with Keras).

How it runs, on the machinery of ``layers.RNN`` (its time loop, masks, states, ``go_backwards``, ``stateful``):

* the input convolution of every time step is ONE convolution over ``batch * time`` images, done before the loop;
* the step cell (:class:`ConvLSTMStep`, an ``LSTMCell`` with convolutions) adds the recurrent convolution of
  ``h_{t-1}`` (stride 1, ``'same'`` padding, as Keras) and applies the gates;
* ``RNN`` carries states as ``(batch, size)``, so the step's states and projected inputs travel flattened
  (``size = prod(out_spatial) * filters``; reshapes are views) and are unflattened for the convolutions.

Weights (Keras' layout, gate order i, f, c, o): ``kernel`` (*kernel_size, channels, 4*filters),
``recurrent_kernel`` (*kernel_size, filters, 4*filters), ``bias`` (4*filters,).
Dropout: one input mask and one recurrent mask per sequence, shared by the four gates (as neuroflow's LSTM;
Keras draws one per gate).
"""
from __future__ import annotations

import math

from .. import _validate as check, ops
from .. import activations as acts, constraints as cons, initializers as inits, regularizers as nf_regularizers
from ..autograd.tensor import Tensor
from ..errors import ConfigError, ShapeError
from ..ops.conv import check_padding, int_tuple, resolve_padding
from ..ops.fused import dropout_mask
from ..registry import register_builtin
from .conv import data_format_of, layer_label
from .recurrent import first_mask, is_shape_list
from .rnn_cells import LSTMCell
from .rnn_layer import RNN
from .base import Layer, snake_case, unique_name


@register_builtin
class ConvLSTMStep(LSTMCell):
    """One ConvLSTM time step on flattened tensors, driven by ``layers.RNN``.

    ``inputs``: the step's input convolution plus bias, (batch, prod(out_spatial) * 4*filters), channels last;
    ``states``: ``[h, c]``, each (batch, prod(out_spatial) * filters). Returns ``h, [h, c]`` in the same layout.
    ``build_for(spatial, channels)`` makes the weights (its ConvLSTM layer calls it from ``build``).
    """

    def __init__(self, rank, filters, kernel_size, strides, padding, dilation_rate, **kwargs):
        super().__init__(filters, **kwargs)
        self.rank, self.kernel_size, self.strides = rank, kernel_size, strides
        self.padding, self.dilation_rate = padding, dilation_rate
        self.out_spatial = None

    def get_config(self):
        return {**super().get_config(), "rank": self.rank, "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "dilation_rate": self.dilation_rate}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(config.pop("rank"), config.pop("units"), config.pop("kernel_size"), config.pop("strides"),
                   config.pop("padding"), config.pop("dilation_rate"), **config)

    @property
    def state_size(self):
        size = self.units * math.prod(self.out_spatial) if self.out_spatial is not None else self.units
        return [size, size]

    @property
    def output_size(self):
        return self.state_size[0]

    def build_for(self, spatial, channels):
        """Create the weights for inputs with ``spatial`` sizes and ``channels`` (channels last)."""
        _, self.out_spatial = resolve_padding(self.padding, spatial, self.kernel_size, self.strides,
                                              self.dilation_rate)
        if min(self.out_spatial) < 1:
            raise ShapeError(f"{self._who}: spatial input {tuple(spatial)} is smaller than the dilated kernel "
                             f"{self.kernel_size} with padding={self.padding!r}")
        k, f = self.kernel_size, self.units
        self.kernel = self.add_weight("kernel", k + (channels, 4 * f), self.kernel_initializer,
                                      self.kernel_regularizer, self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", k + (f, 4 * f), self.recurrent_initializer,
                                                self.recurrent_regularizer, self.recurrent_constraint)
        self.bias = self.add_weight("bias", (4 * f,), self._bias_init(), self.bias_regularizer,
                                    self.bias_constraint) if self.use_bias else None
        self.built = True

    def build(self, input_shape):
        if self.out_spatial is None:
            raise ShapeError(f"{self._who}: built by its ConvLSTM layer (build_for), not on its own")
        self.built = True

    def input_projection(self, x, training):
        """The input convolution of all steps at once. Shapes: (batch, time, *spatial, channels), channels last
        -> (batch, time, prod(out_spatial) * 4*filters)."""
        n, steps = x.shape[0], x.shape[1]
        if training and self.dropout:  # one mask per sequence, the same at every step
            x = x * dropout_mask((n, 1) + tuple(x.shape[2:]), self.dropout, x.dtype, self.rng)
        flat = ops.reshape(x, (n * steps,) + tuple(x.shape[2:]))
        z = ops.conv(flat, self.kernel, strides=self.strides, padding=self.padding, data_format="channels_last",
                     dilation_rate=self.dilation_rate, bias=self.bias)
        return ops.reshape(z, (n, steps, -1))

    def call(self, inputs, states, training=None):
        n, shape = inputs.shape[0], (inputs.shape[0],) + tuple(self.out_spatial)
        h_prev = ops.reshape(states[0], shape + (self.units,))
        c_prev = states[1]
        h_in = self._dropped(h_prev, self.recurrent_dropout, "recurrent", training)
        z = ops.reshape(inputs, shape + (4 * self.units,)) + ops.conv(
            h_in, self.recurrent_kernel, strides=1, padding="same", data_format="channels_last")
        zi, zf, zc, zo = ops.split(ops.reshape(z, (n, -1, 4 * self.units)), 4, axis=-1)
        ra = self.recurrent_activation
        c = ra(zf) * ops.reshape(c_prev, (n, -1, self.units)) + ra(zi) * self.activation(zc)
        h = ops.reshape(ra(zo) * self.activation(c), (n, -1))
        return h, [h, ops.reshape(c, (n, -1))]


class ConvLSTM(RNN):
    """The rank-generic ConvLSTM; use ``ConvLSTM1D``/``2D``/``3D``.

    Call: ``layer(x, initial_state=None, mask=None, training=None)``. Shapes (channels_last): x (batch, time,
    *spatial, channels) -> (batch, *out_spatial, filters), or (batch, time, *out_spatial, filters) with
    ``return_sequences``; ``return_state`` adds ``[h, c]``, each (batch, *out_spatial, filters).
    ``channels_first``: x (batch, time, channels, *spatial), outputs (..., filters, *out_spatial).
    ``out_spatial`` follows the convolution's ``padding``/``strides``/``dilation_rate``; ``mask`` (batch, time).
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        # named here, so that the cell's name follows the layer's (saved files refer to layers by name)
        kwargs["name"] = kwargs.get("name") or unique_name(snake_case(type(self).__name__))
        who, n = f"{type(self).__name__} {kwargs['name']!r}", self.rank
        kernel_size = int_tuple(who, "kernel_size", kernel_size, n)
        strides = int_tuple(who, "strides", strides, n)
        dilation_rate = int_tuple(who, "dilation_rate", dilation_rate, n)
        padding = check_padding(who, padding, ("valid", "same"))
        if max(strides) > 1 and max(dilation_rate) > 1:
            raise ConfigError(f"{who}: strides > 1 cannot be combined with dilation_rate > 1 (as in Keras); "
                              f"got strides={strides} and dilation_rate={dilation_rate}")
        cell = ConvLSTMStep(n, check.positive_int(filters, who, "filters"), kernel_size, strides, padding,
                            dilation_rate, activation=activation, recurrent_activation=recurrent_activation,
                            use_bias=use_bias, kernel_initializer=kernel_initializer,
                            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                            seed=seed, dtype=kwargs.get("dtype"), name=f"{kwargs['name']}_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self._who = layer_label(self)
        self.data_format = data_format_of(self, data_format)
        self._activity_regularizer = nf_regularizers.get(activity_regularizer)

    # Keras exposes the cell's arguments on the layer.
    filters = property(lambda self: self.cell.units)
    kernel_size = property(lambda self: self.cell.kernel_size)
    strides = property(lambda self: self.cell.strides)
    padding = property(lambda self: self.cell.padding)
    dilation_rate = property(lambda self: self.cell.dilation_rate)

    def _channels_last(self, x):
        """(batch, time, channels, *spatial) -> (batch, time, *spatial, channels) for channels_first."""
        if self.data_format == "channels_last":
            return x
        return ops.transpose(x, (0, 1) + tuple(range(3, self.rank + 3)) + (2,))

    def _to_format(self, y, lead: int):
        """Channels-last ``y`` with ``lead`` leading axes (batch, maybe time) back to this layer's format."""
        if self.data_format == "channels_last":
            return y
        last = y.ndim - 1
        return ops.transpose(y, tuple(range(lead)) + (last,) + tuple(range(lead, last)))

    def _unflatten(self, y, lead: int):
        return self._to_format(ops.reshape(y, tuple(y.shape[:lead]) + self.cell.out_spatial + (self.filters,)), lead)

    def _flatten_state(self, s):
        s = s if isinstance(s, Tensor) else Tensor(s, dtype=self.dtype)  # host states go to the current device
        if self.data_format == "channels_first":
            s = ops.transpose(s, (0,) + tuple(range(2, s.ndim)) + (1,))
        return ops.reshape(s, (s.shape[0], -1))

    def build(self, input_shape):
        shape = tuple(input_shape[0] if is_shape_list(input_shape) else input_shape)
        if len(shape) != self.rank + 3:
            raise ShapeError(f"{self._who}: expects inputs (batch, time, {self.rank} spatial axes, channels) of rank "
                             f"{self.rank + 3} (data_format={self.data_format!r}), got shape {shape}")
        inner = shape[2:]
        spatial, channels = (inner[1:], inner[0]) if self.data_format == "channels_first" else (inner[:-1], inner[-1])
        if channels is None or None in spatial:
            raise ShapeError(f"{self._who}: the spatial and channel sizes must be known, got input shape {shape}")
        self.cell.build_for(tuple(int(s) for s in spatial), int(channels))
        self.built = True

    def call(self, inputs, training=None, mask=None):
        x, states = (inputs[0], list(inputs[1:])) if isinstance(inputs, (list, tuple)) else (inputs, [])
        projected = self.cell.input_projection(self._channels_last(x), training)
        flat_states = [self._flatten_state(s) for s in states]
        out = super().call([projected] + flat_states, training=training, mask=first_mask(mask))
        if not self.return_state:
            return self._unflatten(out, 2 if self.return_sequences else 1)
        return [self._unflatten(out[0], 2 if self.return_sequences else 1)] + [self._unflatten(s, 1)
                                                                              for s in out[1:]]

    def _start_states(self, n, dtype, sizes):
        # as Tensors of the input's dtype: RNN.call would wrap bare arrays in the default float dtype
        return [s if isinstance(s, Tensor) else Tensor(s, dtype=dtype)
                for s in super()._start_states(n, dtype, sizes)]

    def reset_states(self, states=None):
        """Forget the kept states (``stateful=True``); or set them to ``states`` ([h, c], each (batch,
        *out_spatial, filters) in the layer's data format)."""
        self.states = None if states is None else [self._flatten_state(s).data for s in states]  # no read-back

    reset_state = reset_states

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[0] if is_shape_list(input_shape) else input_shape)
        inner = shape[2:]
        spatial = inner[1:] if self.data_format == "channels_first" else inner[:-1]
        _, out = resolve_padding(self.padding, spatial, self.kernel_size, self.strides, self.dilation_rate)
        state = ((self.filters,) + out) if self.data_format == "channels_first" else (out + (self.filters,))
        output = (shape[0], shape[1]) + state if self.return_sequences else (shape[0],) + state
        return [output, (shape[0],) + state, (shape[0],) + state] if self.return_state else output

    def get_config(self):
        c = self.cell
        return {**Layer.get_config(self), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "activation": acts.serialize(c.activation),
                "recurrent_activation": acts.serialize(c.recurrent_activation), "use_bias": c.use_bias,
                "kernel_initializer": inits.serialize(c.kernel_initializer),
                "recurrent_initializer": inits.serialize(c.recurrent_initializer),
                "bias_initializer": inits.serialize(c.bias_initializer), "unit_forget_bias": c.unit_forget_bias,
                "kernel_regularizer": nf_regularizers.serialize(c.kernel_regularizer),
                "recurrent_regularizer": nf_regularizers.serialize(c.recurrent_regularizer),
                "bias_regularizer": nf_regularizers.serialize(c.bias_regularizer),
                "activity_regularizer": nf_regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": cons.serialize(c.kernel_constraint),
                "recurrent_constraint": cons.serialize(c.recurrent_constraint),
                "bias_constraint": cons.serialize(c.bias_constraint), "dropout": c.dropout,
                "recurrent_dropout": c.recurrent_dropout, "seed": c.seed,
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@register_builtin
class ConvLSTM1D(ConvLSTM):
    """1-D ConvLSTM. Shapes: (batch, time, steps, channels) -> (batch, [time,] out_steps, filters)."""

    rank = 1


@register_builtin
class ConvLSTM2D(ConvLSTM):
    """2-D ConvLSTM. Shapes: (batch, time, rows, cols, channels) -> (batch, [time,] out_rows, out_cols, filters)."""

    rank = 2


@register_builtin
class ConvLSTM3D(ConvLSTM):
    """3-D ConvLSTM. Shapes: (batch, time, d1, d2, d3, channels) -> (batch, [time,] out_d1, out_d2, out_d3,
    filters)."""

    rank = 3


__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
