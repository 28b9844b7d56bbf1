"""FTRL-Proximal (McMahan et al., 2013), Keras' form, with L1, L2 and L2-shrinkage regularisation.

::

    g' = g + 2 * l2_shrinkage * w
    n' = n + g^2
    z += g' - (n'^(-p) - n^(-p)) / lr * w                  (p = learning_rate_power, <= 0)
    w = (clip(z, -l1, l1) - z) / (n'^(-p) / lr + 2 * (l2 + beta / (2 lr)))
    n = n'
"""
from __future__ import annotations

import math

from .base import Optimizer


class Ftrl(Optimizer):
    """FTRL. Slots: ``accumulator`` (starts at ``initial_accumulator_value``) and ``linear``.

    Args: learning_rate (0.001), learning_rate_power (-0.5, <= 0), initial_accumulator_value (0.1, >= 0),
    l1_regularization_strength, l2_regularization_strength, l2_shrinkage_regularization_strength (0.0, >= 0),
    beta (0.0), and the base arguments.
    """

    _n_scratch = 2

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, name="ftrl", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.learning_rate_power = self._hyper("learning_rate_power", learning_rate_power, -math.inf, 0.0)
        self.initial_accumulator_value = self._hyper("initial_accumulator_value", initial_accumulator_value, 0.0,
                                                     math.inf)
        self.l1_regularization_strength = self._hyper("l1_regularization_strength", l1_regularization_strength, 0.0,
                                                      math.inf)
        self.l2_regularization_strength = self._hyper("l2_regularization_strength", l2_regularization_strength, 0.0,
                                                      math.inf)
        self.l2_shrinkage_regularization_strength = self._hyper(
            "l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength, 0.0, math.inf)
        self.beta = self._hyper("beta", beta, 0.0, math.inf)

    def _slot_specs(self):
        return (("accumulator", self.initial_accumulator_value), ("linear", 0.0))

    def _scalars(self, lr, t):
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        return (lr, -self.learning_rate_power, self.l1_regularization_strength, 2.0 * l2,
                2.0 * self.l2_shrinkage_regularization_strength)

    def _update(self, w, g, slots, scratch, k):
        xp = self._xp
        lr, power, l1, two_l2, two_shrink = k
        n, z = slots
        new_n, tmp = scratch
        xp.multiply(g, g, out=new_n)
        new_n += n                                     # n' = n + g^2
        xp.power(new_n, power, out=tmp)
        tmp -= xp.power(n, power)
        tmp /= lr
        tmp *= w                                       # (n'^-p - n^-p) / lr * w
        z += g
        if self.l2_shrinkage_regularization_strength:  # the host value: k's are device arrays on a device
            z += two_shrink * w
        z -= tmp
        xp.power(new_n, power, out=tmp)
        tmp /= lr
        tmp += two_l2                                  # quadratic
        xp.clip(z, -l1, l1, out=w)
        w -= z
        w /= tmp
        n[...] = new_n

    def get_config(self):
        config = super().get_config()
        config.update({k: getattr(self, k) for k in (
            "learning_rate_power", "initial_accumulator_value", "l1_regularization_strength",
            "l2_regularization_strength", "l2_shrinkage_regularization_strength", "beta")})
        return config
