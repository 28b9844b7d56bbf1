"""The three kinds of learning rate an optimizer takes, each a small strategy object.

* :class:`ConstantRate` — a float; settable, saved in the optimizer state, written into the config as is;
* :class:`ScheduleRate` — a :class:`~neuroflow.optimizers.schedules.LearningRateSchedule`, evaluated at the
  optimizer's update count; serialized Keras-style;
* :class:`CallableRate` — any other callable, ``step -> lr`` or (as in Keras) ``() -> lr``; it cannot be
  serialized, so the config stores its current value (with a warning).

Each is called with the update count and returns a Python float (float32 math stays float32); ``source`` is
what the learning rate was given as.
"""
from __future__ import annotations

import inspect
import warnings

from ..autograd.tensor import Tensor
from .._validate import ArgumentTypeError  # a TypeError too, as Keras raises
from . import schedules
from .arguments import as_float


class ConstantRate:
    """A fixed learning rate (``value``: Python float)."""
    __slots__ = ("value",)
    settable = True

    def __init__(self, value: float):
        self.value = value

    @property
    def source(self):
        return self.value

    def __call__(self, iterations: int) -> float:
        return self.value

    def config_value(self, owner: str, iterations: int):
        return self.value


class ScheduleRate:
    """A learning-rate schedule, evaluated at the update count (0 for the first update)."""
    __slots__ = ("schedule", "owner")
    settable = False  # as in Keras: a float cannot replace a schedule

    def __init__(self, schedule, owner: str):
        self.schedule, self.owner = schedule, owner

    @property
    def source(self):
        return self.schedule

    def __call__(self, iterations: int) -> float:
        return as_float(self.schedule(iterations), f"{self.owner}: the learning rate schedule's value")

    def config_value(self, owner: str, iterations: int):
        return schedules.serialize(self.schedule)


class CallableRate:
    """A plain callable: ``fn(step)`` when it takes an argument, else ``fn()`` (Keras' form)."""
    __slots__ = ("fn", "owner", "takes_step")
    settable = True

    def __init__(self, fn, owner: str):
        self.fn, self.owner, self.takes_step = fn, owner, _takes_step(fn)

    @property
    def source(self):
        return self.fn

    def __call__(self, iterations: int) -> float:
        value = self.fn(iterations) if self.takes_step else self.fn()
        return as_float(value, f"{self.owner}: the learning rate schedule's value")

    def config_value(self, owner: str, iterations: int):
        value = self(iterations)
        warnings.warn(f"{owner}.get_config: a plain callable learning rate cannot be serialized; storing its "
                      f"current value {value}", stacklevel=3)
        return value


def rate_strategy(value, previous, owner: str):
    """The strategy for a new learning rate ``value`` (float, schedule or callable); ``previous`` is the current
    strategy (None at construction), which a float may not replace if it is a schedule."""
    if isinstance(value, schedules.LearningRateSchedule):
        return ScheduleRate(value, owner)
    if callable(value) and not isinstance(value, Tensor):
        return CallableRate(value, owner)
    if previous is not None and not previous.settable:
        raise ArgumentTypeError(f"{owner}: this optimizer was created with the learning rate schedule "
                          f"{type(previous.schedule).__name__}, so its learning rate cannot be set to a number; "
                          f"create it with a float learning_rate to make it settable")
    return ConstantRate(as_float(value, f"{owner}: learning_rate"))


def _takes_step(fn) -> bool:
    """Whether a learning-rate callable takes the step (``step -> lr``) or nothing (Keras' ``() -> lr``)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in params)


class RateValue(float):
    """What ``optimizer.learning_rate`` reads: the rate as a float that also has the methods Keras programs call
    on Keras' learning-rate variable: ``assign(value)`` (sets the optimizer's rate, as ``optimizer.learning_rate
    = value`` does) and ``numpy()``."""
    __slots__ = ("_optimizer",)

    def __new__(cls, value: float, optimizer):
        obj = super().__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def assign(self, value):
        self._optimizer.learning_rate = value
        return self._optimizer.learning_rate

    def numpy(self):
        import numpy as np
        return np.float32(self)

    def __reduce__(self):  # copied or pickled: the number alone, not the optimizer
        return float, (float(self),)
