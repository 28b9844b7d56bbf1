"""The op test harness: one row per differentiable function, two checks per row.

A row (:func:`case`) names the public op, a callable on neuroflow tensors, its inputs and the same computation in
PyTorch. ``test_op_table.py`` runs, for every row:

* finite differences in float64: the analytic gradient from ``backward`` against central differences of the
  forward, for every differentiable input (a random upstream gradient makes every output element count);
* PyTorch parity at float32: forward values and input gradients against torch's autograd.

Inputs are described by :func:`uniform` (the default for a plain shape tuple), :func:`positive`, :func:`away_from`
(values kept away from kinks such as relu's 0) or :func:`const` (non-differentiable arrays: indices, masks).
Rows live in ``rows_*.py`` files, each exporting ``ROWS``; every op marked ``@differentiable`` must appear in at
least one row (``test_every_differentiable_op_has_a_row``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class Input:
    make: Callable  # (rng, dtype) -> array
    differentiable: bool = True


def uniform(*shape, low=-2.0, high=2.0):
    """A differentiable input with values uniform in [low, high)."""
    return Input(lambda rng, dt: rng.uniform(low, high, size=shape).astype(dt))


def positive(*shape, low=0.5, high=2.0):
    """A differentiable input with strictly positive values (log, sqrt, division)."""
    return Input(lambda rng, dt: rng.uniform(low, high, size=shape).astype(dt))


def away_from(*shape, points=(0.0,), gap=0.1, low=-2.0, high=2.0):
    """A differentiable input with no value within ``gap`` of any of ``points`` (kinks: relu, abs, clip)."""
    def make(rng, dt):
        x = rng.uniform(low, high, size=shape)
        for p in points:
            near = np.abs(x - p) < gap
            x = np.where(near, p + np.sign(x - p + 1e-12) * (gap + rng.uniform(0, gap, size=shape)), x)
        return x.astype(dt)
    return Input(make)


def distinct(*shape, low=-2.0, high=2.0):
    """A differentiable input whose values are all distinct and well separated (max/min/sort-like ops)."""
    def make(rng, dt):
        n = int(np.prod(shape)) if shape else 1
        vals = np.linspace(low, high, n) + rng.uniform(-0.1, 0.1, n) * (high - low) / max(n, 1) * 0.5
        return rng.permutation(vals).reshape(shape).astype(dt)
    return Input(make)


def const(value):
    """A non-differentiable input (index array, mask, integer labels) passed as-is (callable: rng -> array)."""
    def make(rng, dt):
        arr = np.asarray(value(rng) if callable(value) else value)
        return arr.astype(dt) if arr.dtype.kind == "f" else arr  # float constants follow the run's dtype
    return Input(make, differentiable=False)


@dataclass
class Case:
    op: str
    fn: Callable
    inputs: list
    torch_fn: Callable | None = None
    id: str = ""
    atol: float = 1e-5
    rtol: float = 1e-4
    fd_atol: float = 1e-6
    fd_rtol: float = 1e-5
    eps: float = 1e-6
    torch_skip: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.op}[{self.id}]" if self.id else self.op


def case(op, fn, inputs, torch_fn=None, *, id="", **kw) -> Case:
    """One row. ``inputs``: list of :class:`Input` or plain shape tuples (uniform in [-2, 2)).

    ``fn(*tensors)`` calls neuroflow; ``torch_fn(*torch_tensors)`` the PyTorch equivalent (``None`` with
    ``torch_skip="reason"`` where torch has no counterpart). Both may return a tensor or a list/tuple of them.
    """
    inputs = [i if isinstance(i, Input) else uniform(*i) for i in inputs]
    return Case(op, fn, inputs, torch_fn, id=id, **kw)
