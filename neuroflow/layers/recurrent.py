"""Recurrent layers: SimpleRNN, LSTM, GRU (Keras 3 arguments, weight names and layouts).

Each layer runs its whole sequence as one fused graph node (:mod:`neuroflow.ops.recurrent`). Weights, as Keras
stores them (so Keras weights load unchanged): ``kernel`` (features, k*units), ``recurrent_kernel`` (units,
k*units), ``bias`` (k*units,) — GRU with ``reset_after=True``: (2, 3*units) — with k gate blocks side by side
in Keras' order (LSTM: i, f, c, o; GRU: z, r, h; SimpleRNN: k = 1).

Calling convention (Keras'): ``layer(x, initial_state=[h, c], training=..., mask=...)`` with ``x`` (batch,
timesteps, features) and ``mask`` bool (batch, timesteps). Returns the last output (batch, units), or every
step's output (batch, timesteps, units) with ``return_sequences``; with ``return_state`` the list ``[outputs,
h, c]`` (LSTM) or ``[outputs, h]``. In a functional model the initial states travel as extra inputs (``[x, h,
c]``), which is how they are recorded and saved.
"""
from __future__ import annotations

import numpy as np

from .. import _validate as check
from .. import backend
from ..backend import get_array_module
from .. import activations as nf_activations, constraints as nf_constraints, initializers as nf_initializers
from .. import ops, random as nf_random, regularizers as nf_regularizers
from ..autograd.tensor import Tensor
from ..errors import ConfigError, ShapeError
from ..ops.fused import dropout_mask
from ..ops.recurrent import gru as gru_op, lstm as lstm_op, simple_rnn as simple_rnn_op
from ..registry import register_builtin
from .base import Layer
from .symbolic import flatten


def is_shape_list(shape) -> bool:
    """True for a list of shapes (inputs plus initial states), False for one shape."""
    return isinstance(shape, (list, tuple)) and len(shape) > 0 and isinstance(shape[0], (list, tuple))


def pack_initial_state(inputs, initial_state):
    """``inputs`` plus the initial states as one list ``[x, s1, s2...]`` (Keras' way of carrying them as inputs,
    so that a functional graph records them and a saved model restores them)."""
    if initial_state is None:
        return inputs
    if isinstance(inputs, (list, tuple)):
        raise ConfigError("pass the initial states either in the inputs list or as initial_state=, not both")
    states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
    return [inputs] + states


def first_mask(mask):
    """The mask of the sequence input when a list of masks (one per input) was given."""
    return mask[0] if isinstance(mask, (list, tuple)) else mask


def _init_array(init, shape, dtype, rng):
    if isinstance(init, nf_initializers.Initializer):
        return init(shape, dtype=dtype, rng=rng)
    value = init(shape, dtype)  # a plain callable's array: device arrays stay where they are
    return np.asarray(value) if backend.is_host(value) else value


def state_arrays(states, dtype) -> list:
    """Given states (Tensors, host or device arrays) as copies of ``dtype`` on the current device, where the
    layer's steps run (host ones copied there once, not at every call). Shapes: unchanged."""
    arrays = []
    for s in states:
        a = s.data if isinstance(s, Tensor) else s
        arrays.append(backend.to_device(np.array(a, dtype=dtype) if backend.is_host(a) else a.astype(dtype)))
    return arrays


