"""Muon (Jordan et al., 2024; Liu et al., 2025), Keras 3's form: momentum orthogonalised by a Newton–Schulz
iteration for 2-D weights, AdamW for every other variable.

A 2-D variable whose path names no embedding (with ``exclude_embeddings``) and matches none of the
``exclude_layers`` patterns takes the Muon step::

    m = momentum * m + g
    u = g + momentum * m            (nesterov; else u = m)
    w -= NS5(lr * ... u) * sqrt(max(rows, cols)) * rms_rate

where ``NS5`` normalises ``u`` by its Frobenius norm and runs ``ns_steps`` quintic Newton–Schulz iterations
``X <- a X + (b A + c A A) X`` with ``A = X X^T`` (on the wide orientation: a tall matrix is transposed first), so
that ``u``'s singular values move towards 1. Every other variable takes Keras' Adam step with the learning rate
``lr * adam_lr_ratio``. Weight decay is decoupled (``w -= w * wd * lr`` before the step): ``weight_decay`` for
Muon variables, ``adam_weight_decay`` for the others.
"""
from __future__ import annotations

import math
import re

from ..errors import ConfigError
from .base import Optimizer


class Muon(Optimizer):
    """Keras' ``keras.optimizers.Muon``. Slots: ``momentum`` (every variable), ``velocity`` (used by the AdamW
    variables). Variables are updated whole (no flat packing, no slicing): the Muon step is a matrix function.

    Args (Keras' names and defaults): learning_rate (0.001), adam_beta_1 (0.9), adam_beta_2 (0.999),
    adam_weight_decay (0.004), epsilon (1e-7), weight_decay (0.004), exclude_layers (None: list of regular
    expressions searched in variable paths), exclude_embeddings (True), muon_a (3.4445), muon_b (-4.7750), muon_c
    (2.0315), adam_lr_ratio (1), momentum (0.95), ns_steps (5), nesterov (True), rms_rate (0.2; None turns the
    shape scaling off), and the base arguments (clipnorm, clipvalue, global_clipnorm, use_ema, ...).
    """

    _elementwise = False  # Newton–Schulz needs each matrix whole

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-7, weight_decay=0.004, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="muon", exclude_layers=None, exclude_embeddings=True,
                 muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5,
                 nesterov=True, rms_rate=0.2, **kwargs):
        # weight decay differs between the two kinds of variable, so the kernel applies it (not the base class)
        super().__init__(learning_rate=learning_rate, weight_decay=None, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.adam_beta_1 = self._hyper("adam_beta_1", adam_beta_1, 0.0, 1.0)
        self.adam_beta_2 = self._hyper("adam_beta_2", adam_beta_2, 0.0, 1.0)
        self.epsilon = self._hyper("epsilon", epsilon, 0.0, math.inf)
        self.muon_weight_decay = self._hyper("weight_decay", weight_decay or 0.0, 0.0, math.inf)
        self.adam_weight_decay = adam_weight_decay if adam_weight_decay is None else self._hyper(
            "adam_weight_decay", adam_weight_decay, 0.0, math.inf)
        self._weight_decay_given = weight_decay
        self.muon_a, self.muon_b, self.muon_c = float(muon_a), float(muon_b), float(muon_c)
        self.adam_lr_ratio = self._hyper("adam_lr_ratio", adam_lr_ratio, 0.0, math.inf)
        self.momentum = self._hyper("momentum", momentum, 0.0, 1.0)
        if isinstance(ns_steps, bool) or not isinstance(ns_steps, int) or ns_steps < 0:
            raise ConfigError(f"Muon: ns_steps must be a non-negative int, got {ns_steps!r}")
        self.ns_steps = ns_steps
        self.nesterov = bool(nesterov)
        self.rms_rate = None if rms_rate is None else self._hyper("rms_rate", rms_rate, 0.0, math.inf)
        self.exclude_layers = list(exclude_layers or [])
        self.exclude_embeddings = bool(exclude_embeddings)
        self._by_array = {}  # id(variable array) -> its unit: the kernel sees arrays, the rule needs the variable

    def uses_adamw(self, variable) -> bool:
        """Keras' rule: AdamW for a variable that is not 2-D, an embedding (with ``exclude_embeddings``) or whose
        path matches one of ``exclude_layers``; Muon otherwise."""
        if len(variable.shape) != 2:
            return True
        path = str(getattr(variable, "path", None) or variable.name or "")
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(pattern, path) for pattern in self.exclude_layers)

    def _slot_specs(self):
        return (("momentum", 0.0), ("velocity", 0.0))

    def build(self, variables, owns_storage: bool = False) -> None:
        super().build(variables, owns_storage)
        self._by_array = {id(u.weights): (u, self.uses_adamw(u.variable)) for u in self._units}

    def _scalars(self, lr, t):
        return lr, float(t)

    def _update(self, w, g, slots, scratch, k):
        unit, adamw = self._by_array.get(id(w), (None, w.ndim != 2))
        # k holds NumPy scalars (0-d NumPy arrays on the host), also for a device variable: reading them is free
        lr, t = float(k[0]), float(k[1])
        decay = (self.adam_weight_decay or 0.0) if adamw else self.muon_weight_decay
        if decay and (unit is None or unit.decay):
            w *= w.dtype.type(1.0 - decay * lr)
        if adamw:
            self._adam_step(w, g, slots, lr * self.adam_lr_ratio, t)
        else:
            self._muon_step(w, g, slots[0], lr)

    def _adam_step(self, w, g, slots, lr, t):
        m, v = slots
        b1, b2 = self.adam_beta_1, self.adam_beta_2
        alpha = w.dtype.type(lr * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t))
        m += (g - m) * w.dtype.type(1.0 - b1)
        v += (g * g - v) * w.dtype.type(1.0 - b2)
        w -= m * alpha / (self._xp.sqrt(v) + w.dtype.type(self.epsilon))

    def _muon_step(self, w, g, m, lr):
        dtype = w.dtype.type
        m *= dtype(self.momentum)
        m += g
        direction = g + dtype(self.momentum) * m if self.nesterov else m
        update = newton_schulz5(direction, self.ns_steps, self.muon_a, self.muon_b, self.muon_c, self._xp)
        scale = lr if self.rms_rate is None else lr * math.sqrt(max(w.shape)) * self.rms_rate
        w -= update * dtype(scale)

    def get_config(self):
        config = super().get_config()
        config.update({"weight_decay": self._weight_decay_given, "adam_beta_1": self.adam_beta_1,
                       "adam_beta_2": self.adam_beta_2, "epsilon": self.epsilon,
                       "exclude_layers": self.exclude_layers, "muon_a": self.muon_a, "muon_b": self.muon_b,
                       "muon_c": self.muon_c, "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
                       "ns_steps": self.ns_steps, "nesterov": self.nesterov,
                       "exclude_embeddings": self.exclude_embeddings,
                       "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate})
        return config


def newton_schulz5(x, steps: int, a: float, b: float, c: float, xp):
    """The quintic Newton–Schulz iteration of Muon on a matrix ``x`` (m, n) -> (m, n) of the same dtype: ``x``
    over its Frobenius norm, then ``steps`` times ``X <- a X + (b A + c A A) X`` with ``A = X X^T``, computed on
    the wide orientation (the smaller Gram matrix)."""
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    dtype = x.dtype.type
    x = x / (xp.sqrt(xp.sum(x * x)) + dtype(1e-7))
    for _ in range(steps):
        gram = x @ x.T
        x = dtype(a) * x + (dtype(b) * gram + dtype(c) * gram @ gram) @ x
    return x.T if tall else x
