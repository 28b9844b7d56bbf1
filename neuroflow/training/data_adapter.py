"""Turning what users pass to ``fit``/``evaluate``/``predict`` into batches of arrays.

Accepted: NumPy arrays, nested lists, pandas DataFrames/Series, dicts of those (named inputs), lists of them
(several inputs/outputs), a ``PyDataset`` (neuroflow's or Keras'), a ``neuroflow.data.Dataset``, or any
iterable/generator of ``(x, y)`` or ``(x, y, sample_weight)`` batches. Arrays are converted once (float data to
the default float dtype); each epoch only draws a permutation and gathers one batch at a time (no copy of the
dataset per epoch). Anything else — strings, ragged lists, an object that merely has ``__getitem__``/``__len__``
— is refused with a DataError that says what to pass, never converted by guessing (NumPy would walk such an
object item by item into one giant array).
"""
from __future__ import annotations

import array
import numbers
import re
import weakref

import numpy as np

from .. import backend
from ..errors import DataError
from ..distribution import data_parallel as dp
from .arguments import class_ids
from .py_dataset_adapter import PyDatasetBatches, is_py_dataset

_STRING_HINTS = {
    "y": "encode the labels as integer class ids first, e.g. ids = np.unique(y, return_inverse=True)[1]",
    "x": "encode them as numbers first (one-hot, an Embedding's ids, or TextVectorization)",
}


def _refuse_unknown_object(x, what):
    """A DataError for an object that is not data neuroflow knows how to read, before NumPy iterates it."""
    known = (np.ndarray, np.generic, list, tuple, numbers.Number, range, memoryview, array.array)
    if isinstance(x, known) or hasattr(x, "__array__") or hasattr(x, "__array_interface__"):
        return
    kind = type(x).__name__
    if _is_sparse(x):
        raise DataError(f"{what}: got a sparse {kind}; neuroflow trains on dense arrays: pass x.toarray() (or "
                        f"densify batch by batch in a neuroflow.utils.PyDataset)")
    if hasattr(x, "__getitem__") and hasattr(x, "__len__"):
        raise DataError(f"{what}: got a {kind} object, which has __getitem__/__len__ but is not an array; "
                        f"neuroflow will not copy it item by item into one array. Subclass "
                        f"neuroflow.utils.PyDataset so that __getitem__(i) returns batch i and __len__ the number "
                        f"of batches, or pass a NumPy array")
    raise DataError(f"{what}: cannot read a {kind} object as data; pass a NumPy array, a list of numbers, a "
                    f"pandas DataFrame, a PyDataset or a Dataset/generator of batches")


def _is_sparse(x) -> bool:
    return hasattr(x, "toarray") and hasattr(x, "nnz")  # scipy.sparse matrices and arrays


def _as_ndarray(x, what):
    try:
        return np.asarray(x)
    except ValueError as e:  # NumPy >= 1.24 refuses ragged nested lists
        if "inhomogeneous" in str(e) or "sequence" in str(e):
            raise DataError(f"{what}: a ragged nested list (rows of different lengths) cannot form one array; "
                            f"pad the rows to one length (neuroflow.utils.pad_sequences) or pass a NumPy "
                            f"array") from None
        raise DataError(f"{what}: could not convert the data to an array: {e}") from None


def to_array(x, what="x"):
    """One input as an ndarray: float data in the default float dtype, integers kept (labels, token ids)."""
    if hasattr(x, "to_numpy"):  # pandas
        x = x.to_numpy()
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):  # neuroflow / torch tensors
        x = x.numpy()
    _refuse_unknown_object(x, what)
    arr = _as_ndarray(x, what)
    if arr.dtype.kind in "US" or (arr.dtype == object and _holds_strings(arr)):
        if _names_inputs(what):  # model inputs: a string layer reads them, any other layer refuses them
            return _string_array(arr)
        sample = next((v for v in arr.reshape(-1)[:1000] if isinstance(v, (str, bytes, np.str_, np.bytes_))), "")
        raise DataError(f"{what}: holds strings (e.g. {str(sample)!r}), not numbers; "
                        f"{_STRING_HINTS.get(what.split('[')[0], _STRING_HINTS['x'])}")
    if arr.dtype == object:
        try:
            arr = arr.astype(backend.default_float_dtype())
        except (TypeError, ValueError):
            raise DataError(f"{what}: could not convert the data to numbers (dtype object); a ragged or mixed "
                            f"list? pass a rectangular NumPy array of numbers") from None
    if arr.dtype.kind == "f" and arr.dtype != backend.default_float_dtype():
        arr = arr.astype(backend.default_float_dtype())
    if arr.dtype.kind == "b":
        arr = arr.astype(backend.default_float_dtype())
    if arr.dtype.kind not in "fiu":
        raise DataError(f"{what}: expected numbers, got an array of dtype {arr.dtype}")
    return arr


