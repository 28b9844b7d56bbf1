"""Adafactor (Shazeer & Stern, 2018), Keras 3's form: second moments factored into row and column statistics for
variables of 2 or more axes, an update clipped by its RMS, and a step size relative to the weights' RMS.

For a variable of shape ``(..., n, m)`` the state is ``r`` ``(..., n)`` (the mean of ``g^2 + eps_1`` over the last
axis, moving) and ``c`` ``(..., m)`` (over the one before); the full second moment is rebuilt from them each step
as ``r / mean(r) * c``. Those shapes differ from the variable's, so Adafactor works on each variable whole (no flat
packing) and, after the base class has made its slots, swaps in the factored arrays; ``get_state`` / ``set_state``
save them under ``'<i>/r'`` and ``'<i>/c'`` like any slot (0-d for variables of fewer than 2 axes, as in Keras).
"""
from __future__ import annotations

import math

from ..errors import ConfigError
from .base import Optimizer
from .state import load_unit_state


class Adafactor(Optimizer):
    """Adafactor. Slots: ``velocity`` (the variable's shape), ``r``, ``c`` (factored, see the module docstring).

    Args: learning_rate (0.001; the step is ``min(learning_rate, 1 / sqrt(t)) * max(epsilon_2, rms(w))``),
    beta_2_decay (-0.8: the second moment's decay is ``1 - t ** beta_2_decay``), epsilon_1 (1e-30, added to
    ``g^2``), epsilon_2 (1e-3), clip_threshold (1.0: the update's RMS is clipped to it), relative_step (True), and
    the base arguments. Shapes: any variable; 2-D and more get factored statistics.
    """

    _elementwise = False
    #: r, c and the velocity hold g^2 + epsilon_1 (1e-30): sweeping them to 0 would divide by 0
    _sweeps_state = False

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                 relative_step=True, name="adafactor", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_2_decay = self._hyper("beta_2_decay", beta_2_decay, -math.inf, 0.0)
        self.epsilon_1 = self._hyper("epsilon_1", epsilon_1, 0.0, math.inf)
        self.epsilon_2 = self._hyper("epsilon_2", epsilon_2, 0.0, math.inf)
        self.clip_threshold = self._hyper("clip_threshold", clip_threshold, 0.0, math.inf)
        if self.clip_threshold == 0:
            raise ConfigError("Adafactor: clip_threshold must be > 0 (the update is divided by rms / clip_threshold)")
        self.relative_step = bool(relative_step)

    def _slot_specs(self):
        return (("velocity", 0.0), ("r", 0.0), ("c", 0.0))

    def build(self, variables, owns_storage: bool = False) -> None:
        pending, self._pending_state = self._pending_state, None  # loaded below, once r and c have their shapes
        known = len(self._units)
        super().build(variables, owns_storage)
        xp = self._xp
        for unit in self._units[known:]:
            d = unit.weights
            velocity = unit.slots[0]
            if d.ndim >= 2:
                r = xp.zeros(d.shape[:-1], dtype=d.dtype)
                c = xp.zeros(d.shape[:-2] + d.shape[-1:], dtype=d.dtype)
            else:
                r, c = xp.zeros((), dtype=d.dtype), xp.zeros((), dtype=d.dtype)
            unit.slots = (velocity, r, c)
        if pending is not None:
            load_unit_state(type(self).__name__, self._units, self._state_names(), pending, deferred=True)

    def _scalars(self, lr, t):
        rho = min(lr, 1.0 / math.sqrt(t))  # relative_step or not, Keras caps the step at 1 / sqrt(t)
        return rho, 1.0 - t ** self.beta_2_decay, self.epsilon_1, self.epsilon_2, self.clip_threshold

    def _update(self, w, g, slots, scratch, k):
        xp = self._xp
        rho, beta, eps_1, eps_2, clip = k
        velocity, r, c = slots
        step = xp.maximum(eps_2, xp.sqrt(xp.mean(w * w))) * rho  # from the weights before this update
        g2 = scratch[0]
        xp.multiply(g, g, out=g2)
        g2 += eps_1
        if w.ndim >= 2:
            r[...] = beta * r + (1 - beta) * g2.mean(axis=-1)
            c[...] = beta * c + (1 - beta) * g2.mean(axis=-2)
            xp.multiply((r / r.mean(axis=-1, keepdims=True))[..., None], c[..., None, :], out=velocity)
        else:
            velocity *= beta
            velocity += (1 - beta) * g2
        update = g / xp.sqrt(velocity)
        update /= xp.maximum(1.0, xp.sqrt(xp.mean(update * update)) / clip)
        update *= step
        w -= update

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                       "clip_threshold": self.clip_threshold, "relative_step": self.relative_step})
        return config
