"""The batch pipeline: a small, lazy ``tf.data.Dataset`` look-alike on NumPy arrays.

A :class:`Dataset` is a recipe; iterating it runs the recipe once (one *epoch*) and yields *elements*. What
``model.fit`` accepts: a Dataset whose elements are tuples ``(x, y)`` or ``(x, y, sample_weight)`` of NumPy
arrays with a leading batch axis (``x`` may also be a tuple or dict of arrays for multi-input models), for
example ``Dataset.from_tensor_slices((x, y)).shuffle(seed=0).batch(32)``.

How it stays fast: a dataset built from arrays (``from_tensor_slices``) is *indexable*. Shuffling one permutes an
index array (never the data), ``take``/``skip`` slice that index array, and ``batch`` gathers each batch from the
source arrays with one fancy-indexing call per array (an unshuffled batch is a plain slice: a view, no copy).
Only sources without random access (``from_generator``) or transformations after ``batch`` work element by
element. ``prefetch`` runs the upstream pipeline in a background thread.

Cardinality follows tf.data: ``INFINITE_CARDINALITY`` (-1) after ``repeat()``, ``UNKNOWN_CARDINALITY`` (-2) for
generators; ``len(ds)`` raises ``TypeError`` in both cases (so ``list(ds)`` still works).
"""
from __future__ import annotations

import itertools
import queue
import threading

import numpy as np

from .. import random as nf_random
from ..errors import ConfigError, DataError

INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
AUTOTUNE = -1  # prefetch(AUTOTUNE) picks a small fixed buffer; there is nothing to tune on one host thread


# --- nested structures (tuples and dicts of arrays) -----------------------------------------------------------
def _map_structure(fn, s):
    if isinstance(s, tuple):
        return tuple(_map_structure(fn, e) for e in s)
    if isinstance(s, dict):
        return {k: _map_structure(fn, v) for k, v in s.items()}
    return fn(s)


def _named_leaves(s, name):
    """Yield ``(name, leaf)`` for every array in a structure, named the way a user wrote it (``x``, ``y[1]``)."""
    if isinstance(s, tuple):
        for i, e in enumerate(s):
            yield from _named_leaves(e, f"{name}[{i}]")
    elif isinstance(s, dict):
        for k, v in s.items():
            yield from _named_leaves(v, f"{name}[{k!r}]")
    else:
        yield name, s


def _input_names(tensors):
    """Names for the arrays of a ``from_tensor_slices`` input: ``x``, ``y``, ``sample_weight`` for a 2- or 3-tuple
    (the shape ``fit`` takes), ``tensors[...]`` paths otherwise."""
    if isinstance(tensors, tuple) and len(tensors) in (2, 3):
        return [n for t, root in zip(tensors, ("x", "y", "sample_weight")) for n, _ in _named_leaves(t, root)]
    return [n for n, _ in _named_leaves(tensors, "tensors")]


