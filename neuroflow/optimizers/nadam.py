"""Nadam (Adam with Nesterov momentum, Dozat 2015), Keras' form.

With ``t = iterations + 1``, ``mu_t = beta_1 * (1 - 0.5 * 0.96**t)`` and ``u_product`` the running product of the
``mu_t`` (optimizer-wide state)::

    m += (g - m) * (1 - beta_1);  v += (g**2 - v) * (1 - beta_2)
    m_hat = mu_{t+1} * m / (1 - u_product * mu_{t+1}) + (1 - mu_t) * g / (1 - u_product)
    w -= lr * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)

This is PyTorch's NAdam with ``momentum_decay=1.0`` (PyTorch's default 0.004 scales the exponent of 0.96).
"""
from __future__ import annotations

import math

from .base import Optimizer
from .state import read_scalar, scalar_entry


class Nadam(Optimizer):
    """Nadam. Slots: ``m``, ``v``; optimizer-wide state ``u_product``.

    Args: learning_rate (0.001), beta_1 (0.9), beta_2 (0.999), epsilon (1e-7), and the base arguments
    (weight_decay, clipnorm, ..., name="nadam", flat).
    """

    _n_scratch = 2

    _keras_slot_names = {"m": "momentum", "v": "velocity"}

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="nadam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = self._hyper("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = self._hyper("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = self._hyper("epsilon", epsilon, 0.0, math.inf)
        self._u_product = 1.0

    def _mu(self, t: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** t)

    def _before_update(self, t):
        self._u_product *= self._mu(t)

    def _extra_state(self):
        return {"u_product": scalar_entry(self._u_product, "float64")}

    def _load_extra_state(self, state):
        if "u_product" in state:
            self._u_product = float(read_scalar(state["u_product"]))

    def _scalars(self, lr, t):
        mu, mu_next = self._mu(t), self._mu(t + 1)
        prod = self._u_product
        inv_bc2 = 1.0 / (1.0 - self.beta_2 ** t)
        a = lr * mu_next / (1.0 - prod * mu_next)   # weight of m
        b = lr * (1.0 - mu) / (1.0 - prod)          # weight of g
        return 1.0 - self.beta_1, 1.0 - self.beta_2, inv_bc2, self.epsilon, a, b

    def _slot_specs(self):
        return (("m", 0.0), ("v", 0.0))

    def _update(self, w, g, slots, scratch, k):
        xp = self._xp
        c1, c2, inv_bc2, eps, a, b = k
        m, v = slots[0], slots[1]
        tmp, den = scratch
        xp.subtract(g, m, out=tmp)
        tmp *= c1
        m += tmp                               # m += (g - m) * (1 - beta_1)
        xp.multiply(g, g, out=tmp)
        tmp -= v
        tmp *= c2
        v += tmp                               # v += (g^2 - v) * (1 - beta_2)
        xp.multiply(v, inv_bc2, out=den)
        xp.sqrt(den, out=den)
        den += eps                             # sqrt(v_hat) + eps
        xp.divide(m, den, out=tmp)
        tmp *= a
        w -= tmp
        xp.divide(g, den, out=tmp)
        tmp *= b
        w -= tmp                               # w -= lr * m_hat / den, in its two parts

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