def _names_inputs(what) -> bool:
    """Whether ``what`` names model inputs: ``x``, ``x[0]``, ``x['name']``, ``batch 3 x``, ``MyDataset[2] x``."""
    words = re.sub(r"\[[^\]]*\]", "", what).split()
    return bool(words) and words[-1] == "x"


def _string_array(arr):
    """Strings as one unicode array (bytes decoded as UTF-8), the form the string layers read."""
    if arr.dtype.kind == "U":
        return arr
    if arr.dtype.kind == "S" or any(isinstance(v, bytes) for v in arr.reshape(-1)[:1000]):
        return np.char.decode(arr.astype(bytes), "utf-8")
    return arr.astype(str)


def _holds_strings(arr) -> bool:
    return any(isinstance(v, (str, bytes)) for v in arr.reshape(-1)[:1000])


def to_structure(x, what="x"):
    """``x`` with every leaf converted by :func:`to_array`; lists of arrays (several inputs) stay lists."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: to_array(v, f"{what}[{k!r}]") for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and all(_is_array_like(v) and np.ndim(v) >= 1 for v in x) \
            and not _is_rectangular_numbers(x):
        return [to_array(v, f"{what}[{i}]") for i, v in enumerate(x)]
    return to_array(x, what)


def _is_array_like(v) -> bool:
    return isinstance(v, np.ndarray) or hasattr(v, "to_numpy") or hasattr(v, "__array__")


def _is_rectangular_numbers(x) -> bool:
    """A plain nested list of numbers (one input), as opposed to a list of separate input arrays."""
    return not any(isinstance(v, np.ndarray) or hasattr(v, "to_numpy") for v in x)


def leaves(x) -> list:
    if x is None:
        return []
    if isinstance(x, dict):
        return list(x.values())
    if isinstance(x, list):
        return x
    return [x]


def num_samples(x, y=None, sample_weight=None) -> int:
    """The common length of every array; a clear error when they differ or are empty."""
    if y is None and sample_weight is None and isinstance(x, np.ndarray) and x.ndim and len(x):
        return len(x)  # one input array (predict): the checks below are for the other cases
    lengths = {}
    for name, struct in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        for i, a in enumerate(leaves(struct)):
            if a.ndim == 0:
                raise DataError(f"{name}: expected an array with a batch axis, got a scalar")
            lengths[f"{name}" if len(leaves(struct)) == 1 else f"{name}[{i}]"] = len(a)
    if not lengths:
        raise DataError("no data given")
    values = set(lengths.values())
    if len(values) > 1:
        desc = ", ".join(f"{k}: {v}" for k, v in lengths.items())
        raise DataError(f"x and y must have the same number of samples; got {desc}")
    n = values.pop()
    if n == 0:
        raise DataError("the data is empty (0 samples)")
    return n


def take(struct, index):
    """Rows ``index`` of every array in ``struct`` (fancy index or slice)."""
    if struct is None:
        return None
    if isinstance(struct, dict):
        return {k: v[index] for k, v in struct.items()}
    if isinstance(struct, list):
        return [v[index] for v in struct]
    return struct[index]


def _all_finite(a) -> bool:
    """Whether float array ``a`` holds no NaN or inf.

    One matrix-vector product with ones first: a NaN or inf makes its row's sum non-finite. On MNIST's 60000 x 784
    that is 6 ms against 22 ms for ``isfinite(a).all()``, with no temporary the size of the data. Only when a
    row's sum is not finite (bad data, or finite values overflowing the sum) does the exact test run.
    """
    if a.size == 0 or a.dtype.itemsize < 4:  # float16 has no BLAS product and overflows at 65504
        return bool(np.isfinite(a).all())
    rows = a.reshape(len(a), -1) if a.ndim > 1 else a.reshape(1, -1)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow or a NaN is the answer here, not a warning
        sums = rows @ np.ones(rows.shape[1], dtype=a.dtype)
    return bool(np.isfinite(sums).all()) or bool(np.isfinite(a).all())


def check_finite(struct, what) -> None:
    """Raise a DataError naming ``what`` and the first bad sample when float data holds NaN or inf."""
    for i, a in enumerate(leaves(struct)):
        if a.dtype.kind == "f" and not _all_finite(a):
            bad = ~np.isfinite(a)
            first = tuple(int(j) for j in np.argwhere(bad)[0])
            name = what if len(leaves(struct)) == 1 else f"{what}[{i}]"
            raise DataError(f"{name} contains {int(bad.sum())} NaN or inf value(s), the first at sample {first[0]} "
                            f"(index {first if len(first) > 1 else first[0]}: {float(a[first])}); the loss (and "
                            f"weights trained on it) would turn NaN: clean or impute the data first")


def class_weights_for(y, class_weight: dict):
    """Per-sample weights from a ``{class id: weight}`` table (y sparse ids, one-hot, or binary); classes the
    table does not name weigh 1, as in Keras."""
    ids = class_ids(leaves(y)[0])
    table = np.ones(max(max(class_weight, default=0), int(ids.max(initial=0))) + 1,
                    dtype=backend.default_float_dtype())
    for k, w in class_weight.items():
        table[k] = w
    return table[np.clip(ids, 0, None)]


class ArrayBatches:
    """Batches of in-memory arrays; reshuffled each epoch from ``(seed, epoch)`` so a resumed run draws the
    same order as an uninterrupted one.

    With ``steps`` (``steps_per_epoch``, evaluate's ``steps``) an epoch is ``steps`` batches of one pass over the
    data that goes on across epochs, as Keras' EpochIterator does: an epoch ends early where the pass ends, and
    the next epoch starts a new pass (reshuffled from ``(seed, pass number)``)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, seed=0, steps=None):
        self.steps, self._pass, self._seen, self._passes = steps, None, 0, 0
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.n = num_samples(x, y, sample_weight)
        self.batch_size = int(batch_size)
        if self.batch_size <= 0:
            raise DataError(f"batch_size must be a positive integer, got {batch_size}")
        self.shuffle = shuffle
        self.seed = seed

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def epoch(self, epoch: int = 0):
        """Yield ``(x, y, sample_weight)`` batches for one epoch (``steps`` of them when given)."""
        if self.steps is None:
            yield from self._one_pass(epoch)
            return
        if self._pass is None or self._seen >= len(self):
            self._pass, self._seen = self._one_pass(self._passes), 0
            self._passes += 1
        for _ in range(self.steps):
            if self._seen >= len(self):
                return
            self._seen += 1
            yield next(self._pass)

    def restart(self):
        """The next epoch starts a new pass (an evaluation, fit's validation included, reads the first ``steps``
        batches every time, as Keras resets its iterator for each)."""
        self._pass = None

    def _one_pass(self, epoch):
        bs = self.batch_size
        if self.shuffle and self.shuffle != "batch":
            order = np.random.default_rng((self.seed, epoch)).permutation(self.n)
            for start in range(0, self.n, bs):
                idx = dp.shard_indices(order[start:start + bs])  # data-parallel: this rank's part of the batch
                yield take(self.x, idx), take(self.y, idx), take(self.sample_weight, idx)
        else:
            for start in range(0, self.n, bs):
                sl = dp.shard_slice(start, min(start + bs, self.n))
                yield take(self.x, sl), take(self.y, sl), take(self.sample_weight, sl)


