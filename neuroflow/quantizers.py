"""Keras 3's ``keras.quantizers``: the abs-max int8 quantizer behind ``layer.quantize("int8")`` and helpers.

All of these compute on arrays and return Tensors without a graph node: quantization is a rounding, with no
useful derivative (a quantized layer passes its input gradient straight through the dequantized weights:
:mod:`neuroflow.layers.quantized`). They compute with the array module of their inputs, so device arrays stay on
their device (host inputs are NumPy arrays).
"""
from __future__ import annotations

import numpy as np

from . import backend
from .autograd.tensor import Tensor
from .errors import ConfigError, DTypeError


def _array(x):
    """A Tensor's data, a device array as it is, anything else as a NumPy array."""
    if isinstance(x, Tensor):
        return x.data
    return np.asarray(x) if backend.is_host(x) else x


def _tensor(a):
    return Tensor._from_op(backend.get_array_module(a).asarray(a), None)


def _axes(axis, ndim):
    axis = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axis)


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8", epsilon=None, to_numpy=False):
    """``(round(inputs * scale) clipped to value_range as dtype, scale)`` with ``scale = value_range[1] /
    (max|inputs| over axis + epsilon)``. Shapes: ``inputs`` any; ``scale`` keeps ``axis`` as size 1.

    ``to_numpy`` is accepted for Keras code (the result stays on the inputs' device either way)."""
    x = _array(inputs)
    if x.dtype.kind != "f":
        raise DTypeError(f"abs_max_quantize: inputs must be floats, got dtype {x.dtype}")
    xp = backend.get_array_module(x)
    epsilon = backend.epsilon() if epsilon is None else epsilon
    peak = xp.max(xp.abs(x), axis=_axes(axis, x.ndim), keepdims=True)
    scale = (xp.asarray(value_range[1], x.dtype) / (peak + xp.asarray(epsilon, x.dtype))).astype(x.dtype)
    outputs = xp.clip(xp.round(x * scale), value_range[0], value_range[1]).astype(dtype)
    return _tensor(outputs), _tensor(scale)


class Quantizer:
    """Base quantizer (Keras' ``keras.Quantizer``): ``quantizer(x)`` -> the quantized ``x`` (here: ``x``).

    Args: ``output_dtype``: the dtype of quantized values (``"int8"``)."""

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        return x

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")


