"""Sliding windows over a time series, as Keras' ``timeseries_dataset_from_array``."""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError, DataError
from .dataset import _SliceDataset


class _WindowSource:
    """Random access to windows: window k is ``data[starts[k] + arange(sequence_length) * sampling_rate]``.

    Windows are never materialised up front; a batch of window numbers becomes one (B, L) index array and one
    fancy-indexing gather, so memory stays at one batch whatever the overlap between windows.
    """

    def __init__(self, data, targets, starts, sequence_length, sampling_rate):
        self.data, self.targets, self.starts = data, targets, starts
        self.offsets = np.arange(sequence_length) * sampling_rate

    def __len__(self):
        return len(self.starts)

    def gather(self, idx):
        s = self.starts[idx]
        windows = self.data[s[..., None] + self.offsets]  # (L, ...) for one window, (B, L, ...) for a batch
        return windows if self.targets is None else (windows, self.targets[s])


def _int_arg(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"timeseries_dataset_from_array: {name} must be an int >= {minimum}; got {value!r}")
    return int(value)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None):
    """A :class:`~neuroflow.data.Dataset` of sliding windows over ``data`` (Keras semantics).

    Shapes: ``data`` (T, ...) with time on axis 0; ``targets`` (T', ...) or None. Window ``k`` starts at step
    ``i = start_index + k * sequence_stride`` and holds ``data[i], data[i + r], ..., data[i + (L-1) r]``
    (``L = sequence_length``, ``r = sampling_rate``); its target is ``targets[i]`` (the target of the window that
    *starts* at ``i``, as in Keras). Only steps in ``[start_index, end_index)`` are used, and there are
    ``ceil(min(n, len(targets) - start_index) / sequence_stride)`` windows with
    ``n = end_index - start_index - (L-1) r``.

    Yields ``(x, y)`` batches with x (batch, L, ...) and y (batch, ...), or x alone when ``targets`` is None;
    ``batch_size=None`` yields single windows. ``shuffle=True`` draws a new window order every epoch from
    ``seed`` (Keras permutes once, then shuffles locally each epoch; the windows and their targets are the same).

    Example (Keras' docstring): data ``arange(100)``, ``sequence_length=10, sampling_rate=2,
    sequence_stride=3`` gives windows ``[0, 2, ..., 18]``, ``[3, 5, ..., 21]``, ..., ``[78, 80, ..., 96]``.
    """
    data = np.asarray(data)
    if data.ndim == 0:
        raise DataError("timeseries_dataset_from_array: data must have a time axis (axis 0); got a scalar")
    L = _int_arg("sequence_length", sequence_length, 1)
    stride = _int_arg("sequence_stride", sequence_stride, 1)
    rate = _int_arg("sampling_rate", sampling_rate, 1)
    if batch_size is not None:
        _int_arg("batch_size", batch_size, 1)
    T = len(data)
    start = 0 if start_index is None else _int_arg("start_index", start_index, 0)
    end = T if end_index is None else _int_arg("end_index", end_index, 1)
    if end > T:
        raise DataError(f"timeseries_dataset_from_array: end_index={end} is past the end of data (length {T})")
    if start >= end:
        raise DataError(f"timeseries_dataset_from_array: start_index={start} must be lower than end_index={end}")
    span = (L - 1) * rate + 1
    num = end - start - span + 1  # number of possible start offsets
    if num <= 0:
        raise DataError(f"timeseries_dataset_from_array: sequence_length={L} with sampling_rate={rate} spans {span} "
                        f"steps, but data[start_index:end_index] has only {end - start} steps (length of data: {T})")
    if targets is not None:
        targets = np.asarray(targets)
        if targets.ndim == 0:
            raise DataError("timeseries_dataset_from_array: targets must be an array with one target per step; got "
                            "a scalar")
        if len(targets) <= start:
            raise DataError(f"timeseries_dataset_from_array: targets has {len(targets)} steps, none at or after "
                            f"start_index={start}")
        num = min(num, len(targets) - start)  # as Keras: windows whose target would be missing are dropped
    starts = start + np.arange(0, num, stride)
    ds = _SliceDataset(_WindowSource(data, targets, starts, L, rate))
    if shuffle:
        ds = ds.shuffle(seed=seed)
    if batch_size is not None:
        ds = ds.batch(int(batch_size))
    return ds
