"""SGD with optional (Nesterov) momentum, Keras' form: ``v = momentum * v - lr * g; w += v``.

Nesterov: ``w += momentum * v - lr * g`` (after updating ``v``). For a constant learning rate this equals
PyTorch's ``b = momentum * b + g; w -= lr * b`` (``v = -lr * b``).
"""
from __future__ import annotations

from .. import _validate as check
from .base import Optimizer


class SGD(Optimizer):
    """Gradient descent with momentum. Slots: ``m`` (velocity, only when ``momentum > 0``).

    Args: learning_rate (0.01), momentum (0.0, in [0, 1]), nesterov (False), and the base arguments
    (weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ..., name="SGD", flat).
    """

    _keras_slot_groups = (("m",),)
    _keras_slot_names = {"m": "momentum"}

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum = self._hyper("momentum", momentum, 0.0, 1.0)
        self.nesterov = check.boolean(nesterov, type(self).__name__, "nesterov")

    def _slot_specs(self):
        return (("m", 0.0),) if self.momentum else ()

    def _scalars(self, lr, t):
        return lr, self.momentum

    def _update(self, w, g, slots, scratch, k):
        xp = self._xp
        lr, mu = k
        step = scratch[0]
        xp.multiply(g, lr, out=step)           # lr * g
        if not self.momentum:
            w -= step
            return
        v = slots[0]
        v *= mu
        v -= step                              # v = mu * v - lr * g
        if self.nesterov:
            w -= step
            xp.multiply(v, mu, out=step)
            w += step                          # w += mu * v - lr * g
        else:
            w += v

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
