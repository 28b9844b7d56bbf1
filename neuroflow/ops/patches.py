"""Rearranging and patch extraction: einops-style ``rearrange``, and ``unfold``/``fold`` (im2col and its adjoint,
on NCHW batches as Keras' ``ops.unfold``/``ops.fold`` define them).

``rearrange`` is reshape + transpose + reshape (differentiable through those); ``unfold`` is one gather and
``fold`` one scatter-add over the same index arrays, so each is the other's gradient.
"""
from __future__ import annotations

import re

from ..autograd.tensor import as_tensor
from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from ._registry import differentiable
from .arrays import ScatterAdd
from .index import getitem
from .shape import pad, reshape, transpose

_TOKEN = re.compile(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*|1")


def _parse_side(side: str, who: str):
    groups, current = [], None
    for tok in _TOKEN.findall(side):
        if tok == "(":
            if current is not None:
                raise ConfigError(f"{who}: nested parentheses in {side!r}")
            current = []
        elif tok == ")":
            if current is None:
                raise ConfigError(f"{who}: unbalanced parentheses in {side!r}")
            groups.append(current)
            current = None
        elif current is not None:
            current.append(tok)
        else:
            groups.append([tok])
    if current is not None:
        raise ConfigError(f"{who}: unbalanced parentheses in {side!r}")
    return groups


@differentiable
def rearrange(tensor, pattern, **axes_lengths):
    """Reorder, merge and split axes by an einops pattern such as ``"b h w c -> b (h w) c"`` or
    ``"b (h p) c -> b h p c"`` (with ``p=2``). Shapes: as the pattern says."""
    x = as_tensor(tensor)
    if "->" not in pattern:
        raise ConfigError(f"rearrange: the pattern must contain '->', got {pattern!r}")
    left, right = (_parse_side(s, "rearrange") for s in pattern.split("->"))
    if len(left) != x.ndim:
        raise ShapeError(f"rearrange: the pattern's left side has {len(left)} axes, the tensor {x.ndim} "
                         f"(shape {x.shape})")
    sizes = {k: int(v) for k, v in axes_lengths.items()}
    for group, n in zip(left, x.shape):
        names = [a for a in group if a != "1"]
        unknown = [a for a in names if a not in sizes]
        known = 1
        for a in names:
            if a in sizes:
                known *= sizes[a]
        if len(unknown) > 1:
            raise ConfigError(f"rearrange: cannot infer the sizes of {unknown} in {pattern!r}; pass them by name")
        if unknown:
            if n % known:
                raise ShapeError(f"rearrange: axis of size {n} does not split by {known}")
            sizes[unknown[0]] = n // known
        elif known != n:
            raise ShapeError(f"rearrange: group {group} has size {known}, the axis {n}")
    flat_left = [a for g in left for a in g if a != "1"]
    flat_right = [a for g in right for a in g if a != "1"]
    if sorted(flat_left) != sorted(flat_right) or len(set(flat_left)) != len(flat_left):
        raise ConfigError(f"rearrange: both sides must name the same axes once each: {pattern!r}")
    y = reshape(x, tuple(sizes[a] for a in flat_left))
    y = transpose(y, tuple(flat_left.index(a) for a in flat_right))
    out_shape = []
    for g in right:
        n = 1
        for a in g:
            n *= sizes[a] if a != "1" else 1
        out_shape.append(n)
    return reshape(y, tuple(out_shape))


def _pair(v, who, name):
    v = (v, v) if isinstance(v, int) else tuple(int(a) for a in v)
    if len(v) != 2:
        raise ConfigError(f"{who}: {name} must be an int or a pair, got {v}")
    return v


def _unfold_index(h, w, k, d, s):
    xp = get_array_module()
    oh = (h - (k[0] - 1) * d[0] - 1) // s[0] + 1
    ow = (w - (k[1] - 1) * d[1] - 1) // s[1] + 1
    if oh < 1 or ow < 1:
        raise ShapeError(f"unfold: a {h}x{w} (padded) image is smaller than the {k} kernel")
    ki = (xp.arange(k[0]) * d[0])[:, None, None, None]
    kj = (xp.arange(k[1]) * d[1])[None, :, None, None]
    oi = (xp.arange(oh) * s[0])[None, None, :, None]
    oj = (xp.arange(ow) * s[1])[None, None, None, :]
    rows = xp.broadcast_to(ki + oi, (k[0], k[1], oh, ow)).reshape(k[0] * k[1], oh * ow)
    cols = xp.broadcast_to(kj + oj, (k[0], k[1], oh, ow)).reshape(k[0] * k[1], oh * ow)
    return rows, cols


@differentiable
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of an NCHW batch as columns (im2col). Shapes: ``(N, C, H, W)`` -> ``(N, C*kh*kw, L)``."""
    x = as_tensor(x)
    if x.ndim != 4:
        raise ShapeError(f"unfold: expected an (N, C, H, W) batch, got shape {x.shape}")
    k, d = _pair(kernel_size, "unfold", "kernel_size"), _pair(dilation, "unfold", "dilation")
    p, s = _pair(padding, "unfold", "padding"), _pair(stride, "unfold", "stride")
    if any(p):
        x = pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    n, c, h, w = x.shape
    rows, cols = _unfold_index(h, w, k, d, s)
    y = getitem(x, (slice(None), slice(None), rows, cols))  # (N, C, kh*kw, L)
    return reshape(y, (n, c * k[0] * k[1], rows.shape[1]))


@differentiable
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks back into an NCHW batch (col2im, the adjoint of :func:`unfold`).
    Shapes: ``(N, C*kh*kw, L)`` -> ``(N, C, H, W)``."""
    x = as_tensor(x)
    k, d = _pair(kernel_size, "fold", "kernel_size"), _pair(dilation, "fold", "dilation")
    p, s = _pair(padding, "fold", "padding"), _pair(stride, "fold", "stride")
    oh, ow = _pair(output_size, "fold", "output_size")
    if x.ndim != 3 or x.shape[1] % (k[0] * k[1]):
        raise ShapeError(f"fold: expected (N, C*{k[0]}*{k[1]}, L), got shape {x.shape}")
    n, ckk, length = x.shape
    c = ckk // (k[0] * k[1])
    h, w = oh + 2 * p[0], ow + 2 * p[1]
    rows, cols = _unfold_index(h, w, k, d, s)
    if rows.shape[1] != length:
        raise ShapeError(f"fold: {length} blocks do not tile a {oh}x{ow} output with these settings "
                         f"({rows.shape[1]} expected)")
    xp = get_array_module()
    ni = xp.arange(n)[:, None, None, None]
    ci = xp.arange(c)[None, :, None, None]
    index = (ni, ci, rows[None, None], cols[None, None])
    y = ScatterAdd((n, c, h, w), index).apply(reshape(x, (n, c, k[0] * k[1], length)))
    if any(p):
        y = getitem(y, (slice(None), slice(None), slice(p[0], p[0] + oh), slice(p[1], p[1] + ow)))
    return y


__all__ = ["rearrange", "unfold", "fold"]
