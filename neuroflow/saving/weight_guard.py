"""A budget on the weights a model rebuilt from a file may allocate, checked before each allocation.

A config can name ``Dense(units=600000000)``; building it would allocate the kernel (gigabytes) before anything
compares it with the file. While :func:`weight_budget` is open, every layer that :func:`guard` is given (each one
the loader builds from a config) checks each ``add_weight(name, shape)`` first: the shape must equal the one the
file stores under that weight's path, and the running total of elements must stay within what the file stores
(or :data:`~.limits.MAX_UNSAVED_WEIGHT_ELEMENTS` when it stores none). The check replaces ``add_weight`` on the
layer *instance* only (the class is untouched) and :func:`release` removes it once the model is loaded.
"""
from __future__ import annotations

import contextlib
import threading

from ..errors import SavingError, ShapeError
from . import limits

_ACTIVE = threading.local()


class WeightShapeError(SavingError, ShapeError):
    """A stored weight whose shape does not match the model's (a SavingError and a ShapeError both)."""


class _Budget:
    def __init__(self, shapes: dict | None, where: str):
        self.shapes = shapes or {}
        stored = sum(_count(s) for s in self.shapes.values())
        self.left = stored + limits.WEIGHT_SLACK_ELEMENTS if shapes else limits.MAX_UNSAVED_WEIGHT_ELEMENTS
        self.where = where

    def charge(self, layer, name, shape):
        try:
            dims = tuple(int(s) for s in shape)
        except (TypeError, ValueError, OverflowError):
            raise SavingError(f"{self.where}: layer {layer.name!r} asks for weight {name!r} of shape {shape!r:.80}"
                              ) from None
        path = f"{layer.name}/{name}"
        stored = self.shapes.get(path)
        if stored is not None and tuple(stored) != dims and not (dims == () and tuple(stored) == (1,)):
            raise WeightShapeError(f"{self.where}: layer {layer.name!r} builds weight {name!r} with shape {dims} from "
                              f"its config, but the file stores {path!r} with shape {tuple(stored)}")
        if any(d < 0 for d in dims):
            raise SavingError(f"{self.where}: layer {layer.name!r} asks for weight {name!r} of negative shape "
                              f"{dims}")
        n = _count(dims)
        if n > self.left:
            raise SavingError(f"{self.where}: layer {layer.name!r} asks for weight {name!r} of shape {dims} "
                              f"({n} elements), more than the file's weights allow ({max(self.left, 0)} left); "
                              f"the config does not match the stored weights")
        self.left -= n


def _count(shape) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


@contextlib.contextmanager
def weight_budget(shapes: dict | None, where: str):
    """Open a budget: ``shapes`` maps weight paths to the shapes the file stores (``None``: no stored weights)."""
    previous = getattr(_ACTIVE, "budget", None)
    _ACTIVE.budget = _Budget(shapes, where)
    try:
        yield _ACTIVE.budget
    finally:
        _ACTIVE.budget = previous


def guard(layer) -> None:
    """Make ``layer`` and the layers inside it check the open budget before allocating a weight (no-op when no
    budget is open)."""
    budget = getattr(_ACTIVE, "budget", None)
    if budget is None:
        return
    for inner in layer._flatten_layers():
        if "add_weight" in inner.__dict__:
            continue
        original = type(inner).add_weight

        def checked_add_weight(*args, _layer=inner, _original=original, **kwargs):
            name, shape = _layer.weight_arguments(*args, **kwargs)[:2]  # any of add_weight's call forms
            budget.charge(_layer, name, shape)
            return _original(_layer, *args, **kwargs)

        object.__setattr__(inner, "add_weight", checked_add_weight)


def release(layer) -> None:
    """Remove the checks :func:`guard` put on ``layer`` and its inner layers."""
    for inner in layer._flatten_layers():
        inner.__dict__.pop("add_weight", None)
