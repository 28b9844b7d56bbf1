"""Several optimizers for one model, chosen per variable (Keras 3.15's ``MultiOptimizer`` and ``OptimizerMap``).

``OptimizerMap(default_optimizer, optimizer_map=None)`` maps variable paths to optimizers: an exact key first,
else the one key that ``re.fullmatch``-es the path (two matches are an error), else the default.
``MultiOptimizer(optimizer_map, loss_scale_factor=None, name=None)`` takes such a map (or any callable
``variable -> Optimizer``) and hands each variable's gradient to its optimizer: one ``apply`` is one update of
every inner optimizer that has a variable in it. Like Keras, it has no learning rate of its own (set it on the
inner optimizers); ``loss_scale_factor`` is passed down to them.
"""
from __future__ import annotations

import re
from collections.abc import MutableMapping

from ..errors import ConfigError
from .base import Optimizer
from .loss_scale import LossScaleOptimizer
from .state import read_scalar, scalar_entry


def _check_inner(optimizer, where: str):
    if not isinstance(optimizer, Optimizer):
        raise ConfigError(f"{where}: expected a neuroflow Optimizer instance, got {type(optimizer).__name__}")
    if isinstance(optimizer, (LossScaleOptimizer, MultiOptimizer)):
        raise ConfigError(f"{where}: a {type(optimizer).__name__} cannot be used inside a MultiOptimizer")
    return optimizer


