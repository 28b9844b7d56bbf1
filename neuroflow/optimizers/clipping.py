"""Unscaling and clipping gradients, as Keras 3 does before weight decay and the update.

The loss-scale factor and norm clipping are both a multiplier per gradient; :func:`gradient_scales` computes
those multipliers (Python floats) from the gradients' norms, and :mod:`.units` applies each in the same pass that
copies the gradient into its buffer, followed by ``clipvalue``'s element-wise clip. At most one of ``clipnorm``
(per variable), ``global_clipnorm`` (all gradients together) and ``clipvalue`` is set.
"""
from __future__ import annotations

import math


def gradient_scales(grads: list, inv_scale: float, clipnorm, global_clipnorm, clipvalue, xp):
    """One multiplier per gradient (arrays of any shape): ``inv_scale`` (``1 / loss_scale_factor``) times the
    norm clipping's factor, or None when every multiplier would be 1 and there is no ``clipvalue``."""
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


def sum_of_squares(g, xp) -> float:
    """``sum(g**2)`` as a Python float, in float32 at least (float16 sums of squares overflow)."""
    f = g.reshape(-1)
    if f.dtype.itemsize < 4:
        f = f.astype(xp.float32)
    return float(xp.dot(f, f))
