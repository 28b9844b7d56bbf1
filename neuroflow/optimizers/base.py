"""The optimizer base class: Keras 3's ``Optimizer`` API on arrays, updating weights in place.

One call of ``apply`` / ``apply_gradients`` / ``step`` runs one pipeline of named steps, in Keras 3's order
(``keras/src/optimizers/base_optimizer.py``), each in its own module:

1. **collect** the gradients (:mod:`.update`): drop variables without one, register variables not seen before
   (their state is created now), unwrap Tensors, check shapes, cast dtypes;
2. **accumulate** (:mod:`.accumulation`, with ``gradient_accumulation_steps``): only every n-th call goes on;
3. **unscale and clip** (:mod:`.clipping`, :mod:`.units`): ``loss_scale_factor``, then ``clipnorm`` (per
   variable), ``global_clipnorm`` or ``clipvalue``, applied while the gradients are gathered into their units;
4. **weight decay** (:mod:`.weight_decay`): ``w -= w * weight_decay * lr``;
5. **update** (:mod:`.update`): the optimizer's kernel on each unit, a large one in slices over threads;
6. **moving average** (:mod:`.moving_average`, with ``use_ema``);
7. **sweep** (:mod:`.sweep`): every ``SWEEP_EVERY`` updates, state values too small to matter are set to zero;
8. ``iterations += 1``.

The learning rate of an update is read once, before step 8 (:mod:`.learning_rate`: a constant, a schedule or a
callable, each a small strategy object).

Units (:mod:`.units`): a unit is what one kernel call updates — one variable, or (flat mode) every variable of
one dtype packed into one flat buffer, each variable's storage rebound to a view of it, as are its state arrays.
Packing saves most of the per-call overhead for many small weights (the churn model's Adam step: 10 instead of
26 us) but costs one copy of the gradients, which outweighs the saving once weights are large. ``flat=True``
always packs; the default ``flat="auto"`` packs only variables whose storage the optimizer may own —
``build(variables, owns_storage=True)``, which ``Model.fit`` and ``load_model`` call, so a reloaded model resumes
on the same path — and only when they average at most ``FLAT_AUTO_MAX_MEAN_SIZE`` elements. Variables handed to
``step`` / ``apply`` directly keep their arrays, so views of them stay valid, as PyTorch users expect.

Speed: a kernel is a handful of in-place ufunc calls (``out=``) on one unit's arrays, with scalars of the unit's
dtype so that float32 stays float32; a unit of ``backend.SPLIT_MIN_SIZE`` elements or more is updated in slices on
several threads (``backend.run_split``).

State: :meth:`Optimizer.get_state` returns a flat ``{str: array}`` dict (:mod:`.state`) and
:meth:`Optimizer.set_state` restores it; resuming is bit for bit the same as not stopping.
"""
from __future__ import annotations

import math

from .. import _validate as check
from ..backend import check_same_device, get_array_module
from ..errors import ConfigError, DTypeError, SavingError
from . import accumulation, clipping, keras_state, moving_average, sweep
from . import schedules as _schedules
from .arguments import as_float, bounded, check_kwargs, optional_int, optional_number
from .learning_rate import ConstantRate, RateValue, rate_strategy
from .state import load_unit_state, read_scalar, scalar_entry, unit_state
from .units import VariableUnit, gather, gather_flat, pack, refresh_decay
from .update import collect_gradients, run_kernels
from .weight_decay import Exclusions, decay_weights

#: ``flat="auto"`` packs when the registered variables average at most this many elements: below it, the ~3 us
#: per kernel call that packing saves per variable exceed the cost of copying the gradients into the buffer.
FLAT_AUTO_MAX_MEAN_SIZE = 1024

#: Every this many updates, state values too small to matter are set to zero (:mod:`.sweep`).
SWEEP_EVERY = 32


