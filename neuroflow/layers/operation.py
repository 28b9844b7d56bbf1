"""Keras 3's ``keras.Operation``: the base of everything a functional graph can hold, layers included.

A subclass defines ``call(*args, **kwargs)`` with ``neuroflow.ops`` (and may define ``compute_output_spec`` or
rely on a dry run). Called on Tensors or arrays it runs ``call``; called on symbolic tensors (``keras.Input`` and
what layers return on them) it records itself in the graph through a weightless layer that runs ``call``, so an
Operation composes with layers in functional models and :class:`neuroflow.models.function.Function`. Every
neuroflow ``Layer`` counts as an Operation (``isinstance(Dense(2), keras.Operation)`` is True, as in Keras).
"""
from __future__ import annotations

import abc

from .base import Layer, _is_symbolic


class Operation(metaclass=abc.ABCMeta):
    """``Operation(name=None)``; subclasses implement ``call``. Shapes: those of ``call``."""

    def __init__(self, name=None, **kwargs):
        self.name = name or _snake(type(self).__name__)

    def call(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.call is not implemented")

    def __call__(self, *args, **kwargs):
        if any(_is_symbolic(a) for a in args):
            inputs = args[0] if len(args) == 1 else list(args)
            return OperationCall(self, len(args) > 1, kwargs)(inputs)
        return self.call(*args, **kwargs)

    def symbolic_call(self, *args, **kwargs):
        """The call on symbolic tensors: a node of the graph (what ``__call__`` does with symbolic inputs)."""
        inputs = args[0] if len(args) == 1 else list(args)
        return OperationCall(self, len(args) > 1, kwargs)(inputs)

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


Operation.register(Layer)  # every layer is an Operation, as Keras' Layer subclasses it


class OperationCall(Layer):
    """A weightless layer running one Operation's ``call`` inside a graph (the output shape by a dry run)."""

    def __init__(self, operation, spread, kwargs):
        super().__init__()  # a name of its own: one Operation may be called several times in one graph
        self.operation, self._spread, self._call_kwargs = operation, spread, dict(kwargs)

    def call(self, inputs):
        if self._spread:
            return self.operation.call(*inputs, **self._call_kwargs)
        return self.operation.call(inputs, **self._call_kwargs)


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


__all__ = ["Operation"]
