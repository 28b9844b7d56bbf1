"""Decoupled weight decay (Keras 3, Loshchilov & Hutter): ``w -= w * weight_decay * lr`` before the update, and
the exclusions that exempt some variables from it."""
from __future__ import annotations

import re


def decay_weights(work: list, keep: float) -> None:
    """Multiply the weights of each unit in the ``(unit, gradient)`` pairs that decays by ``keep``
    (``1 - weight_decay * lr``: one in-place multiply). A FlatUnit whose members do not all decay multiplies the
    views of those that do."""
    for unit, _ in work:
        which = unit.decay
        if which is True:
            w = unit.weights
            w *= keep
        elif which:
            for w in which:
                w *= keep


class Exclusions:
    """Which variables weight decay skips: those in ``var_list`` (by identity), and those whose name (``path``, else
    ``name``) contains one of the strings in ``var_names``."""
    __slots__ = ("ids", "pattern")

    def __init__(self, var_list=None, var_names=None):
        self.ids = {id(v) for v in var_list or ()}
        self.pattern = re.compile("|".join(map(re.escape, var_names))) if var_names else None

    def decays(self, variable) -> bool:
        """Whether weight decay applies to ``variable``."""
        if id(variable) in self.ids:
            return False
        if self.pattern is not None:
            name = getattr(variable, "path", None) or variable.name or ""
            return self.pattern.search(name) is None
        return True