def standardize_batch(batch, where, class_weight=None):
    """One streamed batch (``x``, ``(x,)``, ``(x, y)`` or ``(x, y, w)``) as checked ``(x, y, w)`` arrays."""
    if isinstance(batch, list) and 1 <= len(batch) <= 3 and not _is_rectangular_numbers(batch):
        batch = tuple(batch)  # Keras: a list is a tuple of (x, y[, w]) here
    if not isinstance(batch, tuple):
        batch = (batch,)
    if not 1 <= len(batch) <= 3:
        raise DataError(f"{where}: a batch must be x, (x,), (x, y) or (x, y, sample_weight), got a tuple of "
                        f"{len(batch)} items")
    x = to_structure(batch[0], f"{where} x")
    y = to_structure(batch[1], "y") if len(batch) > 1 and batch[1] is not None else None
    w = to_array(batch[2], "sample_weight") if len(batch) > 2 and batch[2] is not None else None
    check_finite(x, f"{where} x")
    if y is not None:
        check_finite(y, f"{where} y")
        if class_weight is not None:
            cw = class_weights_for(y, class_weight)
            w = cw if w is None else w * cw
    if w is not None:
        check_finite(w, f"{where} sample_weight")
    return dp.shard_batch(x, y, w, take)  # data-parallel: this rank's rows of the batch (unchanged otherwise)


