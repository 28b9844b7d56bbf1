"""Shared body of the housing regression loaders (Keras' ``x``/``y`` npz files, shuffled then split)."""
from __future__ import annotations

from ..errors import DataError
from . import _files


def load(name, filename, checksum, path, test_split, seed, where, limit=None):
    """``(x_train, y_train), (x_test, y_test)`` from ``filename`` (arrays ``x`` (N, F) and ``y`` (N,)); the first
    ``limit`` rows only when given. The split follows Keras: shuffle with ``RandomState(seed)``, then the first
    ``int(N * (1 - test_split))`` rows train."""
    _files.check_test_split(test_split, where)
    file = _files.locate(name, (filename,), path, where, _files.KERAS_ORIGIN + filename, checksum)
    a = _files.load_npz(file, where, ("x", "y"))
    x, y = a["x"], a["y"]
    if x.dtype == object or y.dtype == object or len(x) != len(y):
        raise DataError(f"{where}: {file} should hold numeric x (N, features) and y (N,); got x {x.shape} "
                        f"{x.dtype}, y {y.shape} {y.dtype}")
    if limit is not None:
        x, y = x[:limit], y[:limit]
    return _files.shuffle_split(x, y, test_split, seed)
