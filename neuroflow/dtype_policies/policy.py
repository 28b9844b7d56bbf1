"""Keras 3's dtype policies: which dtype a layer stores its weights in (``variable_dtype``) and which it computes
in (``compute_dtype``); a quantized policy adds the quantization mode of its weights.

``"float32"`` (any dtype name): both the same. ``"mixed_float16"`` / ``"mixed_bfloat16"``: float32 weights, float16
/ bfloat16 compute. ``"int8_from_float32"`` (``QuantizedDTypePolicy``): a layer whose weights are stored in int8
with float32 scales (``layer.quantize("int8")``), computing in the source policy's dtype.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..errors import ConfigError, MissingDependencyError
from .casting import cast_floats

#: Keras' quantization modes (the names a quantized policy and ``layer.quantize`` accept).
QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")


def numpy_dtype(name: str):
    """The NumPy dtype of a policy dtype name; ``'bfloat16'`` comes from ``ml_dtypes`` (neuroflow[mixed])."""
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise MissingDependencyError("the bfloat16 dtype needs the ml_dtypes package: pip install "
                                         "'neuroflow[mixed]'") from None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def standardize(dtype, who: str = "DTypePolicy") -> str:
    """A dtype (name, NumPy dtype, Python type) as Keras' standard name (``'float32'``, ``'bfloat16'``...)."""
    if dtype is float:
        return "float32"
    if dtype is int:
        return "int64"
    name = getattr(dtype, "name", dtype)
    if name == "bfloat16":
        numpy_dtype(name)  # the clear error when ml_dtypes is absent
        return name
    try:
        return np.dtype(name).name
    except TypeError:
        raise ConfigError(f"{who}: cannot read {dtype!r} as a dtype policy; valid policies are 'mixed_float16', "
                          f"'mixed_bfloat16', a quantized one such as 'int8_from_float32', or a dtype name such "
                          f"as 'float32'") from None


class DTypePolicy:
    """A layer's dtype policy (Keras' ``keras.DTypePolicy``, also ``keras.mixed_precision.Policy``).

    Args:
        name: ``"mixed_float16"`` (compute float16, variables float32), ``"mixed_bfloat16"``, or a dtype name
            (``"float32"``: both that dtype). ``None``: the global policy's name.

    Properties: ``name``, ``compute_dtype``, ``variable_dtype`` (strings), ``quantization_mode`` (None here).
    """

    def __init__(self, name=None):
        if name is None:
            name = dtype_policy().name
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)
        self._quantization_mode = None

    def _parse_name(self, name) -> tuple:
        if not isinstance(name, str):
            raise ConfigError(f"{type(self).__name__}: name must be a string such as 'mixed_float16', got "
                              f"{name!r} of type {type(name).__name__}")
        if name == "mixed_float16":
            return "float16", "float32"
        if name == "mixed_bfloat16":
            numpy_dtype("bfloat16")
            return "bfloat16", "float32"
        dtype = standardize(name, type(self).__name__)
        return dtype, dtype

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype a layer's inputs are cast to and its computation runs in."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype a layer creates its weights in."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """``None``, or the mode of a quantized policy (``'int8'``...)."""
        return self._quantization_mode

    def convert_input(self, x, autocast, dtype):
        """``x`` cast to ``dtype`` when ``autocast`` and ``x`` is a float array or Tensor of another dtype."""
        return cast_floats(x, standardize(dtype)) if autocast else x

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        kind = "DTypePolicy" if type(self) is FloatDTypePolicy else type(self).__name__
        return f'<{kind} "{self._name}">'

    def __eq__(self, other):
        if type(self) in (DTypePolicy, FloatDTypePolicy):
            if type(other) not in (DTypePolicy, FloatDTypePolicy):
                return False
        elif type(other) is not type(self):
            return False
        return self._name == other._name

    def __hash__(self):
        return hash((type(self).__name__, self._name))


class FloatDTypePolicy(DTypePolicy):
    """Keras' alias of :class:`DTypePolicy`."""


