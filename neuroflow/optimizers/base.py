"""The optimizer base class: Keras 3's ``Optimizer`` contract on arrays, updating weights in place.

One update (``apply_gradients`` / ``apply`` / ``step``) runs Keras' sequence:

1. drop variables without a gradient; variables not seen before get their state (slots) now;
2. unscale (``loss_scale_factor``), then clip: ``clipnorm`` per variable, ``global_clipnorm`` over all of them,
   or ``clipvalue`` element-wise (at most one of the three);
3. decoupled weight decay ``w -= w * weight_decay * lr``;
4. the optimizer's own kernel (:meth:`Optimizer._update`), then the moving average of the weights if ``use_ema``;
   every ``SWEEP_EVERY`` updates, state values too small to matter are set to zero (never subnormal: slow);
5. ``iterations += 1``.

The learning rate of an update is read once, from the schedule at ``iterations`` before step 5 (0 first).

Speed: a kernel is a handful of in-place ufunc calls (``out=``) on one variable's arrays, with Python-float
scalars so that float32 stays float32. Variables (``.data``) are updated in place, so views and identities held
elsewhere stay valid. With ``flat=True`` the float variables of each dtype are rebound
(:meth:`~neuroflow.Variable.rebind`) to views of one flat buffer, as are their slots and gradients, and one
kernel call updates all of them: for many small weights this saves most of the per-call overhead (the churn
model's Adam step: 10 instead of 26 us). It costs one copy of the gradients into the buffer, which outweighs
the saving once weights are large. The default ``flat="auto"`` packs only variables registered by ``Model.fit``
(``build(..., owns_storage=True)``: a model's weights are read through the variables, never through arrays kept
aside) and only when they average at most ``FLAT_AUTO_MAX_MEAN_SIZE`` elements. Variables handed to ``step`` /
``apply_gradients`` directly keep their arrays, so views of them stay valid, as PyTorch users expect.

State: :meth:`get_state` returns a flat ``{str: array}`` dict (``'iterations'``, ``'learning_rate'``,
``'<i>/<slot>'`` with ``i`` the variable's registration index) and :meth:`set_state` restores it; resuming is bit
for bit the same as not stopping.
"""
from __future__ import annotations

import inspect
import math
import re
import warnings

from ..autograd.tensor import Tensor
from ..backend import SPLIT_MIN_SIZE, get_array_module, run_split
from ..errors import ConfigError, DTypeError, SavingError, ShapeError, close_matches
from . import schedules as _schedules

#: ``flat="auto"`` packs when the registered variables average at most this many elements: below it, the ~3 us
#: per kernel call that packing saves per variable exceed the cost of copying the gradients into the buffer.
FLAT_AUTO_MAX_MEAN_SIZE = 1024

#: Every this many updates, state values too small to matter are set to zero (:meth:`Optimizer._sweep_tiny`).
SWEEP_EVERY = 32

# Keys of tf.keras (Keras 2) optimizer configs that mean nothing here; accepted so that old configs load.
_IGNORED_KEYS = ("jit_compile", "is_legacy_optimizer")


class _Group:
    """Flat mode: the variables of one dtype, their weights, gradients, slots and scratch as flat buffers."""
    __slots__ = ("idxs", "members", "w", "g", "slots", "scratch", "wviews", "gviews", "decay")


def _as_float(value, what: str) -> float:
    """A Python float from a number, NumPy scalar or one-element array/Tensor (Python floats keep float32 math
    in float32, where a NumPy float64 scalar would upcast)."""
    if isinstance(value, Tensor):
        value = value.data
    if hasattr(value, "item") and getattr(value, "size", 1) == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{what} must be a number, got {value!r} ({type(value).__name__})")
    return float(value)


def _rebind(v, view) -> None:
    """Make ``view`` the storage of ``v`` (a Variable, or any Tensor), copying its current values in."""
    if hasattr(v, "rebind"):
        v.rebind(view)
    else:
        view[...] = v.data
        v.data = view


