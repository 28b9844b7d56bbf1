"""Layer wrappers: ``Bidirectional`` (an RNN run both ways) and ``TimeDistributed`` (a layer applied per step)."""
from __future__ import annotations

from .. import ops
from ..autograd.tensor import Tensor
from ..errors import ConfigError, ShapeError
from ..registry import register_builtin
from .base import Layer
from .recurrent import first_mask, is_shape_list, pack_initial_state
from .serialization import deserialize_layer as _deserialize, serialize_layer as _serialize

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _remove_prefix(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


def _copy_layer(layer, **overrides):
    """A fresh (unbuilt, new weights) layer of the same class and config, with ``overrides`` applied."""
    return type(layer).from_config({**layer.get_config(), **overrides})


@register_builtin
class Bidirectional(Layer):
    """Runs a recurrent ``layer`` forwards and a copy of it backwards over the sequence and merges the two.

    The backward copy (``backward_layer``, default: ``layer``'s config with ``go_backwards`` flipped, its own
    weights) returns its steps in processing order; with ``return_sequences`` they are re-reversed so that step
    t of both halves describes input step t (as Keras and ``torch.nn.LSTM(bidirectional=True)`` do).

    Shapes: inputs (batch, timesteps, features) -> ``merge_mode`` 'concat': (batch, [timesteps,] 2*units);
    'sum', 'mul', 'ave': (batch, [timesteps,] units); None: the list [forward, backward]. With ``return_state``
    the forward layer's final states, then the backward layer's, follow the output(s) in the returned list.
    ``initial_state``: the forward states, then the backward ones. Weights: the forward layer's, then the
    backward layer's.
    """

    supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        for what, lay in (("layer", layer), ("backward_layer", backward_layer)):
            if lay is not None and not (isinstance(lay, Layer) and hasattr(lay, "go_backwards")
                                        and hasattr(lay, "return_sequences")):
                raise ConfigError(f"Bidirectional: {what} must be a recurrent layer (SimpleRNN, LSTM, GRU), got "
                                  f"{type(lay).__name__}")
        if merge_mode not in _MERGE_MODES:
            raise ConfigError(f"Bidirectional: merge_mode must be one of {_MERGE_MODES}, got {merge_mode!r}")
        super().__init__(**kwargs)
        self.merge_mode = merge_mode
        base = _remove_prefix(_remove_prefix(layer.name, "forward_"), "backward_")
        # fresh copies: the wrapped layer itself is a template and never holds this layer's weights
        self.forward_layer = _copy_layer(layer, name="forward_" + base)
        if backward_layer is None:
            backward_layer = _copy_layer(layer, name="backward_" + base, go_backwards=not layer.go_backwards)
        else:
            for attr in ("return_sequences", "return_state"):
                if getattr(backward_layer, attr) != getattr(layer, attr):
                    raise ConfigError(f"Bidirectional: backward_layer.{attr}={getattr(backward_layer, attr)} "
                                      f"must equal layer.{attr}={getattr(layer, attr)}")
            if backward_layer.go_backwards == layer.go_backwards:
                raise ConfigError("Bidirectional: backward_layer.go_backwards must be the opposite of "
                                  "layer.go_backwards")
        self.backward_layer = backward_layer
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        self.stateful = layer.stateful
        # masked steps output zeros, so that the re-reversed backward sequence lines up with the forward one
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = self.return_sequences
        self._initial_weights = weights

    def __call__(self, inputs, training=None, mask=None, initial_state=None, **kwargs):
        return super().__call__(pack_initial_state(inputs, initial_state), training=training, mask=mask, **kwargs)

    def build(self, input_shape):
        shape = input_shape[0] if is_shape_list(input_shape) else input_shape
        if len(shape) != 3:
            raise ShapeError(f"Bidirectional {self.name!r}: expects inputs of shape (batch, timesteps, features), "
                             f"got {tuple(shape)}")
        self.forward_layer._maybe_build(tuple(shape))
        self.backward_layer._maybe_build(tuple(shape))
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _n_states(self, layer):
        return getattr(layer, "n_states", 1) if self.return_state else 0

    def call(self, inputs, training=None, mask=None):
        x, states = (inputs[0], list(inputs[1:])) if isinstance(inputs, (list, tuple)) else (inputs, [])
        mask = first_mask(mask)
        nf = getattr(self.forward_layer, "n_states", len(states) // 2)
        nb = getattr(self.backward_layer, "n_states", len(states) - nf)
        if states and len(states) != nf + nb:
            raise ShapeError(f"Bidirectional {self.name!r}: expects {nf + nb} initial states (the forward layer's "
                             f"{nf}, then the backward layer's {nb}), got {len(states)}")
        fwd = self.forward_layer(x, training=training, mask=mask, initial_state=states[:nf] or None)
        bwd = self.backward_layer(x, training=training, mask=mask, initial_state=states[nf:] or None)
        fwd_states, bwd_states = [], []
        if self.return_state:
            fwd, fwd_states = fwd[0], list(fwd[1:])
            bwd, bwd_states = bwd[0], list(bwd[1:])
        if self.return_sequences:
            bwd = ops.flip(bwd, axis=1)
        if self.merge_mode == "concat":
            out = ops.concatenate([fwd, bwd], axis=-1)
        elif self.merge_mode == "sum":
            out = ops.add(fwd, bwd)
        elif self.merge_mode == "mul":
            out = ops.multiply(fwd, bwd)
        elif self.merge_mode == "ave":
            out = ops.multiply(ops.add(fwd, bwd), 0.5)
        else:
            out = [fwd, bwd]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + fwd_states + bwd_states
        return out

    def compute_output_shape(self, input_shape):
        shape = input_shape[0] if is_shape_list(input_shape) else tuple(input_shape)
        f, b = self.forward_layer.compute_output_shape(shape), self.backward_layer.compute_output_shape(shape)
        (f, *f_states), (b, *b_states) = (f, b) if self.return_state else ([f], [b])
        f, b = tuple(f), tuple(b)
        if self.merge_mode == "concat":
            out = [f[:-1] + (f[-1] + b[-1],)]
        elif self.merge_mode is None:
            out = [f, b]
        else:
            out = [f]
        if self.return_state or self.merge_mode is None:
            return out + [tuple(s) for s in f_states + b_states]
        return out[0]

    def compute_mask(self, inputs, mask=None):
        """The input mask (batch, timesteps) for sequence outputs, None for last-step outputs and states."""
        out = first_mask(mask) if self.return_sequences else None
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            return outs + [None] * (self._n_states(self.forward_layer) + self._n_states(self.backward_layer))
        return outs if self.merge_mode is None else out

    def reset_states(self, states=None):
        """Forget both directions' kept states (``stateful=True``); ``states``: forward's then backward's."""
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        n = len(states) // 2
        self.forward_layer.reset_states(states[:n])
        self.backward_layer.reset_states(states[n:])

    reset_state = reset_states

    def get_config(self):
        return {**super().get_config(), "merge_mode": self.merge_mode, "layer": _serialize(self.forward_layer),
                "backward_layer": _serialize(self.backward_layer)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        layer = _deserialize(config.pop("layer"))
        backward = config.pop("backward_layer", None)
        return cls(layer, backward_layer=None if backward is None else _deserialize(backward), **config)


@register_builtin
class TimeDistributed(Layer):
    """Applies ``layer`` to every time step: time is folded into the batch axis (one call on (batch*timesteps,
    ...)), then unfolded.

    Shapes: (batch, timesteps, *step_shape) -> (batch, timesteps, *layer's output shape for step_shape).
    A mask (batch, timesteps) passes through unchanged (and reaches ``layer`` folded, if it takes one).
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ConfigError(f"TimeDistributed: expects a Layer to wrap, got {type(layer).__name__}")
        super().__init__(**kwargs)
        self.layer = layer

    def _check_shape(self, shape):
        if len(shape) < 3:
            raise ShapeError(f"TimeDistributed {self.name!r} (wrapping {self.layer.name!r}): expects inputs of "
                             f"shape (batch, timesteps, features...), got {tuple(shape)}")

    @staticmethod
    def _folded(shape):
        n, t = shape[0], shape[1]
        return (None if n is None or t is None else n * t,) + tuple(shape[2:])

    def build(self, input_shape):
        self._check_shape(input_shape)
        self.layer._maybe_build(self._folded(input_shape))
        self.built = True

    def call(self, inputs, training=None, mask=None):
        self._check_shape(inputs.shape)
        n, t = inputs.shape[:2]
        kwargs = {"training": training}
        if mask is not None and self.layer._call_takes_mask:
            m = first_mask(mask)
            m = m.data if isinstance(m, Tensor) else m
            kwargs["mask"] = m.reshape((n * t,) + tuple(m.shape[2:]))
        y = self.layer(ops.reshape(inputs, (n * t,) + tuple(inputs.shape[2:])), **kwargs)
        return ops.reshape(y, (n, t) + tuple(y.shape[1:]))

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        inner = self.layer.compute_output_shape(self._folded(input_shape))
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])

    def compute_mask(self, inputs, mask=None):
        """The input mask, unchanged."""
        return mask

    def get_config(self):
        return {**super().get_config(), "layer": _serialize(self.layer)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(_deserialize(config.pop("layer")), **config)


__all__ = ["Bidirectional", "TimeDistributed"]
