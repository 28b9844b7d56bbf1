"""Recurrent cells — one time step of SimpleRNN, LSTM and GRU with Keras' weight layouts and gate orders (so a
cell's weights equal the corresponding layer's) — and ``StackedRNNCells``. ``layers.RNN`` runs a cell over a
sequence.

A cell is called as ``cell(inputs, states, training=None)`` with ``inputs`` (batch, features) and ``states`` a
list of (batch, size) tensors, one per entry of ``cell.state_size``; it returns ``(output, new_states)``.
Dropout masks are drawn once per sequence (``reset_dropout_mask`` starts a new one; ``RNN`` does so for each
call), as Keras' cells do.
"""
from __future__ import annotations

from .. import _validate as check
from ..backend import get_array_module
from .. import activations as nf_activations, constraints as nf_constraints, initializers as nf_initializers
from .. import ops, random as nf_random, regularizers as nf_regularizers
from ..errors import ShapeError
from ..ops.fused import dropout_mask
from ..registry import register_builtin
from .base import Layer
from .recurrent import _init_array
from .serialization import deserialize_layer, serialize_layer


class _Cell(Layer):
    """Arguments, weights, dropout masks and config shared by the three cells; ``n_gates`` blocks of ``units``."""

    n_gates = 1

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        kwargs.pop("implementation", None)  # Keras' choice of kernel layout; the arithmetic is the same
        super().__init__(**kwargs)
        who = self._who = f"{type(self).__name__} {self.name!r}"
        self.units = check.positive_int(units, who, "units")
        self.activation = check.resolved(nf_activations.get, activation, who, "activation")
        self.use_bias = check.boolean(use_bias, who, "use_bias")
        self.kernel_initializer = check.resolved(nf_initializers.get, kernel_initializer, who, "kernel_initializer")
        self.recurrent_initializer = check.resolved(nf_initializers.get, recurrent_initializer, who,
                                                    "recurrent_initializer")
        self.bias_initializer = check.resolved(nf_initializers.get, bias_initializer, who, "bias_initializer")
        self.kernel_regularizer = nf_regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = nf_regularizers.get(recurrent_regularizer)
        self.bias_regularizer = nf_regularizers.get(bias_regularizer)
        self.kernel_constraint = nf_constraints.get(kernel_constraint)
        self.recurrent_constraint = nf_constraints.get(recurrent_constraint)
        self.bias_constraint = nf_constraints.get(bias_constraint)
        self.dropout = check.probability(dropout, who, "dropout")
        self.recurrent_dropout = check.probability(recurrent_dropout, who, "recurrent_dropout")
        self.seed = check.non_negative_int(seed, who, "seed", allow_none=True)
        if seed is not None:
            self._rng = nf_random.generator(seed)
        self._masks = {}

    @property
    def state_size(self):
        return [self.units]

    @property
    def output_size(self):
        return self.units

    def _bias_shape(self):
        return (self.n_gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ShapeError(f"{self._who}: a cell takes one time step (batch, features), got {tuple(input_shape)}")
        k, u = self.n_gates, self.units
        self.kernel = self.add_weight("kernel", (input_shape[-1], k * u), self.kernel_initializer,
                                      self.kernel_regularizer, self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (u, k * u), self.recurrent_initializer,
                                                self.recurrent_regularizer, self.recurrent_constraint)
        self.bias = self.add_weight("bias", self._bias_shape(), self._bias_init(), self.bias_regularizer,
                                    self.bias_constraint) if self.use_bias else None
        self.built = True

    def __call__(self, inputs, states=None, training=None, **kwargs):
        if states is None:
            raise ShapeError(f"{self._who}: call a cell as cell(inputs, states) with states a list of "
                             f"{len(self.state_size)} tensor(s) of shapes (batch, {self.state_size})")
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        return super().__call__(inputs, training=training, states=states, **kwargs)

    def reset_dropout_mask(self):
        """Draw new dropout masks at the next call (one mask per sequence)."""
        self._masks = {}

    reset_recurrent_dropout_mask = reset_dropout_mask

    def _dropped(self, x, rate, key, training):
        """``x`` times this sequence's dropout mask ``key`` (drawn at its first use), when training."""
        if not (training and rate):
            return x
        mask = self._masks.get(key)
        if mask is None or mask.shape != tuple(x.shape):
            mask = self._masks[key] = dropout_mask(tuple(x.shape), rate, x.dtype, self.rng)
        return x * mask

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": nf_activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": nf_initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": nf_initializers.serialize(self.recurrent_initializer),
                "bias_initializer": nf_initializers.serialize(self.bias_initializer),
                "kernel_regularizer": nf_regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": nf_regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": nf_regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": nf_constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": nf_constraints.serialize(self.recurrent_constraint),
                "bias_constraint": nf_constraints.serialize(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed}


class _GatedCell(_Cell):
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = check.resolved(nf_activations.get, recurrent_activation, self._who,
                                                   "recurrent_activation")

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": nf_activations.serialize(self.recurrent_activation)}


@register_builtin
class SimpleRNNCell(_Cell):
    """``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``; output and state are ``h``.

    Shapes: inputs (batch, features), states [(batch, units)] -> (batch, units); kernel (features, units),
    recurrent_kernel (units, units), bias (units,).
    """

    def call(self, inputs, states, training=None):
        h_prev = self._dropped(states[0], self.recurrent_dropout, "recurrent", training)
        z = ops.matmul(self._dropped(inputs, self.dropout, "input", training), self.kernel)
        if self.bias is not None:
            z = z + self.bias
        h = self.activation(z + ops.matmul(h_prev, self.recurrent_kernel))
        return h, [h]


@register_builtin
class LSTMCell(_GatedCell):
    """One LSTM step, Keras' gate order i, f, c, o: ``c = f * c_prev + i * activation(.)``,
    ``h = o * activation(c)``.

    Shapes: inputs (batch, features), states [h, c] each (batch, units) -> h, [h, c]; kernel (features,
    4*units), recurrent_kernel (units, 4*units), bias (4*units,) (``unit_forget_bias``: forget block starts at 1).
    """

    n_gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                         **kwargs)
        self.unit_forget_bias = check.boolean(unit_forget_bias, self._who, "unit_forget_bias")

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        u, init, rng = self.units, self.bias_initializer, self.rng

        def forget_ones(shape, dtype=None):
            first = _init_array(init, (u,), dtype, rng)
            xp = get_array_module(first)  # the current device's, as the initializer made it
            return xp.concatenate([first, xp.ones(u, first.dtype),
                                   _init_array(init, (2 * u,), dtype, rng)])
        return forget_ones

    def call(self, inputs, states, training=None):
        h_prev, c_prev = states[0], states[1]
        x = self._dropped(inputs, self.dropout, "input", training)
        h_in = self._dropped(h_prev, self.recurrent_dropout, "recurrent", training)
        z = ops.matmul(x, self.kernel) + ops.matmul(h_in, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        zi, zf, zc, zo = ops.split(z, 4, axis=-1)
        ra = self.recurrent_activation
        c = ra(zf) * c_prev + ra(zi) * self.activation(zc)
        h = ra(zo) * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


@register_builtin
class GRUCell(_GatedCell):
    """One GRU step, Keras' gate order z, r, h: ``h = z * h_prev + (1 - z) * hh``.

    ``reset_after=True`` (default): the reset gate multiplies the recurrent product, bias (2, 3*units) = (input
    bias, recurrent bias); ``False``: it multiplies ``h_prev`` before the product, bias (3*units,).
    Shapes: inputs (batch, features), states [(batch, units)] -> (batch, units); kernel (features, 3*units),
    recurrent_kernel (units, 3*units).
    """

    n_gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True, reset_after=True,
                 **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                         **kwargs)
        self.reset_after = check.boolean(reset_after, self._who, "reset_after")

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=None):
        h_prev = states[0]
        x = self._dropped(inputs, self.dropout, "input", training)
        h_in = self._dropped(h_prev, self.recurrent_dropout, "recurrent", training)
        u, ra = self.units, self.recurrent_activation
        xz = ops.matmul(x, self.kernel)
        if self.bias is not None:
            xz = xz + (self.bias[0] if self.reset_after else self.bias)
        x_z, x_r, x_h = ops.split(xz, 3, axis=-1)
        if self.reset_after:
            inner = ops.matmul(h_in, self.recurrent_kernel)
            if self.bias is not None:
                inner = inner + self.bias[1]
            r_z, r_r, r_h = ops.split(inner, 3, axis=-1)
            z, r = ra(x_z + r_z), ra(x_r + r_r)
            hh = self.activation(x_h + r * r_h)
        else:
            inner = ops.matmul(h_in, self.recurrent_kernel[:, :2 * u])
            r_z, r_r = ops.split(inner, 2, axis=-1)
            z, r = ra(x_z + r_z), ra(x_r + r_r)
            hh = self.activation(x_h + ops.matmul(r * h_in, self.recurrent_kernel[:, 2 * u:]))
        h = z * h_prev + (1 - z) * hh
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