class OptimizerMap(MutableMapping):
    """Variable path (or ``re.fullmatch`` pattern) -> Optimizer, with ``default_optimizer`` for the rest.
    ``map(variable)`` gives the optimizer of ``variable.path``."""

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise ConfigError(f"OptimizerMap: default_optimizer must be an Optimizer instance, got "
                              f"{type(default_optimizer).__name__}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise ConfigError(f"OptimizerMap: optimizer_map must be a dict, got {type(optimizer_map).__name__}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ConfigError(f"OptimizerMap: variable {key!r} matches several keys {matching}; each variable "
                              f"must have one optimizer")
        return self._optimizer_map[matching[0]] if matching else self._default_optimizer

    def __setitem__(self, key, optimizer):
        if not isinstance(key, str):
            raise ConfigError(f"OptimizerMap: a key must be a string (a variable path or pattern), got {key!r}")
        if key in self._optimizer_map:
            raise ConfigError(f"OptimizerMap: {key!r} is already mapped to {self._optimizer_map[key]!r}")
        self._optimizer_map[key] = _check_inner(optimizer, f"OptimizerMap[{key!r}]")

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[str(getattr(variable, "path", None) or variable.name)]

    def get_config(self) -> dict:
        serialize = MultiOptimizer._serialize
        return {"default_optimizer": serialize(self._default_optimizer),
                "optimizer_map": {k: serialize(v) for k, v in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        deserialize = MultiOptimizer._deserialize
        return cls(deserialize(config["default_optimizer"], custom_objects),
                   {k: deserialize(v, custom_objects) for k, v in (config.get("optimizer_map") or {}).items()})


class MultiOptimizer(Optimizer):
    """Delegates each variable to the optimizer ``optimizer_map(variable)`` chose (an :class:`OptimizerMap` or a
    callable). ``optimizers`` lists the inner optimizers; ``iterations`` counts this wrapper's updates; state:
    every inner optimizer's, its keys prefixed ``opt<i>/``."""

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        # The base __init__ is not run: every update goes through the inner optimizers.
        if not callable(optimizer_map):
            raise ConfigError(f"MultiOptimizer: optimizer_map must be an OptimizerMap or a callable variable -> "
                              f"Optimizer, got {type(optimizer_map).__name__}")
        self.name = name or "multi_optimizer"
        self._optimizer_map = optimizer_map
        self._inner = []
        self._chosen = {}  # id(variable) -> index into _inner
        self._iterations = 0
        self._loss_scale_factor = loss_scale_factor
        if isinstance(optimizer_map, OptimizerMap):
            for optimizer in list(optimizer_map.values()) + [optimizer_map.default_optimizer]:
                self._adopt(optimizer)

    def _adopt(self, optimizer) -> int:
        if not any(o is optimizer for o in self._inner):
            optimizer.loss_scale_factor = self._loss_scale_factor
            self._inner.append(optimizer)
        return next(i for i, o in enumerate(self._inner) if o is optimizer)

    def _index_of(self, variable) -> int:
        index = self._chosen.get(id(variable))
        if index is None:
            where = f"MultiOptimizer: the optimizer for variable {getattr(variable, 'path', None)!r}"
            index = self._chosen[id(variable)] = self._adopt(_check_inner(self._optimizer_map(variable), where))
        return index

    def _split(self, pairs) -> list:
        groups = [[] for _ in self._inner]
        for grad, variable in pairs:
            index = self._index_of(variable)
            while len(groups) < len(self._inner):
                groups.append([])
            groups[index].append((grad, variable))
        return groups

    # --- what the training loop reads -------------------------------------------------------------------------
    @property
    def optimizers(self) -> list:
        return list(self._inner)

    @property
    def learning_rate(self):
        raise ConfigError("MultiOptimizer has no learning rate of its own: read it on each of .optimizers")

    @learning_rate.setter
    def learning_rate(self, value):
        raise ConfigError("MultiOptimizer has no learning rate of its own: set it on each of .optimizers")

    @property
    def loss_scale_factor(self):
        return self._loss_scale_factor

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for optimizer in self._inner:
            optimizer.loss_scale_factor = value

    @property
    def iterations(self) -> int:
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations = int(value)

    @property
    def built(self) -> bool:
        return bool(self._chosen)

    @property
    def variables(self) -> list:
        return [v for optimizer in self._inner for v in optimizer.variables]

    @property
    def use_ema(self) -> bool:
        return any(optimizer.use_ema for optimizer in self._inner)

    def scale_loss(self, loss):
        return loss if self._loss_scale_factor is None else loss * self._loss_scale_factor

    def build(self, variables, owns_storage: bool = False) -> None:
        groups = self._split([(None, v) for v in variables])
        for optimizer, group in zip(self._inner, groups):
            if group:
                optimizer.build([v for _, v in group], owns_storage)

    # --- updates ---------------------------------------------------------------------------------------------
    def apply(self, grads, trainable_variables=None) -> None:
        grads = list(grads)
        if trainable_variables is None:
            raise ConfigError("MultiOptimizer.apply: pass the variables with the gradients")
        variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ConfigError(f"MultiOptimizer.apply: got {len(grads)} gradients for {len(variables)} variables; "
                              f"they must correspond one to one")
        for optimizer, group in zip(self._inner, self._split(zip(grads, variables))):
            if any(g is not None for g, _ in group):
                optimizer.apply([g for g, _ in group], [v for _, v in group])
        self._iterations += 1

    def step(self, variables) -> None:
        items = [(v.grad, v) for v in variables if v.grad is not None and getattr(v, "trainable", True)]
        if not items:
            return
        for optimizer, group in zip(self._inner, self._split(items)):
            if group:
                optimizer.step([v for _, v in group])
        self._iterations += 1

    def finalize_variable_values(self, var_list=None) -> None:
        for optimizer in self._inner:
            optimizer.finalize_variable_values(None if var_list is None else
                                               [v for v in var_list if self._inner[self._index_of(v)] is optimizer])

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        for optimizer in self._inner:
            optimizer.exclude_from_weight_decay(var_list, var_names)

    # --- state and config ------------------------------------------------------------------------------------
    def get_state(self) -> dict:
        state = {"iterations": scalar_entry(self._iterations, "int64")}
        for i, optimizer in enumerate(self._inner):
            state.update({f"opt{i}/{k}": v for k, v in optimizer.get_state().items()})
        return state

    def set_state(self, state: dict) -> None:
        state = dict(state)
        self._iterations = int(read_scalar(state.pop("iterations", self._iterations)))
        for i, optimizer in enumerate(self._inner):
            prefix = f"opt{i}/"
            inner = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
            if inner:
                optimizer.set_state(inner)

    #: ``neuroflow.optimizers`` installs its ``serialize`` / ``deserialize`` here (that module imports this one).
    _serialize = _deserialize = None

    def get_config(self) -> dict:
        if not isinstance(self._optimizer_map, OptimizerMap):
            raise ConfigError("MultiOptimizer: a callable optimizer_map cannot be serialized; use an OptimizerMap "
                              "to save the model with its optimizer")
        return {"optimizer_map": {"module": "keras.optimizers", "class_name": "OptimizerMap",
                                  "config": self._optimizer_map.get_config(), "registered_name": None},
                "loss_scale_factor": self._loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> "MultiOptimizer":
        config = dict(config)
        entry = config.pop("optimizer_map")
        if not (isinstance(entry, dict) and entry.get("class_name") == "OptimizerMap"):
            raise ConfigError(f"MultiOptimizer.from_config: optimizer_map must be a serialized OptimizerMap, got "
                              f"{entry!r:.80}")
        return cls(OptimizerMap.from_config(entry.get("config") or {}, custom_objects), **config)

    def __repr__(self) -> str:
        return f"<MultiOptimizer name={self.name!r} optimizers={[type(o).__name__ for o in self._inner]}>"
