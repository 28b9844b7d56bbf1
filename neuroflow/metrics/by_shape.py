"""``'accuracy'`` (and ``'crossentropy'``) for a model whose output shape is unknown at ``compile`` (a subclassed
model, a Sequential without an input shape): the variant is chosen from the first batch's shapes, by Keras'
rule (``trainers/compile_utils.is_binary_or_sparse_categorical``), then every call goes to it."""
from __future__ import annotations

from .base import Metric, to_array


def is_binary_or_sparse(y_true, y_pred) -> tuple:
    """Keras' rule: binary when ``y_pred`` has one unit; sparse when ``y_true`` has a lower rank, or one column
    against several units. Shapes: ``y_true`` ``(N, ...)``, ``y_pred`` ``(N, ..., units)``."""
    binary = y_pred.shape[-1] == 1
    sparse = y_true.ndim < y_pred.ndim or (y_true.shape[-1] == 1 and y_pred.shape[-1] > 1)
    return binary, sparse


class ResolvedByShape(Metric):
    """A metric that becomes ``binary``, ``sparse`` or ``categorical`` (metric classes) at its first
    ``update_state``, named ``name`` whichever it becomes. Before any batch, ``result()`` is 0."""

    def __init__(self, variants, name, **kwargs):
        self._variants, self._kwargs, self._metric = tuple(variants), kwargs, None
        super().__init__(name=name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._metric is None:
            binary, sparse = is_binary_or_sparse(to_array(y_true), to_array(y_pred))
            cls = self._variants[0] if binary else self._variants[1] if sparse else self._variants[2]
            self._metric = cls(name=self.name, **self._kwargs)
        self._metric.update_state(y_true, y_pred, sample_weight=sample_weight)

    def result(self):
        return self._metric.result() if self._metric is not None else 0.0

    def reset_state(self):
        if getattr(self, "_metric", None) is not None:
            self._metric.reset_state()

    def get_config(self) -> dict:
        return self._metric.get_config() if self._metric is not None else super().get_config()