class RNNLayer(Layer):
    """The shared part of SimpleRNN, LSTM and GRU: arguments, weights, states, masks, dropout, config.

    Subclasses set ``n_gates`` / ``n_states`` and implement ``_run(x, states, mask) -> (outputs, *final_states)``
    on the fused op. ``states`` (after a call with ``stateful=True``) holds the last states, each (batch, units).
    """

    n_gates = 1
    n_states = 1
    supports_masking = True

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        # Accepted for Keras config compatibility; the fused kernel makes them moot.
        kwargs.pop("implementation", None)
        kwargs.pop("use_cudnn", None)
        if kwargs.pop("time_major", False):
            raise ConfigError(f"{type(self).__name__}: time_major=True is not supported; pass (batch, timesteps, "
                              f"features) inputs")
        super().__init__(**kwargs)
        who = f"{type(self).__name__} {self.name!r}"
        self.units = check.positive_int(units, who, "units")
        dropout = check.probability(dropout, who, "dropout")
        recurrent_dropout = check.probability(recurrent_dropout, who, "recurrent_dropout")
        seed = check.non_negative_int(seed, who, "seed", allow_none=True)
        self.activation = check.resolved(nf_activations.get, activation, who, "activation")
        self._act_name = nf_activations.serialize(self.activation)
        self.use_bias = check.boolean(use_bias, who, "use_bias")
        self.kernel_initializer = nf_initializers.get(kernel_initializer)
        self.recurrent_initializer = nf_initializers.get(recurrent_initializer)
        self.bias_initializer = nf_initializers.get(bias_initializer)
        self.kernel_regularizer = nf_regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = nf_regularizers.get(recurrent_regularizer)
        self.bias_regularizer = nf_regularizers.get(bias_regularizer)
        self._activity_regularizer = nf_regularizers.get(activity_regularizer)
        self.kernel_constraint = nf_constraints.get(kernel_constraint)
        self.recurrent_constraint = nf_constraints.get(recurrent_constraint)
        self.bias_constraint = nf_constraints.get(bias_constraint)
        self.dropout, self.recurrent_dropout, self.seed = float(dropout), float(recurrent_dropout), seed
        # the seed drives the dropout masks only (as in Keras); weights come from the layer's own generator
        self._dropout_rng = nf_random.generator(seed) if seed is not None else None
        flags = {arg: check.boolean(value, who, arg) for arg, value in (
            ("return_sequences", return_sequences), ("return_state", return_state), ("go_backwards", go_backwards),
            ("stateful", stateful), ("unroll", unroll), ("zero_output_for_mask", zero_output_for_mask))}
        self.return_sequences, self.return_state = flags["return_sequences"], flags["return_state"]
        self.go_backwards, self.stateful, self.unroll = flags["go_backwards"], flags["stateful"], flags["unroll"]
        self.zero_output_for_mask = flags["zero_output_for_mask"]
        self.states = None

    # --- weights -------------------------------------------------------------------------------------------------
    def _describe(self):
        return f"{type(self).__name__} {self.name!r}"

    def _check_shape(self, shape):
        if len(shape) != 3:
            raise ShapeError(f"{self._describe()}: expects inputs of shape (batch, timesteps, features), got "
                             f"{tuple(shape)}")
        if shape[-1] is None:
            raise ShapeError(f"{self._describe()}: the feature axis of the inputs must be known, got {tuple(shape)}")

    def _bias_shape(self):
        return (self.n_gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        shape = input_shape[0] if is_shape_list(input_shape) else input_shape
        self._check_shape(shape)
        k, u = self.n_gates, self.units
        self.kernel = self.add_weight("kernel", (shape[-1], k * u), self.kernel_initializer, self.kernel_regularizer,
                                      self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (u, k * u), self.recurrent_initializer,
                                                self.recurrent_regularizer, self.recurrent_constraint)
        self.bias = self.add_weight("bias", self._bias_shape(), self._bias_initializer(), self.bias_regularizer,
                                    self.bias_constraint) if self.use_bias else None
        self.built = True

    # --- calling ---------------------------------------------------------------------------------------------------
    def __call__(self, inputs, training=None, mask=None, initial_state=None, **kwargs):
        inputs = pack_initial_state(inputs, initial_state)
        # the activity regularizer is applied here, to every output, since the base class expects one tensor
        reg, self._activity_regularizer = self._activity_regularizer, None
        try:
            outputs = super().__call__(inputs, training=training, mask=mask, **kwargs)
        finally:
            self._activity_regularizer = reg
        if reg is not None and all(isinstance(o, Tensor) for o in flatten(outputs)):
            self._losses = [reg(o) for o in flatten(outputs)]
        return outputs

    def call(self, inputs, training=None, mask=None):
        x, states = (inputs[0], list(inputs[1:]) or None) if isinstance(inputs, (list, tuple)) else (inputs, None)
        self._check_shape(x.shape)
        if x.shape[-1] != self.kernel.shape[0]:
            raise ShapeError(f"{self._describe()}: expects inputs of shape (batch, timesteps, "
                             f"{self.kernel.shape[0]}), got {x.shape}")
        if x.dtype.kind in "biu":  # integer/bool sequences run in the kernel's dtype (Keras), not as an error
            x = ops.cast(x, self.kernel.dtype)
        n = x.shape[0]
        if states is not None and len(states) != self.n_states:
            raise ShapeError(f"{self._describe()}: expects {self.n_states} initial state(s) of shape (batch, "
                             f"{self.units}), got {len(states)}")
        if states is None and self.stateful:
            states = self._stateful_states(n, x.dtype)
        rng = self._dropout_rng or self.rng
        if training and self.dropout > 0:
            # one mask per sequence, shared by every time step (Keras' recurrent dropout convention)
            x = ops.dropout(x, self.dropout, rng=rng, noise_shape=(None, 1, None))
        # recurrent dropout: one (batch, units) mask on h_{t-1} in the recurrent matmul, for the whole sequence
        rmask = dropout_mask((n, self.units), self.recurrent_dropout, x.dtype, rng) \
            if training and self.recurrent_dropout > 0 else None
        try:
            outputs, *finals = self._run(x, states, self._op_kwargs(first_mask(mask), rmask))
        except ConfigError as err:
            raise ConfigError(f"{self._describe()}: {err}") from None
        except ShapeError as err:
            raise ShapeError(f"{self._describe()}: {err}") from None
        if self.stateful:
            # kept as plain arrays: the next batch starts from these values, without backpropagating into them
            self.states = [s.data.copy() for s in finals]
        return [outputs] + finals if self.return_state else outputs

    def _stateful_states(self, n, dtype):
        if self.states is None:
            self.states = [backend.xp.zeros((n, self.units), dtype) for _ in range(self.n_states)]  # current device
        if self.states[0].shape[0] != n:
            raise ShapeError(f"{self._describe()}: stateful=True keeps states for batches of "
                             f"{self.states[0].shape[0]}, got a batch of {n}; use a fixed batch size that divides "
                             f"the data (shuffle=False), or call reset_states() between runs")
        return self.states

    def reset_states(self, states=None):
        """Forget the kept states (``stateful=True``): zeros next call, or ``states`` (one (batch, units) array
        per state)."""
        if states is None:
            self.states = None
            return
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if len(states) != self.n_states:
            raise ShapeError(f"{self._describe()}: reset_states expects {self.n_states} state array(s), "
                             f"got {len(states)}")
        arrays = state_arrays(states, self.dtype)
        for a in arrays:
            if a.ndim != 2 or a.shape[1] != self.units:
                raise ShapeError(f"{self._describe()}: each state must have shape (batch, {self.units}), got "
                                 f"{a.shape}")
        self.states = arrays

    reset_state = reset_states  # Keras 3 spelling

    def _run(self, x, states, op_kwargs):  # pragma: no cover - abstract
        """Call the fused op on ``x`` from ``states`` (None: zeros) with the shared ``op_kwargs``."""
        raise NotImplementedError

    def _op_kwargs(self, mask, recurrent_mask):
        return dict(mask=mask, recurrent_mask=recurrent_mask, go_backwards=self.go_backwards,
                    return_sequences=self.return_sequences, activation=self._act_name,
                    zero_output_for_mask=self.zero_output_for_mask)

    # --- shapes, masks, config -----------------------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        shape = input_shape[0] if is_shape_list(input_shape) else input_shape
        out = (shape[0], shape[1], self.units) if self.return_sequences else (shape[0], self.units)
        if self.return_state:
            return [out] + [(shape[0], self.units)] * self.n_states
        return out

    def compute_mask(self, inputs, mask=None):
        """The output mask: the input mask (batch, timesteps) when returning sequences, else None (also None for
        each returned state)."""
        out = first_mask(mask) if self.return_sequences else None
        return [out] + [None] * self.n_states if self.return_state else out

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self._act_name,
                "use_bias": self.use_bias,
                "kernel_initializer": nf_initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": nf_initializers.serialize(self.recurrent_initializer),
                "bias_initializer": nf_initializers.serialize(self.bias_initializer),
                "kernel_regularizer": nf_regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": nf_regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": nf_regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": nf_regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": nf_constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": nf_constraints.serialize(self.recurrent_constraint),
                "bias_constraint": nf_constraints.serialize(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed,
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask}


@register_builtin
class SimpleRNN(RNNLayer):
    """Fully connected RNN: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``.

    Shapes: inputs (batch, timesteps, features) -> (batch, units), or (batch, timesteps, units) with
    ``return_sequences``; kernel (features, units), recurrent_kernel (units, units), bias (units,).
    Args as Keras 3 (see the module docstring); ``activation`` one of tanh, sigmoid, relu, hard_sigmoid, linear.
    """

    def _run(self, x, states, op_kwargs):
        return simple_rnn_op(x, self.kernel, self.recurrent_kernel, self.bias,
                             initial_h=None if states is None else states[0], **op_kwargs)


@register_builtin
class LSTM(RNNLayer):
    """Long short-term memory (Hochreiter 1997), Keras' cell: gates i, f, c, o.

    ``c_t = f * c_{t-1} + i * activation(.)``, ``h_t = o * activation(c_t)`` with i, f, o from
    ``recurrent_activation``. Shapes: inputs (batch, timesteps, features) -> (batch, units), or (batch,
    timesteps, units) with ``return_sequences``; kernel (features, 4*units), recurrent_kernel (units, 4*units),
    bias (4*units,). ``unit_forget_bias=True`` initialises the forget-gate bias to 1 (Jozefowicz et al. 2015).
    """

    n_gates = 4
    n_states = 2

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True, *,
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self.recurrent_activation = check.resolved(nf_activations.get, recurrent_activation, self._describe(),
                                                   "recurrent_activation")
        self._ract_name = nf_activations.serialize(self.recurrent_activation)
        self.unit_forget_bias = check.boolean(unit_forget_bias, self._describe(), "unit_forget_bias")

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        u, init, rng = self.units, self.bias_initializer, self.rng

        def forget_ones(shape, dtype=None):  # bias_initializer for i, c, o; ones for the forget gate
            first = _init_array(init, (u,), dtype, rng)
            xp = get_array_module(first)  # the current device's, as the initializer made it
            return xp.concatenate([first, xp.ones(u, first.dtype),
                                   _init_array(init, (2 * u,), dtype, rng)])
        return forget_ones

    def _run(self, x, states, op_kwargs):
        h, c = (None, None) if states is None else states
        return lstm_op(x, self.kernel, self.recurrent_kernel, self.bias, initial_h=h, initial_c=c,
                       recurrent_activation=self._ract_name, **op_kwargs)

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": self._ract_name,
                "unit_forget_bias": self.unit_forget_bias}


