"""``Layer``: the Keras-style building block — lazy ``build`` from the first input shape, ``call``, weights.

A layer is called on a Tensor (runs ``call``) or on a :class:`SymbolicTensor` from ``Input`` (records a node of
the functional graph and returns a SymbolicTensor of the output shape). Sub-layers and Variables assigned as
attributes, directly or inside (nested) lists, tuples and dicts, are tracked (:mod:`.tracking`), so ``weights`` of
a composite layer or model include theirs. ``add_loss`` inside ``call`` adds to the training loss of the forward
pass that ran it (:mod:`.loss_scope`).
"""
from __future__ import annotations

import inspect
import re

import numpy as np

from .. import _validate as check
from .. import backend, dtype_policies, initializers as nf_initializers, regularizers as nf_regularizers
from .. import constraints as nf_constraints, quantizers as nf_quantizers, random as nf_random
from ..autograd.tensor import Tensor
from ..autograd.variable import Variable
from ..dtype_policies import autocast as policy_autocast
from ..errors import ConfigError, NeuroflowError, ShapeError
from ..registry import register_builtin
from .dtype_policy_parts import DTypePolicyParts
from .call_context import enter_training, exit_training, resolve_training
from .loss_scope import AddedLosses, active_scope, collect_losses, enter_scope, exit_scope
from .string_inputs import holds_strings, string_input
from .symbolic import SymbolicTensor, record_call
from .tracking import holds_trackables, tracked_contents, walk


def unique_name(base: str) -> str:
    """``'dense'``, then ``'dense_1'``, ``'dense_2'``... (Keras' auto-naming; ``keras.backend.clear_session()``
    starts again)."""
    n = backend.get_uid(base) - 1
    return base if n == 0 else f"{base}_{n}"


def snake_case(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()  # Conv2D -> conv2d, as Keras names it


def _as_tensor(x, layer=None):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_as_tensor(v, layer) for v in x)
    if isinstance(x, dict):
        return {k: _as_tensor(v, layer) for k, v in x.items()}
    if holds_strings(x):  # strings stay arrays (a Tensor holds numbers): for string layers, or refused by name
        return string_input(x, layer)
    return Tensor(x)


def _refuse_unfit_inputs(layer, inputs, err) -> None:
    """A ShapeError naming the layer when one of neuroflow's own layers failed on a structure (a list, a ragged
    nested list, a dict) or a scalar where it reads arrays with a batch axis; other errors are left as they are
    (and a custom layer's own bugs are never reworded)."""
    scalar = isinstance(inputs, Tensor) and inputs.ndim == 0
    if isinstance(err, NeuroflowError) or not type(layer).__module__.startswith("neuroflow.") \
            or not (scalar or isinstance(inputs, (list, tuple, dict))):
        return
    if scalar:
        given = "a scalar"
    elif isinstance(inputs, dict):
        given = f"a dict with keys {list(inputs)}"
    else:
        parts = [tuple(v.shape) if isinstance(v, Tensor) else type(v).__name__ for v in inputs]
        given = f"a {type(inputs).__name__} of {len(inputs)} ({parts!r:.120})"
    raise ShapeError(f"{type(layer).__name__} {layer.name!r}: cannot run on {given} ({type(err).__name__}: {err}); "
                     f"it needs an array with the batch axis first (several inputs to one that takes a single "
                     f"tensor are merged first, e.g. Concatenate()([a, b]); a ragged list is padded first)") from err


def _shape_of(x):
    if isinstance(x, (list, tuple)):
        return [_shape_of(v) for v in x]
    if isinstance(x, dict):
        return {k: _shape_of(v) for k, v in x.items()}
    return tuple(x.shape)


_HALF = np.dtype("float16")  # an input a float32 layer widens (Keras' autocast), e.g. from a mixed_float16 layer

_BASE_KWARGS = ("trainable", "name", "dtype", "input_shape", "input_dim", "batch_size", "batch_input_shape",
                "input_length")


