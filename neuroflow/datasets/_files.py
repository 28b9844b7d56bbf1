"""Finding one dataset file (``path=`` first, then the cache, then a download) and reading Keras' files safely.

Keras' imdb/reuters ``.npz`` files hold ragged sequences as object arrays, and the CIFAR batches are Python
pickles; both are read here through :class:`RestrictedUnpickler`, which can rebuild NumPy arrays and nothing else,
so a crafted file cannot run code. Everything numeric is read with ``allow_pickle=False``.
"""
from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np

from ..errors import DataError
from . import _cache

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# The only globals a pickled NumPy array needs (numpy 1 and numpy 2 spell the reconstruct module differently).
_ALLOWED_GLOBALS = frozenset({
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
})


class RestrictedUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` whose ``find_class`` allows only NumPy's array reconstruction, refusing all else."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: dataset files may only hold NumPy arrays, "
                                     f"lists, dicts, numbers and bytes")


def safe_unpickle(fileobj, where, source, encoding="ASCII"):
    """Unpickle ``fileobj`` with :class:`RestrictedUnpickler`; any failure is a DataError naming ``source``."""
    try:
        return RestrictedUnpickler(fileobj, encoding=encoding).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError) as e:
        raise DataError(f"{where}: {source} cannot be read safely ({e}); the file is corrupt or not the expected "
                        f"dataset file") from None


def _read_npy(raw, where, source):
    buffer = io.BytesIO(raw)
    try:
        return np.lib.format.read_array(buffer, allow_pickle=False)
    except ValueError:  # an object array: its payload is a pickle stream after the .npy header
        buffer.seek(0)
        try:
            major, _ = np.lib.format.read_magic(buffer)
            read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            read_header(buffer)
        except ValueError as e:
            raise DataError(f"{where}: {source} is not a valid .npy member ({e})") from None
        return np.asarray(safe_unpickle(buffer, where, source, encoding="latin1"))


def load_npz(path, where, keys):
    """The arrays ``keys`` of the ``.npz`` at ``path`` as a dict; object arrays go through the restricted unpickler."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = {m[:-4]: m for m in archive.namelist() if m.endswith(".npy")}
            missing = [k for k in keys if k not in members]
            if missing:
                raise DataError(f"{where}: {path} lacks arrays {missing}; it holds {sorted(members)}")
            return {k: _read_npy(archive.read(members[k]), where, f"{path}:{members[k]}") for k in keys}
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise DataError(f"{where}: {path} is not a readable .npz file ({e})") from None


def locate(name, filenames, path, where, url, checksum):
    """The local path of one dataset file, fetching it when needed.

    ``filenames``: the accepted names; a download fetches ``url`` into the cache as ``filenames[0]``, verified
    against ``checksum`` = ``(algorithm, hex digest)``. ``path`` (a file, or a folder holding one of ``filenames``) is
    tried first, then the cache folder ``dataset_dir(name)``; only when neither has the file is it downloaded into
    the cache. Raises DataError naming the file and where to put it.
    """
    if path is not None:
        path = os.path.expanduser(os.fspath(path))
        if os.path.isfile(path):
            return path
        if os.path.isdir(path):
            for f in filenames:
                if os.path.exists(os.path.join(path, f)):
                    return os.path.join(path, f)
            raise DataError(f"{where}: folder path={path!r} holds none of {list(filenames)}")
        # Keras' own spelling: a bare file name means "this name in the cache folder".
        if os.path.dirname(path):
            raise DataError(f"{where}: path={path!r} does not exist")
        filenames = (path,) + tuple(filenames)
    folder = _cache.dataset_dir(name)
    for f in filenames:
        if os.path.exists(os.path.join(folder, f)):
            return os.path.join(folder, f)
    dest = os.path.join(folder, filenames[0])
    try:
        return _cache.download(url, dest, checksum[1], checksum[0])
    except _cache.DownloadError as e:
        raise DataError(f"{where}: {filenames[0]} is not in {folder} and could not be downloaded ({e}). Get it "
                        f"another way and put it into {folder} (or set NEUROFLOW_DATA to a folder holding {name}/), "
                        f"or pass load_data(path=...) the file or a folder holding it") from None


def check_test_split(test_split, where):
    """Keras' rule: ``0 <= test_split < 1``, else a DataError naming the argument."""
    if not (isinstance(test_split, (int, float)) and 0 <= test_split < 1):
        raise DataError(f"{where}: test_split must be a number in [0, 1); got {test_split!r}")


def shuffle_split(x, y, test_split, seed):
    """Shuffle ``x``/``y`` together with ``np.random.RandomState(seed)`` (Keras' order) and split off the last
    ``test_split`` fraction: ``(x_train, y_train), (x_test, y_test)``."""
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])
