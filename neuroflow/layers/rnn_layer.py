"""``RNN``: runs any recurrent cell over a sequence, one Python step per time step (the cells' arithmetic is
ordinary differentiable ops, so gradients flow through time by the graph).

The fused ``SimpleRNN``/``LSTM``/``GRU`` layers are faster for the built-in cells; ``RNN`` serves cells of your
own (a Layer with ``state_size`` and ``call(inputs, states) -> (output, new_states)``), ``StackedRNNCells`` and a
list of cells.
"""
from __future__ import annotations

from .. import _validate as check, backend, ops
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from ..registry import register_builtin
from .base import Layer
from .masking import mask_array
from .recurrent import first_mask, is_shape_list, pack_initial_state, state_arrays
from .rnn_cells import StackedRNNCells, call_cell, state_sizes
from .serialization import deserialize_layer, serialize_layer


@register_builtin
class RNN(Layer):
    """A recurrent layer around ``cell`` (a cell, or a list of cells, stacked).

    Call: ``layer(x, initial_state=None, mask=None, training=None)``. Shapes: x (batch, timesteps, features) ->
    (batch, output_size), or (batch, timesteps, output_size) with ``return_sequences``; with ``return_state``
    ``[output] + final_states``, each state (batch, size). A masked step keeps the previous states and repeats
    the previous output (zeros with ``zero_output_for_mask``). With stacked cells the states come as one flat
    list, first cell first (Keras nests them per cell), and ``initial_state`` may be flat or nested.

    Args: ``cell``, ``return_sequences``, ``return_state``, ``go_backwards`` (read the sequence from its end),
    ``stateful`` (each batch starts from the last one's final states), ``unroll`` (accepted; the steps are
    always a Python loop), ``zero_output_for_mask``.
    """

    supports_masking = True

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        who = self._who = f"RNN {self.name!r}"
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(list(cell))
        if not isinstance(cell, Layer) or not hasattr(cell, "state_size"):
            raise check.ArgumentTypeError(f"{who}: cell must be a Layer with a state_size and call(inputs, states), "
                                          f"got {check.describe(cell)}")
        self.cell = cell
        for arg, value in (("return_sequences", return_sequences), ("return_state", return_state),
                           ("go_backwards", go_backwards), ("stateful", stateful), ("unroll", unroll),
                           ("zero_output_for_mask", zero_output_for_mask)):
            setattr(self, arg, check.boolean(value, who, arg))
        self.states = None

    def _output_size(self):
        return getattr(self.cell, "output_size", None) or state_sizes(self.cell)[0]

    def build(self, input_shape):
        shape = tuple(input_shape[0] if is_shape_list(input_shape) else input_shape)
        if len(shape) != 3 or shape[-1] is None:
            raise ShapeError(f"{self._who}: expects inputs (batch, timesteps, features) with known features, got "
                             f"{shape}")
        self.cell._maybe_build((shape[0], shape[-1]))
        self.built = True

    def __call__(self, inputs, training=None, mask=None, initial_state=None, **kwargs):
        return super().__call__(pack_initial_state(inputs, initial_state), training=training, mask=mask, **kwargs)

    def call(self, inputs, training=None, mask=None):
        x, states = (inputs[0], _flat(inputs[1:]) or None) if isinstance(inputs, (list, tuple)) else (inputs, None)
        n, steps = x.shape[0], x.shape[1]
        sizes = state_sizes(self.cell)
        if states is None:
            states = self._start_states(n, x.dtype, sizes)
        if len(states) != len(sizes):
            raise ShapeError(f"{self._who}: the cell has {len(sizes)} state(s) of sizes {sizes}, got "
                             f"{len(states)} initial state(s)")
        states = [s if isinstance(s, Tensor) else Tensor(s, dtype=x.dtype) for s in states]
        mask = first_mask(mask)
        keep = None if mask is None else mask_array(mask, like=x).astype(bool)
        if hasattr(self.cell, "reset_dropout_mask"):
            self.cell.reset_dropout_mask()  # one dropout mask per sequence
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs, previous = [], None
        for t in order:
            out, new_states = call_cell(self.cell, x[:, t], states, training)
            if keep is not None:  # a masked step leaves the states (and the output) as they were
                k = keep[:, t:t + 1]
                new_states = [ops.where(k, s_new, s_old) for s_new, s_old in zip(new_states, states)]
                held = previous if previous is not None and not self.zero_output_for_mask else 0.0
                out = ops.where(k, out, held)
            states, previous = new_states, out
            outputs.append(out)
        if self.stateful:  # the next batch starts here, without backpropagating into this one
            self.states = [s.data.copy() for s in states]
        result = ops.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return [result] + list(states) if self.return_state else result

    def _start_states(self, n, dtype, sizes):
        if not self.stateful or self.states is None or self.states[0].shape[0] != n:
            if self.stateful and self.states is not None:
                raise ShapeError(f"{self._who}: stateful=True keeps states for batches of {self.states[0].shape[0]}, "
                                 f"got a batch of {n}; call reset_states() first")
            zeros = [backend.xp.zeros((n, s), dtype) for s in sizes]  # on the current device
            if self.stateful:
                self.states = zeros
            return zeros
        return self.states

    def reset_states(self, states=None):
        """Forget the kept states (``stateful=True``); or set them to ``states`` (arrays (batch, size))."""
        self.states = None if states is None else state_arrays(states, self.dtype)

    reset_state = reset_states

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[0] if is_shape_list(input_shape) else input_shape)
        size = self._output_size()
        out = (shape[0], shape[1], size) if self.return_sequences else (shape[0], size)
        if self.return_state:
            return [out] + [(shape[0], s) for s in state_sizes(self.cell)]
        return out

    def compute_mask(self, inputs, mask=None):
        out = first_mask(mask) if self.return_sequences else None
        return [out] + [None] * len(state_sizes(self.cell)) if self.return_state else out

    def get_config(self):
        return {**super().get_config(), "cell": serialize_layer(self.cell),
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(deserialize_layer(config.pop("cell")), **config)


def _flat(states) -> list:
    return [s for item in states for s in (_flat(item) if isinstance(item, (list, tuple)) else [item])]


__all__ = ["RNN"]
