"""Gradient accumulation (Keras 3's ``gradient_accumulation_steps``): the weights change every ``steps``-th call
only, by the mean of the (unscaled) gradients of the last ``steps`` calls."""
from __future__ import annotations


def accumulate(pairs: list, steps: int, calls: int, inv_scale: float, all_units: list):
    """Add each unscaled gradient (``gradient * inv_scale``) of the ``(unit, gradient)`` pairs to its unit's
    accumulator. ``calls``: calls before this one. On every ``steps``-th call, returns the pairs with the mean
    ``(gradient * inv_scale + accumulated) / steps`` (new arrays) and zeroes the accumulators of ``all_units``;
    on the other calls returns None (no update now)."""
    if (calls + 1) % steps:
        for u, g in pairs:
            u.accumulator += g * inv_scale if inv_scale != 1.0 else g
        return None
    out = []
    for u, g in pairs:
        total = g * inv_scale if inv_scale != 1.0 else g.copy()
        total += u.accumulator
        total /= steps
        out.append((u, total))
    for u in all_units:
        u.accumulator[...] = 0
    return out
