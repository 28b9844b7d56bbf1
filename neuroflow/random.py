"""Seeding, random generators, and Keras 3's ``keras.random``.

One call, :func:`set_seed`, makes every initializer, dropout mask, noise layer and shuffle reproducible. Each
consumer asks for its own :class:`numpy.random.Generator` with :func:`generator`; those generators are spawned
from one root ``SeedSequence``, so they are independent of each other and of NumPy's global state (which
neuroflow never touches).

Keras 3's draws (``normal``, ``uniform``, ``truncated_normal``, ``randint``, ``categorical``, ``dropout``,
``shuffle``, ``gamma``, ``binomial``, ``beta``) take ``seed`` as Keras does: ``None`` draws from the default
generator (new values each call, reproducible after :func:`set_seed`); an ``int`` gives the same values on every
call with that int; a :class:`SeedGenerator` gives new, reproducible values at each call. They return Tensors.
"""
from __future__ import annotations

import numpy as np

from . import _validate, backend
from .autograd.tensor import Tensor, as_tensor
from .backend import default_float_dtype, get_array_module
from .errors import ConfigError

_root = np.random.SeedSequence()
_default: np.random.Generator = np.random.default_rng(_root.spawn(1)[0])


def set_seed(seed: int) -> None:
    """Reseed neuroflow: generators made afterwards (and the default one) draw reproducible streams.

    Keras spells this ``keras.utils.set_random_seed``; both names call this function. Python's ``random``
    module is seeded too, because user code written for Keras expects that.
    """
    global _root, _default
    import random as _pyrandom

    seed = _validate.integer(seed, "set_random_seed", "seed", minimum=0)  # Keras refuses others too (NumPy does)
    _root = np.random.SeedSequence(seed)
    _default = np.random.default_rng(_root.spawn(1)[0])
    _pyrandom.seed(seed)


def generator(seed: int | None = None) -> np.random.Generator:
    """A new, independent ``numpy.random.Generator``.

    With ``seed`` given, it depends only on that seed; otherwise it is the next child of the root seed set by
    :func:`set_seed` (so a fixed global seed makes the sequence of generators reproducible).
    """
    if seed is not None:
        return np.random.default_rng(int(seed) & 0xFFFFFFFFFFFFFFFF)  # a negative seed is a seed too (Keras)
    return np.random.default_rng(_root.spawn(1)[0])


def default_generator() -> np.random.Generator:
    """The shared generator for one-off draws (``ops.dropout`` without an explicit ``rng``, shuffles)."""
    return _default


