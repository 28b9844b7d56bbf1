"""Adam (and AMSGrad), Keras' form.

With ``t = iterations + 1``::

    m += (g - m) * (1 - beta_1)
    v += (g**2 - v) * (1 - beta_2)
    v_max = max(v_max, v)                         # amsgrad only; then used instead of v
    w -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)

``epsilon`` is Kingma & Ba's "epsilon hat": it is added to ``sqrt(v)``, not to the bias-corrected
``sqrt(v / (1 - beta_2**t))`` as in PyTorch; the two agree exactly when epsilon is 0.
"""
from __future__ import annotations

import math

from .. import _native, _validate as check
from .base import Optimizer


class Adam(Optimizer):
    """Adam. Slots: ``m``, ``v`` and, with ``amsgrad``, ``vhat`` (the running maximum of ``v``).

    Args: learning_rate (0.001), beta_1 (0.9), beta_2 (0.999), epsilon (1e-7), amsgrad (False), and the base
    arguments (weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ..., name="adam", flat).
    """

    _keras_slot_groups = (("m", "v"), ("vhat",))
    _keras_slot_names = {"m": "momentum", "v": "velocity", "vhat": "velocity_hat"}

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, name="adam",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = self._hyper("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = self._hyper("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = self._hyper("epsilon", epsilon, 0.0, math.inf)
        self.amsgrad = check.boolean(amsgrad, type(self).__name__, "amsgrad")

    def _slot_specs(self):
        return (("m", 0.0), ("v", 0.0)) + ((("vhat", 0.0),) if self.amsgrad else ())

    def _scalars(self, lr, t):
        b1, b2 = self.beta_1, self.beta_2
        alpha = lr * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
        return 1.0 - b1, 1.0 - b2, alpha, self.epsilon

    def _update(self, w, g, slots, scratch, k):
        xp = self._xp
        c1, c2, alpha, eps = k
        m, v = slots[0], slots[1]
        lib = None if self.amsgrad else _native.library()
        if lib is not None and _native.usable(w, g, m, v):  # one pass instead of twelve; bitwise the same result
            ad = _native.address
            lib.nf_adam(ad(w), ad(g), ad(m), ad(v), w.size, c1, c2, alpha, eps)
            return
        tmp = scratch[0]
        xp.subtract(g, m, out=tmp)
        tmp *= c1
        m += tmp                               # m += (g - m) * (1 - beta_1)
        xp.multiply(g, g, out=tmp)
        tmp -= v
        tmp *= c2
        v += tmp                               # v += (g^2 - v) * (1 - beta_2)
        if self.amsgrad:
            xp.maximum(slots[2], v, out=slots[2])
            v = slots[2]
        xp.sqrt(v, out=tmp)
        tmp += eps
        xp.divide(m, tmp, out=tmp)
        tmp *= alpha
        w -= tmp                               # w -= alpha * m / (sqrt(v) + eps)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config