class QuantizedDTypePolicy(DTypePolicy):
    """The policy of a quantized layer: ``mode`` (``'int8'``...) from the float policy ``source_name``.

    Its name is ``f"{mode}_from_{source_name}"``; compute and variable dtypes are the source policy's (the
    quantized weights carry their own dtype, int8)."""

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = dtype_policy().name
        self._compute_dtype, self._variable_dtype = self._parse_name(source_name)
        if mode not in QUANTIZATION_MODES:
            raise ConfigError(f"{type(self).__name__}: mode must be one of {QUANTIZATION_MODES}, got {mode!r}")
        if mode == "int8" and self._compute_dtype == "float16":
            raise ConfigError(f"{type(self).__name__}: quantization mode 'int8' does not work well with "
                              f"compute_dtype 'float16' (source_name={source_name!r}); use 'float32' or "
                              f"'mixed_bfloat16'")
        self._name = f"{mode}_from_{source_name}"
        self._source_name = source_name
        self._quantization_mode = mode

    def __eq__(self, other):
        return (super().__eq__(other) and self._quantization_mode == other._quantization_mode
                and self._source_name == other._source_name)

    __hash__ = DTypePolicy.__hash__

    def get_config(self) -> dict:
        return {"mode": self._quantization_mode, "source_name": self._source_name}


class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """The policy of a float8-quantized layer; ``amax_history_length``: the window of its scale estimates."""

    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode=mode, source_name=source_name)
        if not isinstance(amax_history_length, int) or isinstance(amax_history_length, bool):
            raise ConfigError(f"QuantizedFloat8DTypePolicy: amax_history_length must be an integer, got "
                              f"{amax_history_length!r}")
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self) -> int:
        return self._amax_history_length

    def __eq__(self, other):
        return super().__eq__(other) and self._amax_history_length == other._amax_history_length

    __hash__ = DTypePolicy.__hash__

    def get_config(self) -> dict:
        return {**super().get_config(), "amax_history_length": self._amax_history_length}


