"""Dynamic loss scaling (Keras 3's ``LossScaleOptimizer``): the loss is multiplied by a scale before backward
(``scale_loss``, which ``fit`` calls), the gradients are divided by it before the inner optimizer's update, and the
scale adapts: a step whose gradients hold inf or NaN is skipped and halves the scale; ``dynamic_growth_steps``
good steps in a row double it.
"""
from __future__ import annotations

import numpy

from ..backend import get_array_module, is_host, to_host
from ..errors import ConfigError
from .base import Optimizer
from .state import read_scalar, scalar_entry

#: Base-optimizer arguments Keras refuses here: they belong on the inner optimizer.
_INNER_ONLY = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
               "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
               "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Wraps ``inner_optimizer`` with a dynamic loss scale.

    Args:
        inner_optimizer: the optimizer that updates the weights (an ``Optimizer`` instance).
        initial_scale: the first scale (``2 ** 15``).
        dynamic_growth_steps: good steps after which the scale doubles (2000).
        name: the optimizer's name.

    ``iterations`` and ``learning_rate`` are the inner optimizer's (a skipped step does not count). State:
    the inner optimizer's plus ``dynamic_scale`` and ``step_counter``.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000, name=None, **kwargs):
        # The base __init__ is not run: every update goes through the inner optimizer.
        if not kwargs.pop("dynamic", True):
            raise ConfigError("LossScaleOptimizer: dynamic=False is not supported; set loss_scale_factor on the "
                              "inner optimizer instead")
        for key, default in _INNER_ONLY.items():
            if key in kwargs and kwargs.pop(key) != default:
                raise ConfigError(f"LossScaleOptimizer does not support {key}; set it on the inner_optimizer")
        if kwargs:
            raise ConfigError(f"LossScaleOptimizer: unexpected arguments {sorted(kwargs)}")
        if not isinstance(inner_optimizer, Optimizer) or isinstance(inner_optimizer, LossScaleOptimizer):
            raise ConfigError(f"LossScaleOptimizer: inner_optimizer must be a neuroflow Optimizer (not a "
                              f"LossScaleOptimizer); got {type(inner_optimizer).__name__}")
        initial_scale = float(initial_scale)
        if not initial_scale > 0 or initial_scale == float("inf"):
            raise ConfigError(f"LossScaleOptimizer: initial_scale must be a finite number > 0; got {initial_scale}")
        if not isinstance(dynamic_growth_steps, int) or dynamic_growth_steps < 1:
            raise ConfigError(f"LossScaleOptimizer: dynamic_growth_steps must be an integer >= 1; got "
                              f"{dynamic_growth_steps!r}")
        self.name = name or "loss_scale_optimizer"
        self.inner_optimizer = inner_optimizer
        inner_optimizer.loss_scale_factor = None  # this wrapper does the scaling
        self.initial_scale, self.dynamic_growth_steps = initial_scale, dynamic_growth_steps
        self.dynamic_scale, self.step_counter = initial_scale, 0

    # --- what the training loop and callbacks read: the inner optimizer's --------------------------------------
    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self) -> int:
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, value):
        self.inner_optimizer.iterations = value

    @property
    def built(self) -> bool:
        return self.inner_optimizer.built

    @property
    def variables(self) -> list:
        return self.inner_optimizer.variables

    @property
    def use_ema(self) -> bool:
        return self.inner_optimizer.use_ema

    @property
    def loss_scale_factor(self):
        return None

    def build(self, variables, owns_storage: bool = False) -> None:
        self.inner_optimizer.build(variables, owns_storage)

    def scale_loss(self, loss):
        """``loss * dynamic_scale``: call it before ``backward`` (``fit`` does)."""
        return loss * self.dynamic_scale

    # --- updates ---------------------------------------------------------------------------------------------
    def _finite(self, grads) -> bool:
        # Whether to skip the step is a host decision: device gradients are checked together in one read.
        on_device = []
        for g in grads:
            g = getattr(g, "data", g)
            if g is None:
                continue
            if is_host(g):
                if not numpy.isfinite(g).all():
                    return False
            else:
                xp = get_array_module(g)
                on_device.append(xp.isfinite(g).all())
        return not on_device or bool(to_host(xp.stack(on_device).all()))

    def _after_good_step(self) -> None:
        if self.step_counter == self.dynamic_growth_steps - 1:
            self.step_counter, self.dynamic_scale = 0, self.dynamic_scale * 2.0
        else:
            self.step_counter += 1

    def _skip(self) -> None:
        self.step_counter, self.dynamic_scale = 0, self.dynamic_scale * 0.5

    def apply(self, grads, trainable_variables=None) -> None:
        """Unscale ``grads`` and apply them with the inner optimizer, or skip the step when any is not finite."""
        grads = list(grads)
        if not self._finite(grads):
            return self._skip()
        inverse = 1.0 / self.dynamic_scale
        self.inner_optimizer.apply([None if g is None else getattr(g, "data", g) * inverse for g in grads],
                                   trainable_variables)
        self._after_good_step()

    def step(self, variables) -> None:
        """The update from each variable's ``.grad`` (as ``Optimizer.step``), unscaled; skipped when not finite."""
        variables = [v for v in variables if v.grad is not None and getattr(v, "trainable", True)]
        if not variables:
            return
        if not self._finite([v.grad for v in variables]):
            return self._skip()
        inverse = 1.0 / self.dynamic_scale
        for v in variables:
            v.grad = v.grad * inverse
        self.inner_optimizer.step(variables)
        self._after_good_step()

    def finalize_variable_values(self, var_list=None) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        self.inner_optimizer.exclude_from_weight_decay(var_list, var_names)

    # --- state and config ------------------------------------------------------------------------------------
    def get_state(self) -> dict:
        state = self.inner_optimizer.get_state()
        state["dynamic_scale"] = scalar_entry(self.dynamic_scale, "float64")
        state["step_counter"] = scalar_entry(self.step_counter, "int64")
        return state

    def set_state(self, state: dict) -> None:
        state = dict(state)
        if "dynamic_scale" in state:
            self.dynamic_scale = float(read_scalar(state.pop("dynamic_scale")))
        if "step_counter" in state:
            self.step_counter = int(read_scalar(state.pop("step_counter")))
        self.inner_optimizer.set_state(state)

    #: ``neuroflow.optimizers`` installs its ``serialize`` / ``deserialize`` here (that module imports this one).
    _serialize = _deserialize = None

    def get_config(self) -> dict:
        return {"name": self.name, "inner_optimizer": LossScaleOptimizer._serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "LossScaleOptimizer":
        config = dict(config)
        return cls(LossScaleOptimizer._deserialize(config.pop("inner_optimizer"), custom_objects), **config)

    def __repr__(self) -> str:
        return (f"<LossScaleOptimizer name={self.name!r} scale={self.dynamic_scale:g} "
                f"inner={self.inner_optimizer!r}>")