@register_builtin
class Layer(AddedLosses, DTypePolicyParts):
    """Base class of every layer.

    Subclasses implement ``build(input_shape)`` (create weights with :meth:`add_weight`), ``call(inputs,
    training=None)`` and ``get_config()``; ``compute_output_shape`` is derived by a dry run when not overridden.

    Args (all layers): ``name``, ``trainable``, ``dtype``, ``activity_regularizer`` (a loss on the outputs),
    ``autocast`` (False: under a mixed policy inputs and weights are not cast to ``compute_dtype``) and, for a model's
    first layer, ``input_shape`` (without the batch axis), ``input_dim`` or ``batch_size``.
    """

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None, input_dim=None, batch_size=None,
                 batch_input_shape=None, input_length=None, activity_regularizer=None, autocast=True, **kwargs):
        if kwargs:
            raise ConfigError(f"{type(self).__name__}: unexpected argument(s) {sorted(kwargs)}; "
                              f"see help({type(self).__name__}) for the accepted ones")
        self._tracked_attrs = {}  # names of attributes holding layers/Variables (ordered; see .tracking)
        self._tracked_layers = []  # sub-layers added without an attribute (Sequential.add, a functional graph)
        self._variables = []
        self._fixed_variable_ids = set()
        if name is not None and not isinstance(name, str):
            raise check.ArgumentTypeError(f"{type(self).__name__}: name must be a str, got {check.describe(name)}")
        self.name = name or unique_name(snake_case(type(self).__name__))
        who = f"{type(self).__name__} {self.name!r}"
        self._trainable = check.boolean(trainable, who, "trainable")
        self.built = False
        # a dtype name or a policy ("mixed_float16"): weights in variable_dtype, call in compute_dtype
        self.dtype_policy = policy_autocast.layer_policy(dtype, who)
        batch_size = check.positive_int(batch_size, who, "batch_size", allow_none=True)
        if batch_input_shape is not None:
            batch_input_shape = tuple(check.shape_tuple(batch_input_shape, who, "batch_input_shape"))
            self._batch_input_shape = batch_input_shape
        elif input_shape is not None:
            self._batch_input_shape = (batch_size,) + check.shape_tuple(input_shape, who, "input_shape")
        elif input_dim is not None:
            input_dim = check.positive_int(input_dim, who, "input_dim")
            input_length = check.positive_int(input_length, who, "input_length", allow_none=True)
            self._batch_input_shape = (batch_size, input_dim) if input_length is None else \
                (batch_size, input_length, input_dim)
        else:
            self._batch_input_shape = None
        # Keras' base keywords: a layer that takes its own activity_regularizer sets it again after this
        self._activity_regularizer = nf_regularizers.get(activity_regularizer)
        # autocast=False: under a mixed policy inputs and weights stay in their own dtypes (Keras' Layer(autocast=))
        self.autocast = check.boolean(autocast, who, "autocast")
        self._losses = []
        self._rng = None
        self._inbound_nodes = []
        self._call_takes_training = "training" in inspect.signature(self.call).parameters
        self._call_takes_mask = "mask" in inspect.signature(self.call).parameters
        # a layer that defines compute_mask (Embedding, Masking...) sets _keras_mask on its outputs even without
        # an incoming mask; the others only pass one on
        self._makes_mask = getattr(type(self), "compute_mask", None) is not None

    # --- tracking ---------------------------------------------------------------------------------------------
    #: The base classes' own bookkeeping attributes: never walked for sub-layers.
    _UNTRACKED = frozenset(("_tracked_attrs", "_tracked_layers", "_variables", "_fixed_variable_ids", "_losses",
                            "_call_losses", "_loss_scope", "_last_scope", "_inbound_nodes", "_wregs", "_wcons",
                            "_outer", "_stack", "_layer_output_shapes", "_specs", "_graph", "_compile_args",
                            "_accepted_input", "history", "optimizer"))

    def __setattr__(self, name, value):
        tracked = self.__dict__.get("_tracked_attrs")
        if tracked is not None and name not in self._UNTRACKED:
            if holds_trackables(value, Layer):
                tracked[name] = None
            else:
                tracked.pop(name, None)  # reassigned to something that holds no layer
        elif tracked is None and name not in self._UNTRACKED and next(walk(value, Layer), None) is not None:
            # before Layer.__init__ nothing can be tracked: say so instead of training without these weights
            raise ConfigError(f"{type(self).__name__}.{name}: a layer or Variable was assigned before "
                              f"super().__init__() ran, so it could not be tracked; call super().__init__(...) "
                              f"first in {type(self).__name__}.__init__")
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        object.__delattr__(self, name)
        self.__dict__.get("_tracked_attrs", {}).pop(name, None)

    def _sublayers(self) -> list:
        """The layers directly inside this one: attribute-held (in assignment order), then added ones."""
        layers, _ = tracked_contents(self, self._tracked_attrs, Layer)
        if self._tracked_layers:
            seen = {id(l) for l in layers}
            layers += [l for l in self._tracked_layers if id(l) not in seen]
        return layers

    def _own_variables(self) -> list:
        """This layer's own Variables: those from ``add_weight``, then any assigned as attributes."""
        if not self._tracked_attrs:
            return self._variables
        _, variables = tracked_contents(self, self._tracked_attrs, Layer)
        if not variables:
            return self._variables
        seen = {id(v) for v in self._variables}
        return self._variables + [v for v in variables if id(v) not in seen]

    @property
    def rng(self) -> np.random.Generator:
        """This layer's random generator (drawn from neuroflow's root seed the first time it is needed)."""
        if self._rng is None:
            self._rng = nf_random.generator()
        return self._rng

    def weight_arguments(self, name=None, shape=None, initializer=None, regularizer=None, constraint=None,
                         trainable=True, dtype=None, **ignored):
        """``add_weight``'s arguments in one form: ``(name, shape tuple, initializer, regularizer, constraint,
        trainable, dtype)``, whether given in neuroflow's order, Keras 3's positional order or by keyword."""
        if name is not None and not isinstance(name, str):  # Keras 3 order: add_weight(shape, initializer, ...)
            name, shape, initializer, dtype, trainable, regularizer = (
                None, name, shape, initializer if initializer is not None else dtype,
                regularizer if regularizer is not None else trainable, None)
        if name is None:  # Keras names unnamed weights "variable", "variable_1", ...
            taken = {v.name for v in self._variables}
            name = next(n for n in (f"variable_{i}" if i else "variable" for i in range(len(taken) + 1))
                        if n not in taken)
        initializer = "glorot_uniform" if initializer is None else initializer
        shape = () if shape is None else check.int_tuple(shape, f"{type(self).__name__} {self.name!r}",
                                                         f"weight {name!r} shape", minimum=0)
        return name, shape, initializer, regularizer, constraint, trainable, dtype

    def add_weight(self, name=None, shape=None, initializer=None, regularizer=None, constraint=None,
                   trainable=True, dtype=None, autocast=True, aggregation="none",
                   overwrite_with_gradient=False) -> Variable:
        """Create, track and return a weight. Shapes: ``shape`` as given (``()`` when omitted, as in Keras).

        Takes neuroflow's ``add_weight(name, shape, initializer, ...)`` and Keras 3's keyword form
        ``add_weight(shape=..., initializer=..., name=...)``; a first positional argument that is a shape rather
        than a name is read in Keras 3's positional order ``(shape, initializer, dtype, trainable)``.
        ``autocast=False`` keeps the weight in its own dtype under a mixed policy (else a call reads it cast to
        ``compute_dtype``); ``aggregation`` and ``overwrite_with_gradient`` are accepted for Keras code and change
        nothing here (one device).
        """
        name, shape, initializer, regularizer, constraint, trainable, dtype = self.weight_arguments(
            name, shape, initializer, regularizer, constraint, trainable, dtype)
        # refused here rather than by a MemoryError in NumPy (initializers draw float64: 8 bytes an element)
        check.fits_in_memory(shape, f"{type(self).__name__} {self.name!r}", f"weight {name!r} shape", itemsize=8)
        init = nf_initializers.get(initializer)
        if isinstance(init, nf_initializers.Initializer):
            value = init(shape, dtype=dtype or self.dtype, rng=self.rng)
        else:  # a function: host values as arrays; device arrays (an initializer's parts joined) as they are
            value = init(shape, dtype or self.dtype)
            value = np.asarray(value) if backend.is_host(value) else value
        var = Variable(value, trainable=trainable and self._trainable, name=name,
                       dtype=dtype or self.dtype)
        var.path = f"{self.name}/{name}"
        self._variables.append(var)
        if not autocast:
            self.__dict__.setdefault("_no_autocast", set()).add(id(var))
        if not trainable:  # e.g. BatchNormalization's moving statistics: never trained, even when unfrozen
            self._fixed_variable_ids.add(id(var))
        if regularizer is not None:
            self._weight_regularizers.append((var, nf_regularizers.get(regularizer)))
        if constraint is not None:
            self._weight_constraints.append((var, nf_constraints.get(constraint)))
        return var

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True, regularizer=None,
                     constraint=None, name=None) -> Variable:
        """Keras 3's ``add_variable``: ``add_weight`` with the shape and initializer first. Shapes: ``shape``."""
        return self.add_weight(name=name, shape=shape, initializer=initializer, regularizer=regularizer,
                               constraint=constraint, trainable=trainable, dtype=dtype, autocast=autocast)

    @property
    def _weight_regularizers(self):
        if "_wregs" not in self.__dict__:
            object.__setattr__(self, "_wregs", [])
        return self.__dict__["_wregs"]

    @property
    def _weight_constraints(self):
        if "_wcons" not in self.__dict__:
            object.__setattr__(self, "_wcons", [])
        return self.__dict__["_wcons"]

    def _flatten_layers(self):
        """This layer and every nested layer, each once, depth first."""
        seen, out, stack = set(), [], [self]
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._sublayers()))
        return out

    def zero_grad(self, set_to_none=True) -> None:
        """Clear the gradient of every weight of this layer and its sub-layers before a new ``backward()`` (what
        ``model.zero_grad()`` does in Keras' PyTorch-backend training loops); ``set_to_none=False`` zero-fills."""
        for v in self.weights:
            v.grad = None if set_to_none or v.grad is None else backend.get_array_module(v.grad).zeros_like(v.grad)

    # --- the symbolic graph (functional models) ----------------------------------------------------------------
    @property
    def input(self):
        """The symbolic input(s) of this layer's first call in a functional graph (Keras' ``layer.input``)."""
        return self._first_node("input").inputs

    @property
    def output(self):
        """The symbolic output(s) of this layer's first call in a functional graph (Keras' ``layer.output``),
        e.g. ``Model(model.inputs, [layer.output for layer in model.layers])`` to extract features."""
        if "_output" in self.__dict__:
            return self.__dict__["_output"]
        return self._first_node("output").outputs

    @output.setter
    def output(self, value):  # an InputLayer's output exists before any call
        object.__setattr__(self, "_output", value)

    def _first_node(self, attribute):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has never been called on a symbolic input, so it has no "
                                 f"defined {attribute}; call it on keras.Input(...) or build its model first")
        return self._inbound_nodes[0]

    @property
    def weights(self) -> list:
        """All variables of this layer and its sub-layers in Keras' order: layer by layer, depth first, each
        layer's trainable variables before its non-trainable ones. Freezing a layer does not change this order,
        so a ``get_weights()`` list still fits ``set_weights`` after ``layer.trainable = False``."""
        out, seen = [], set()
        for layer in self._flatten_layers():
            own = layer._own_variables()
            # a weight keeps the place it was created with (Keras: a kernel frozen later, e.g. by enable_lora,
            # stays first); only weights assigned as attributes are placed by their current trainability
            created, fixed = {id(v) for v in layer._variables}, layer._fixed_variable_ids
            first = [v for v in own if (id(v) not in fixed if id(v) in created else v.trainable)]
            firsts = {id(v) for v in first}
            for v in first + [v for v in own if id(v) not in firsts]:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def variables(self) -> list:
        return self.weights

    def _split_weights(self):
        """``(trainable, non_trainable)`` over this layer and its sub-layers, each Variable once (a layer or a
        Variable shared by two parents counts once)."""
        trainable, frozen, seen = [], [], set()
        for layer in self._flatten_layers():
            for v in layer._own_variables():
                if id(v) in seen:
                    continue
                seen.add(id(v))
                (trainable if v.trainable and layer._trainable else frozen).append(v)
        return trainable, frozen

    @property
    def trainable_weights(self) -> list:
        return self._split_weights()[0]

    @property
    def non_trainable_weights(self) -> list:
        return self._split_weights()[1]

    @property
    def trainable_variables(self) -> list:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:
        return self.non_trainable_weights

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Freeze (False) or unfreeze this layer and every sub-layer: frozen weights get no gradient or update."""
        for layer in self._flatten_layers():
            layer._trainable = bool(value)
            for v in layer._own_variables():
                v.trainable = bool(value) and id(v) not in layer._fixed_variable_ids

    def get_weights(self) -> list:
        """Copies of the weights as host NumPy arrays, in ``weights`` order (device weights: one transfer each)."""
        return [v.data.copy() if type(v.data) is np.ndarray else backend.to_host(v.data) for v in self.weights]

    def set_weights(self, weights) -> None:
        """Load arrays into the weights (same order and shapes as ``get_weights``)."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ShapeError(f"layer {self.name!r}: set_weights got {len(weights)} arrays, but the layer has "
                             f"{len(own)} weights ({', '.join(v.path for v in own) or 'none: is it built?'})")
        for v, w in zip(own, weights):
            w = w.data if isinstance(w, Tensor) else w
            w = np.asarray(w) if backend.is_host(w) else w  # device arrays stay there; assign copies host ones over
            if w.shape != v.shape:
                raise ShapeError(f"layer {self.name!r}: weight {v.path!r} has shape {v.shape}, "
                                 f"but the value given has shape {w.shape}")
            v.assign(w.astype(v.dtype, copy=False))

    def count_params(self) -> int:
        return int(sum(v.size for v in self.weights))

    # --- building and calling -----------------------------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Create the weights for inputs of ``input_shape`` (batch axis first, may be None)."""
        self.built = True

    def call(self, inputs, training=None):  # pragma: no cover - abstract
        return inputs

    def _maybe_build(self, input_shape):
        if not self.built:
            self.build(input_shape)
            self.built = True
            if self.quantization_mode is not None and not self.__dict__.get("_is_quantized"):
                self.build_quantized()  # made with a quantized policy: a loaded quantized layer

    def _forward_kernel(self, input_shape, dtype):
        """This layer's forward computation for inputs of ``input_shape`` (batch axis first) and ``dtype``, as a
        :class:`~neuroflow.layers.kernel.Kernel`: its graph nodes, with the checks and plans made here once per
        shape. A layer that has one runs it in ``call`` (``kernel.run``) and graph-free ``predict`` runs the same
        nodes' ``forward`` on arrays (:mod:`neuroflow.training.inference`). ``None`` (the default): ``call`` is the
        layer's only definition, and predict calls the layer the ordinary way."""
        return None

    def __call__(self, inputs, training=None, mask=None, **kwargs):
        if _is_symbolic(inputs):
            return record_call(self, inputs, dict(kwargs, training=training, mask=mask))
        scope = active_scope()
        token = None
        if scope is None:  # the outermost call of a forward pass owns the pass's losses
            scope, token = enter_scope()
        training = resolve_training(training)  # None: the enclosing call's value (Keras' call context)
        training_token = enter_training(training)
        try:
            if mask is None:  # Keras: a tensor made by a masking layer carries its mask to the next call
                mask = _carried_mask(inputs)
            inputs = _as_tensor(inputs, self)
            if not self.built:
                self._maybe_build(_shape_of(inputs))
            if self._call_takes_training:
                kwargs["training"] = training
            if mask is not None and self._call_takes_mask:
                kwargs["mask"] = mask
            if self.__dict__["_policy_acts"] or getattr(inputs, "dtype", None) == _HALF:  # mixed precision, int8
                outputs = policy_autocast.call(
                    self, self.quantized_call if self.quantization_mode else self.call, inputs, kwargs)
            else:
                outputs = self.call(inputs, **kwargs)
            if self._activity_regularizer is not None:
                self.add_loss(self._activity_regularizer(outputs))
            if (mask is not None or self._makes_mask) and isinstance(outputs, Tensor):
                outputs._keras_mask = output_mask(self, inputs, mask)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as err:
            _refuse_unfit_inputs(self, inputs, err)
            raise
        finally:
            exit_training(training_token)
            if token is not None:
                exit_scope(token)
        self.__dict__["_last_scope"] = scope
        return outputs

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape`` (batch axis may be None). Default: a dry run on a batch of 1."""
        from ..autograd.function import no_grad

        def zeros(shape):
            return Tensor(np.zeros(tuple(1 if s is None else s for s in shape), dtype=self.dtype))

        def restore(out):
            if isinstance(out, (list, tuple)):
                return [restore(o) for o in out]
            return (None,) + tuple(out.shape[1:])

        dummy = [zeros(s) for s in input_shape] if _is_shape_list(input_shape) else zeros(input_shape)
        with no_grad(), collect_losses():  # what a dry run adds is nobody's loss
            kwargs = {"training": False} if self._call_takes_training else {}
            out = self.call(dummy, **kwargs)
        return restore(out)

    # --- config ----------------------------------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Constructor arguments as a JSON-able dict (Keras' convention)."""
        policy = self.dtype_policy
        plain = type(policy).__name__ in ("DTypePolicy", "FloatDTypePolicy") and policy.name == self.dtype
        config = {"name": self.name, "trainable": self._trainable,
                  "dtype": self.dtype if plain else dtype_policies.serialize(policy)}
        if getattr(self, "quantization_config", None) is not None:  # Dense, EinsumDense, Embedding once quantized
            config["quantization_config"] = nf_quantizers.serialize(self.quantization_config)
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


def _carried_mask(inputs):
    """The ``_keras_mask`` an eager input carries (a list of them for a list input; None when none has one)."""
    if isinstance(inputs, Tensor):
        return inputs._keras_mask
    if isinstance(inputs, (list, tuple)) and inputs and all(isinstance(t, Tensor) for t in inputs):
        masks = [t._keras_mask for t in inputs]
        return masks if any(m is not None for m in masks) else None
    return None


def output_mask(layer, inputs, mask):
    """The mask ``layer``'s output carries: ``layer.compute_mask(inputs, mask)`` where defined, the input mask
    unchanged for a layer with ``supports_masking = True``, else None (the mask ends there)."""
    compute = getattr(layer, "compute_mask", None)
    if compute is not None:
        return compute(inputs, mask)
    return mask if getattr(layer, "supports_masking", False) else None


def _is_shape_list(shape) -> bool:
    return isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list))


def _is_symbolic(x) -> bool:
    if isinstance(x, SymbolicTensor):
        return True
    if isinstance(x, (list, tuple)) and x:
        return any(isinstance(v, SymbolicTensor) for v in x)
    if isinstance(x, dict):
        return any(isinstance(v, SymbolicTensor) for v in x.values())
    return False
