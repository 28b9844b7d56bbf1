"""An optimizer's state as a flat ``{str: array}`` dict, and restoring it into its units.

Keys: ``'iterations'`` (int64: calls to apply), ``'learning_rate'`` (float64, when it is a float),
``'<i>/<name>'`` for registered variable ``i`` and each of its state arrays (the optimizer's slots, then
``average`` with ``use_ema`` and ``gradient_accumulator`` with ``gradient_accumulation_steps``), plus
optimizer-wide entries (Nadam: ``'u_product'``).
"""
from __future__ import annotations

from ..errors import SavingError


def unit_state(units: list, names: list) -> dict:
    """Copies of every unit's state arrays under ``'<index>/<name>'``."""
    return {f"{u.index}/{name}": arr.copy() for u in units for name, arr in zip(names, u.state_arrays())}


def load_unit_state(owner: str, units: list, names: list, state: dict, deferred: bool) -> None:
    """Copy ``state``'s per-variable entries into the units' arrays (in place: views of flat buffers stay
    views). Every expected key must be there, no other, each of its array's shape."""
    expected = {f"{u.index}/{n}": (u, k) for u in units for k, n in enumerate(names)}
    unknown = sorted(set(state) - set(expected))
    missing = sorted(set(expected) - set(state))
    where = " (state set before the first update)" if deferred else ""
    if unknown or missing:
        raise SavingError(f"{owner}.set_state{where}: the state does not match this optimizer, which has "
                          f"{len(units)} variable(s) with slots {names}; missing keys {missing[:6]}, unexpected "
                          f"keys {unknown[:6]}")
    for key, (u, k) in expected.items():
        dst, src = u.state_arrays()[k], state[key]
        if tuple(src.shape) != dst.shape:
            raise SavingError(f"{owner}.set_state: entry {key!r} has shape {tuple(src.shape)}, but variable "
                              f"{u.index} ({getattr(u.variable, 'path', None)!r}) has shape {dst.shape}")
        dst[...] = src