@register_builtin
class StackedRNNCells(Layer):
    """Several cells as one: each step runs them in order, each cell's output the next one's input.

    ``state_size``: the cells' state sizes, concatenated (first cell first). Shapes: inputs (batch, features),
    states as ``state_size`` -> the last cell's output, the new states.
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells or not all(hasattr(c, "state_size") for c in cells):
            raise check.ArgumentTypeError(f"StackedRNNCells {self.name!r}: cells must be a non-empty list of RNN "
                                          f"cells (layers with state_size), got {check.describe(cells)}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [s for cell in self.cells for s in state_sizes(cell)]

    @property
    def output_size(self):
        last = self.cells[-1]
        return getattr(last, "output_size", state_sizes(last)[0])

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            cell._maybe_build(shape)
            shape = (shape[0], getattr(cell, "output_size", state_sizes(cell)[0]))
        self.built = True

    def __call__(self, inputs, states=None, training=None, **kwargs):
        return super().__call__(inputs, training=training, states=list(states or []), **kwargs)

    def call(self, inputs, states, training=None):
        new_states, start, x = [], 0, inputs
        for cell in self.cells:
            n = len(state_sizes(cell))
            x, cell_states = call_cell(cell, x, states[start:start + n], training)
            new_states += cell_states
            start += n
        return x, new_states

    def reset_dropout_mask(self):
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def get_config(self):
        return {**super().get_config(), "cells": [serialize_layer(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls([deserialize_layer(c) for c in config.pop("cells")], **config)


def state_sizes(cell) -> list:
    """A cell's ``state_size`` as a list of ints (Keras allows an int for one state)."""
    size = cell.state_size
    return [int(s) for s in size] if isinstance(size, (list, tuple)) else [int(size)]


def call_cell(cell, inputs, states, training):
    """``(output, new_states as a list)`` of one step of any cell: neuroflow's own or a user's Layer whose
    ``call(inputs, states)`` returns ``(output, states)`` (a lone state tensor is accepted too)."""
    if isinstance(cell, (_Cell, StackedRNNCells)):
        output, new = cell(inputs, states, training=training)
    else:
        output, new = Layer.__call__(cell, inputs, training=training, states=states)
    return output, list(new) if isinstance(new, (list, tuple)) else [new]


__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "state_sizes", "call_cell"]
