"""Schedule-free AdamW (Defazio et al., 2024), Keras 3's form: no learning-rate schedule is needed, because the
weights are an interpolation ``y = (1 - beta_1) * z + beta_1 * x`` between the Adam-style iterate ``z`` and the
running average ``x`` of the iterates (weight ``1 / t``). The weights the model holds are ``y``; ``x`` is
recovered from ``y`` and the previous ``z`` at each step, so only ``z`` (``momentum``) and Adam's second moment
(``velocity``) are kept, and the kernel is element-wise (it packs and splits like Adam).

Keras' code reads the previous ``z`` as ``momentum.value`` after updating it in place; on its JAX and TensorFlow
backends that value is the previous one (the algorithm as published), on its torch backend it is already the new
one. neuroflow follows the algorithm; the two agree on the first step and then drift apart slightly.
"""
from __future__ import annotations

import math

from ..errors import ConfigError
from .base import Optimizer
from .state import load_unit_state


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW. Slots: ``momentum`` (the iterate ``z``, starting at the weights), ``velocity``.

    Args: learning_rate (0.0025), beta_1 (0.9: the interpolation), beta_2 (0.999), epsilon (1e-8), warmup_steps
    (0: the learning rate ramps up linearly over that many steps), weight_decay (None; decoupled, as AdamW's), and
    the base arguments. Shapes: any variable.
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0,
                 weight_decay=None, name="schedule_free_adam_w", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name=name, **kwargs)
        self.beta_1 = self._hyper("beta_1", beta_1, 0.0, 1.0, high_open=True)
        if self.beta_1 == 0:
            raise ConfigError("ScheduleFreeAdamW: beta_1 must be > 0 (the average is recovered by dividing by it)")
        self.beta_2 = self._hyper("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = self._hyper("epsilon", epsilon, 0.0, math.inf)
        self.warmup_steps = int(self._hyper("warmup_steps", warmup_steps, 0.0, math.inf))

    def _slot_specs(self):
        return (("momentum", 0.0), ("velocity", 0.0))

    def build(self, variables, owns_storage: bool = False) -> None:
        pending, self._pending_state = self._pending_state, None  # loaded below, after z starts at the weights
        known = len(self._units)
        super().build(variables, owns_storage)
        for unit in self._units[known:]:
            unit.slots[0][...] = unit.weights
        if pending is not None:
            load_unit_state(type(self).__name__, self._units, self._state_names(), pending, deferred=True)

    def _scalars(self, lr, t):
        if self.warmup_steps > 0:
            lr = lr * min(t / self.warmup_steps, 1.0)
        return lr, 1.0 - self.beta_2, 1.0 - self.beta_2 ** t, self.beta_1, 1.0 / t, self.epsilon

    def _update(self, w, g, slots, scratch, k):
        xp = self._xp
        lr, c2, bc2, b1, weight, eps = k
        z, v = slots
        x = scratch[0]
        xp.subtract(w, (1 - b1) * z, out=x)  # the average x, from the weights and the previous z
        x /= b1
        v += (g * g - v) * c2
        z -= lr * g / (xp.sqrt(v / bc2) + eps)
        x *= 1 - weight
        x += weight * z
        xp.multiply(x, b1, out=w)
        w += (1 - b1) * z

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config