class AbsMaxQuantizer(Quantizer):
    """:func:`abs_max_quantize` as an object: ``quantizer(x, axis=None)`` -> ``(quantized, scale)``.

    Args: ``axis`` (default for calls; -1 when neither gives one), ``value_range`` (``(-127, 127)``),
    ``epsilon``, ``output_dtype`` (``"int8"``: value_range must lie in [-128, 127])."""

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=None, output_dtype="int8"):
        super().__init__(output_dtype=output_dtype)
        self.axis = None if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        self.value_range = tuple(value_range)
        self.epsilon = backend.epsilon() if epsilon is None else epsilon
        if output_dtype == "int8" and (self.value_range[0] < -128 or self.value_range[1] > 127):
            raise ConfigError(f"AbsMaxQuantizer: output_dtype='int8' needs value_range within [-128, 127], got "
                              f"{self.value_range}")

    def __call__(self, x, axis=None, to_numpy=False):
        axis = self.axis if axis is None else axis
        return abs_max_quantize(x, -1 if axis is None else axis, self.value_range, self.output_dtype,
                                self.epsilon)

    def get_config(self) -> dict:
        config = {"value_range": self.value_range, "epsilon": self.epsilon, "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The next float8 scale from the running ``amax`` (NVIDIA Transformer Engine's rule): ``amax / dtype_max
    * 2**margin``, keeping ``scale`` where ``amax`` is zero or not finite. Shapes: scalars or alike arrays."""
    amax, scale = _array(amax), _array(scale)
    xp = backend.get_array_module(amax, scale)
    amax, scale = xp.asarray(amax), xp.asarray(scale)  # a host scalar meeting a device array goes there
    factor = (xp.asarray(dtype_max, amax.dtype) / amax) / xp.asarray(2.0 ** margin, amax.dtype)
    keep = ~((amax > 0) & xp.isfinite(amax))
    return _tensor(xp.reciprocal(xp.where(keep, xp.reciprocal(scale), factor)).astype(scale.dtype))


def compute_float8_amax_history(x, amax_history):
    """``amax_history`` rolled by one with ``max|x|`` first. Shapes: ``amax_history`` ``(length,)``."""
    history = _array(amax_history)
    xp = backend.get_array_module(history)
    out = xp.roll(history, -1)
    out[0] = xp.max(xp.abs(xp.asarray(_array(x)))).astype(history.dtype)
    return _tensor(out)


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """``inputs / scale`` clipped to and rounded through ``quantized_dtype`` (an ``ml_dtypes`` float8 name such as
    ``"float8_e4m3fn"``), times ``scale``, in ``compute_dtype``. Shapes: ``inputs`` any; ``scale`` broadcasts."""
    try:
        import ml_dtypes
        qdtype = np.dtype(getattr(ml_dtypes, quantized_dtype))
    except (ImportError, AttributeError):
        raise ConfigError(f"quantize_and_dequantize: quantized_dtype {quantized_dtype!r} needs the ml_dtypes "
                          f"package with that type (pip install 'neuroflow[mixed]')") from None
    compute = np.dtype(compute_dtype)
    xs, s = _array(inputs), _array(scale)
    xp = backend.get_array_module(xs, s)
    limit = xp.asarray(float(ml_dtypes.finfo(qdtype).max), compute)
    s = xp.asarray(s).astype(compute)
    x = xp.clip(xp.asarray(xs).astype(compute) / s, -limit, limit).astype(qdtype)
    return _tensor(x.astype(compute) * s)


def pack_int4(arr, axis=0, dtype="int8"):
    """Two int4 values (int8 in [-8, 7]) per byte along ``axis``: the first of each pair in the low nibble.

    Returns ``(packed, packed_shape, original length along axis)``; an odd length is padded with a zero."""
    if dtype not in ("int8", "uint8"):
        raise ConfigError(f"pack_int4: dtype must be 'int8' or 'uint8', got {dtype!r}")
    a = _array(arr)
    if a.dtype != np.dtype(dtype):
        raise DTypeError(f"pack_int4: expected a {dtype} array, got {a.dtype}")
    xp = backend.get_array_module(a)
    a = xp.moveaxis(a, axis, 0)
    n = a.shape[0]
    if n % 2:
        a = xp.concatenate([a, xp.zeros((1,) + a.shape[1:], a.dtype)])
    mask = xp.asarray(0x0F, a.dtype)
    packed = xp.bitwise_or(xp.bitwise_and(a[::2], mask), xp.left_shift(xp.bitwise_and(a[1::2], mask),
                                                                       xp.asarray(4, a.dtype))).astype(a.dtype)
    packed = xp.moveaxis(packed, 0, axis)
    return _tensor(packed), tuple(packed.shape), n


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """The inverse of :func:`pack_int4`: int8 values in [-8, 7] with ``orig_len`` entries along ``axis``."""
    if dtype not in ("int8", "uint8"):
        raise ConfigError(f"unpack_int4: dtype must be 'int8' or 'uint8', got {dtype!r}")
    p = _array(packed)
    xp = backend.get_array_module(p)
    p = xp.moveaxis(p, axis, 0).astype(np.uint8)
    low, high = (p & 0x0F).astype(np.int8), (p >> 4).astype(np.int8)
    low, high = xp.where(low > 7, low - 16, low), xp.where(high > 7, high - 16, high)
    out = xp.empty((2 * p.shape[0],) + p.shape[1:], np.int8)
    out[::2], out[1::2] = low, high
    return _tensor(xp.moveaxis(out[:orig_len], 0, axis))


class QuantizationConfig:
    """What ``layer.quantize(config=...)`` uses (Keras' ``keras.quantizers.QuantizationConfig``): a
    ``weight_quantizer`` (None: the layer's default, abs-max per output channel) and an ``activation_quantizer``
    applied to each call's input (None: weight-only quantization, the input stays float)."""

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = get(weight_quantizer) if isinstance(weight_quantizer, (dict, str)) \
            else weight_quantizer
        self.activation_quantizer = get(activation_quantizer) if isinstance(activation_quantizer, (dict, str)) \
            else activation_quantizer

    @property
    def mode(self) -> str:
        raise NotImplementedError("QuantizationConfig is a base class: use Int8QuantizationConfig")

    def get_config(self) -> dict:
        return {"weight_quantizer": None if self.weight_quantizer is None else serialize(self.weight_quantizer),
                "activation_quantizer": None if self.activation_quantizer is None
                else serialize(self.activation_quantizer)}

    @classmethod
    def from_config(cls, config):
        # a missing quantizer is None, as Keras reads it (a file drops None values)
        return cls(weight_quantizer=config.get("weight_quantizer"),
                   activation_quantizer=config.get("activation_quantizer"))


class Int8QuantizationConfig(QuantizationConfig):
    """int8 quantization; ``activation_quantizer="default"``: ``AbsMaxQuantizer()`` on each input row."""

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        super().__init__(weight_quantizer, AbsMaxQuantizer() if activation_quantizer == "default"
                         else activation_quantizer)
        if self.weight_quantizer is not None and self.weight_quantizer.output_dtype != "int8":
            raise ConfigError(f"Int8QuantizationConfig: the weight_quantizer must have output_dtype='int8', got "
                              f"{self.weight_quantizer.output_dtype!r}")

    @property
    def mode(self) -> str:
        return "int8"


class Int4QuantizationConfig(QuantizationConfig):
    """int4 quantization (``block_size``: None or -1 per channel); neuroflow's layers do not run int4 yet."""

    def __init__(self, weight_quantizer=None, activation_quantizer="default", block_size=128):
        super().__init__(weight_quantizer, None if activation_quantizer == "default" else activation_quantizer)
        self.block_size = block_size

    @property
    def mode(self) -> str:
        return "int4"

    def get_config(self) -> dict:
        return {**super().get_config(), "block_size": self.block_size}

    @classmethod
    def from_config(cls, config):
        return cls(config.get("weight_quantizer"), config.get("activation_quantizer"), config.get("block_size", 128))


class Float8QuantizationConfig(QuantizationConfig):
    """float8 quantization; neuroflow's layers do not run float8 yet."""

    def __init__(self):
        super().__init__(None, None)

    @property
    def mode(self) -> str:
        return "float8"

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls()


def resolve_config(mode, config, who: str):
    """``(mode, config)`` for ``quantize(mode, config=...)`` as Keras resolves them: the mode from the config when
    only it is given, the default config of the mode otherwise; a contradiction is an error naming ``who``."""
    if isinstance(config, str):  # Keras' older shortcut: quantize(config="int8")
        mode, config = config, None
    if isinstance(config, dict):
        config = deserialize(config)
    if config is None:
        defaults = {"int8": Int8QuantizationConfig, "int4": Int4QuantizationConfig,
                    "float8": Float8QuantizationConfig}
        if mode not in defaults:
            return mode, None  # the caller names the valid modes
        config = defaults[mode]()
    if not isinstance(config, QuantizationConfig):
        raise ConfigError(f"{who}: config must be a QuantizationConfig, got {type(config).__name__}")
    if mode is not None and config.mode != mode:
        raise ConfigError(f"{who}: mode={mode!r} contradicts config.mode={config.mode!r}")
    return config.mode, config


ALL_OBJECTS = {cls.__name__: cls for cls in (Quantizer, AbsMaxQuantizer, QuantizationConfig, Int8QuantizationConfig,
                                             Int4QuantizationConfig, Float8QuantizationConfig)}
ALL_OBJECTS.update({"quantizer": Quantizer, "abs_max_quantizer": AbsMaxQuantizer})


def serialize(quantizer) -> dict:
    """``{"module", "class_name", "config", "registered_name"}`` as Keras writes a quantizer."""
    return {"module": "keras.quantizers", "class_name": type(quantizer).__name__, "config": quantizer.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None):
    """The quantizer a :func:`serialize` dict describes."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"quantizers.deserialize: expected a dict with 'class_name', got {config!r}")
    kind = (custom_objects or {}).get(config["class_name"]) or ALL_OBJECTS.get(config["class_name"])
    if kind is None:
        raise ConfigError(f"quantizers.deserialize: unknown quantizer {config['class_name']!r}; known: "
                          f"{sorted(ALL_OBJECTS)}")
    return kind.from_config(config.get("config") or {})


def get(identifier, **kwargs):
    """A quantizer from ``None``, a name (``"abs_max_quantizer"``), a serialized dict or an instance."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier not in ALL_OBJECTS:
            raise ConfigError(f"quantizers.get: unknown quantizer {identifier!r}; known: {sorted(ALL_OBJECTS)}")
        return ALL_OBJECTS[identifier](**kwargs)
    if callable(identifier):
        return identifier
    raise ConfigError(f"quantizers.get: cannot interpret {identifier!r} as a quantizer")


__all__ = ["Quantizer", "AbsMaxQuantizer", "abs_max_quantize", "compute_float8_scale",
           "compute_float8_amax_history", "quantize_and_dequantize", "pack_int4", "unpack_int4", "get",
           "serialize", "deserialize", "QuantizationConfig", "Int8QuantizationConfig", "Int4QuantizationConfig",
           "Float8QuantizationConfig"]
