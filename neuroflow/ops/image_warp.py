"""Coordinate-based image ops (Keras' ``ops.image``): ``map_coordinates`` (SciPy/JAX-style sampling at arbitrary
points), ``perspective_transform`` (a homography from four point pairs) and ``elastic_transform`` (smoothed random
displacements). They serve augmentation: no gradient, constant Tensors out; no Python loop over pixels.
"""
from __future__ import annotations

import itertools

from ..autograd.tensor import Tensor, as_tensor
from ..backend import default_float_dtype, get_array_module
from ..errors import ConfigError, ShapeError
from ._image_layout import check_choice, from_batched_last, standardize_data_format, to_batched_last
from ._registry import not_differentiable
from .image_affine import affine_transform
from .. import random as nf_random

MAP_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _fold(i, size: int, mode: str):
    """Integer indices mapped into ``[0, size)`` by ``mode`` (``constant`` clips; validity is checked apart)."""
    xp = get_array_module(i)
    if mode == "wrap":
        return i % size
    if mode == "mirror":  # (d c b | a b c d | c b a): period 2 (size - 1)
        if size == 1:
            return xp.zeros_like(i)
        p = i % (2 * size - 2)
        return xp.where(p >= size, 2 * size - 2 - p, p)
    if mode == "reflect":  # (d c b a | a b c d | d c b a): period 2 size
        p = i % (2 * size)
        return xp.where(p >= size, 2 * size - 1 - p, p)
    return xp.clip(i, 0, size - 1)


@not_differentiable
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """``inputs`` sampled at ``coordinates`` (one row per input axis) by nearest (``order=0``) or linear
    (``order=1``) interpolation. Shapes: inputs ``(d0, ..., dn)``, coordinates ``(n + 1, *out)`` -> ``out``."""
    x = as_tensor(inputs).data
    xp = get_array_module(x)
    c = xp.asarray(coordinates.data if isinstance(coordinates, Tensor) else coordinates, dtype=xp.float64)
    if c.ndim < 2 or c.shape[0] != x.ndim:
        raise ShapeError(f"map_coordinates: coordinates must have shape ({x.ndim}, ...), one row per input axis; "
                         f"got {c.shape}")
    check_choice(fill_mode, MAP_FILL_MODES, "fill_mode", "map_coordinates")
    if order not in (0, 1):
        raise ConfigError(f"map_coordinates: order must be 0 or 1, got {order!r}")
    taps = []  # per axis: list of (index, weight, valid)
    for axis, size in enumerate(x.shape):
        ca = c[axis]
        if order == 0:
            i = xp.floor(ca + 0.5).astype(xp.int64)
            corners = [(i, None)]
        else:
            i0 = xp.floor(ca).astype(xp.int64)
            w1 = ca - i0
            corners = [(i0, 1 - w1), (i0 + 1, w1)]
        taps.append([(_fold(i, size, fill_mode), w, (i >= 0) & (i < size)) for i, w in corners])
    out = xp.zeros(c.shape[1:], dtype=xp.float64)
    for combo in itertools.product(*taps):
        values = x[tuple(t[0] for t in combo)].astype(xp.float64)
        if fill_mode == "constant":
            valid = xp.logical_and.reduce([t[2] for t in combo])
            values = xp.where(valid, values, float(fill_value))
        weight = 1.0
        for t in combo:
            if t[1] is not None:
                weight = weight * t[1]
        out += weight * values
    dtype = x.dtype if x.dtype.kind == "f" else x.dtype
    if x.dtype.kind in "iu":
        out = xp.round(out)
    return Tensor(out.astype(dtype), dtype=dtype)


