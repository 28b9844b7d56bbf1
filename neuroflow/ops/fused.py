"""Neural-network building blocks: the fused dense transform and dropout.

``linear`` fuses ``activation(x @ kernel + bias)`` into one node: one GEMM forward, two GEMMs backward, and the
activation's derivative taken from the saved output, which is what a Dense layer needs on every step.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from .. import random as nf_random
from .activation import stable_sigmoid
from ._registry import differentiable

#: Activations ``linear`` and ``conv`` can fuse: their derivative is a cheap function of the output ``y``.
FUSABLE_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh")


def activate_in_place(xp, act: str, z):
    """``act(z)`` for a fusable activation, written into ``z`` where possible (``z`` is the op's own buffer)."""
    if act == "relu":
        return xp.maximum(z, 0, out=z)
    if act == "sigmoid":
        return stable_sigmoid(xp, z)
    if act == "tanh":
        return xp.tanh(z, out=z)
    return z


def through_activation(act: str, g, y):
    """The gradient ``g`` w.r.t. a fused activation's output ``y``, carried to its input: ``g * act'(.)``."""
    if act == "relu":
        return g * (y > 0)
    if act == "sigmoid":
        return g * y * (1 - y)
    if act == "tanh":
        return g * (1 - y * y)
    return g


def check_fusable(op: str, activation) -> str:
    """``activation`` (None meaning linear) as a fusable name; a ConfigError naming ``op`` otherwise."""
    if activation is None:
        return "linear"
    if activation not in FUSABLE_ACTIVATIONS:
        raise ConfigError(f"{op}: activation {activation!r} cannot be fused; expected one of {FUSABLE_ACTIVATIONS}")
    return activation


class Linear(Function):
    __slots__ = ("x", "w", "y", "act", "has_bias")

    def __init__(self, act, has_bias):
        self.act, self.has_bias = act, has_bias

    def forward(self, x, w, b=None):
        xp = get_array_module(x)
        if x.dtype.kind != "f":  # integer/bool inputs take the kernel's dtype (Keras), not NumPy's float64
            x = x.astype(w.dtype)
        self.x, self.w = x, w
        z = x @ w
        if b is not None:
            z += b
        self.y = activate_in_place(xp, self.act, z)
        return self.y

    def backward(self, g):
        g = through_activation(self.act, g, self.y)
        inputs = self.inputs
        x, w = self.x, self.w
        gx = g @ w.T if inputs[0].requires_grad else None
        gw = None
        if inputs[1].requires_grad:
            if x.ndim == 2:
                gw = x.T @ g
            else:  # (batch, ..., in): fold the leading axes into one GEMM
                gw = x.reshape(-1, x.shape[-1]).T @ g.reshape(-1, g.shape[-1])
        if not self.has_bias:
            return gx, gw
        gb = g.sum(axis=tuple(range(g.ndim - 1))) if inputs[2].requires_grad else None
        return gx, gw, gb

    def backward_graph(self, g):
        """The same rule with ops (create_graph): the activation's derivative from a recorded output."""
        from .math import matmul
        from .reduce import sum as reduce_sum
        inputs = self.inputs
        x, w = inputs[0], inputs[1]
        if self.act == "relu":
            g = g * Tensor._from_op((self.y > 0).astype(g.dtype), None)
        elif self.act != "linear":
            y = Linear(self.act, self.has_bias).apply(*inputs)
            g = g * y * (1 - y) if self.act == "sigmoid" else g * (1 - y * y)
        gx = matmul(g, w.T) if x.requires_grad else None
        gw = None
        if w.requires_grad:
            gw = matmul(x.reshape(-1, x.shape[-1]).T, g.reshape(-1, g.shape[-1]))
        if not self.has_bias:
            return gx, gw
        gb = reduce_sum(g, axis=tuple(range(g.ndim - 1))) if inputs[2].requires_grad else None
        return gx, gw, gb


@differentiable
def linear(x, kernel, bias=None, activation="linear"):
    """``activation(x @ kernel + bias)`` as one fused node.

    Shapes: x ``(..., in)``, kernel ``(in, units)``, bias ``(units,)`` -> ``(..., units)``.
    ``activation``: one of ``FUSABLE_ACTIVATIONS`` (others: apply them after a linear ``linear``).
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    if activation not in FUSABLE_ACTIVATIONS:
        activation = check_fusable("linear", activation)
    # checked on the arrays' shapes directly: a dense layer calls this every step, at a few microseconds a call
    xs, ks = x.data.shape, kernel.data.shape
    if len(ks) != 2 or not xs or xs[-1] != ks[0]:
        raise ShapeError(f"linear: input of shape {xs} does not fit kernel of shape {ks} "
                         f"(the input's last axis must equal the kernel's first)")
    if bias is None:
        return Linear(activation, False).apply(x, kernel)
    bias = as_tensor(bias, like=kernel)
    if bias.data.shape != ks[1:]:
        raise ShapeError(f"linear: bias of shape {bias.data.shape} does not fit kernel {ks}; expected ({ks[1]},)")
    return Linear(activation, True).apply(x, kernel, bias)


class Dropout(Function):
    """``x * mask``. Given ``mask``, it multiplies by that array; given ``(shape, rate, dtype, rng)`` instead, it
    draws the mask from ``rng`` in ``forward``, so a replayed compiled step (``neuroflow/compile``) redraws it on
    every run, in the same order an eager step draws (``random = True``)."""

    __slots__ = ("mask", "shape", "rate", "dtype", "rng")
    linear = True  # for its fixed mask: a differentiable backward by the generic rule (autograd/higher_order.py)

    def __init__(self, mask=None, shape=None, rate=None, dtype=None, rng=None):
        self.mask, self.shape, self.rate, self.dtype, self.rng = mask, shape, rate, dtype, rng

    @property
    def random(self) -> bool:
        return self.rng is not None

    def draw(self, rng):
        """A fresh mask from ``rng`` (what ``forward`` draws; the tracer redoes it to account for every draw)."""
        return dropout_mask(self.shape, self.rate, self.dtype, rng)

    def __copy__(self):
        # a copy is this op with the mask it drew (higher-order gradients re-apply the op: no new draw)
        return Dropout(mask=self.mask)

    def forward(self, x):
        if self.rng is not None:
            self.mask = dropout_mask(self.shape, self.rate, self.dtype, self.rng, get_array_module(x))
        return x * self.mask

    def backward(self, g):
        return (g * self.mask,)


@differentiable
def dropout(x, rate, training=True, rng=None, noise_shape=None, seed=None):
    """Inverted dropout: zero each element with probability ``rate`` and scale the rest by ``1 / (1 - rate)``, so
    that nothing changes at inference (``training=False`` returns ``x`` itself).

    Shapes: x any; ``noise_shape`` (broadcastable to x's shape) shares one mask value along its size-1 axes.
    ``rng``: a ``numpy.random.Generator`` (default: neuroflow's seeded default generator); ``seed`` makes a fresh
    generator from that seed.
    """
    x = as_tensor(x)
    if not 0 <= rate < 1:
        raise ConfigError(f"dropout: rate must be in [0, 1), got {rate}")
    if not training or rate == 0:
        return x
    if rng is None:
        rng = nf_random.generator(seed) if seed is not None else nf_random.default_generator()
    shape = x.shape if noise_shape is None else tuple(x.shape[i] if n is None else n
                                                        for i, n in enumerate(noise_shape))
    return Dropout(shape=shape, rate=rate, dtype=x.dtype, rng=rng).apply(x)


# SELU's constants: AlphaDropout sets dropped units to SELU's negative saturation value -scale * alpha.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class RandomNoise(Function):
    """``x * scale + offset`` with ``(scale, offset)`` drawn from ``rng`` in ``forward`` (``random = True``), so a
    replayed compiled step redraws them in the eager order, as :class:`Dropout` does. Kinds (``rate``'s meaning):
    ``"gaussian_noise"`` (stddev: ``x + N(0, stddev)``), ``"gaussian_dropout"`` (``x * N(1, sqrt(rate / (1 -
    rate)))``), ``"alpha_dropout"`` (SELU-preserving dropout; ``shape`` may be a broadcastable noise shape).
    Shapes: x -> x's shape."""

    __slots__ = ("kind", "shape", "rate", "dtype", "rng", "scale", "offset")

    def __init__(self, kind, shape, rate, dtype, rng):
        self.kind, self.shape, self.rate, self.dtype, self.rng = kind, tuple(shape), rate, np.dtype(dtype), rng
        self.scale = self.offset = None

    @property
    def random(self) -> bool:
        return self.rng is not None

    def draw(self, rng):
        """``(scale or None, offset or None)`` drawn from ``rng`` exactly as the noise layers drew them eagerly."""
        if self.kind == "alpha_dropout":
            kept = (rng.random(self.shape, dtype=np.float32) >= self.rate).astype(self.dtype)
            alpha_p = -_SELU_ALPHA * _SELU_SCALE
            a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
            b = -a * alpha_p * self.rate
            # a * (x * kept + alpha_p * (1 - kept)) + b, with the constant part folded into one array
            return (a * kept).astype(self.dtype), (a * alpha_p * (1 - kept) + b).astype(self.dtype)
        noise = rng.standard_normal(self.shape, dtype=self.dtype)
        if self.kind == "gaussian_noise":
            noise *= self.rate  # a Python float keeps the array's dtype
            return None, noise
        noise *= math.sqrt(self.rate / (1.0 - self.rate))
        noise += 1.0
        return noise, None

    def forward(self, x):
        if self.rng is not None:  # on a device, drawn there (the strict stand-in: NumPy's very values)
            self.scale, self.offset = self.draw(nf_random.device_generator(self.rng, get_array_module(x)))
        y = x if self.scale is None else x * self.scale
        return y if self.offset is None else y + self.offset

    def backward(self, g):
        return (g if self.scale is None else g * self.scale,)

    def backward_graph(self, g):
        return (g if self.scale is None else g * Tensor(self.scale),)


@differentiable
def random_noise(x, kind, rate, rng, noise_shape=None, dtype=None):
    """The noise layers' training-time noise drawn from ``rng`` inside one node (see :class:`RandomNoise` for the
    kinds). Shapes: x -> same; ``noise_shape`` (alpha dropout: broadcastable to x's, default x's shape). ``dtype``:
    the noise's, default x's float dtype (float32 for other inputs)."""
    x = as_tensor(x)
    if kind not in ("gaussian_noise", "gaussian_dropout", "alpha_dropout"):
        raise ConfigError(f"random_noise: kind must be 'gaussian_noise', 'gaussian_dropout' or 'alpha_dropout', "
                          f"got {kind!r}")
    if dtype is None:
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype("float32")
    return RandomNoise(kind, x.shape if noise_shape is None else noise_shape, rate, dtype, rng).apply(x)


def dropout_mask(shape, rate, dtype, rng, xp=None):
    """An inverted-dropout multiplier of ``shape``: 0 with probability ``rate``, else ``1 / (1 - rate)``, in
    ``dtype``; drawn from the ``numpy.random.Generator`` ``rng`` (on ``xp``'s device, default the current one:
    the strict stand-in draws NumPy's very mask, CuPy a device generator seeded from ``rng``).

    Each element compares 16 random bits with ``rate * 2**16``, four elements per raw 64-bit draw: 3x faster than
    drawing a float per element (a dropout layer of an MLP at batch 128: 45 instead of 135 us a step). The drop
    probability is thus ``rate`` rounded to a multiple of 2**-16 (within 8e-6).
    """
    xp = get_array_module() if xp is None else xp
    rng = nf_random.device_generator(rng, xp)
    dtype = xp.dtype(dtype)
    n = 1
    for d in shape:
        n *= int(d)
    if not hasattr(rng.bit_generator, "random_raw"):  # CuPy's generators draw floats only
        return (rng.random(shape, dtype=xp.float32) >= rate).astype(dtype) * dtype.type(1.0 / (1.0 - rate))
    bits = rng.bit_generator.random_raw((n + 3) // 4).view(xp.uint16)[:n].reshape(shape)
    keep = bits >= round(rate * 65536)
    return keep.astype(dtype) * dtype.type(1.0 / (1.0 - rate))


__all__ = ["linear", "dropout", "dropout_mask", "FUSABLE_ACTIVATIONS", "Tensor"]