def _takes_step(fn) -> bool:
    """Whether a learning-rate callable takes the step (``step -> lr``) or nothing (Keras' ``() -> lr``)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in params)


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
        loss_scale_factor: gradients are divided by it first (for a loss that was multiplied by it).
        gradient_accumulation_steps: not supported; must be None.
        name: the optimizer's name.
        flat: (neuroflow) pack the variables of each dtype into one flat buffer: True, False, or ``"auto"``
            (default: pack when the variables are small); see the module docstring.

    Subclasses define ``_slot_specs`` (names and initial values of per-variable state), ``_scalars`` (the
    step's scalars, once per update) and ``_update`` (the in-place kernel on arrays). The kernel must be
    element-wise: a large variable is updated in slices on several threads (``backend.run_split``).
    """

    _n_scratch = 1  # scratch arrays (variable-shaped) the kernel needs

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, flat="auto", **kwargs):
        owner = type(self).__name__
        self._check_kwargs(kwargs)
        self.name = name if name is not None else owner.lower()
        self.weight_decay = self._opt_number("weight_decay", weight_decay)
        self.clipnorm = self._opt_number("clipnorm", clipnorm)
        self.clipvalue = self._opt_number("clipvalue", clipvalue)
        self.global_clipnorm = self._opt_number("global_clipnorm", global_clipnorm)
        n_clip = sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm))
        if n_clip > 1:
            raise ConfigError(f"{owner}: only one of clipnorm, clipvalue and global_clipnorm can be set; got "
                              f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        self.use_ema = bool(use_ema)
        self.ema_momentum = _as_float(ema_momentum, f"{owner}: ema_momentum")
        if self.use_ema and not 0.0 <= self.ema_momentum <= 1.0:
            raise ConfigError(f"{owner}: ema_momentum must be in [0, 1], got {ema_momentum!r}")
        if ema_overwrite_frequency is not None and (isinstance(ema_overwrite_frequency, bool) or
                                                    not isinstance(ema_overwrite_frequency, int) or
                                                    ema_overwrite_frequency < 1):
            raise ConfigError(f"{owner}: ema_overwrite_frequency must be an integer >= 1 or None, "
                              f"got {ema_overwrite_frequency!r}")
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = self._opt_number("loss_scale_factor", loss_scale_factor)
        if self.loss_scale_factor == 0.0:
            raise ConfigError(f"{owner}: loss_scale_factor must be non-zero (gradients are divided by it)")
        if gradient_accumulation_steps is not None:
            raise ConfigError(f"{owner}: gradient_accumulation_steps is not supported by neuroflow; "
                              f"got {gradient_accumulation_steps!r}, expected None")
        self.gradient_accumulation_steps = None
        if flat not in (True, False, "auto"):
            raise ConfigError(f"{owner}: flat must be True, False or 'auto', got {flat!r}")
        self._flat_mode = flat
        self._flat = flat is True  # "auto" decides in build(), from the variables' sizes
        self._iterations = 0
        self._lr_kind = 0  # 0: float, 1: callable of the step, 2: callable of nothing
        self._learning_rate = None
        self.learning_rate = learning_rate
        self._exclude_ids: set = set()
        self._exclude_pattern = None
        self._reset_state()

    # --- construction helpers --------------------------------------------------------------------------------
    def _check_kwargs(self, kwargs: dict) -> None:
        decay = kwargs.pop("decay", None)
        if decay not in (None, 0, 0.0):
            warnings.warn(f"{type(self).__name__}: argument decay={decay!r} is no longer supported (as in Keras 3) "
                          "and is ignored; use a learning rate schedule", stacklevel=4)
        for key in _IGNORED_KEYS:
            kwargs.pop(key, None)
        if kwargs:
            valid = [p for p in inspect.signature(type(self).__init__).parameters if p not in ("self", "kwargs")]
            valid += [p for p in inspect.signature(Optimizer.__init__).parameters
                      if p not in ("self", "kwargs") and p not in valid]
            bad = sorted(kwargs)[0]
            raise ConfigError(f"{type(self).__name__}: unknown argument(s) {sorted(kwargs)}: "
                              f"{close_matches(bad, valid)}")

    def _opt_number(self, what: str, value, low: float = 0.0):
        """``None`` or a float ``>= low`` (a ConfigError naming the argument otherwise)."""
        if value is None:
            return None
        value = _as_float(value, f"{type(self).__name__}: {what}")
        if not value >= low:
            raise ConfigError(f"{type(self).__name__}: {what} must be >= {low}, got {value}")
        return value

    def _hyper(self, what: str, value, low: float, high: float, high_open: bool = False) -> float:
        """A float hyper-parameter in ``[low, high]`` (or ``[low, high)``)."""
        value = _as_float(value, f"{type(self).__name__}: {what}")
        if not (low <= value < high if high_open else low <= value <= high):
            rng = f"[{low}, {high})" if high_open else f"[{low}, {high}]"
            raise ConfigError(f"{type(self).__name__}: {what} must be in {rng}, got {value}")
        return value

    def _reset_state(self) -> None:
        self.built = False
        self._vars: list = []          # registered variables, in registration order (state keys use this index)
        self._index: dict = {}         # id(variable) -> index
        self._slots: list = []         # per variable: tuple of slot arrays (views into flat buffers in flat mode)
        self._scratch: list = []       # per variable: tuple of scratch arrays (shared by shape in per-variable mode)
        self._decays: list = []        # per variable: whether weight decay applies
        self._gbuf: dict = {}          # per variable index: buffer for clipped gradients (per-variable mode)
        self._shared_scratch: dict = {}
        self._groups: list = []
        self._pending_state = None

    # --- learning rate and iterations ------------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The learning rate of the next update (a schedule is evaluated at ``iterations``). Settable: a float, a
        schedule or a callable; a float cannot replace a ``LearningRateSchedule`` (as in Keras)."""
        return self._lr_now()

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(value, _schedules.LearningRateSchedule):
            self._learning_rate, self._lr_kind = value, 1
        elif callable(value) and not isinstance(value, Tensor):
            self._learning_rate, self._lr_kind = value, (1 if _takes_step(value) else 2)
        else:
            if isinstance(self._learning_rate, _schedules.LearningRateSchedule):
                raise ConfigError(f"{type(self).__name__}: this optimizer was created with the learning rate "
                                  f"schedule {type(self._learning_rate).__name__}, so its learning rate cannot be "
                                  f"set to a number; create it with a float learning_rate to make it settable")
            self._learning_rate, self._lr_kind = _as_float(value, f"{type(self).__name__}: learning_rate"), 0

    def _lr_now(self) -> float:
        if self._lr_kind == 0:
            return self._learning_rate
        value = self._learning_rate(self._iterations) if self._lr_kind == 1 else self._learning_rate()
        return _as_float(value, f"{type(self).__name__}: the learning rate schedule's value")

    @property
    def iterations(self) -> int:
        """Number of updates applied so far."""
        return self._iterations

    @iterations.setter
    def iterations(self, value) -> None:
        self._iterations = int(value)

    # --- variables and state ---------------------------------------------------------------------------------
    def _slot_specs(self) -> tuple:
        """``((name, initial_value), ...)``: the per-variable state of this optimizer."""
        return ()

    def _all_slot_specs(self) -> tuple:
        return self._slot_specs() + ((("average", 0.0),) if self.use_ema else ())

    def build(self, variables, owns_storage: bool = False) -> None:
        """Create the state of every variable in ``variables`` not seen before (done automatically on the first
        update that involves it). Shapes: any; variables must have a float dtype.

        ``owns_storage`` (neuroflow; ``Model.fit`` passes True): the optimizer may move the variables' storage
        into flat buffers, which ``flat="auto"`` then does for small variables (see the module docstring).
        """
        xp = get_array_module()
        self._xp = xp
        new, seen = [], set()
        for v in variables:
            if id(v) not in self._index and id(v) not in seen:
                seen.add(id(v))
                new.append(v)
        specs = self._all_slot_specs()
        for v in new:
            d = v.data
            if d.dtype.kind != "f":
                raise DTypeError(f"{type(self).__name__}: cannot optimize variable "
                                 f"{getattr(v, 'path', None) or v.name!r} of dtype {d.dtype}; only float "
                                 f"variables are trainable")
            self._index[id(v)] = len(self._vars)
            self._vars.append(v)
            self._slots.append(tuple(xp.full(d.shape, init, dtype=d.dtype) if init else xp.zeros_like(d)
                                     for _, init in specs))
            self._scratch.append(self._scratch_for(d))
            self._decays.append(self._use_weight_decay(v))
        if new and self._flat_mode == "auto" and owns_storage:
            self._flat = sum(v.data.size for v in self._vars) <= FLAT_AUTO_MAX_MEAN_SIZE * len(self._vars)
        if new and self._flat:
            self._pack()
        self.built = True
        if self._pending_state is not None:
            pending, self._pending_state = self._pending_state, None
            self._load_slots(pending, deferred=True)

    def _scratch_for(self, d) -> tuple:
        """Scratch arrays shaped like ``d``, shared by all variables of that shape and dtype (the kernels
        use them only within one call)."""
        key = (d.shape, d.dtype.str)
        arrays = self._shared_scratch.get(key)
        if arrays is None:
            arrays = self._shared_scratch[key] = tuple(self._xp.empty(d.shape, dtype=d.dtype)
                                                       for _ in range(self._n_scratch))
        return arrays

    def _pack(self) -> None:
        """Flat mode: rebind every float variable of each dtype, and its slots, to views of one flat buffer."""
        xp = self._xp
        by_dtype: dict = {}
        for i, v in enumerate(self._vars):
            by_dtype.setdefault(v.data.dtype.str, []).append(i)
        self._groups = []
        n_slots = len(self._all_slot_specs())
        for idxs in by_dtype.values():
            dtype = self._vars[idxs[0]].data.dtype
            n = sum(self._vars[i].data.size for i in idxs)
            grp = _Group()
            grp.idxs = idxs
            grp.w = xp.empty(n, dtype=dtype)
            grp.g = xp.zeros(n, dtype=dtype)
            grp.slots = tuple(xp.empty(n, dtype=dtype) for _ in range(n_slots))
            grp.scratch = tuple(xp.empty(n, dtype=dtype) for _ in range(self._n_scratch))
            grp.wviews, grp.gviews = [], []
            off = 0
            for i in idxs:
                v = self._vars[i]
                shape, size = v.data.shape, v.data.size
                views = [a[off:off + size].reshape(shape) for a in (grp.w, grp.g) + grp.slots + grp.scratch]
                _rebind(v, views[0])
                for dst, src in zip(views[2:2 + n_slots], self._slots[i]):
                    dst[...] = src
                grp.wviews.append(views[0])
                grp.gviews.append(views[1])
                self._slots[i] = tuple(views[2:2 + n_slots])
                self._scratch[i] = tuple(views[2 + n_slots:])
                off += size
            grp.members = [(i, self._vars[i], wv, gv) for i, wv, gv in zip(idxs, grp.wviews, grp.gviews)]
            grp.decay = all(self._decays[i] for i in idxs)
            self._groups.append(grp)
        self._gbuf = {}

    @property
    def variables(self) -> list:
        """The variables this optimizer has state for, in registration order (the order of state keys)."""
        return list(self._vars)

    def _extra_state(self) -> dict:
        """Optimizer-wide state beyond ``iterations`` (e.g. Nadam's momentum product), as 0-d arrays."""
        return {}

    def _load_extra_state(self, state: dict) -> None:
        pass

    def get_state(self) -> dict:
        """A flat dict of copies: ``'iterations'`` (int64), ``'learning_rate'`` (float64, when it is a float),
        ``'<i>/<slot>'`` per registered variable ``i`` and slot, plus optimizer-wide entries (Nadam:
        ``'u_product'``). Feed it to :meth:`set_state` to resume bit for bit."""
        xp = get_array_module()
        state = {"iterations": xp.asarray(self._iterations, dtype=xp.int64)}
        if self._lr_kind == 0:
            state["learning_rate"] = xp.asarray(self._learning_rate, dtype=xp.float64)
        names = [name for name, _ in self._all_slot_specs()]
        for i, slots in enumerate(self._slots):
            for name, arr in zip(names, slots):
                state[f"{i}/{name}"] = arr.copy()
        state.update({k: xp.array(v) for k, v in self._extra_state().items()})
        return state

    def set_state(self, state: dict) -> None:
        """Restore what :meth:`get_state` returned. Before the optimizer is built, the per-variable entries are
        kept and applied when it builds (on the first update)."""
        state = dict(state)
        if "iterations" not in state:
            raise SavingError(f"{type(self).__name__}.set_state: the state has no 'iterations' entry; "
                              f"keys: {sorted(state)[:8]}")
        self._iterations = int(state.pop("iterations"))
        if "learning_rate" in state:
            lr = state.pop("learning_rate")
            if self._lr_kind == 0:
                self._learning_rate = float(lr)
        self._load_extra_state(state)
        for key in self._extra_state():
            state.pop(key, None)
        if not self.built:
            self._pending_state = state
            return
        self._load_slots(state, deferred=False)

    def _load_slots(self, state: dict, deferred: bool) -> None:
        names = [name for name, _ in self._all_slot_specs()]
        expected = {f"{i}/{n}": (i, k) for i in range(len(self._vars)) for k, n in enumerate(names)}
        unknown = sorted(set(state) - set(expected))
        missing = sorted(set(expected) - set(state))
        where = " (state set before the first update)" if deferred else ""
        if unknown or missing:
            raise SavingError(f"{type(self).__name__}.set_state{where}: the state does not match this optimizer, "
                              f"which has {len(self._vars)} variable(s) with slots {names}; missing keys "
                              f"{missing[:6]}, unexpected keys {unknown[:6]}")
        for key, (i, k) in expected.items():
            dst, src = self._slots[i][k], state[key]
            if tuple(src.shape) != dst.shape:
                raise SavingError(f"{type(self).__name__}.set_state: entry {key!r} has shape {tuple(src.shape)}, "
                                  f"but variable {i} ({getattr(self._vars[i], 'path', None)!r}) has shape "
                                  f"{dst.shape}")
            dst[...] = src

    # --- weight decay exclusions -----------------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exempt variables from weight decay: those in ``var_list``, and those whose name contains one of the
        strings in ``var_names`` (e.g. ``['bias']``). Replaces earlier exclusions."""
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(map(re.escape, var_names))) if var_names else None
        self._decays = [self._use_weight_decay(v) for v in self._vars]
        for grp in self._groups:
            grp.decay = all(self._decays[i] for i in grp.idxs)

    def _use_weight_decay(self, v) -> bool:
        if id(v) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None:
            name = getattr(v, "path", None) or v.name or ""
            return self._exclude_pattern.search(name) is None
        return True

    # --- updates ---------------------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars) -> int:
        """Apply one update from ``(gradient, variable)`` pairs (gradients: arrays or Tensors shaped like their
        variable, or None to skip it). Returns ``iterations``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self._iterations

    def apply(self, grads, variables=None) -> None:
        """Apply one update. ``grads[i]`` (array or Tensor, shaped like ``variables[i]``, or None to skip) goes
        with ``variables[i]``; without ``variables``, with the variables the optimizer was built on."""
        grads = list(grads)
        if variables is None:
            if not self.built:
                raise ConfigError(f"{type(self).__name__}.apply: without variables the optimizer must be built "
                                  "first; call optimizer.build(variables) or pass variables")
            variables = self._vars
        variables = list(variables)
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
        index = self._index
        pairs = []
        for g, v in items:
            i = index.get(id(v))
            if i is None:  # a variable seen for the first time: create its state, then start over
                self.build([x for _, x in items])
                return self._run(items)
            if isinstance(g, Tensor):
                g = g.data
            w = v.data
            if type(g) is not type(w):
                g = self._xp.asarray(g)
            if g.shape != w.shape:
                raise ShapeError(f"{type(self).__name__}: the gradient of variable "
                                 f"{getattr(v, 'path', None) or v.name!r} has shape {g.shape}, expected {w.shape}")
            if g.dtype != w.dtype:
                g = g.astype(w.dtype)
            pairs.append((i, g))
        xp = self._xp
        lr = self._lr_now()
        t = self._iterations + 1
        transforms = self.clipnorm or self.global_clipnorm or self.clipvalue or self.loss_scale_factor
        scales = self._grad_scales(pairs) if transforms else None
        units = self._flat_units(pairs, scales) if self._flat else self._var_units(pairs, scales)
        wd = self.weight_decay
        if wd:
            keep = 1.0 - wd * lr  # w - w * wd * lr, as one in-place multiply
            for u in units:
                decay = u[4]
                if decay is True:
                    w = u[0]
                    w *= keep
                elif decay:
                    for w in decay:
                        w *= keep
        self._before_update(t)
        k = self._scalars(lr, t)
        # The scalars go to the kernels as 0-d arrays of the variable's dtype: NumPy handles those markedly
        # faster than Python floats (no weak-scalar conversion per call), with the same float32 result.
        by_dtype = {}
        update = self._update
        for w, g, slots, scratch, _ in units:
            kd = by_dtype.get(w.dtype)
            if kd is None:
                kd = by_dtype[w.dtype] = tuple([xp.asarray(x, dtype=w.dtype) for x in k])
            if w.size < SPLIT_MIN_SIZE:
                update(w, g, slots, scratch, kd)
            else:  # large weights: the element-wise kernel on slices, one per thread
                n_slots = len(slots)
                run_split(lambda w, g, *rest: update(w, g, rest[:n_slots], rest[n_slots:], kd),
                          (w, xp.ascontiguousarray(g)) + tuple(slots) + tuple(scratch))
        if self.use_ema:
            self._update_ema()
        if t % SWEEP_EVERY == 0 and self._sweeps_state:
            self._sweep_tiny(units)
        self._iterations = t

    #: Whether the slots can decay towards zero (moving averages); Adagrad's only grows.
    _sweeps_state = True

    def _sweep_tiny(self, units) -> None:
        """Set to zero the slot values below ``finfo(dtype).tiny * 2**32`` (5e-29 in float32, 1e-298 in float64).

        Where a weight's gradient stays zero (a dead ReLU unit, an always-black MNIST pixel), its moving averages
        decay geometrically and within a few hundred steps become subnormal numbers, which x86 computes on in
        microcode, many times slower: Adam's update on the MNIST MLP went from 1.3 to 9 ms a step by the third
        epoch. TensorFlow's CPU kernels flush subnormals to zero in hardware (FTZ/DAZ), a switch NumPy does not
        offer; this sweep every ``SWEEP_EVERY`` updates does the same job (a 0.9 decay shrinks a value 30x in 32
        steps, so swept values never reach the subnormal range) at about 1% of the update's time. A value this
        small moves no weight by a representable amount.
        """
        xp = self._xp
        n_own = len(self._slot_specs())  # not the moving average of the weights (use_ema)
        for w, _, slots, _, _ in units:
            if w.dtype.itemsize < 4:  # float16 has no such slow path in NumPy, and its tiny * 2**32 overflows
                continue
            limit = xp.finfo(w.dtype).tiny * 2.0 ** 32
            for s in slots[:n_own]:
                s[xp.abs(s) < limit] = 0

    def _grad_scales(self, pairs):
        """Per-gradient multipliers for unscaling and norm clipping (None when there is nothing to do)."""
        inv = 1.0 / self.loss_scale_factor if self.loss_scale_factor else 1.0
        if self.clipnorm:
            c = self.clipnorm
            scales = []
            for _, g in pairs:
                norm = math.sqrt(self._sumsq(g)) * inv
                # Keras: g * c / max(norm, c); only norms above c change anything (NaN propagates).
                scales.append(inv if norm <= c else inv * c / norm)
            return scales
        if self.global_clipnorm:
            c = self.global_clipnorm
            norm = math.sqrt(sum(self._sumsq(g) for _, g in pairs)) * inv
            s = inv if norm <= c else (inv * c / norm if math.isfinite(norm) else math.nan)
            return [s] * len(pairs)
        if inv != 1.0 or self.clipvalue:
            return [inv] * len(pairs)
        return None

    def _sumsq(self, g) -> float:
        f = g.reshape(-1)
        if f.dtype.itemsize < 4:
            f = f.astype(self._xp.float32)  # float16 sums of squares overflow
        return float(self._xp.dot(f, f))

    def _var_units(self, pairs, scales) -> list:
        vars_, slots, scratch, decays = self._vars, self._slots, self._scratch, self._decays
        if scales is None:
            return [(vars_[i].data, g, slots[i], scratch[i], decays[i]) for i, g in pairs]
        xp, cv = self._xp, self.clipvalue
        units = []
        for (i, g), s in zip(pairs, scales):
            w = vars_[i].data
            buf = self._gbuf.get(i)
            if buf is None or buf.shape != w.shape:
                buf = self._gbuf[i] = xp.empty_like(w)
            if s != 1.0:
                xp.multiply(g, s, out=buf)
                g = buf
            if cv:
                xp.clip(g, -cv, cv, out=buf)
                g = buf
            units.append((w, g, slots[i], scratch[i], decays[i]))
        return units

    def _flat_units(self, pairs, scales) -> list:
        """Flat mode: copy the gradients into each group's flat buffer and return one unit per group whose
        variables all have gradients; the variables of other groups get per-variable units on their views."""
        xp, cv = self._xp, self.clipvalue
        gmap = dict(pairs)
        smap = dict(zip(gmap, scales)) if scales is not None else None
        units = []
        for grp in self._groups:
            present = []
            for i, v, wv, gv in grp.members:
                if v.data is not wv:
                    # The variable's storage was replaced from outside: take its values back into the buffer.
                    _rebind(v, wv)
                g = gmap.get(i)
                if g is None:
                    continue
                present.append(i)
                s = 1.0 if smap is None else smap[i]
                if s != 1.0:
                    xp.multiply(g, s, out=gv)
                elif g is not gv:
                    xp.copyto(gv, g)
            if len(present) == len(grp.members):
                if cv:
                    xp.clip(grp.g, -cv, cv, out=grp.g)
                # With some variables exempt from weight decay, the group decays only the others' views.
                decay = True if grp.decay else [m[2] for m in grp.members if self._decays[m[0]]]
                units.append((grp.w, grp.g, grp.slots, grp.scratch, decay))
                continue
            for i in present:
                wv = self._vars[i].data
                gv = grp.gviews[grp.idxs.index(i)]
                if cv:
                    xp.clip(gv, -cv, cv, out=gv)
                units.append((wv, gv, self._slots[i], self._scratch[i], self._decays[i]))
        return units

    def _update_ema(self) -> None:
        """``avg = m * avg + (1 - m) * w`` for every registered variable (m = 0 on the first update, so the
        average starts at the weights), and the periodic overwrite of the weights by the average."""
        xp = self._xp
        m = self.ema_momentum if self._iterations != 0 else 0.0
        if self._flat:
            units = [(grp.w, grp.slots[-1], grp.scratch[0]) for grp in self._groups]
        else:
            units = [(v.data, s[-1], t[0]) for v, s, t in zip(self._vars, self._slots, self._scratch)]
        for w, avg, tmp in units:
            avg *= m
            xp.multiply(w, 1.0 - m, out=tmp)
            avg += tmp
        freq = self.ema_overwrite_frequency
        if freq and (self._iterations + 1) % freq == 0:
            for w, avg, _ in units:
                xp.copyto(w, avg)

    def finalize_variable_values(self, var_list=None) -> None:
        """With ``use_ema``: copy the moving averages into the weights (Keras does this at the end of fit)."""
        if not self.use_ema:
            return
        wanted = None if var_list is None else {id(v) for v in var_list}
        for i, v in enumerate(self._vars):
            if wanted is None or id(v) in wanted:
                self._xp.copyto(v.data, self._slots[i][-1])

    # --- what subclasses implement -----------------------------------------------------------------------------
    def _before_update(self, t: int) -> None:
        """Optimizer-wide state updated once per update, before the kernels (``t`` = iterations + 1)."""

    def _scalars(self, lr: float, t: int) -> tuple:
        """The step's scalars (Python floats), computed once per update and handed to every kernel call."""
        return (lr,)

    def _update(self, w, g, slots, scratch, k) -> None:
        """Update ``w`` (and ``slots``) in place from gradient ``g``; all arrays share one shape and dtype."""
        raise NotImplementedError(f"{type(self).__name__} must implement _update")

    # --- config ------------------------------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Keras' config keys and values (a schedule is serialized Keras-style)."""
        if self._lr_kind == 0:
            lr = self._learning_rate
        elif isinstance(self._learning_rate, _schedules.LearningRateSchedule):
            lr = _schedules.serialize(self._learning_rate)
        else:
            lr = self._lr_now()
            warnings.warn(f"{type(self).__name__}.get_config: a plain callable learning rate cannot be serialized; "
                          f"storing its current value {lr}", stacklevel=2)
        config = {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                  "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                  "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                  "ema_overwrite_frequency": self.ema_overwrite_frequency,
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
                f"iterations={self._iterations} variables={len(self._vars)}{' flat' if self._flat else ''}>")
