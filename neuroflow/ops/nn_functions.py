"""The rest of Keras' ``ops.nn``: the newer activations (``relu6``, ``celu``, ``glu``, shrinkages, ``sparsemax``,
``squareplus``...), encodings (``one_hot``, ``multi_hot``), ``moments``, ``normalize``, ``rms_normalization``,
``psnr``, ``dot_product_attention``, depth/space rearrangements and adaptive pooling.

Almost all are compositions of the differentiable primitives (their gradients come from those); ``sparsemax`` is
a node of its own (its backward projects the gradient onto the support).
"""
from __future__ import annotations

import math

from ..autograd.function import Function
from .._validate import fits_in_memory
from ..autograd.tensor import Tensor, as_tensor
from ..backend import default_float_dtype, get_array_module
from ..errors import ConfigError, ShapeError
from ._axes import normalize_axes
from ._binary import float_input as _f
from ._registry import differentiable, not_differentiable
from .activation import hard_sigmoid, sigmoid, softmax, softplus, tanh
from .conv import conv, depthwise_conv
from .elementwise import log10
from .math import clip, exp, matmul, maximum, minimum, sqrt, where
from .products import einsum, tensordot
from .reduce import max as _max, mean as _mean, sum as _sum
from .shape import reshape, split, transpose



# --- activations ----------------------------------------------------------------------------------------------------
def _int_or_float(x):
    """``x`` as a Tensor: integers kept (Keras' clipping activations keep them), bool made floatx."""
    x = as_tensor(x)
    return x if x.dtype.kind in "iu" else _f(x)


@differentiable
def relu6(x):
    """``min(max(x, 0), 6)`` (integers stay integers, as in Keras). Shapes: any -> same."""
    return clip(_int_or_float(x), 0, 6)


@differentiable
def celu(x, alpha=1.0):
    """``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``. Shapes: any -> same."""
    x = _f(x)
    return maximum(x, 0.0) + minimum(0.0, (exp(minimum(x, 0.0) / alpha) - 1.0) * alpha)


@differentiable
def glu(x, axis=-1):
    """Gated linear unit: the first half of ``axis`` times the sigmoid of the second half.
    Shapes: ``(..., 2n, ...)`` -> ``(..., n, ...)``."""
    x = _f(x)
    if x.shape[axis] % 2:
        raise ShapeError(f"glu: axis {axis} must have an even size, got {x.shape[axis]}")
    a, b = split(x, 2, axis=axis)
    return a * sigmoid(b)


@differentiable
def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0. Shapes: any -> same."""
    x = _f(x)
    return where(abs(x.data) > threshold, x, 0.0)


@differentiable
def hard_silu(x):
    """``x * hard_sigmoid(x)`` (also called hard swish). Shapes: any -> same."""
    x = _f(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


@differentiable
def hard_tanh(x):
    """``clip(x, -1, 1)`` (integers stay integers, as in Keras). Shapes: any -> same."""
    return clip(_int_or_float(x), -1, 1)


@differentiable
def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``, stable for any x. Shapes: any -> same."""
    return -softplus(-_f(x))


