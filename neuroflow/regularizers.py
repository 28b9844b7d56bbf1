"""Weight regularizers (``l1``, ``l2``, ``l1_l2``): each maps a weight Tensor to a scalar penalty added to the loss."""
from __future__ import annotations

from . import _validate, ops
from .errors import ConfigError, close_matches
from .registry import deserialize_by_get, register_builtin


@register_builtin
class Regularizer:
    """Base class: ``__call__(x) -> scalar Tensor``."""

    def __call__(self, x):  # pragma: no cover - abstract
        return 0.0

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@register_builtin
class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x^2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        # None reads as 0 (Keras' default); a negative, NaN or string strength is refused, as Keras does
        who = type(self).__name__
        self.l1 = _validate.non_negative_float(0.0 if l1 is None else l1, who, "l1")
        self.l2 = _validate.non_negative_float(0.0 if l2 is None else l2, who, "l2")

    def __call__(self, x):
        penalty = 0.0
        if self.l1:
            penalty = self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * ops.sum(ops.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@register_builtin
class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


@register_builtin
class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def l1(l1=0.01):
    return L1(l1)


def l2(l2=0.01):
    return L2(l2)


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1, l2)


@register_builtin
class OrthogonalRegularizer(Regularizer):
    """Penalises non-orthogonal rows (``mode="rows"``) or columns of a 2-D kernel: ``factor`` times the mean
    absolute cosine similarity over distinct pairs, as Keras 3 defines it. Shapes: ``(n, m)`` -> scalar."""

    def __init__(self, factor=0.01, mode="rows"):
        if mode not in ("rows", "columns"):
            raise ConfigError(f"OrthogonalRegularizer: mode must be 'rows' or 'columns', got {mode!r}")
        self.factor, self.mode = _validate.non_negative_float(factor, "OrthogonalRegularizer", "factor"), mode

    def __call__(self, x):
        if x.ndim != 2:
            raise ConfigError(f"OrthogonalRegularizer: needs a 2-D weight, got shape {x.shape}")
        axis = 1 if self.mode == "rows" else 0
        v = ops.normalize(x, axis=axis)
        product = ops.matmul(v, ops.transpose(v)) if axis == 1 else ops.matmul(ops.transpose(v), v)
        size = product.shape[0]
        off_diagonal = product * (1.0 - ops.eye(size, dtype=x.dtype))
        pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * ops.sum(ops.abs(off_diagonal)) / pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


orthogonal_regularizer = OrthogonalRegularizer  # Keras' lower-case name

_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2,
            "orthogonal_regularizer": OrthogonalRegularizer, "OrthogonalRegularizer": OrthogonalRegularizer}


def get(identifier):
    """Resolve ``None``, a name (``'l2'``), a config dict or an instance/callable."""
    if identifier is None or isinstance(identifier, Regularizer) or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        cls = _BY_NAME.get(identifier.get("class_name"))
        if cls is None:
            raise ConfigError(f"unknown regularizer {identifier.get('class_name')!r}: {close_matches(identifier.get('class_name'), _BY_NAME)}")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ConfigError(f"unknown regularizer {identifier!r}: {close_matches(str(identifier), _BY_NAME)}")


def deserialize(config, custom_objects=None):
    """The regularizer a config describes (``{'class_name', 'config'}`` or a name); custom objects win."""
    return deserialize_by_get(get, config, custom_objects)


def serialize(reg):
    return None if reg is None else {"class_name": type(reg).__name__, "config": reg.get_config()}
