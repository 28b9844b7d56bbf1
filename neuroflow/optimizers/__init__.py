"""Optimizers and learning-rate schedules with Keras' names (``keras.optimizers``).

``get('adam')``, ``get({'class_name': 'Adam', 'config': {...}})`` or ``get(instance)`` resolve an optimizer;
``serialize``/``deserialize`` convert to and from Keras' dict form. Every optimizer updates ``Variable.data`` in
place; see :mod:`neuroflow.optimizers.base` for the update pipeline (its steps: ``units``, ``accumulation``,
``clipping``, ``weight_decay``, ``update``, ``moving_average``, ``sweep``; the learning rate: ``learning_rate``),
state saving and flat mode.
"""
from __future__ import annotations

from ..errors import ConfigError, close_matches
from ..registry import entry_class, keras_entry
from . import legacy, schedules
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .base import Optimizer
from .ftrl import Ftrl
from .lamb import Lamb
from .lion import Lion
from .loss_scale import LossScaleOptimizer
from .multi_optimizer import MultiOptimizer, OptimizerMap
from .muon import Muon
from .nadam import Nadam
from .rmsprop import RMSprop
from .schedule_free_adamw import ScheduleFreeAdamW
from .sgd import SGD

#: Keras' string names (lower-case class names) -> classes.
ALL_OPTIMIZERS = {cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam,
                                                        Ftrl, Lamb, Lion, Adafactor, ScheduleFreeAdamW, Muon)}
#: Optimizers that wrap another (loadable from a config, not constructible from a name alone).
WRAPPERS = {"lossscaleoptimizer": LossScaleOptimizer, "multioptimizer": MultiOptimizer}


def serialize(optimizer: Optimizer) -> dict:
    """Keras' serialized form: ``{'module', 'class_name', 'config', 'registered_name'}``."""
    if not isinstance(optimizer, Optimizer):
        raise ConfigError(f"optimizers.serialize: expected an Optimizer, got {type(optimizer).__name__}")
    return keras_entry(optimizer, "keras.optimizers")


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """An optimizer from ``{'class_name': ..., 'config': {...}}``; built-in class names match case-insensitively,
    ``custom_objects`` maps further names to Optimizer subclasses."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"optimizers.deserialize: expected a dict with 'class_name' and 'config', got {config!r}")
    name = config["class_name"]
    key = str(name).lower()
    cls = entry_class(config, Optimizer, custom_objects) or (
        None if config.get("registered_name") not in (None, name) else ALL_OPTIMIZERS.get(key) or WRAPPERS.get(key))
    if cls is None:
        raise ConfigError(f"unknown optimizer {config.get('registered_name') or name!r}: "
                          f"{close_matches(str(name).lower(), ALL_OPTIMIZERS)} (a custom optimizer must be decorated "
                          f"with @keras.saving.register_keras_serializable() or passed in custom_objects)")
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


# A wrapper saves its inner optimizer through this registry (loss_scale.py cannot import this module, which imports
# it).
LossScaleOptimizer._serialize = staticmethod(serialize)
LossScaleOptimizer._deserialize = staticmethod(deserialize)
MultiOptimizer._serialize = staticmethod(serialize)
MultiOptimizer._deserialize = staticmethod(deserialize)


def get(identifier) -> Optimizer | None:
    """Resolve an optimizer: a Keras name (``'adam'``, ``'SGD'``... case-insensitive), a config dict, or an
    instance (returned as is). ``None`` gives ``None``."""
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL_OPTIMIZERS.get(identifier.lower())
        if cls is None:
            raise ConfigError(f"unknown optimizer {identifier!r}: {close_matches(identifier.lower(), ALL_OPTIMIZERS)}")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise ConfigError(f"could not interpret optimizer identifier {identifier!r}: expected a name "
                      f"({', '.join(sorted(ALL_OPTIMIZERS))}), a config dict or an Optimizer")


__all__ = ["Adafactor", "LossScaleOptimizer", "ScheduleFreeAdamW",
           "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lamb",
           "Lion", "Muon", "MultiOptimizer", "OptimizerMap", "legacy", "schedules",
           "get", "serialize", "deserialize", "ALL_OPTIMIZERS"]
