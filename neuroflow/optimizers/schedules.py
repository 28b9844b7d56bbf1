"""Learning-rate schedules (Keras' ``keras.optimizers.schedules``).

A schedule is a callable ``step -> learning rate``: the optimizer calls it once per update with its
``iterations`` (0 on the first update) and gets a Python float. Formulas, argument names, defaults and
``get_config`` keys are Keras 3's, so configs load in both directions. Values are computed in Python floats
(float64); Keras computes them in the dtype of ``initial_learning_rate`` (float32), so they agree to float32
precision.
"""
from __future__ import annotations

import bisect
import math

from ..errors import ConfigError, close_matches
from ..registry import entry_class, keras_entry


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step) -> float`` and ``get_config() -> dict``."""

    def __call__(self, step) -> float:
        raise NotImplementedError(f"learning rate schedule {type(self).__name__} must override __call__(self, step)")

    def get_config(self) -> dict:
        raise NotImplementedError(f"learning rate schedule {type(self).__name__} must override get_config() "
                                  "to be serializable")

    @classmethod
    def from_config(cls, config: dict) -> "LearningRateSchedule":
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _positive(owner: str, name: str, value) -> None:
    if not value > 0:
        raise ConfigError(f"{owner}: {name} must be > 0, got {name}={value!r}")


class _StepDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments, their config, and the progress
    ``step / decay_steps`` (floored with ``staircase``) that their formulas take."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        _positive(type(self).__name__, "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step) -> float:
        p = float(step) / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; with ``staircase`` the exponent is floored.

    Args: initial_learning_rate (float), decay_steps (int > 0), decay_rate (float), staircase (bool), name.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step) -> float:
        return float(self.initial_learning_rate) * float(self.decay_rate) ** self._progress(step)


class InverseTimeDecay(_StepDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``; ``staircase`` floors ``step / decay_steps``.

    Args: initial_learning_rate (float), decay_steps (> 0), decay_rate (float), staircase (bool), name.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step) -> float:
        return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * self._progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]``,
    ``values[-1]`` after the last boundary.

    Args: boundaries (strictly increasing numbers, length n), values (length n + 1), name.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ConfigError(f"PiecewiseConstantDecay: values must have one more element than boundaries; got "
                              f"{len(boundaries)} boundaries {boundaries} and {len(values)} values {values}")
        bad = [b for b, a in zip(boundaries, boundaries[1:]) if b >= a]
        if bad:
            raise ConfigError(f"PiecewiseConstantDecay: boundaries must be strictly increasing, got {boundaries} "
                              f"(not increasing after {bad[0]})")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step) -> float:
        # bisect_left counts the boundaries strictly below step: step == boundary stays in the lower interval.
        return float(self.values[bisect.bisect_left(self.boundaries, step)])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end`` with ``step`` capped at ``decay_steps``; with
    ``cycle`` the horizon grows to the first multiple of ``decay_steps`` at or above ``step``.

    Args: initial_learning_rate, decay_steps (> 0), end_learning_rate (0.0001), power (1.0), cycle (False), name.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        _positive("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step) -> float:
        step = float(step)
        horizon = float(self.decay_steps)
        if self.cycle:
            horizon *= 1.0 if step == 0 else math.ceil(step / horizon)
        else:
            step = min(step, horizon)
        end = float(self.end_learning_rate)
        return (float(self.initial_learning_rate) - end) * (1.0 - step / horizon) ** float(self.power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup, then cosine decay.

    Without ``warmup_target``: ``initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))
    + alpha)``. With it: for ``step < warmup_steps`` the rate goes linearly from ``initial_learning_rate`` to
    ``warmup_target``; then the cosine decay above runs from ``warmup_target`` over ``step - warmup_steps``.

    Args: initial_learning_rate, decay_steps (> 0), alpha (0.0), name, warmup_target (None), warmup_steps (0).
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        _positive("CosineDecay", "decay_steps", decay_steps)
        if warmup_steps < 0:
            raise ConfigError(f"CosineDecay: warmup_steps must be >= 0, got {warmup_steps!r}")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step: float, start: float) -> float:
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step) -> float:
        step = float(step)
        initial = float(self.initial_learning_rate)
        if self.warmup_target is None:
            return self._decay(min(step, float(self.decay_steps)), initial)
        warmup = float(self.warmup_steps)
        step = min(step, float(self.decay_steps) + warmup)
        target = float(self.warmup_target)
        if step < warmup:
            return (target - initial) * (step / warmup) + initial
        return self._decay(step - warmup, target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods of ``first_decay_steps * t_mul ** i`` steps, the i-th
    starting at ``initial_learning_rate * m_mul ** i`` and decaying to ``alpha`` times that.

    Args: initial_learning_rate, first_decay_steps (> 0), t_mul (2.0), m_mul (1.0), alpha (0.0), name.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        _positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step) -> float:
        fraction = float(step) / self.first_decay_steps
        t_mul = float(self.t_mul)
        if t_mul == 1.0:
            i_restart = math.floor(fraction)
            fraction -= i_restart
        else:
            # Periods grow geometrically: the restart index solves sum_{k<i} t_mul**k <= fraction.
            i_restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            done = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
            fraction = (fraction - done) / t_mul ** i_restart
        cosine = 0.5 * float(self.m_mul) ** i_restart * (1.0 + math.cos(math.pi * fraction))
        return float(self.initial_learning_rate) * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


ALL_SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay,
                                                PolynomialDecay, CosineDecay, CosineDecayRestarts)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """Keras' serialized form: ``{'module', 'class_name', 'config', 'registered_name'}``."""
    return keras_entry(schedule, "keras.optimizers.schedules")


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """Build a schedule from ``{'class_name': ..., 'config': {...}}`` (Keras' form; extra keys are ignored)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"schedules.deserialize: expected a dict with 'class_name' and 'config', got {config!r}")
    name = config["class_name"]
    known = dict(ALL_SCHEDULES, **(custom_objects or {}))
    cls = entry_class(config, LearningRateSchedule, custom_objects) or (
        None if config.get("registered_name") not in (None, name) else known.get(name))
    if cls is None:
        raise ConfigError(f"unknown learning rate schedule {config.get('registered_name') or name!r}: "
                          f"{close_matches(name, known)} (a custom schedule must be decorated with "
                          f"@keras.saving.register_keras_serializable() or passed in custom_objects)")
    return cls.from_config(dict(config.get("config", {})))
