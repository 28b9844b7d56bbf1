"""Weight initializers with Keras' names and defaults.

An initializer is called as ``init(shape, dtype=None, rng=None) -> ndarray``; layers pass their own
``numpy.random.Generator`` (from :mod:`neuroflow.random`), so a fixed seed reproduces every weight. On a device
(``neuroflow.device``) the array is made there and random draws come from the device generator for that
host generator (``random.device_generator``): the strict stand-in draws NumPy's values, CuPy its own
(reproducible from the same seed).
Fan-in/fan-out follow Keras: for a kernel of shape ``(*receptive_field, in, out)``, fan_in = in * prod(field).
"""
from __future__ import annotations

import math

import numpy as np

from . import _validate, backend
from . import random as nf_random
from .errors import ConfigError, close_matches
from .registry import deserialize_by_get, register_builtin


def _fans(shape):
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    field = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * field, shape[-1] * field


class Initializer:
    """Base class: subclasses implement ``sample(shape, rng) -> float64 or float32 array``."""

    def __call__(self, shape, dtype=None, rng=None):
        # sample() draws in float64: the memory check counts 8 bytes an element
        shape = _validate.array_shape(shape, type(self).__name__, itemsize=8)
        dtype = backend.default_float_dtype() if dtype is None else np.dtype(dtype)
        rng = rng if rng is not None else (nf_random.generator_for(self.seed, type(self).__name__)
                                           if getattr(self, "seed", None) is not None
                                           else nf_random.default_generator())
        xp = backend.xp
        if xp is np:
            return np.asarray(self.sample(shape, rng), dtype=dtype)
        # sample() computes with the module of its draws (device arrays); constants it makes on the host are
        # copied over once here
        return xp.asarray(self.sample(shape, nf_random.device_generator(rng, xp)), dtype=dtype)

    def sample(self, shape, rng):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def seed(self):
        """``None``, an int or a ``keras.random.SeedGenerator`` (checked when set, as Keras does)."""
        return self.__dict__.get("_seed")

    @seed.setter
    def seed(self, value):
        if value is not None and not _validate.is_int(value) and not isinstance(value, nf_random.SeedGenerator):
            raise _validate.ArgumentTypeError(f"{type(self).__name__}: seed must be None, an int or a "
                                              f"keras.random.SeedGenerator, got {_validate.describe(value)}")
        self._seed = value

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Constant(Initializer):
    def __init__(self, value=0.0):
        if isinstance(value, (str, bytes)):
            raise _validate.ArgumentTypeError(f"{type(self).__name__}: value must be a number or an array, got "
                                              f"{_validate.describe(value)}")
        self.value = value

    def sample(self, shape, rng):
        return np.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


class Zeros(Constant):
    def __init__(self):
        super().__init__(0.0)

    def get_config(self):
        return {}


class Ones(Constant):
    def __init__(self):
        super().__init__(1.0)

    def get_config(self):
        return {}