class IterableBatches:
    """Batches from a Dataset, generator or other iterable yielding ``x``, ``(x, y)`` or ``(x, y, w)``."""

    def __init__(self, source, steps=None, class_weight=None):
        self.source, self.steps, self.class_weight = source, steps, class_weight
        self._iterator = None

    def num_steps(self):
        """Batches per epoch: ``steps``, else the source's length, else None (a generator: read until it ends)."""
        if self.steps is not None:
            return int(self.steps)
        try:
            return len(self.source)
        except TypeError:
            return None

    def epoch(self, epoch: int = 0):
        if self.steps is not None and self._iterator is not None:
            it = self._iterator  # Keras: with steps_per_epoch, a generator continues where it stopped
        elif hasattr(self.source, "__next__"):
            it = self.source
        else:
            it = iter(self.source)
        self._iterator = it
        count = 0
        for batch in it:
            yield standardize_batch(batch, f"batch {count}", self.class_weight)
            count += 1
            if self.steps is not None and count >= self.steps:
                return


def is_iterable_source(x) -> bool:
    """True for datasets/generators/iterables/PyDatasets of batches (as opposed to array data)."""
    if x is None or isinstance(x, (np.ndarray, list, tuple, dict, str, bytes)) or hasattr(x, "to_numpy") \
            or _is_sparse(x):
        return False
    return is_py_dataset(x) or hasattr(x, "__iter__") or hasattr(x, "__next__")


def stream_batches(source, steps=None, shuffle=False, seed=0, class_weight=None):
    """The batches object for a streamed ``source``: a PyDataset read by index, anything else iterated."""
    if is_py_dataset(source):
        return PyDatasetBatches(source, lambda b, where: standardize_batch(b, where, class_weight), steps,
                                shuffle, seed)
    return IterableBatches(source, steps, class_weight)


def _to_device(value, device_name):
    """``value`` (an array, ``None``, or a list/tuple/dict of them) with its numeric arrays on ``device_name``;
    string arrays stay on the host (the string layers read them there)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _to_device(v, device_name) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_device(v, device_name) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind not in "biuf":
        return value
    return backend.to_device(value, device_name)


_MODEL_DEVICES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # model -> its weights' device


def model_device(model) -> str:
    """The device ``model`` computes on, where its batches go: its first weight's (``'cpu'``, ``'cuda:N'``,
    ``'strict'``); a model without weights yet: the current device. Kept per model once known (weights are made
    on one device and stay there; collecting them costs more than a small prediction)."""
    device = _MODEL_DEVICES.get(model)
    if device is None:
        weights = model.weights if model.built else ()
        if not weights:
            return backend.get_device()
        device = _MODEL_DEVICES[model] = backend.device_of(weights[0].data)
    return device


def on_device(batches, device_name: str, prefetch: bool):
    """The ``(x, y, sample_weight)`` batches of the iterator ``batches`` copied to ``device_name`` once each (one
    host-to-device copy per array per step); unchanged for ``'cpu'``. With ``prefetch`` the next batch is copied
    before the current one is handed out, so on CuPy its upload overlaps the current step's kernels: ``to_device``
    stages it in a pinned buffer and copies it on a non-blocking stream that the step's stream waits on
    (``backends/cupy.Uploader``); only for in-memory arrays: a generator must not be read past the step it is
    asked for."""
    if device_name == "cpu":
        yield from batches
        return
    if not prefetch:
        for batch in batches:
            yield _to_device(batch, device_name)
        return
    pending = None
    for batch in batches:
        moved = _to_device(batch, device_name)
        if pending is not None:
            yield pending
        pending = moved
    if pending is not None:
        yield pending