class _ModeWithParameters(QuantizedDTypePolicy):
    """A quantized policy whose mode carries numbers after its name (``'int4/128'``, ``'gptq/4/128'``)."""

    _base = ""
    _fields: tuple = ()

    def __init__(self, mode, source_name=None):
        parts = str(mode).split("/")
        if parts[0] != self._base or len(parts) != len(self._fields) + 1:
            raise ConfigError(f"{type(self).__name__}: mode must read "
                              f"'{'/'.join((self._base,) + tuple(f'<{f}>' for f in self._fields))}', got {mode!r}")
        try:
            values = [int(p) for p in parts[1:]]
        except ValueError:
            raise ConfigError(f"{type(self).__name__}: the numbers in mode {mode!r} must be integers") from None
        if values[-1] < -1 or values[-1] == 0:
            raise ConfigError(f"{type(self).__name__}: {self._fields[-1]} must be -1 or a positive integer, got "
                              f"{values[-1]} in mode {mode!r}")
        super().__init__(mode=self._base, source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = self._base
        for field, value in zip(self._fields, values):
            setattr(self, field, value)

    def __eq__(self, other):
        return super().__eq__(other) and all(getattr(self, f) == getattr(other, f) for f in self._fields)

    __hash__ = DTypePolicy.__hash__

    def get_config(self) -> dict:
        mode = "/".join([self._base] + [str(getattr(self, f)) for f in self._fields])
        return {**super().get_config(), "mode": mode}


class Int4DTypePolicy(_ModeWithParameters):
    """``'int4/<block_size>'`` (block_size -1: per channel)."""
    _base, _fields = "int4", ("block_size",)


class GPTQDTypePolicy(_ModeWithParameters):
    """``'gptq/<weight_bits>/<group_size>'``."""
    _base, _fields = "gptq", ("weight_bits", "group_size")


class AWQDTypePolicy(_ModeWithParameters):
    """``'awq/<weight_bits>/<group_size>'``."""
    _base, _fields = "awq", ("weight_bits", "group_size")


def quantized_policy_from_name(name: str) -> QuantizedDTypePolicy:
    """``'int8_from_float32'`` -> ``QuantizedDTypePolicy('int8', 'float32')`` (float8: the float8 policy)."""
    parts = name.split("_from_")
    if len(parts) != 2:
        raise ConfigError(f"dtype policy {name!r}: a quantized policy reads '<mode>_from_<source policy>', e.g. "
                          f"'int8_from_float32'")
    mode, source = parts
    if mode == "float8":
        return QuantizedFloat8DTypePolicy(mode, source)
    for kind in (Int4DTypePolicy, GPTQDTypePolicy, AWQDTypePolicy):
        if mode.startswith(kind._base + "/"):
            return kind(mode, source)
    return QuantizedDTypePolicy(mode, source)


# --- the global policy, and policies from names or configs ---------------------------------------------------------
#: The global policy when it is not a plain float one (which ``floatx`` holds); see :func:`set_dtype_policy`.
_GLOBAL = [None]

#: The policy classes by name (a DTypePolicyMap is added by the package, which defines it after this module).
CLASSES = {cls.__name__: cls for cls in (DTypePolicy, FloatDTypePolicy, QuantizedDTypePolicy,
                                          QuantizedFloat8DTypePolicy, Int4DTypePolicy, GPTQDTypePolicy,
                                          AWQDTypePolicy)}


def dtype_policy() -> DTypePolicy:
    """The global dtype policy (Keras' ``keras.config.dtype_policy``): the one set last, else ``floatx``'s."""
    return _GLOBAL[0] if _GLOBAL[0] is not None else DTypePolicy(backend.floatx())


def set_dtype_policy(policy) -> None:
    """Set the global dtype policy for layers created afterwards: a name (``"mixed_float16"``,
    ``"mixed_bfloat16"``, ``"float32"``, ``"int8_from_float32"``...) or a ``DTypePolicy``. A plain float policy
    also sets ``floatx``."""
    if not isinstance(policy, (str, DTypePolicy)):
        raise ConfigError(f"set_dtype_policy: expected a policy name such as 'mixed_float16' or a DTypePolicy, "
                          f"got {policy!r} of type {type(policy).__name__}")
    policy = resolve(policy)
    if type(policy) in (DTypePolicy, FloatDTypePolicy) and policy.name in ("float16", "float32", "float64"):
        backend.set_floatx(policy.name)
        _GLOBAL[0] = None
    else:
        _GLOBAL[0] = policy


def serialize(policy) -> dict:
    """A policy as Keras serializes it: ``{"module": "keras", "class_name", "config", "registered_name"}``."""
    if not isinstance(policy, DTypePolicy):
        raise ConfigError(f"dtype_policies.serialize: expected a DTypePolicy, got {type(policy).__name__}")
    kind = "DTypePolicy" if type(policy) is FloatDTypePolicy else type(policy).__name__
    return {"module": "keras", "class_name": kind, "config": policy.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None) -> DTypePolicy:
    """The policy a :func:`serialize` dict (or a policy name) describes."""
    if isinstance(config, (str, DTypePolicy)):
        return resolve(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"dtype_policies.deserialize: expected a dict with 'class_name' and 'config', got "
                          f"{config!r}")
    kind = (custom_objects or {}).get(config["class_name"]) or CLASSES.get(config["class_name"])
    if kind is None:
        raise ConfigError(f"dtype_policies.deserialize: unknown policy class {config['class_name']!r}; known: "
                          f"{sorted(CLASSES)}")
    return kind.from_config(config.get("config") or {})


def resolve(identifier) -> DTypePolicy:
    """A policy from ``None`` (the global one), a name, a serialized dict, a dtype or a policy (Keras'
    ``dtype_policies.get``)."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.startswith(QUANTIZATION_MODES) and "_from_" in identifier:
            return quantized_policy_from_name(identifier)
        return DTypePolicy(identifier)
    return DTypePolicy(standardize(identifier))
