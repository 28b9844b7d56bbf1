"""Adamax (Adam with the infinity norm), Keras' form::

    m += (g - m) * (1 - beta_1)
    u = max(beta_2 * u, |g|)
    w -= lr / (1 - beta_1**t) * m / (u + epsilon)

PyTorch adds epsilon to ``|g|`` inside the max instead; the two agree exactly when epsilon is 0.
"""
from __future__ import annotations

import math

from .base import Optimizer


class Adamax(Optimizer):
    """Adamax. Slots: ``m``, ``u`` (exponentially weighted infinity norm).

    Args: learning_rate (0.001), beta_1 (0.9), beta_2 (0.999), epsilon (1e-7), and the base arguments
    (weight_decay, clipnorm, ..., name="adamax", flat).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = self._hyper("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = self._hyper("beta_2", beta_2, 0.0, 1.0)
        self.epsilon = self._hyper("epsilon", epsilon, 0.0, math.inf)

    def _slot_specs(self):
        return (("m", 0.0), ("u", 0.0))

    def _scalars(self, lr, t):
        return 1.0 - self.beta_1, self.beta_2, lr / (1.0 - self.beta_1 ** t), self.epsilon

    def _update(self, w, g, slots, scratch, k):
        xp = self._xp
        c1, b2, step, eps = k
        m, u = slots
        tmp = scratch[0]
        xp.subtract(g, m, out=tmp)
        tmp *= c1
        m += tmp                               # m += (g - m) * (1 - beta_1)
        u *= b2
        xp.abs(g, out=tmp)
        xp.maximum(u, tmp, out=u)              # u = max(beta_2 * u, |g|)
        xp.add(u, eps, out=tmp)
        xp.divide(m, tmp, out=tmp)
        tmp *= step
        w -= tmp                               # w -= lr / (1 - beta_1^t) * m / (u + eps)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
