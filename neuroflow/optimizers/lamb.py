"""LAMB (You et al., 2019), Keras' form: Adam's bias-corrected step scaled per variable by the trust ratio
``||w|| / ||step||`` (1 when either norm is 0). The ratio needs each variable whole, so LAMB neither packs
variables into flat buffers nor splits large ones across threads."""
from __future__ import annotations

import math

import numpy

from .base import Optimizer


class Lamb(Optimizer):
    """LAMB. Slots: ``m``, ``v``. Args: learning_rate (0.001), beta_1 (0.9), beta_2 (0.999), epsilon (1e-7), and
    the base arguments."""

    _elementwise = False

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="lamb", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = self._hyper("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = self._hyper("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = self._hyper("epsilon", epsilon, 0.0, math.inf)

    def _slot_specs(self):
        return (("m", 0.0), ("v", 0.0))

    def _scalars(self, lr, t):
        return lr, 1.0 - self.beta_1, 1.0 - self.beta_2, 1.0 - self.beta_1 ** t, 1.0 - self.beta_2 ** t, self.epsilon

    def _update(self, w, g, slots, scratch, k):
        xp = self._xp
        lr, c1, c2, bc1, bc2, eps = k
        m, v = slots
        tmp = scratch[0]
        m += (g - m) * c1
        v += (g * g - v) * c2
        xp.divide(v, bc2, out=tmp)
        xp.sqrt(tmp, out=tmp)
        tmp += eps
        xp.divide(m / bc1, tmp, out=tmp)               # the bias-corrected Adam step
        w_norm = xp.sqrt(xp.vdot(w.ravel(), w.ravel()))
        s_norm = xp.sqrt(xp.vdot(tmp.ravel(), tmp.ravel()))
        if xp is numpy:
            w_norm, s_norm = float(w_norm), float(s_norm)
            ratio = w_norm / s_norm if w_norm > 0 and s_norm > 0 else 1.0
        else:  # on a device the trust ratio stays there: no read per variable and step
            both = (w_norm > 0) & (s_norm > 0)
            ratio = xp.where(both, w_norm / xp.where(both, s_norm, 1.0), 1.0).astype(tmp.dtype)
        tmp *= lr * ratio
        w -= tmp

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