@register_builtin
class GRU(RNNLayer):
    """Gated recurrent unit (Cho et al. 2014), Keras' cell: gates z, r, h; ``h_t = z * h_{t-1} + (1 - z) * hh``.

    ``reset_after=True`` (Keras 3's default, cuDNN-compatible) applies the reset gate after the recurrent
    product and keeps a separate recurrent bias: bias (2, 3*units) = (input bias, recurrent bias);
    ``reset_after=False``: bias (3*units,). Shapes: inputs (batch, timesteps, features) -> (batch, units), or
    (batch, timesteps, units) with ``return_sequences``; kernel (features, 3*units), recurrent_kernel (units,
    3*units).
    """

    n_gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True, *,
                 reset_after=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self.recurrent_activation = check.resolved(nf_activations.get, recurrent_activation, self._describe(),
                                                   "recurrent_activation")
        self._ract_name = nf_activations.serialize(self.recurrent_activation)
        self.reset_after = check.boolean(reset_after, self._describe(), "reset_after")

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _run(self, x, states, op_kwargs):
        return gru_op(x, self.kernel, self.recurrent_kernel, self.bias,
                      initial_h=None if states is None else states[0], reset_after=self.reset_after,
                      recurrent_activation=self._ract_name, **op_kwargs)

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": self._ract_name, "reset_after": self.reset_after}


__all__ = ["SimpleRNN", "LSTM", "GRU", "RNNLayer"]
