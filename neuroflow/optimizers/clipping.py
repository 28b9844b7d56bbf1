"""Unscaling and clipping gradients, as Keras 3 does before weight decay and the update.

The loss-scale factor and norm clipping are both a multiplier per gradient; :func:`gradient_scales` computes
those multipliers (Python floats) from the gradients' norms, and :mod:`.units` applies each in the same pass that
copies the gradient into its buffer, followed by ``clipvalue``'s element-wise clip. At most one of ``clipnorm``
(per variable), ``global_clipnorm`` (all gradients together) and ``clipvalue`` is set.
"""
from __future__ import annotations

import math

import numpy


def gradient_scales(grads: list, inv_scale: float, clipnorm, global_clipnorm, clipvalue, xp):
    """One multiplier per gradient (arrays of any shape): ``inv_scale`` (``1 / loss_scale_factor``) times the
    norm clipping's factor, or None when every multiplier would be 1 and there is no ``clipvalue``."""
    if xp is not numpy and (clipnorm or global_clipnorm):
        return _device_scales(grads, inv_scale, clipnorm, global_clipnorm, xp)
    if clipnorm:
        scales = []
        for g in grads:
            norm = math.sqrt(sum_of_squares(g, xp)) * inv_scale
            # Keras: g * c / max(norm, c); only norms above c change anything (NaN propagates).
            scales.append(inv_scale if norm <= clipnorm else inv_scale * clipnorm / norm)
        return scales
    if global_clipnorm:
        norm = math.sqrt(sum(sum_of_squares(g, xp) for g in grads)) * inv_scale
        if norm <= global_clipnorm:
            s = inv_scale
        else:  # a non-finite norm makes every gradient NaN, as in Keras
            s = inv_scale * global_clipnorm / norm if math.isfinite(norm) else math.nan
        return [s] * len(grads)
    if inv_scale != 1.0 or clipvalue:
        return [inv_scale] * len(grads)
    return None


def _device_scales(grads: list, inv_scale: float, clipnorm, global_clipnorm, xp) -> list:
    """:func:`gradient_scales`' norm clipping with the norms kept on the device (0-d arrays, no read per
    step): the same rule, written with ``where``."""
    def clip_scale(norm, limit):
        return xp.where(norm <= limit, inv_scale, inv_scale * limit / norm)  # NaN norms give NaN, as on the host

    # each scale in its gradient's dtype: the host multiplies by a (weak) Python float in that dtype too
    if clipnorm:
        return [clip_scale(xp.sqrt(_squares(g, xp)) * inv_scale, clipnorm).astype(g.dtype) for g in grads]
    norm = xp.sqrt(sum(_squares(g, xp) for g in grads)) * inv_scale
    scale = xp.where(xp.isfinite(norm), clip_scale(norm, global_clipnorm), math.nan)
    return [scale.astype(g.dtype) for g in grads]


def _squares(g, xp):
    f = g.reshape(-1)
    if f.dtype.itemsize < 4:
        f = f.astype(xp.float32)
    return xp.dot(f, f).astype(xp.float64)


def sum_of_squares(g, xp) -> float:
    """``sum(g**2)`` as a Python float, in float32 at least (float16 sums of squares overflow)."""
    f = g.reshape(-1)
    if f.dtype.itemsize < 4:
        f = f.astype(xp.float32)
    return float(xp.dot(f, f))