def _stack(elements):
    """Stack a list of same-structured elements along a new batch axis: [(x_i, y_i)] -> (X, Y)."""
    first = elements[0]
    if isinstance(first, tuple):
        return tuple(_stack([e[i] for e in elements]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack([e[k] for e in elements]) for k in first}
    try:
        return np.stack(elements)
    except ValueError:
        shapes = sorted({np.shape(e) for e in elements})
        raise DataError(f"batch: elements of one batch must share a shape to be stacked; got shapes {shapes}. Pad "
                        f"them first (neuroflow.utils.pad_sequences) or batch after a map that fixes the shape") \
            from None


def _apply(fn, element):
    """Call a map function the tf.data way: a tuple element is unpacked into positional arguments."""
    return fn(*element) if isinstance(element, tuple) else fn(element)


def _close(it):
    close = getattr(it, "close", None)
    if close is not None:
        close()


def _as_array(a, name):
    try:
        from ..autograd.tensor import Tensor
    except ImportError:  # the data pipeline does not need the engine
        Tensor = ()
    if isinstance(a, Tensor):
        a = a.data
    if not isinstance(a, np.ndarray):
        try:
            a = np.asarray(a)
        except ValueError as e:
            raise DataError(f"from_tensor_slices: {name} could not be made into one array ({e}); for several inputs "
                            f"of different shapes pass a tuple or a dict, not a list") from None
    if a.ndim == 0:
        raise DataError(f"from_tensor_slices: {name} is a scalar (shape ()); slicing needs an array with a leading "
                        f"sample axis")
    return a


# --- sources with random access ---------------------------------------------------------------------------------
class _ArraySource:
    """Arrays (in a tuple/dict structure) sharing axis 0. ``gather(i)`` -> one element; ``gather(idx)`` -> a batch."""

    def __init__(self, structure):
        self.structure = structure
        leaves = list(_named_leaves(structure, "tensors"))
        self.n = len(leaves[0][1])

    def __len__(self):
        return self.n

    def gather(self, idx):
        # idx: an int, a slice (view, no copy) or an int array (one fancy-indexing copy per array)
        return _map_structure(lambda a: a[idx], self.structure)


class _MappedSource:
    """A source seen through a per-element map function (keeps ``map`` before ``shuffle``/``batch`` indexable)."""

    def __init__(self, parent, fn):
        self.parent, self.fn, self.n = parent, fn, len(parent)

    def __len__(self):
        return self.n

    def gather(self, idx):
        if isinstance(idx, (int, np.integer)):
            return _apply(self.fn, self.parent.gather(idx))
        ids = range(idx.start, idx.stop) if isinstance(idx, slice) else idx
        # The user's function takes one element, so it is called once per element; the stacking is one call.
        return _stack([_apply(self.fn, self.parent.gather(int(i))) for i in ids])


# --- the pipeline ------------------------------------------------------------------------------------------------
class Dataset:
    """A lazy, re-iterable pipeline of elements (arrays, or tuples/dicts of arrays).

    Build one with :meth:`from_tensor_slices` or :meth:`from_generator`, chain ``shuffle``, ``map``, ``batch``,
    ``repeat``, ``take``, ``skip``, ``prefetch``, and iterate it (each ``for`` loop is one epoch; shuffles draw a
    new, seed-determined order every epoch). Elements are NumPy arrays; batched elements have shape
    ``(batch, *sample_shape)``.
    """

    #: For indexable datasets: the random-access source (see the module docstring); None otherwise.
    _source = None

    # -- construction
    @staticmethod
    def from_tensor_slices(tensors):
        """Slice arrays along axis 0 into elements.

        ``tensors``: an array (N, ...), a tuple ``(x, y)`` / ``(x, y, sample_weight)`` / nested tuples, or a dict
        of arrays; all arrays need the same N. Elements have the same structure with axis 0 removed. Lists are
        converted to one array (as in tf.data), so pass several inputs as a tuple or dict.
        """
        names = _input_names(tensors)
        if not names:
            raise DataError("from_tensor_slices: got an empty structure; pass at least one array")
        it = iter(names)
        structure = _map_structure(lambda a: _as_array(a, next(it)), tensors)
        named = list(zip(names, (a for _, a in _named_leaves(structure, ""))))
        lengths = {name: len(a) for name, a in named}
        if len(set(lengths.values())) > 1:
            got = ", ".join(f"{k}: {v}" for k, v in lengths.items())
            raise DataError(f"from_tensor_slices: all arrays must have the same number of samples (axis 0); got {got}")
        return _SliceDataset(_ArraySource(structure))

    @staticmethod
    def from_generator(generator, output_signature=None, args=None):
        """Elements from a Python generator function, called afresh for each epoch.

        ``generator``: a *callable* returning an iterator (not a generator object, which could run only once);
        it is called as ``generator(*args)``. ``output_signature`` is accepted for tf.data compatibility and kept
        as ``ds.output_signature``; elements are used as they come.
        """
        if not callable(generator):
            raise ConfigError(f"from_generator: generator must be a callable that returns an iterator (so that each "
                              f"epoch can start over); got a {type(generator).__name__}. Wrap it: "
                              f"Dataset.from_generator(lambda: make_iterator())")
        return _GeneratorDataset(generator, tuple(args or ()), output_signature)

    # -- transformations
    def shuffle(self, buffer_size=None, seed=None, reshuffle_each_iteration=True):
        """Shuffle elements; each epoch draws a new order (unless ``reshuffle_each_iteration=False``).

        The orders come from ``neuroflow.random.generator(seed)``: the same seed (or the same global seed set by
        ``neuroflow.random.set_seed``) gives the same sequence of epoch orders. On an indexable dataset (built
        from arrays) the shuffle is a full permutation of indices whatever ``buffer_size`` is, since indices cost
        nothing. Otherwise it is tf.data's buffer shuffle over ``buffer_size`` elements (None: all of them).
        """
        if buffer_size is not None and int(buffer_size) < 1:
            raise ConfigError(f"shuffle: buffer_size must be >= 1 (or None for a full shuffle); got {buffer_size}")
        return _ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def batch(self, batch_size, drop_remainder=False):
        """Group consecutive elements into batches: each array gains a leading axis of ``batch_size``.

        The last batch is smaller unless ``drop_remainder=True`` drops it.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ConfigError(f"batch: batch_size must be a positive int; got {batch_size!r}")
        return _BatchDataset(self, int(batch_size), bool(drop_remainder))

    def map(self, fn, num_parallel_calls=None):
        """Apply ``fn`` to each element (a tuple element is unpacked: ``fn(x, y)``). ``num_parallel_calls`` is
        accepted for compatibility and ignored (NumPy work already uses the BLAS threads)."""
        if not callable(fn):
            raise ConfigError(f"map: fn must be callable; got {type(fn).__name__}")
        return _MapDataset(self, fn)

    def prefetch(self, buffer_size=AUTOTUNE):
        """Produce up to ``buffer_size`` elements ahead in a background thread (overlaps loading with training).

        The thread stops when iteration ends or is abandoned (``break``), and errors raised upstream reach the
        consumer.
        """
        n = 2 if buffer_size in (None, AUTOTUNE) else int(buffer_size)
        if n < 1:
            raise ConfigError(f"prefetch: buffer_size must be >= 1 or AUTOTUNE; got {buffer_size}")
        return _PrefetchDataset(self, n)

    def take(self, count):
        """The first ``count`` elements (all of them for ``count=-1``)."""
        count = int(count)
        if count < -1:
            raise ConfigError(f"take: count must be >= 0 (or -1 for all); got {count}")
        return self if count == -1 else _TakeDataset(self, count)

    def skip(self, count):
        """All but the first ``count`` elements."""
        count = int(count)
        if count < 0:
            raise ConfigError(f"skip: count must be >= 0; got {count}")
        return _SkipDataset(self, count)

    def repeat(self, count=None):
        """Iterate the dataset ``count`` times (forever for None or -1); shuffles reshuffle on every pass."""
        if count is not None and int(count) < -1:
            raise ConfigError(f"repeat: count must be >= 0, or None/-1 for forever; got {count}")
        return _RepeatDataset(self, None if count in (None, -1) else int(count))

    # -- iteration and size
    def __iter__(self):
        return self._iter()

    def _iter(self):
        # Indexable datasets iterate their (possibly shuffled/sliced) index order one element at a time.
        src = self._source
        for i in self._order():
            yield src.gather(int(i))

    def _order(self):  # indexable datasets only: this epoch's index order (a range, or an int array)
        raise NotImplementedError

    def as_numpy_iterator(self):
        """An iterator over the elements (already NumPy arrays); tf.data spells it this way."""
        return iter(self)

    def cardinality(self) -> int:
        """Number of elements (batches, after ``batch``), or INFINITE_CARDINALITY (-1) / UNKNOWN_CARDINALITY (-2)."""
        raise NotImplementedError

    def __len__(self):
        n = self.cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("len() of an infinite Dataset (made by repeat()); use take(n) or cardinality()")
        if n < 0:
            raise TypeError("len() of a Dataset of unknown size (e.g. from_generator); use cardinality()")
        return n

    def __bool__(self):
        # Without this, `if dataset:` would call __len__, which raises for infinite or unknown sizes.
        return True

    def __repr__(self):
        c = self.cardinality()
        size = {INFINITE_CARDINALITY: "infinite", UNKNOWN_CARDINALITY: "unknown"}.get(c, str(c))
        return f"<{type(self).__name__.lstrip('_')} cardinality={size}>"


class _SliceDataset(Dataset):
    def __init__(self, source):
        self._source = source

    def _order(self):
        return range(len(self._source))

    def cardinality(self):
        return len(self._source)


class _GeneratorDataset(Dataset):
    def __init__(self, fn, args, output_signature):
        self._fn, self._args, self.output_signature = fn, args, output_signature

    def _iter(self):
        it = iter(self._fn(*self._args))
        try:
            yield from it
        finally:
            _close(it)

    def cardinality(self):
        return UNKNOWN_CARDINALITY


class _ShuffleDataset(Dataset):
    def __init__(self, parent, buffer_size, seed, reshuffle):
        self._parent, self._buffer = parent, buffer_size
        self._source = parent._source
        # One base seed from neuroflow's generator; epoch e draws from the stream (base, e). Orders depend only on
        # the seed and the epoch number, not on which thread (prefetch) asks.
        self._base = int(nf_random.generator(seed).integers(2 ** 63 - 1))
        self._epochs = itertools.count() if reshuffle else itertools.repeat(0)

    def _rng(self):
        return np.random.default_rng([self._base, next(self._epochs)])

    def _order(self):
        order = self._parent._order()
        perm = self._rng().permutation(len(order))
        if isinstance(order, range):
            return perm * order.step + order.start
        return order[perm]

    def _iter(self):
        if self._source is not None:
            yield from Dataset._iter(self)
            return
        rng, size = self._rng(), self._buffer or float("inf")
        buf = []
        it = iter(self._parent)
        try:
            for el in it:  # tf.data's buffer shuffle: emit a random buffered element, put the new one in its place
                if len(buf) < size:
                    buf.append(el)
                    continue
                j = int(rng.integers(len(buf)))
                out, buf[j] = buf[j], el
                yield out
        finally:
            _close(it)
        for j in rng.permutation(len(buf)):
            yield buf[j]

    def cardinality(self):
        return self._parent.cardinality()


class _BatchDataset(Dataset):
    def __init__(self, parent, batch_size, drop_remainder):
        self._parent, self._b, self._drop = parent, batch_size, drop_remainder

    def _iter(self):
        b, src = self._b, self._parent._source
        if src is not None:
            order = self._parent._order()
            n = len(order)
            stop = n - n % b if self._drop else n
            for s in range(0, stop, b):
                chunk = order[s:s + b]
                # a contiguous run is a slice (views); a shuffled run is one fancy-indexing gather per array
                yield src.gather(slice(chunk.start, chunk.stop) if isinstance(chunk, range) and chunk.step == 1
                                 else np.asarray(chunk))
            return
        buf = []
        it = iter(self._parent)
        try:
            for el in it:
                buf.append(el)
                if len(buf) == b:
                    yield _stack(buf)
                    buf = []
        finally:
            _close(it)
        if buf and not self._drop:
            yield _stack(buf)

    def cardinality(self):
        n = self._parent.cardinality()
        if n < 0:
            return n
        return n // self._b if self._drop else -(-n // self._b)


class _MapDataset(Dataset):
    def __init__(self, parent, fn):
        self._parent, self._fn = parent, fn
        if parent._source is not None:
            self._source = _MappedSource(parent._source, fn)

    def _order(self):
        return self._parent._order()

    def _iter(self):
        if self._source is not None:
            yield from Dataset._iter(self)
            return
        it = iter(self._parent)
        try:
            for el in it:
                yield _apply(self._fn, el)
        finally:
            _close(it)

    def cardinality(self):
        return self._parent.cardinality()


class _TakeDataset(Dataset):
    def __init__(self, parent, count):
        self._parent, self._count = parent, count
        self._source = parent._source

    def _order(self):
        return self._parent._order()[:self._count]

    def _iter(self):
        if self._source is not None:
            yield from Dataset._iter(self)
            return
        if self._count == 0:
            return
        it = iter(self._parent)
        try:
            for i, el in enumerate(it):
                yield el
                if i + 1 == self._count:
                    break  # stop before asking upstream for one more (which could block or do needless work)
        finally:
            _close(it)

    def cardinality(self):
        n = self._parent.cardinality()
        if n == INFINITE_CARDINALITY:
            return self._count
        return n if n < 0 else min(n, self._count)


class _SkipDataset(Dataset):
    def __init__(self, parent, count):
        self._parent, self._count = parent, count
        self._source = parent._source

    def _order(self):
        return self._parent._order()[self._count:]

    def _iter(self):
        if self._source is not None:
            yield from Dataset._iter(self)
            return
        it = iter(self._parent)
        try:
            yield from itertools.islice(it, self._count, None)
        finally:
            _close(it)

    def cardinality(self):
        n = self._parent.cardinality()
        return n if n < 0 else max(n - self._count, 0)


class _RepeatDataset(Dataset):
    def __init__(self, parent, count):
        self._parent, self._count = parent, count

    def _iter(self):
        passes = itertools.count() if self._count is None else range(self._count)
        for _ in passes:
            produced = False
            it = iter(self._parent)
            try:
                for el in it:
                    produced = True
                    yield el
            finally:
                _close(it)
            if not produced:  # repeating an empty dataset forever would hang
                return

    def cardinality(self):
        n = self._parent.cardinality()
        if self._count is None:
            return n if n in (0, UNKNOWN_CARDINALITY) else INFINITE_CARDINALITY
        return n if n < 0 else n * self._count


_ITEM, _END, _ERROR = object(), object(), object()


class _PrefetchDataset(Dataset):
    def __init__(self, parent, buffer_size):
        self._parent, self._n = parent, buffer_size

    def _iter(self):
        q = queue.Queue(maxsize=self._n)
        stop = threading.Event()

        def put(item):
            # A bounded put that gives up when the consumer has gone, so the thread can always finish.
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    pass
            return False

        def produce():
            it = None
            try:
                it = iter(self._parent)
                for el in it:
                    if not put((_ITEM, el)):
                        return
                put((_END, None))
            except BaseException as e:  # noqa: BLE001 - re-raised in the consumer's thread
                put((_ERROR, e))
            finally:
                if it is not None:
                    _close(it)

        thread = threading.Thread(target=produce, name="neuroflow-prefetch", daemon=True)
        thread.start()
        try:
            while True:
                kind, value = q.get()
                if kind is _END:
                    return
                if kind is _ERROR:
                    raise value
                yield value
        finally:
            stop.set()
            thread.join(timeout=10)

    def cardinality(self):
        return self._parent.cardinality()


class DataLoader(Dataset):
    """PyTorch-style convenience: ``DataLoader(x, y, batch_size=32, shuffle=True)`` is
    ``Dataset.from_tensor_slices((x, y)).shuffle(seed=seed).batch(batch_size, drop_remainder=drop_last)``.

    Shapes: ``x`` (N, ...) (or a tuple/dict of arrays), ``y`` (N, ...) or None. Yields ``(x_batch, y_batch)``
    (or ``x_batch`` alone when ``y`` is None); ``len(loader)`` is the number of batches per epoch.
    """

    def __init__(self, x, y=None, batch_size=32, shuffle=True, drop_last=False, seed=None):
        ds = Dataset.from_tensor_slices(x if y is None else (x, y))
        if shuffle:
            ds = ds.shuffle(seed=seed)
        self._inner = ds.batch(batch_size, drop_remainder=drop_last)
        # (no `self.shuffle` attribute: it would hide the Dataset.shuffle method)
        self.batch_size, self.drop_last = batch_size, drop_last

    def _iter(self):
        return self._inner._iter()

    def cardinality(self):
        return self._inner.cardinality()