def _homographies(start, end):
    """Per image, the 8 coefficients mapping each ``end`` point to its ``start`` point (solved from 4 pairs), on the
    points' device (the current device for lists)."""
    start = start.data if isinstance(start, Tensor) else start
    end = end.data if isinstance(end, Tensor) else end
    xp = get_array_module(start, end)
    s = xp.asarray(start, dtype=xp.float64)
    e = xp.asarray(end, dtype=xp.float64)
    if s.ndim == 2:
        s, e = s[None], e[None]
    if s.shape[-2:] != (4, 2) or e.shape != s.shape:
        raise ShapeError(f"perspective_transform: start_points and end_points must both be (batch, 4, 2) or (4, 2), "
                         f"got {s.shape} and {e.shape}")
    x, y = e[..., 0], e[..., 1]
    u, v = s[..., 0], s[..., 1]
    zero, one = xp.zeros_like(x), xp.ones_like(x)
    rows_u = xp.stack([x, y, one, zero, zero, zero, -x * u, -y * u], axis=-1)
    rows_v = xp.stack([zero, zero, zero, x, y, one, -x * v, -y * v], axis=-1)
    a = xp.concatenate([rows_u, rows_v], axis=1)  # (batch, 8, 8)
    b = xp.concatenate([u, v], axis=1)[..., None]
    try:
        return xp.linalg.solve(a, b)[..., 0]
    except xp.linalg.LinAlgError:
        raise ConfigError("perspective_transform: the points are degenerate (three or more on one line)") from None


@not_differentiable
def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format=None):
    """Warp images so that ``start_points`` move to ``end_points`` (four ``(x, y)`` corners each).
    Shapes: images ``(N, H, W, C)`` (or one image), points ``(N, 4, 2)`` or ``(4, 2)`` -> images' shape."""
    t = _homographies(start_points, end_points)
    return affine_transform(images, t.astype("float64"), interpolation=interpolation, fill_mode="constant",
                            fill_value=fill_value, data_format=data_format)


@not_differentiable
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                      seed=None, data_format=None):
    """Elastic distortion (Simard et al., 2003): uniform random displacements in [-1, 1] smoothed by a Gaussian of
    ``sigma`` pixels, scaled by ``alpha``, shared by the channels of an image. Shapes: same as ``images``."""
    where = "elastic_transform"
    check_choice(interpolation, ("bilinear", "nearest"), "interpolation", where)
    fmt = standardize_data_format(data_format, where)
    arr = as_tensor(images).data
    xp = get_array_module(arr)
    x, single = to_batched_last(arr if arr.dtype.kind == "f" else arr.astype(default_float_dtype()), fmt, where)
    n, h, w, ch = x.shape
    rng = nf_random.device_generator(nf_random.generator_for(seed, where), xp)
    d = rng.uniform(-1.0, 1.0, size=(2, n, h, w))
    k = max(int(2 * round(3 * sigma) + 1), 3)
    t = xp.arange(k) - (k - 1) / 2
    g = xp.exp(-(t * t) / (2 * float(sigma) ** 2))
    g /= g.sum()
    for axis in (2, 3):  # separable blur along rows then columns, reflect-padded
        pad = [(0, 0)] * 4
        pad[axis] = ((k - 1) // 2, k - 1 - (k - 1) // 2)
        dp = xp.pad(d, pad, mode="reflect")
        d = sum(g[j] * xp.take(dp, xp.arange(j, j + d.shape[axis]), axis=axis) for j in range(k))
    d *= float(alpha)
    bi, yi, xi = xp.meshgrid(xp.arange(n), xp.arange(h), xp.arange(w), indexing="ij")
    coords = xp.stack([bi, yi + d[0], xi + d[1]])  # (3, n, h, w)
    coords = xp.broadcast_to(coords[..., None], (3, n, h, w, ch))
    cidx = xp.broadcast_to(xp.arange(ch), (n, h, w, ch))
    full = xp.concatenate([coords, cidx[None]], axis=0)
    out = map_coordinates(x, full, 1 if interpolation == "bilinear" else 0, fill_mode, fill_value).data
    return Tensor._from_op(from_batched_last(out.astype(x.dtype), fmt, single), None)


__all__ = ["map_coordinates", "perspective_transform", "elastic_transform"]
