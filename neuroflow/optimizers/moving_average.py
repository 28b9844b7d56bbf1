"""The moving average of the weights (Keras 3's ``use_ema``), updated after every update, copied into the
weights every ``ema_overwrite_frequency`` updates and by ``finalize_variable_values``."""
from __future__ import annotations


def update(units, momentum: float, overwrite: bool, xp) -> None:
    """``average = momentum * average + (1 - momentum) * weights`` for every unit (Variable- or FlatUnits: every
    registered variable, with a gradient this update or not); then, with ``overwrite``, ``weights = average``."""
    for u in units:
        avg, tmp = u.average, u.scratch[0]
        avg *= momentum
        xp.multiply(u.weights, 1.0 - momentum, out=tmp)
        avg += tmp
    if overwrite:
        for u in units:
            xp.copyto(u.weights, u.average)
