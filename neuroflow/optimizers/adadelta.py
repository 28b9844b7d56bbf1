"""Adadelta, Keras' form (the same as PyTorch's)::

    acc_grad = rho * acc_grad + (1 - rho) * g**2
    delta = sqrt(acc_delta + epsilon) / sqrt(acc_grad + epsilon) * g
    acc_delta = rho * acc_delta + (1 - rho) * delta**2
    w -= lr * delta
"""
from __future__ import annotations

import math

from .base import Optimizer


class Adadelta(Optimizer):
    """Adadelta. Slots: ``acc_grad``, ``acc_delta``.

    Args: learning_rate (0.001; 1.0 is the paper's form), rho (0.95), epsilon (1e-7), and the base arguments
    (weight_decay, clipnorm, ..., name="adadelta", flat).
    """

    _n_scratch = 2

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = self._hyper("rho", rho, 0.0, 1.0)
        self.epsilon = self._hyper("epsilon", epsilon, 0.0, math.inf)

    def _slot_specs(self):
        return (("acc_grad", 0.0), ("acc_delta", 0.0))

    def _scalars(self, lr, t):
        return lr, self.rho, 1.0 - self.rho, self.epsilon

    def _update(self, w, g, slots, scratch, k):
        xp = self._xp
        lr, rho, c, eps = k
        acc_grad, acc_delta = slots
        delta, tmp = scratch
        acc_grad *= rho
        xp.multiply(g, g, out=tmp)
        tmp *= c
        acc_grad += tmp                        # acc_grad = rho * acc_grad + (1 - rho) * g^2
        xp.add(acc_delta, eps, out=delta)
        xp.sqrt(delta, out=delta)
        delta *= g
        xp.add(acc_grad, eps, out=tmp)
        xp.sqrt(tmp, out=tmp)
        delta /= tmp                           # delta = sqrt(acc_delta + eps) * g / sqrt(acc_grad + eps)
        acc_delta *= rho
        xp.multiply(delta, delta, out=tmp)
        tmp *= c
        acc_delta += tmp                       # acc_delta = rho * acc_delta + (1 - rho) * delta^2
        delta *= lr
        w -= delta

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
