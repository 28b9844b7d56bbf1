"""An optimizer's state as a flat ``{str: array}`` dict, and restoring it into its units.

Keys: ``'iterations'`` (int64: calls to apply), ``'learning_rate'`` (float64, when it is a float),
``'<i>/<name>'`` for registered variable ``i`` and each of its state arrays (the optimizer's slots, then
``average`` with ``use_ema`` and ``gradient_accumulator`` with ``gradient_accumulation_steps``), plus
optimizer-wide entries (Nadam: ``'u_product'``).

Where each lives: the per-variable arrays on the device of their variable (a copy there: taking the state costs
no transfer), the optimizer-wide numbers on the host, where the update reads them (:func:`scalar_entry`).
Restoring accepts either; host arrays are copied to the device explicitly (:func:`on_module`), and files are
written and read on the host by :mod:`neuroflow.saving`.
"""
from __future__ import annotations

import numpy

from ..backend import get_array_module, to_host
from ..errors import SavingError


def scalar_entry(value, dtype) -> numpy.ndarray:
    """A host 0-d array of ``dtype`` for an optimizer-wide number (iterations, a float learning rate, Nadam's
    momentum product): the optimizer keeps these as Python numbers on the host, so no device is involved."""
    return numpy.asarray(value, dtype=dtype)


def read_scalar(value):
    """The Python number in a state entry (a host or device 0-d array, or a number): an explicit read, which for
    a device array is one counted transfer (restoring state is no step of the training loop)."""
    return to_host(value).item()


def on_module(array, xp):
    """``array`` as an array of module ``xp``: as it is when it is one, else through the host (an explicit upload
    of host data; a device array of another device is read first). Shapes: any -> same."""
    if get_array_module(array) is xp and not isinstance(array, (list, tuple)):
        return array
    return xp.asarray(to_host(array))


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
        dst = u.state_arrays()[k]
        src = on_module(state[key], get_array_module(dst))
        if tuple(src.shape) != dst.shape:
            raise SavingError(f"{owner}.set_state: entry {key!r} has shape {tuple(src.shape)}, but variable "
                              f"{u.index} ({getattr(u.variable, 'path', None)!r}) has shape {dst.shape}")
        dst[...] = src