class Optimizer:
    """Base class of neuroflow's optimizers (Keras' ``keras.optimizers.Optimizer``).

    Args:
        learning_rate: a float, a :class:`~neuroflow.optimizers.schedules.LearningRateSchedule`, or a callable
            ``step -> float`` (a callable taking no argument works too, as in Keras).
        weight_decay: float or None: decoupled decay ``w -= w * weight_decay * lr`` before each update.
        clipnorm: clip each variable's gradient to this L2 norm.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: scale all gradients together so that their joint L2 norm is at most this.
        use_ema, ema_momentum, ema_overwrite_frequency: keep a moving average of the weights
            (``avg = ema_momentum * avg + (1 - ema_momentum) * w``), copied into the weights every
            ``ema_overwrite_frequency`` updates and by :meth:`finalize_variable_values`.
        loss_scale_factor: gradients are divided by it first (for a loss multiplied by it: :meth:`scale_loss`).
        gradient_accumulation_steps: None, or an integer n >= 2: the weights change every n-th call only, by the
            mean of the last n gradients; ``iterations`` counts those updates.
        name: the optimizer's name.
        flat: (neuroflow) pack the variables of each dtype into one flat buffer: True, False, or ``"auto"``
            (default: pack small variables whose storage the optimizer owns); see the module docstring.

    Subclasses define ``_slot_specs`` (names and initial values of per-variable state), ``_scalars`` (the
    step's scalars, once per update) and ``_update`` (the in-place kernel on arrays). The kernel must be
    element-wise: a large unit is updated in slices on several threads.
    """

    _n_scratch = 1  # scratch arrays (unit-shaped) the kernel needs
    #: False for kernels that need each variable whole (norms per variable): no flat packing, no slicing
    _elementwise = True
    _sweeps_state = True  # whether the slots can decay towards zero (moving averages); Adagrad's only grows
    #: Keras' order of the slots (see :mod:`.keras_state`): groups of slot names, and their Keras spelling; None
    #: where the layout is not known to be Keras' (the state is then not exchanged with ``.keras`` files)
    _keras_slot_groups = None
    _keras_slot_names: dict = {}

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, flat="auto", **kwargs):
        owner = type(self).__name__
        check_kwargs(type(self), kwargs)
        if name is not None and not isinstance(name, str):
            raise check.ArgumentTypeError(f"{owner}: name must be a str, got {check.describe(name)}")
        self.name = name if name is not None else owner.lower()
        self.weight_decay = optional_number(owner, "weight_decay", weight_decay)
        check.non_negative_float(self.weight_decay, owner, "weight_decay", allow_none=True)  # inf: refused
        self.clipnorm = optional_number(owner, "clipnorm", clipnorm)
        self.clipvalue = optional_number(owner, "clipvalue", clipvalue)
        self.global_clipnorm = optional_number(owner, "global_clipnorm", global_clipnorm)
        for what in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, what) == 0.0:  # would zero every gradient: nothing would ever train
                raise ConfigError(f"{owner}: {what} must be > 0 (or None for no clipping), got 0")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ConfigError(f"{owner}: only one of clipnorm, clipvalue and global_clipnorm can be set; got "
                              f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        self.use_ema = check.boolean(use_ema, owner, "use_ema")
        self.ema_momentum = as_float(ema_momentum, f"{owner}: ema_momentum")
        if not 0.0 <= self.ema_momentum <= 1.0:  # checked without use_ema too: a config may switch it on later
            raise ConfigError(f"{owner}: ema_momentum must be in [0, 1], got {ema_momentum!r}")
        self.ema_overwrite_frequency = optional_int(owner, "ema_overwrite_frequency", ema_overwrite_frequency, 1)
        self.loss_scale_factor = optional_number(owner, "loss_scale_factor", loss_scale_factor)
        if self.loss_scale_factor == 0.0:
            raise ConfigError(f"{owner}: loss_scale_factor must be non-zero (gradients are divided by it)")
        self.gradient_accumulation_steps = optional_int(owner, "gradient_accumulation_steps",
                                                        gradient_accumulation_steps, 2)
        if flat not in (True, False, "auto"):
            raise ConfigError(f"{owner}: flat must be True, False or 'auto', got {flat!r}")
        if flat is True and not self._elementwise:
            raise ConfigError(f"{owner}: flat=True is not available: this optimizer works on each variable whole")
        if not self._elementwise:
            flat = False
        self._flat_mode = flat
        self._flat = flat is True  # "auto" decides in build(), from the variables' sizes
        self._iterations = 0  # calls of apply (with gradient accumulation, more than updates)
        self._rate = None
        self.learning_rate = learning_rate
        if isinstance(self._learning_rate, float) and not (math.isfinite(self._learning_rate)
                                                           and self._learning_rate >= 0):
            raise ConfigError(f"{owner}: learning_rate must be a finite float >= 0, a LearningRateSchedule or a "
                              f"callable, got {check.describe(learning_rate)}")
        self._exclusions = Exclusions()
        self.built = False
        self._xp = get_array_module()
        self._units: list = []          # a VariableUnit per registered variable, in registration order
        self._index: dict = {}          # id(variable) -> its VariableUnit
        self._groups: list = []         # flat mode: a FlatUnit per dtype
        self._shared_scratch: dict = {}
        self._pending_state = None      # state set before build, applied when it builds

    def _hyper(self, what: str, value, low: float, high: float, high_open: bool = False) -> float:
        """A float hyper-parameter in ``[low, high]`` (or ``[low, high)``); a ConfigError naming it otherwise."""
        return bounded(type(self).__name__, what, value, low, high, high_open)

    # --- learning rate and iterations ------------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The learning rate of the next update (a schedule is evaluated at the number of calls so far). Settable:
        a float, a schedule or a callable; a float cannot replace a ``LearningRateSchedule`` (as in Keras). The
        float read also has Keras' variable methods ``assign(value)`` and ``numpy()`` (:class:`RateValue`)."""
        return RateValue(self._rate(self._iterations), self)

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._rate = rate_strategy(value, self._rate, type(self).__name__)

    @property
    def _learning_rate(self):
        """What the learning rate was given as: a float, a schedule or a callable (Keras' attribute)."""
        return self._rate.source

    @property
    def iterations(self) -> int:
        """Number of updates applied so far (with gradient accumulation: calls // steps, as in Keras)."""
        steps = self.gradient_accumulation_steps
        return self._iterations // steps if steps else self._iterations

    @iterations.setter
    def iterations(self, value) -> None:
        self._iterations = int(value) * (self.gradient_accumulation_steps or 1)

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` (the loss as is without one); the update divides the gradients back."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # --- variables and their units ---------------------------------------------------------------------------
    def _slot_specs(self) -> tuple:
        """``((name, initial_value), ...)``: the per-variable state of this optimizer."""
        return ()

    def _state_names(self) -> list:
        """Names of a variable's state arrays, in :meth:`VariableUnit.state_arrays` order."""
        return ([name for name, _ in self._slot_specs()] + (["average"] if self.use_ema else [])
                + (["gradient_accumulator"] if self.gradient_accumulation_steps else []))

    def build(self, variables, owns_storage: bool = False) -> None:
        """Create the state of every variable in ``variables`` not seen before (done automatically on the first
        update that involves it). Shapes: any; variables must have a float dtype.

        ``owns_storage`` (neuroflow; ``Model.fit`` and ``load_model`` pass True): the optimizer may move the
        variables' storage into flat buffers, which ``flat="auto"`` then does for small variables.
        """
        new, seen = [], set()
        for v in variables:
            if id(v) not in self._index and id(v) not in seen:
                seen.add(id(v))
                new.append(v)
        xp = self._xp = self._module_of(new)
        specs = self._slot_specs()
        for v in new:
            d = v.data
            if d.dtype.kind != "f":
                raise DTypeError(f"{type(self).__name__}: cannot optimize variable "
                                 f"{getattr(v, 'path', None) or v.name!r} of dtype {d.dtype}; only float "
                                 f"variables are trainable")
            slots = tuple(xp.full(d.shape, init, dtype=d.dtype) if init else xp.zeros_like(d) for _, init in specs)
            unit = VariableUnit(v, len(self._units), slots, xp.zeros_like(d) if self.use_ema else None,
                                xp.zeros_like(d) if self.gradient_accumulation_steps else None,
                                self._scratch_for(d), self._exclusions.decays(v))
            self._index[id(v)] = unit
            self._units.append(unit)
        if new and self._flat_mode == "auto" and owns_storage:
            self._flat = sum(u.weights.size for u in self._units) <= FLAT_AUTO_MAX_MEAN_SIZE * len(self._units)
        if new and self._flat:
            self._groups = pack(self._units, self._n_scratch, xp)
        self.built = True
        if self._pending_state is not None:
            pending, self._pending_state = self._pending_state, None
            load_unit_state(type(self).__name__, self._units, self._state_names(), pending, deferred=True)

    def _module_of(self, new: list):
        """The array module of the variables' device, where their state is created: the registered variables'
        (new ones must live there too), else the new ones', else the current device's."""
        arrays = [u.weights for u in self._units[:1]] + [v.data for v in new]
        if not arrays:
            return self._xp
        check_same_device(f"{type(self).__name__}.build (the variables it updates)", arrays)
        return get_array_module(*arrays)

    def _scratch_for(self, d) -> tuple:
        """Scratch arrays shaped like ``d``, shared by all variables of that shape and dtype (the kernels
        use them only within one call)."""
        key = (d.shape, d.dtype.str)
        arrays = self._shared_scratch.get(key)
        if arrays is None:
            arrays = self._shared_scratch[key] = tuple(self._xp.empty(d.shape, dtype=d.dtype)
                                                       for _ in range(self._n_scratch))
        return arrays

    @property
    def variables(self) -> list:
        """The optimizer's own state as Keras lists it: ``iteration``, ``learning_rate`` (a number's), then the
        slots per registered variable, as Variables (:func:`.keras_state.keras_variables`)."""
        return keras_state.keras_variables(self)

    @property
    def _slots(self) -> list:
        """Per registered variable: its state arrays (views into flat buffers in flat mode)."""
        return [u.state_arrays() for u in self._units]

    # --- the update pipeline ---------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars) -> int:
        """Apply one update from ``(gradient, variable)`` pairs (gradients: arrays or Tensors shaped like their
        variable, or None to skip it). Returns ``iterations``."""
        pairs = list(grads_and_vars)
        bad = next((p for p in pairs if not isinstance(p, (tuple, list)) or len(p) != 2), None)
        if bad is not None:
            raise check.ArgumentTypeError(f"{type(self).__name__}.apply_gradients: expected (gradient, variable) "
                                          f"pairs, e.g. zip(grads, model.trainable_variables), got an item "
                                          f"{check.describe(bad)}")
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self.iterations

    def apply(self, grads, trainable_variables=None) -> None:
        """Apply one update. ``grads[i]`` (array or Tensor, shaped like ``trainable_variables[i]``, or None to
        skip it) goes with ``trainable_variables[i]``; without them, with the variables the optimizer was built
        on, one to one."""
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ConfigError(f"{type(self).__name__}.apply: without variables the optimizer must be built "
                                  "first; call optimizer.build(variables) or pass variables")
            trainable_variables = [u.variable for u in self._units]
        variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ConfigError(f"{type(self).__name__}.apply: got {len(grads)} gradients for {len(variables)} "
                              "variables; they must correspond one to one")
        if not grads:
            return
        items = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not items:
            raise ConfigError(f"{type(self).__name__}: no gradients provided for any variable (all None); did "
                              "the loss depend on the variables, and did you call backward()?")
        self._run(items)

    def step(self, variables) -> None:
        """Apply one update from each variable's ``.grad``; variables with ``grad is None`` or
        ``trainable=False`` are skipped (untouched, their slots too). No gradient at all: nothing happens."""
        items = [(v.grad, v) for v in variables if v.grad is not None and getattr(v, "trainable", True)]
        if items:
            self._run(items)

    @staticmethod
    def zero_grad(variables, set_to_none: bool = True) -> None:
        """Forget the variables' gradients: set them to None (default), or fill them with zeros in place."""
        for v in variables:
            if set_to_none:
                v.grad = None
            elif v.grad is not None:
                v.grad[...] = 0

    def _run(self, items) -> None:
        """One call: the pipeline of the module docstring on ``(gradient, variable)`` pairs."""
        pairs = collect_gradients(items, self._index, type(self).__name__, self._xp)
        if pairs is None:  # a variable seen for the first time: create its state, then start over
            self.build([v for _, v in items])
            pairs = collect_gradients(items, self._index, type(self).__name__, self._xp)
        calls, steps = self._iterations, self.gradient_accumulation_steps
        inv_scale = 1.0 / self.loss_scale_factor if self.loss_scale_factor else 1.0
        if steps:
            pairs = accumulation.accumulate(pairs, steps, calls, inv_scale, self._units)
            inv_scale = 1.0  # the accumulated mean is unscaled already
        if pairs is not None:
            lr = self._rate(calls)
            t = (calls // steps if steps else calls) + 1  # this update's number: iterations + 1
            work = self._scale_and_clip(pairs, inv_scale)
            if self.weight_decay:
                decay_weights(work, 1.0 - self.weight_decay * lr)
            self._before_update(t)
            run_kernels(work, self._update, self._scalars(lr, t), self._xp, self._elementwise)
        if self.use_ema:
            self._update_average()
        if pairs is not None and t % SWEEP_EVERY == 0 and self._sweeps_state:
            sweep.sweep_tiny(work, self._xp)
        self._iterations = calls + 1

    def _scale_and_clip(self, pairs, inv_scale: float) -> list:
        """The ``(unit, gradient)`` pairs the kernels run on: unscaled and clipped, packed where flat."""
        scales = None
        if inv_scale != 1.0 or self.clipnorm or self.global_clipnorm or self.clipvalue:
            scales = clipping.gradient_scales([g for _, g in pairs], inv_scale, self.clipnorm,
                                              self.global_clipnorm, self.clipvalue, self._xp)
        if self._flat:
            return gather_flat(self._groups, pairs, scales, self.clipvalue, self._xp)
        return gather(pairs, scales, self.clipvalue, self._xp)

    def _update_average(self) -> None:
        """The moving average of every registered variable (m = 0 on the first update, so the average starts at
        the weights), and the periodic overwrite of the weights by it."""
        it, freq = self.iterations, self.ema_overwrite_frequency
        moving_average.update(self._groups if self._flat else self._units, self.ema_momentum if it != 0 else 0.0,
                              bool(freq) and (it + 1) % freq == 0, self._xp)

    def finalize_variable_values(self, var_list=None) -> None:
        """With ``use_ema``: copy the moving averages into the weights (Keras does this at the end of fit)."""
        if not self.use_ema:
            return
        wanted = None if var_list is None else {id(v) for v in var_list}
        for u in self._units:
            if wanted is None or id(u.variable) in wanted:
                self._xp.copyto(u.weights, u.average)

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exempt variables from weight decay: those in ``var_list``, and those whose name contains one of the
        strings in ``var_names`` (e.g. ``['bias']``). Replaces earlier exclusions."""
        self._exclusions = Exclusions(var_list, var_names)
        for u in self._units:
            u.decay = self._exclusions.decays(u.variable)
        refresh_decay(self._groups)

    # --- what subclasses implement -----------------------------------------------------------------------------
    def _before_update(self, t: int) -> None:
        """Optimizer-wide state updated once per update, before the kernels (``t`` = iterations + 1)."""

    def _scalars(self, lr: float, t: int) -> tuple:
        """The step's scalars (Python floats), computed once per update and handed to every kernel call."""
        return (lr,)

    def _update(self, w, g, slots, scratch, k) -> None:
        """Update ``w`` (and ``slots``) in place from gradient ``g``; all arrays share one shape and dtype."""
        raise NotImplementedError(f"{type(self).__name__} must implement _update")

    def _extra_state(self) -> dict:
        """Optimizer-wide state beyond ``iterations`` (e.g. Nadam's momentum product), as 0-d host arrays."""
        return {}

    def _load_extra_state(self, state: dict) -> None:
        pass

    # --- state and config --------------------------------------------------------------------------------------
    def get_state(self) -> dict:
        """A flat dict of copies: ``'iterations'`` (int64: calls so far), ``'learning_rate'`` (float64, when it
        is a float), ``'<i>/<name>'`` per registered variable ``i`` and state array, plus optimizer-wide entries
        (Nadam: ``'u_product'``). Feed it to :meth:`set_state` to resume bit for bit. The per-variable arrays
        are on their variables' device, the optimizer-wide numbers 0-d host arrays (:mod:`.state`)."""
        state = {"iterations": scalar_entry(self._iterations, "int64")}
        if isinstance(self._rate, ConstantRate):
            state["learning_rate"] = scalar_entry(self._rate.value, "float64")
        state.update(unit_state(self._units, self._state_names()))
        state.update(self._extra_state())
        return state

    def set_state(self, state: dict) -> None:
        """Restore what :meth:`get_state` returned. Before the optimizer is built, the per-variable entries are
        kept and applied when it builds (on the first update)."""
        state = dict(state)
        if "iterations" not in state:
            raise SavingError(f"{type(self).__name__}.set_state: the state has no 'iterations' entry; "
                              f"keys: {sorted(state)[:8]}")
        self._iterations = int(read_scalar(state.pop("iterations")))
        if "learning_rate" in state:
            lr = state.pop("learning_rate")
            if isinstance(self._rate, ConstantRate):
                self._rate = ConstantRate(float(read_scalar(lr)))
        self._load_extra_state(state)
        for key in self._extra_state():
            state.pop(key, None)
        if not self.built:
            self._pending_state = state
            return
        load_unit_state(type(self).__name__, self._units, self._state_names(), state, deferred=False)

    def get_config(self) -> dict:
        """Keras' config keys and values (a schedule is serialized Keras-style)."""
        config = {"name": self.name,
                  "learning_rate": self._rate.config_value(type(self).__name__, self._iterations),
                  "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                  "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                  "ema_momentum": self.ema_momentum, "ema_overwrite_frequency": self.ema_overwrite_frequency,
                  "loss_scale_factor": self.loss_scale_factor,
                  "gradient_accumulation_steps": self.gradient_accumulation_steps}
        if self._flat_mode != "auto":
            config["flat"] = self._flat_mode
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "Optimizer":
        """Rebuild an optimizer (without state) from :meth:`get_config`'s dict."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} name={self.name!r} learning_rate={self.learning_rate:g} "
                f"iterations={self.iterations} variables={len(self._units)}{' flat' if self._flat else ''}>")
