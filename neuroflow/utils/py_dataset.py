"""``PyDataset`` (and its legacy name ``Sequence``): Keras 3's indexable source of batches, written in Python.

A subclass implements ``__getitem__(index)``, returning one whole BATCH — ``x``, ``(x,)``, ``(x, y)`` or
``(x, y, sample_weight)`` — and ``__len__``, the number of batches; ``on_epoch_begin()``/``on_epoch_end()`` run
around every epoch (e.g. to reshuffle file lists). ``fit``/``evaluate``/``predict`` take it as ``x`` (without
``y``) and read it batch by batch, never as one array. With ``shuffle=True`` ``fit`` visits the batches in a new
order each epoch (the content of a batch is the subclass's business).

The constructor's ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are Keras 3's: with ``workers > 1``
the batches are fetched ahead by a pool of ``workers`` threads, at most ``max_queue_size`` batches ahead, and
handed over in index order. ``use_multiprocessing=True`` is accepted and runs the same thread pool (neuroflow
forks no processes: NumPy releases the GIL in most of the work a batch does, and nothing needs pickling).
"""
from __future__ import annotations

import itertools
import warnings

from .. import _validate as check


class PyDataset:
    """Base class of a batch source; see the module docstring.

    Args: ``workers`` (int >= 1: threads fetching batches ahead), ``use_multiprocessing`` (bool; threads are
    used either way), ``max_queue_size`` (int >= 1: batches fetched ahead at most).
    Shapes: whatever ``__getitem__`` returns, batch axis first.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = check.positive_int(workers, type(self).__name__, "workers")
        self._use_multiprocessing = check.boolean(use_multiprocessing, type(self).__name__, "use_multiprocessing")
        self._max_queue_size = check.positive_int(max_queue_size, type(self).__name__, "max_queue_size")

    def _setting(self, name, default):
        # A subclass that forgot super().__init__() still works, with Keras' warning and defaults.
        if not hasattr(self, name):
            warnings.warn(f"{type(self).__name__} should call super().__init__(**kwargs) in its constructor; "
                          f"kwargs can include workers, use_multiprocessing, max_queue_size", stacklevel=3)
            setattr(self, name, default)
        return getattr(self, name)

    @property
    def workers(self) -> int:
        """Threads fetching batches ahead (1: fetched in the training thread, when needed)."""
        return self._setting("_workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = check.positive_int(value, type(self).__name__, "workers")

    @property
    def use_multiprocessing(self) -> bool:
        """Accepted for Keras compatibility; neuroflow fetches with threads either way."""
        return self._setting("_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = check.boolean(value, type(self).__name__, "use_multiprocessing")

    @property
    def max_queue_size(self) -> int:
        """Batches fetched ahead at most (with ``workers > 1``)."""
        return self._setting("_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = check.positive_int(value, type(self).__name__, "max_queue_size")

    def __getitem__(self, index):
        """Batch number ``index``: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index) returning one batch")

    @property
    def num_batches(self):
        """The number of batches (``len(self)``), or ``None`` for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ (the number of batches) or the "
                                  f"num_batches property")

    def __iter__(self):
        count = self.num_batches
        for index in range(count) if count is not None else itertools.count():
            yield self[index]

    def on_epoch_begin(self):
        """Called before every epoch."""

    def on_epoch_end(self):
        """Called after every epoch (e.g. to reshuffle the samples behind the batches)."""


Sequence = PyDataset  # Keras' legacy name: keras.utils.Sequence is keras.utils.PyDataset

__all__ = ["PyDataset", "Sequence"]
