"""Lion (Chen et al., 2023), Keras' form: the sign of an interpolated momentum.

::

    w -= lr * sign(beta_1 * m + (1 - beta_1) * g)
    m = beta_2 * m + (1 - beta_2) * g
"""
from __future__ import annotations

from .base import Optimizer


class Lion(Optimizer):
    """Lion. Slot: ``m``. Args: learning_rate (0.001), beta_1 (0.9), beta_2 (0.99), and the base arguments."""

    _keras_slot_names = {"m": "momentum"}

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name="lion", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = self._hyper("beta_1", beta_1, 0.0, 1.0)
        self.beta_2 = self._hyper("beta_2", beta_2, 0.0, 1.0)

    def _slot_specs(self):
        return (("m", 0.0),)

    def _scalars(self, lr, t):
        return lr, self.beta_1, 1.0 - self.beta_1, self.beta_2, 1.0 - self.beta_2

    def _update(self, w, g, slots, scratch, k):
        xp = self._xp
        lr, b1, c1, b2, c2 = k
        m, tmp = slots[0], scratch[0]
        xp.multiply(m, b1, out=tmp)
        tmp += g * c1
        xp.sign(tmp, out=tmp)
        tmp *= lr
        w -= tmp
        m *= b2
        m += g * c2

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