class RandomUniform(Initializer):
    """Uniform in [minval, maxval); Keras' default (-0.05, 0.05) is also Keras 1's ``'uniform'``."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        maxval = _validate.finite_float(maxval, "RandomUniform", "maxval")
        minval = _validate.finite_float(minval, "RandomUniform", "minval", high=maxval)
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def sample(self, shape, rng):
        return rng.uniform(self.minval, self.maxval, size=shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        who = type(self).__name__
        self.mean = _validate.finite_float(mean, who, "mean")
        self.stddev, self.seed = _validate.non_negative_float(stddev, who, "stddev"), seed

    def sample(self, shape, rng):
        return rng.normal(self.mean, self.stddev, size=shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def _truncated_normal(rng, shape, stddev):
    """Normal(0, stddev) redrawn outside two standard deviations (vectorised redraw of the rejects)."""
    out = rng.normal(0.0, stddev, size=shape)
    xp = backend.get_array_module(out)
    bad = xp.abs(out) > 2 * stddev
    while bad.any():  # on a device: a read per redraw round, at build time only (a handful of rounds)
        out[bad] = rng.normal(0.0, stddev, size=int(bad.sum()))
        bad = xp.abs(out) > 2 * stddev
    return out


class TruncatedNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        who = type(self).__name__
        self.mean = _validate.finite_float(mean, who, "mean")
        self.stddev, self.seed = _validate.non_negative_float(stddev, who, "stddev"), seed

    def sample(self, shape, rng):
        return self.mean + _truncated_normal(rng, shape, self.stddev)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Keras' VarianceScaling: scale / fan (fan_in, fan_out or their average), normal (truncated or not) or
    uniform."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ConfigError(f"VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform", "normal"):
            raise ConfigError(f"VarianceScaling: unknown distribution {distribution!r}")
        scale = _validate.positive_float(scale, type(self).__name__, "scale")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def sample(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "truncated_normal":
            # 0.8796... is the stddev of a unit normal truncated to [-2, 2]; dividing keeps the variance exact.
            return _truncated_normal(rng, shape, math.sqrt(variance) / 0.87962566103423978)
        if self.distribution in ("untruncated_normal", "normal"):
            return rng.normal(0.0, math.sqrt(variance), size=shape)
        limit = math.sqrt(3.0 * variance)
        return rng.uniform(-limit, limit, size=shape)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _preset(name, scale, mode, distribution):
    class Preset(VarianceScaling):
        def __init__(self, seed=None):
            super().__init__(scale, mode, distribution, seed)

        def get_config(self):
            return {"seed": self.seed}

    Preset.__name__ = Preset.__qualname__ = name
    Preset.__doc__ = f"VarianceScaling(scale={scale}, mode={mode!r}, distribution={distribution!r})."
    return Preset


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(Initializer):
    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = _validate.finite_float(gain, type(self).__name__, "gain"), seed

    def sample(self, shape, rng):
        if len(shape) < 2:
            raise ConfigError(f"Orthogonal: needs a shape with at least 2 dimensions, got {shape}")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = rng.normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        xp = backend.get_array_module(a)
        q, r = xp.linalg.qr(a)
        q *= xp.sign(xp.diag(r))  # makes the decomposition unique, hence the distribution uniform
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def sample(self, shape, rng):
        if len(shape) != 2:
            raise ConfigError(f"Identity: needs a 2-D shape, got {shape}")
        return self.gain * np.eye(*shape)

    def get_config(self):
        return {"gain": self.gain}


class STFT(Initializer):
    """A Conv1D kernel that computes the real or imaginary part of a short-time Fourier transform.

    Shapes: ``(frame_length, 1, fft_length // 2 + 1)``: one filter per frequency bin, the window applied and scaled
    by ``"density"`` (its L2 norm) or ``"spectrum"`` (its sum) as Keras does.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ConfigError(f"STFT: side must be 'real' or 'imag', got {side!r}")
        if isinstance(window, str) and window not in ("hann", "hamming", "boxcar", "bartlett", "blackman"):
            raise ConfigError(f"STFT: window must be hann, hamming, boxcar, bartlett, blackman, None or an array, "
                              f"got {window!r}")
        if scaling not in (None, "density", "spectrum"):
            raise ConfigError(f"STFT: scaling must be None, 'density' or 'spectrum', got {scaling!r}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, bool(periodic)

    def _window(self, n):
        if not isinstance(self.window, str):
            w = np.asarray(self.window, dtype=np.float64)
            if w.shape != (n,):
                raise ConfigError(f"STFT: the window must have shape ({n},), got {w.shape}")
            return w
        if self.window == "boxcar":
            return np.ones(n)
        m = n + 1 if self.periodic else n  # a periodic window is the symmetric one of n + 1 points, truncated
        w = {"hann": np.hanning, "hamming": np.hamming, "bartlett": np.bartlett, "blackman": np.blackman}[
            self.window](m)
        return w[:n]

    def sample(self, shape, rng):
        if len(shape) != 3:
            raise ConfigError(f"STFT: needs a shape (frame_length, 1, bins), got {shape}")
        frame_length, _, bins = shape
        freq = np.arange(bins).reshape(1, 1, bins) / ((bins - 1) * 2)
        time = np.arange(frame_length).reshape(frame_length, 1, 1)
        args = -2 * time * freq * np.pi
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if self.window is None:
            return kernel
        w = self._window(frame_length).reshape(frame_length, 1, 1)
        scale = {"density": np.sqrt((w * w).sum()), "spectrum": np.abs(w).sum(), None: 1.0}[self.scaling]
        return kernel * w / scale

    def get_config(self):
        window = self.window if isinstance(self.window, (str, type(None))) else np.asarray(self.window).tolist()
        return {"side": self.side, "window": window, "scaling": self.scaling, "periodic": self.periodic}


_CLASSES = [Constant, Zeros, Ones, RandomUniform, RandomNormal, TruncatedNormal, VarianceScaling, GlorotUniform,
            GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal, Identity, STFT]
for _c in _CLASSES:
    register_builtin(_c)

_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "uniform": RandomUniform, "random_uniform": RandomUniform,
    "normal": RandomNormal, "random_normal": RandomNormal, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal, "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal, "identity": Identity, "stft": STFT,
}
# Keras 3 exports these spellings too, each the class itself.
IdentityInitializer, OrthogonalInitializer, STFTInitializer = Identity, Orthogonal, STFT
constant, zeros, ones, identity, orthogonal, stft = Constant, Zeros, Ones, Identity, Orthogonal, STFT
random_normal, random_uniform, truncated_normal, variance_scaling = (RandomNormal, RandomUniform, TruncatedNormal,
                                                                     VarianceScaling)
glorot_normal, glorot_uniform, he_normal, he_uniform = GlorotNormal, GlorotUniform, HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform
_BY_CLASS = {c.__name__: c for c in _CLASSES}


def get(identifier) -> Initializer:
    """Resolve a Keras name (``'glorot_uniform'``, ``'uniform'``...), a class name, a ``{'class_name', 'config'}``
    dict, an instance or a callable ``(shape, dtype) -> array``."""
    if isinstance(identifier, Initializer) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, dict):
        cls = _BY_CLASS.get(identifier.get("class_name"))
        if cls is None:
            raise ConfigError(f"unknown initializer {identifier.get('class_name')!r}: {close_matches(identifier.get('class_name'), _BY_CLASS)}")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower()) or _BY_CLASS.get(identifier)
        if cls is None:
            raise ConfigError(f"unknown initializer {identifier!r}: {close_matches(identifier, _BY_NAME)}")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    raise ConfigError(f"initializer must be a name, an Initializer or a callable, got {identifier!r}")


def deserialize(config, custom_objects=None):
    """The initializer a config describes (``{'class_name', 'config'}`` or a name); custom objects win."""
    return deserialize_by_get(get, config, custom_objects)


def serialize(init) -> dict:
    """``{'class_name', 'config'}`` for an initializer."""
    return {"class_name": type(init).__name__, "config": init.get_config()}
