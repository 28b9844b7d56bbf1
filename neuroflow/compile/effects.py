"""Side effects and helper nodes of a recorded step: variable assignment, and views of a feed.

An :class:`Assign` instruction writes its argument into a variable (``assign``, ``assign_add`` or
``assign_sub``), as ``Variable.assign`` did while the step was traced (BatchNormalization's moving statistics).
``effect = True``: passes never drop or reorder it; replay runs the effects after the whole forward, once every
guard has passed, so that a step abandoned for a re-trace has changed nothing.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..backend import to_device


class Assign(Function):
    """``variable (op)= value``. Shapes: ``value`` broadcastable to the variable's shape -> the variable's array."""

    __slots__ = ("variable", "mode")
    effect = True

    def __init__(self, variable, mode: str = "assign"):
        self.variable, self.mode = variable, mode

    @property
    def name(self) -> str:
        return "assign" if self.mode == "assign" else f"assign_{self.mode}"

    def describe(self) -> str:
        return str(self.variable.path or self.variable.name or "")

    def forward(self, value):
        data = self.variable.data
        if self.mode == "assign":
            data[...] = value
        elif self.mode == "add":
            data += value
        else:
            data -= value
        return data

    def backward(self, g):
        return (None,)


class FeedView(Function):
    """A feed as the traced code saw it after NumPy reshaped or cast it outside the graph (labels ``(N,)`` read as
    ``(N, 1)``, integer labels as floats), and, with ``device``, a host feed the code copied to that device
    (``Tensor(host_array)`` on a device: copied again at every run, as eagerly). Shapes: the feed -> ``shape`` in
    ``dtype``."""

    __slots__ = ("shape", "dtype", "device")

    def __init__(self, shape, dtype, device=None):
        self.shape, self.dtype, self.device = tuple(shape), dtype, device

    @property
    def name(self) -> str:
        return "feed_view"

    def describe(self) -> str:
        return f"{self.shape}, {self.dtype}" + (f", to {self.device}" if self.device else "")

    def forward(self, feed):
        view = feed.reshape(self.shape).astype(self.dtype, copy=False)
        return view if self.device is None else to_device(view, self.device)

    def backward(self, g):
        return (None,)


__all__ = ["Assign", "FeedView"]