# --- Keras 3's keras.random ---------------------------------------------------------------------------------------
class SeedGenerator:
    """A stream of seeds: each draw that is given it uses the next one (Keras' ``keras.random.SeedGenerator``).

    ``SeedGenerator(1337)`` makes the same sequence of draws in every run; ``SeedGenerator()`` takes its seed from
    the root set by :func:`set_seed`. ``state`` is ``[seed, counter]`` (int64, shape ``(2,)``); ``next()``
    advances it.
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ConfigError(f"SeedGenerator: seed must be an int or None, got {seed!r} ({type(seed).__name__})")
        self._initial_seed = None if seed is None else int(seed)
        base = int(seed) if seed is not None else int(_root.spawn(1)[0].generate_state(1)[0])
        self.name = name or "seed_generator"
        self.state = np.array([base, 0], dtype=np.int64)

    def next(self, ordered=True):
        """Advance the stream; returns the new ``[seed, counter]`` state (shape ``(2,)``)."""
        self.state = self.state + np.array([0, 1], dtype=np.int64)
        return self.state.copy()

    def generator(self) -> np.random.Generator:
        """A NumPy generator for the next draw."""
        seed, counter = (int(v) for v in self.next())
        return np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, counter])

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def device_generator(rng: np.random.Generator, xp=None):
    """The generator that draws on ``xp``'s device (default: the current device's module) for host generator
    ``rng``: ``rng`` itself on the CPU; on the strict stand-in a generator sharing ``rng``'s bit generator (the
    same values NumPy draws); on CuPy ``backends.cupy.Generator`` seeded from ``rng`` (reproducible from the same
    seed, not NumPy's values). Draws then stay on the device. A device generator offers the methods in
    ``neuroflow.backends.GENERATOR_METHODS`` (``random``, ``integers``, ``normal``, ``uniform``...)."""
    xp = backend.xp if xp is None else xp
    if xp is np:
        return rng
    return backend.device_generator(xp, rng)


def generator_for(seed, who: str) -> np.random.Generator:
    """The generator a Keras ``seed`` argument asks for: the default one (``None``), a fresh one from an ``int``
    (the same draws every call), or the next of a :class:`SeedGenerator`; ``who`` names the caller in errors."""
    if seed is None:
        return _default
    if isinstance(seed, SeedGenerator):
        return seed.generator()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return generator(seed)
    raise ConfigError(f"{who}: seed must be None, an int or a keras.random.SeedGenerator, got {seed!r} "
                      f"({type(seed).__name__})")


def _shape(shape, who: str) -> tuple:
    return _validate.array_shape(shape, who)


def _param(value, who: str, arg: str, low, low_open=False, high=None):
    """A distribution's parameter within its bounds: a number is checked here, naming the argument; an array
    is left to the draw (whose ValueError :func:`_sample` words for the caller)."""
    if _validate.is_number(value) or isinstance(value, (str, bytes, type(None))):
        return _validate.finite_float(value, who, arg, low, high, low_open=low_open)
    return value


def _sample(seed, who: str, method: str, shape, *params):
    """``Generator.<method>(*params, shape)`` on the current device, with a bad parameter or shape as a
    ConfigError naming ``who`` rather than NumPy's bare ``ValueError``."""
    shape, draw = _shape(shape, who), getattr(_draws(seed, who), method)
    try:
        return draw(*params, shape)
    except ValueError as err:
        raise ConfigError(f"{who}: a parameter is out of range ({err})") from None


def _float_dtype(dtype, who: str) -> np.dtype:
    dt = np.dtype(dtype) if dtype is not None else default_float_dtype()
    if dt.kind != "f":
        raise ConfigError(f"{who}: dtype must be a float dtype, got {dt.name}")
    return dt


def _array(x, dtype=None):
    x = x.data if isinstance(x, Tensor) else x
    xp = get_array_module(x)  # device data stays on its device; host data goes to the current one (the draws')
    return (backend.xp if xp is np else xp).asarray(x, dtype=dtype)


def _tensor(values, dtype) -> Tensor:
    return Tensor(get_array_module(values).asarray(values).astype(dtype, copy=False), dtype=dtype)


def _draws(seed, who: str):
    """The generator for ``seed`` (see :func:`generator_for`) on the current device."""
    return device_generator(generator_for(seed, who))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Draws from N(mean, stddev^2). Shapes: -> ``shape``."""
    dt = _float_dtype(dtype, "random.normal")
    stddev = _param(stddev, "random.normal", "stddev", 0)
    return _tensor(_sample(seed, "random.normal", "normal", shape, mean, stddev), dt)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> Tensor:
    """Draws from U[minval, maxval). Shapes: -> ``shape``."""
    dt = _float_dtype(dtype, "random.uniform")
    if _validate.is_number(minval):
        maxval = _param(maxval, "random.uniform", "maxval", minval)  # NumPy refuses maxval < minval
    return _tensor(_sample(seed, "random.uniform", "uniform", shape, minval, maxval), dt)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """N(mean, stddev^2) restricted to two standard deviations (values beyond are redrawn).
    Shapes: -> ``shape``."""
    dt = _float_dtype(dtype, "random.truncated_normal")
    rng, shape = _draws(seed, "random.truncated_normal"), _shape(shape, "random.truncated_normal")
    z = rng.standard_normal(shape)
    xp = get_array_module(z)
    bad = xp.abs(z) > 2
    while bad.any():  # each round keeps ~95% of what it redraws: a few vectorised rounds at most
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = xp.abs(z) > 2
    return _tensor(mean + stddev * z, dt)


def randint(shape, minval, maxval, dtype="int32", seed=None) -> Tensor:
    """Integers drawn uniformly from ``[minval, maxval)``. Shapes: -> ``shape``."""
    dt = np.dtype(dtype)
    if dt.kind not in "iu":
        raise ConfigError(f"random.randint: dtype must be an integer dtype, got {dt.name}")
    if int(maxval) <= int(minval):
        raise ConfigError(f"random.randint: maxval must be > minval, got minval={minval}, maxval={maxval}")
    values = _draws(seed, "random.randint").integers(int(minval), int(maxval), _shape(shape, "random.randint"))
    return Tensor(values.astype(dt), dtype=dt)


def categorical(logits, num_samples, dtype="int32", seed=None) -> Tensor:
    """Class ids drawn from ``softmax(logits)`` per row.

    Shapes: logits ``(batch, classes)`` -> ``(batch, num_samples)``.
    """
    z = _array(logits, np.float64)
    if z.ndim != 2:
        raise ConfigError(f"random.categorical: logits must have shape (batch_size, num_classes), got {z.shape}")
    xp = get_array_module(z)
    cdf = xp.cumsum(xp.exp(z - z.max(axis=1, keepdims=True)), axis=1)
    cdf /= cdf[:, -1:]
    num_samples = _validate.positive_int(num_samples, "random.categorical", "num_samples")
    u = device_generator(generator_for(seed, "random.categorical"), xp).random((z.shape[0], num_samples))
    ids = xp.minimum((u[:, :, None] >= cdf[:, None, :]).sum(-1), z.shape[1] - 1)
    return Tensor(ids.astype(np.dtype(dtype)), dtype=np.dtype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None) -> Tensor:
    """Inverted dropout, differentiable in ``inputs``: each element zeroed with probability ``rate``, the rest
    scaled by ``1 / (1 - rate)``. Shapes: inputs any -> same; ``noise_shape`` broadcasts to it."""
    x = as_tensor(inputs)
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) or not 0 <= rate < 1:
        raise ConfigError(f"random.dropout: rate must be a float in [0, 1), got {rate!r}")
    if rate == 0:
        return x
    shape = x.shape if noise_shape is None else tuple(x.shape[i] if n is None else int(n)
                                                        for i, n in enumerate(noise_shape))
    keep = device_generator(generator_for(seed, "random.dropout"), get_array_module(x.data)).random(shape) >= rate
    mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - rate))
    return x * Tensor(mask, dtype=x.dtype)  # the operator records the node (installed by neuroflow.ops)


def shuffle(x, axis=0, seed=None) -> Tensor:
    """``x`` permuted along ``axis`` (a constant: no gradient). Shapes: any -> same."""
    arr = _array(x).copy()
    _validate.integer(axis, "random.shuffle", "axis", -max(arr.ndim, 1), max(arr.ndim, 1) - 1)
    rng = device_generator(generator_for(seed, "random.shuffle"), get_array_module(arr))
    return Tensor(rng.permutation(arr, axis=axis), dtype=arr.dtype)


def gamma(shape, alpha, dtype=None, seed=None) -> Tensor:
    """Draws from Gamma(alpha, 1). Shapes: -> ``shape``."""
    dt = _float_dtype(dtype, "random.gamma")
    alpha = _param(alpha, "random.gamma", "alpha", 0, low_open=True)
    return _tensor(_sample(seed, "random.gamma", "gamma", shape, _array(alpha, np.float64), 1.0), dt)


def binomial(shape, counts, probabilities, dtype=None, seed=None) -> Tensor:
    """Draws from Binomial(counts, probabilities), as floats like Keras. Shapes: -> ``shape``."""
    dt = _float_dtype(dtype, "random.binomial")
    counts = _param(counts, "random.binomial", "counts", 0)
    probabilities = _param(probabilities, "random.binomial", "probabilities", 0, high=1)
    n, p = _array(counts).astype(np.int64), _array(probabilities, np.float64)
    return _tensor(_sample(seed, "random.binomial", "binomial", shape, n, p), dt)


def beta(shape, alpha, beta, dtype=None, seed=None) -> Tensor:
    """Draws from Beta(alpha, beta). Shapes: -> ``shape``."""
    dt = _float_dtype(dtype, "random.beta")
    alpha = _param(alpha, "random.beta", "alpha", 0, low_open=True)
    beta = _param(beta, "random.beta", "beta", 0, low_open=True)
    a, b = _array(alpha, np.float64), _array(beta, np.float64)
    return _tensor(_sample(seed, "random.beta", "beta", shape, a, b), dt)
