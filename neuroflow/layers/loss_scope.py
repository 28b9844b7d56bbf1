"""Losses added with ``Layer.add_loss`` during one forward pass, collected by that pass alone.

Keras' ``self.add_loss(value)`` inside ``call`` adds ``value`` to the training loss of the step whose forward
pass ran that call. The outermost ``Layer.__call__`` of a pass (or a training step, which opens the scope itself
with :func:`collect_losses`) owns one :class:`LossScope`; every ``add_loss`` inside the pass appends to it. The
scope lives in a ``ContextVar``: a pass in another thread (or asyncio task) has its own, so a concurrent call,
or a model called on other data between two steps, can never leak losses into this step.

:class:`AddedLosses` is the part of ``Layer`` that implements ``add_loss`` and ``losses`` on top of it.
"""
from __future__ import annotations

import contextlib
import contextvars

from ..autograd.tensor import Tensor

_ACTIVE: contextvars.ContextVar = contextvars.ContextVar("neuroflow_loss_scope", default=None)


class LossScope:
    """The losses (scalar or per-sample Tensors) added during one forward pass, in the order they were added."""

    __slots__ = ("losses", "__weakref__")

    def __init__(self):
        self.losses = []


def active_scope():
    """The scope of the forward pass running in this context, or ``None`` outside any layer call."""
    return _ACTIVE.get()


def enter_scope():
    """Open a fresh scope for a forward pass; returns ``(scope, token)`` for :func:`exit_scope`."""
    scope = LossScope()
    return scope, _ACTIVE.set(scope)


def exit_scope(token) -> None:
    _ACTIVE.reset(token)


@contextlib.contextmanager
def collect_losses():
    """``with collect_losses() as scope: outputs = model(x)`` — ``scope.losses`` then holds every loss that the
    layers of this forward pass added (``add_loss``, activity regularizers), and nothing from any other pass."""
    scope, token = enter_scope()
    try:
        yield scope
    finally:
        exit_scope(token)


class AddedLosses:
    """What ``Layer`` does with losses: ``add_loss``, ``losses`` and the per-pass bookkeeping. A layer keeps its
    own losses of its latest pass (``_call_losses``) with that pass's scope (``_loss_scope``); ``losses`` of a
    layer or model gathers those of its sub-layers that belong to its own latest pass (``_last_scope``)."""

    def add_metric(self, *args, **kwargs):
        """Removed in Keras 3, which raises this same NotImplementedError with the replacement."""
        raise NotImplementedError(
            f"layer {self.name!r}: add_metric() was removed in Keras 3. Add the metric in "
            f"Model.compile(metrics=[...]), or create metric trackers in __init__() or build() and call "
            f"metric.update_state() in call()")

    def add_loss(self, loss) -> None:
        """Add ``loss`` (a Tensor: a scalar, or per-sample values that training sums; or a list of them) to the
        training loss, as Keras' ``add_loss``: call it inside ``call``, where it joins the loss of the forward pass
        that runs the call (and ``self.losses`` until this layer's next pass). A model that adds its own losses may
        be compiled without a ``loss``."""
        values = list(loss) if isinstance(loss, (list, tuple)) else [loss]
        values = [v if isinstance(v, Tensor) else Tensor(v) for v in values]
        scope = active_scope()
        d = self.__dict__
        if d.get("_loss_scope") is not scope or "_call_losses" not in d:  # the first loss of a new pass
            d["_call_losses"], d["_loss_scope"] = [], scope
        d["_call_losses"].extend(values)
        if scope is not None:
            scope.losses.extend(values)

    @property
    def _losses(self) -> list:
        """This layer's own losses from its latest forward pass (``add_loss``, activity regularizer)."""
        return self.__dict__.get("_call_losses", [])

    @_losses.setter
    def _losses(self, values) -> None:
        # A layer that computes its losses after the base call (the RNNs' activity regularizer) assigns them here:
        # they replace this layer's losses of the pass and join the pass's scope, like add_loss.
        d = self.__dict__
        d["_call_losses"], d["_loss_scope"] = [], active_scope()
        if values:
            self.add_loss(list(values))

    def _weight_penalties(self) -> list:
        """The weight regularizers' penalties of this layer and its sub-layers (scalar Tensors)."""
        return [reg(var) for layer in self._flatten_layers() for var, reg in layer._weight_regularizers]

    @property
    def losses(self) -> list:
        """Scalar (or per-sample) loss Tensors: those added during this layer's latest forward pass by it and its
        sub-layers (``add_loss``, activity regularizers), then the weight regularizers' penalties (Keras' order)."""
        return self._pass_losses() + self._weight_penalties()

    def _pass_losses(self) -> list:
        """The losses this layer and its sub-layers added during this layer's latest forward pass (and any added
        outside a pass); a sub-layer's losses from a pass of its own, elsewhere, are not these."""
        last = self.__dict__.get("_last_scope")
        out = []
        for layer in self._flatten_layers():
            scope = layer.__dict__.get("_loss_scope")
            if scope is None or scope is last:
                out += layer._losses
        return out
