"""Reading a ``PyDataset`` (neuroflow's or Keras' own ``keras.utils.PyDataset``/``Sequence``) batch by batch.

Each epoch: ``on_epoch_begin()``, the batch indices in order (or permuted from ``(seed, epoch)`` with
``shuffle=True``), each ``dataset[i]`` standardised to ``(x, y, sample_weight)`` and checked, then
``on_epoch_end()`` (also when training stops early). With ``workers > 1`` a thread pool fetches up to
``max_queue_size`` batches ahead, delivered in index order.
"""
from __future__ import annotations

import collections
import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..errors import DataError


def is_py_dataset(x) -> bool:
    """True for a subclass of neuroflow's or Keras' ``PyDataset`` (``Sequence``), recognised by class name and
    package so that no import of either is needed here."""
    return any(cls.__name__ in ("PyDataset", "Sequence") and cls.__module__.split(".")[0] in ("neuroflow", "keras")
               for cls in type(x).__mro__)


class PyDatasetBatches:
    """Batches of a PyDataset; ``standardize(batch, where)`` turns one item into checked arrays."""

    def __init__(self, dataset, standardize, steps=None, shuffle=False, seed=0):
        self.dataset, self.standardize = dataset, standardize
        self.steps, self.shuffle, self.seed = steps, bool(shuffle) and shuffle != "batch", seed
        count = dataset.num_batches
        if count is None and steps is None:
            raise DataError(f"{type(dataset).__name__}: an endless PyDataset (num_batches None) needs "
                            f"steps_per_epoch (or steps) to say how many batches make an epoch")
        if count is not None and (not isinstance(count, (int, np.integer)) or count < 1):
            raise DataError(f"{type(dataset).__name__}: __len__ must return the number of batches, an int >= 1, "
                            f"got {count!r}; an empty dataset cannot train or evaluate")
        self.count = None if count is None else int(count)

    def __len__(self):
        return self.steps if self.steps is not None else self.count

    def _order(self, epoch):
        if self.count is None:
            return itertools.count()
        if self.shuffle:
            return iter(np.random.default_rng((self.seed, epoch)).permutation(self.count).tolist())
        return iter(range(self.count))

    def epoch(self, epoch: int = 0):
        """Yield ``(x, y, sample_weight)`` for one epoch (``steps`` batches when given)."""
        ds = self.dataset
        ds.on_epoch_begin()
        order = self._order(epoch)
        if self.steps is not None:
            order = itertools.islice(order, self.steps)
        try:
            if ds.workers > 1:
                items = _prefetched(ds, order, ds.workers, ds.max_queue_size)
            else:
                items = ((i, ds[i]) for i in order)
            for index, item in items:
                yield self.standardize(item, f"{type(ds).__name__}[{index}]")
        finally:
            ds.on_epoch_end()


def _prefetched(dataset, order, workers, queue_size):
    """``(index, dataset[index])`` in the order of ``order``, fetched by ``workers`` threads, ``queue_size`` ahead."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="neuroflow-pydataset")
    pending = collections.deque()
    try:
        for index in itertools.islice(order, queue_size):
            pending.append((index, pool.submit(dataset.__getitem__, index)))
        while pending:
            index, future = pending.popleft()
            item = future.result()
            following = next(order, None)
            if following is not None:
                pending.append((following, pool.submit(dataset.__getitem__, following)))
            yield index, item
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
