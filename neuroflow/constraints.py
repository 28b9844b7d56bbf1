"""Weight constraints, applied to a variable's array after each optimizer update (Keras semantics).

Each computes with the module of the array it is given (NumPy, CuPy, the strict stand-in), so a constraint on a
device weight stays on the device."""
from __future__ import annotations

from .backend import get_array_module
from .errors import ConfigError, close_matches
from .registry import deserialize_by_get, register_builtin


@register_builtin
class Constraint:
    """Base class: ``__call__(w: ndarray) -> ndarray`` (the projected weights, same shape, on ``w``'s device)."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@register_builtin
class MaxNorm(Constraint):
    """Rescale weights whose norm along ``axis`` exceeds ``max_value``."""

    def __init__(self, max_value=2.0, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        xp = get_array_module(w)
        norms = xp.sqrt((w * w).sum(axis=self.axis, keepdims=True))
        desired = xp.clip(norms, 0, self.max_value)
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@register_builtin
class NonNeg(Constraint):
    """Clamp weights at 0 from below."""

    def __call__(self, w):
        return get_array_module(w).maximum(w, 0)


@register_builtin
class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (1e-7 + get_array_module(w).sqrt((w * w).sum(axis=self.axis, keepdims=True)))

    def get_config(self):
        return {"axis": self.axis}


@register_builtin
class MinMaxNorm(Constraint):
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        xp = get_array_module(w)
        norms = xp.sqrt((w * w).sum(axis=self.axis, keepdims=True))
        desired = self.rate * xp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


_BY_NAME = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm,
            "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm}


def get(identifier):
    if identifier is None or isinstance(identifier, Constraint) or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        identifier, config = identifier.get("class_name"), identifier.get("config", {})
        if identifier in _BY_NAME:
            return _BY_NAME[identifier].from_config(config)
    elif isinstance(identifier, str) and identifier in _BY_NAME:  # (a list is no name, nor hashable)
        return _BY_NAME[identifier]()
    raise ConfigError(f"unknown constraint {identifier!r}: {close_matches(str(identifier), _BY_NAME)}")


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm  # Keras' lower-case names


def deserialize(config, custom_objects=None):
    """The constraint a config describes (``{'class_name', 'config'}`` or a name); custom objects win."""
    return deserialize_by_get(get, config, custom_objects)


def serialize(c):
    return None if c is None else {"class_name": type(c).__name__, "config": c.get_config()}
