"""RMSprop, Keras' form (optionally centered, optionally with plain momentum).

::

    v = rho * v + (1 - rho) * g**2
    mg = rho * mg + (1 - rho) * g                # centered only
    denominator = v - mg**2 + epsilon            # centered; else v + epsilon
    increment = lr * g / sqrt(denominator)
    m = momentum * m + increment; w -= m         # momentum > 0; else w -= increment

Keras adds epsilon inside the square root, PyTorch outside; they agree exactly when epsilon is 0.
"""
from __future__ import annotations

import math

from .. import _validate as check
from .base import Optimizer


class RMSprop(Optimizer):
    """RMSprop. Slots: ``v``; ``m`` when ``momentum > 0``; ``mg`` (mean gradient) when ``centered``.

    Args: learning_rate (0.001), rho (0.9), momentum (0.0), epsilon (1e-7), centered (False), and the base
    arguments (weight_decay, clipnorm, ..., name="rmsprop", flat).
    """

    _keras_slot_groups = (("v",), ("m",), ("mg",))
    _keras_slot_names = {"v": "velocity", "m": "momentum", "mg": "average_gradient"}

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, name="rmsprop",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = self._hyper("rho", rho, 0.0, 1.0)
        self.momentum = self._hyper("momentum", momentum, 0.0, 1.0)
        self.epsilon = self._hyper("epsilon", epsilon, 0.0, math.inf)
        self.centered = check.boolean(centered, type(self).__name__, "centered")

    def _slot_specs(self):
        return ((("v", 0.0),) + ((("m", 0.0),) if self.momentum > 0 else ())
                + ((("mg", 0.0),) if self.centered else ()))

    def _scalars(self, lr, t):
        return lr, self.rho, 1.0 - self.rho, self.epsilon, self.momentum

    def _update(self, w, g, slots, scratch, k):
        xp = self._xp
        lr, rho, c, eps, mu = k
        v = slots[0]
        tmp = scratch[0]
        v *= rho
        xp.multiply(g, g, out=tmp)
        tmp *= c
        v += tmp                               # v = rho * v + (1 - rho) * g^2
        if self.centered:
            mg = slots[-1]
            mg *= rho
            xp.multiply(g, c, out=tmp)
            mg += tmp                          # mg = rho * mg + (1 - rho) * g
            xp.multiply(mg, mg, out=tmp)
            xp.subtract(v, tmp, out=tmp)
            tmp += eps                         # v - mg^2 + eps
        else:
            xp.add(v, eps, out=tmp)
        xp.sqrt(tmp, out=tmp)
        xp.divide(g, tmp, out=tmp)
        tmp *= lr                              # increment = lr * g / sqrt(denominator)
        if self.momentum > 0:
            m = slots[1]
            m *= mu
            m += tmp
            w -= m
        else:
            w -= tmp

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
