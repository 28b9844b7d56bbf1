"""Adagrad, Keras' form: ``acc += g**2; w -= lr * g / sqrt(acc + epsilon)``, ``acc`` starting at
``initial_accumulator_value``.

Keras adds epsilon inside the square root, PyTorch outside; they agree exactly when epsilon is 0.
"""
from __future__ import annotations

import math

from .base import Optimizer


class Adagrad(Optimizer):
    """Adagrad. Slots: ``acc`` (sum of squared gradients).

    Args: learning_rate (0.001), initial_accumulator_value (0.1, >= 0), epsilon (1e-7), and the base arguments
    (weight_decay, clipnorm, ..., name="adagrad", flat).
    """

    _keras_slot_names = {"acc": "accumulator"}

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = self._hyper("initial_accumulator_value", initial_accumulator_value,
                                                     0.0, math.inf)
        self.epsilon = self._hyper("epsilon", epsilon, 0.0, math.inf)

    _sweeps_state = False  # the accumulator only grows

    def _slot_specs(self):
        return (("acc", self.initial_accumulator_value),)

    def _scalars(self, lr, t):
        return lr, self.epsilon

    def _update(self, w, g, slots, scratch, k):
        xp = self._xp
        lr, eps = k
        acc = slots[0]
        tmp = scratch[0]
        xp.multiply(g, g, out=tmp)
        acc += tmp                             # acc += g^2
        xp.add(acc, eps, out=tmp)
        xp.sqrt(tmp, out=tmp)
        xp.divide(g, tmp, out=tmp)
        tmp *= lr
        w -= tmp                               # w -= lr * g / sqrt(acc + eps)

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon})
        return config