@differentiable
def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0. Shapes: any."""
    x = _f(x)
    d = x.data
    return where(d > threshold, x - threshold, where(d < -threshold, x + threshold, 0.0))


@differentiable
def sparse_plus(x):
    """0 for ``x <= -1``, ``x`` for ``x >= 1``, ``(x + 1)^2 / 4`` between. Shapes: any -> same."""
    x = _f(x)
    d = x.data
    return where(d <= -1, 0.0, where(d >= 1, x, (x + 1.0) * (x + 1.0) * 0.25))


@differentiable
def sparse_sigmoid(x):
    """0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` between. Shapes: any -> same."""
    x = _f(x)
    return clip((x + 1.0) * 0.5, 0.0, 1.0)


@differentiable
def squareplus(x, b=4):
    """``(x + sqrt(x^2 + b)) / 2``. Shapes: any -> same."""
    x = _f(x)
    return (x + sqrt(x * x + float(b))) * 0.5


@differentiable
def tanh_shrink(x):
    """``x - tanh(x)``. Shapes: any -> same."""
    x = _f(x)
    return x - tanh(x)


@differentiable
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value`` (integers stay integers, as in Keras). Shapes: any ->
    same."""
    x = _int_or_float(x)
    return where(x.data > threshold, x, (int if x.dtype.kind in "iu" else float)(default_value))


class Sparsemax(Function):
    """Euclidean projection onto the simplex along ``axis`` (Martins & Astudillo, 2016)."""

    __slots__ = ("axis", "support")

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        z = xp.moveaxis(x, self.axis, -1)
        zs = -xp.sort(-z, axis=-1)
        k = xp.arange(1, z.shape[-1] + 1, dtype=z.dtype)
        cum = zs.cumsum(axis=-1)
        in_support = 1 + k * zs > cum
        kz = in_support.sum(axis=-1, keepdims=True)
        tau = (xp.take_along_axis(cum, kz - 1, axis=-1) - 1) / kz.astype(z.dtype)
        y = xp.maximum(z - tau, 0)
        self.support = xp.moveaxis(y > 0, -1, self.axis)
        return xp.moveaxis(y, -1, self.axis)

    def backward(self, g):
        s = self.support.astype(g.dtype)
        mean = (g * s).sum(axis=self.axis, keepdims=True) / s.sum(axis=self.axis, keepdims=True)
        return (s * (g - mean),)

    def backward_graph(self, g):
        # Piecewise linear: on a fixed support the backward is linear in g and constant in x (its x-derivative 0).
        s = Tensor._from_op(self.support.astype(g.dtype), None)
        mean = _sum(g * s, axis=self.axis, keepdims=True) / _sum(s, axis=self.axis, keepdims=True)
        return (s * (g - mean),)


@differentiable
def sparsemax(x, axis=-1):
    """Sparsemax: like softmax, a distribution along ``axis``, but with exact zeros. Shapes: any -> same."""
    x = _f(x)
    return Sparsemax(normalize_axes(axis, x.ndim, "sparsemax")[0]).apply(x)


# --- encodings ------------------------------------------------------------------------------------------------------
def _ids(x, num_classes, who):
    xp = get_array_module()
    ids = x.data if isinstance(x, Tensor) else xp.asarray(x)
    if ids.dtype.kind == "f":
        if ids.size and (ids != xp.round(ids)).any():
            raise ConfigError(f"{who}: class ids must be integers, got non-integer values")
        ids = ids.astype(xp.int64)
    if num_classes is None or int(num_classes) <= 0:
        raise ConfigError(f"{who}: num_classes must be a positive int, got {num_classes!r}")
    fits_in_memory(ids.shape + (int(num_classes),), who, "the output shape")  # before the comparison allocates it
    return ids, int(num_classes)


@not_differentiable
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot vectors of the integer ids ``x`` (ids outside [0, num_classes) give all-zero vectors, as Keras).

    Shapes: ``x.shape`` -> ``x.shape`` with a ``num_classes`` axis inserted at ``axis``.
    """
    xp = get_array_module()
    ids, n = _ids(x, num_classes, "one_hot")
    out = (ids[..., None] == xp.arange(n)).astype(dtype or default_float_dtype())
    if axis != -1:
        out = xp.moveaxis(out, -1, axis)
    return Tensor(out, dtype=out.dtype)


@not_differentiable
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot vectors: 1 for every id present in each row. Shapes: ``(n, k)`` -> ``(n, num_classes)``
    (a 1-D input gives ``(num_classes,)``)."""
    num_classes = kwargs.pop("num_tokens", num_classes)
    xp = get_array_module()
    ids, n = _ids(inputs, num_classes, "multi_hot")
    one = ids[..., None] == xp.arange(n)
    out = one.any(axis=-2).astype(dtype or default_float_dtype())
    if axis != -1:
        out = xp.moveaxis(out, -1, axis)
    return Tensor(out, dtype=out.dtype)


# --- statistics and normalisations ----------------------------------------------------------------------------------
@differentiable
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and (biased) variance over ``axes``. Shapes: reduced axes removed (kept with ``keepdims``)."""
    x = _f(x)
    m = _mean(x, axis=axes, keepdims=True)
    d = x - m
    v = _mean(d * d, axis=axes, keepdims=keepdims)
    return (m if keepdims else reshape(m, v.shape)), v


@differentiable
def normalize(x, axis=-1, order=2, epsilon=None):
    """``x / max(norm(x, order, axis), epsilon)``. Shapes: any -> same."""
    from .linalg import norm
    x = _f(x)
    eps = 1e-7 if epsilon is None else float(epsilon)
    return x / maximum(norm(x, ord=order, axis=axis, keepdims=True), eps)


@differentiable
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x / sqrt(mean(x^2, axis) + epsilon) * scale``. Shapes: any -> same (scale broadcasts)."""
    x = _f(x)
    eps = 1e-7 if epsilon is None else float(epsilon)
    out = x / sqrt(_mean(x * x, axis=axis, keepdims=True) + eps)
    return out if scale is None else out * as_tensor(scale, like=x)


@differentiable
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio in dB: ``20 log10(max_val) - 10 log10(mse)``. Shapes: any two equal -> scalar."""
    a, b = _f(x1), _f(x2)
    if a.shape != b.shape:
        raise ShapeError(f"psnr: x1 {a.shape} and x2 {b.shape} must have the same shape")
    d = a - b
    return 20.0 * math.log10(float(max_val)) - 10.0 * log10(_mean(d * d))


# --- attention ------------------------------------------------------------------------------------------------------
@differentiable
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention ``softmax(Q K^T * scale + bias) V`` (grouped heads when ``key`` has fewer).

    Shapes: query ``(B, T, N, H)``, key/value ``(B, S, K, H)`` with ``N % K == 0``; ``bias`` and boolean ``mask``
    broadcast to ``(B, N, T, S)`` -> ``(B, T, N, H)``.
    """
    if flash_attention:
        raise ConfigError("dot_product_attention: flash_attention is not available on neuroflow's CPU backend")
    q, k, v = _f(query), _f(key), _f(value)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ShapeError(f"dot_product_attention: expected 4-D (batch, seq, heads, dim) inputs, got {q.shape}, "
                         f"{k.shape}, {v.shape}")
    n, kh = q.shape[2], k.shape[2]
    if n % kh:
        raise ShapeError(f"dot_product_attention: {n} query heads are not a multiple of {kh} key heads")
    if kh != n:  # grouped-query attention: each key/value head serves n // kh query heads
        from .shape import repeat
        k, v = repeat(k, n // kh, axis=2), repeat(v, n // kh, axis=2)
    s = (1.0 / math.sqrt(k.shape[-1])) if scale is None else float(scale)
    logits = einsum("btnh,bsnh->bnts", q, k) * s
    if bias is not None:
        logits = logits + as_tensor(bias, like=logits)
    if attn_logits_soft_cap is not None:
        cap = float(attn_logits_soft_cap)
        logits = tanh(logits / cap) * cap
    xp = get_array_module()
    keep = None
    if mask is not None:
        keep = xp.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool)
    if is_causal:
        t, sl = q.shape[1], k.shape[1]
        causal = xp.tril(xp.ones((t, sl), dtype=bool))
        keep = causal if keep is None else keep & causal
    if keep is not None:
        logits = where(keep, logits, float(xp.finfo(logits.dtype).min) / 2)
    return einsum("bnts,bsnh->btnh", softmax(logits, axis=-1), v)


# --- depth and space ------------------------------------------------------------------------------------------------
def _nhwc(x, data_format, who):
    if data_format not in ("channels_last", "channels_first"):
        raise ConfigError(f"{who}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    x = as_tensor(x)
    if x.ndim != 4:
        raise ShapeError(f"{who}: expected a 4-D batch of images, got shape {x.shape}")
    return transpose(x, (0, 2, 3, 1)) if data_format == "channels_first" else x


@differentiable
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move channel blocks into ``block_size`` x ``block_size`` spatial blocks.
    Shapes: ``(N, H, W, C*b*b)`` -> ``(N, H*b, W*b, C)`` (channels_last)."""
    b = int(block_size)
    y = _nhwc(x, data_format, "depth_to_space")
    n, h, w, c = y.shape
    if c % (b * b):
        raise ShapeError(f"depth_to_space: {c} channels are not divisible by block_size^2 = {b * b}")
    y = reshape(transpose(reshape(y, (n, h, w, b, b, c // (b * b))), (0, 1, 3, 2, 4, 5)),
                (n, h * b, w * b, c // (b * b)))
    return transpose(y, (0, 3, 1, 2)) if data_format == "channels_first" else y


@differentiable
def space_to_depth(x, block_size, data_format="channels_last"):
    """Move ``block_size`` x ``block_size`` spatial blocks into channels.
    Shapes: ``(N, H*b, W*b, C)`` -> ``(N, H, W, C*b*b)`` (channels_last)."""
    b = int(block_size)
    y = _nhwc(x, data_format, "space_to_depth")
    n, h, w, c = y.shape
    if h % b or w % b:
        raise ShapeError(f"space_to_depth: spatial size {(h, w)} is not divisible by block_size {b}")
    y = reshape(transpose(reshape(y, (n, h // b, b, w // b, b, c)), (0, 1, 3, 2, 4, 5)),
                (n, h // b, w // b, b * b * c))
    return transpose(y, (0, 3, 1, 2)) if data_format == "channels_first" else y


# --- adaptive pooling and separable convolution ---------------------------------------------------------------------
def _adaptive_windows(n_in, n_out):
    return [(i * n_in // n_out, -(-(i + 1) * n_in // n_out)) for i in range(n_out)]


def _adaptive(inputs, output_size, data_format, reduce, who):
    x = _f(inputs)
    data_format = data_format or "channels_last"
    spatial = x.ndim - 2
    sizes = (output_size,) * spatial if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != spatial:
        raise ShapeError(f"{who}: output_size {output_size} does not fit {spatial} spatial axes")
    first = 1 if data_format == "channels_last" else 2
    xp = get_array_module()
    for i, n_out in enumerate(sizes):
        axis = first + i
        if reduce == "mean":  # an averaging matrix along this axis: one tensordot, exact gradient
            m = xp.zeros((x.shape[axis], n_out), x.dtype)
            for j, (a, b) in enumerate(_adaptive_windows(x.shape[axis], n_out)):
                m[a:b, j] = 1.0 / (b - a)
            y = tensordot(x, m, axes=([axis], [0]))
            x = transpose(y, tuple(range(axis)) + (y.ndim - 1,) + tuple(range(axis, y.ndim - 1)))
        else:  # max over each window: a loop over output cells, each a vectorised reduction
            from .index import getitem
            from .shape import stack
            parts = [_max(getitem(x, (slice(None),) * axis + (slice(a, b),)), axis=axis)
                     for a, b in _adaptive_windows(x.shape[axis], n_out)]
            x = stack(parts, axis=axis)
    return x


@differentiable
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed ``output_size`` (windows of varying size, as PyTorch's adaptive pooling).
    Shapes: ``(N, *spatial, C)`` -> ``(N, *output_size, C)`` (channels_last)."""
    return _adaptive(inputs, output_size, data_format, "mean", "adaptive_average_pool")


@differentiable
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed ``output_size``. Shapes: as :func:`adaptive_average_pool`."""
    return _adaptive(inputs, output_size, data_format, "max", "adaptive_max_pool")


@differentiable
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution followed by a 1x1 convolution. Shapes: ``(N, *spatial, C)``,
    depthwise ``(*k, C, M)``, pointwise ``(*1, C*M, F)`` -> ``(N, *out_spatial, F)``."""
    y = depthwise_conv(inputs, depthwise_kernel, strides=strides, padding=padding, data_format=data_format,
                       dilation_rate=dilation_rate)
    return conv(y, pointwise_kernel, strides=1, padding="valid", data_format=data_format)


_ = (matmul, _sum)

__all__ = ["relu6", "celu", "glu", "hard_shrink", "hard_silu", "hard_swish", "hard_tanh", "log_sigmoid",
           "soft_shrink", "sparse_plus", "sparse_sigmoid", "squareplus", "tanh_shrink", "threshold", "sparsemax",
           "one_hot", "multi_hot", "moments", "normalize", "rms_normalization", "psnr", "dot_product_attention",
           "depth_to_space", "space_to_depth", "adaptive_average_pool", "adaptive_max_pool", "separable_conv"]
