"""Reading the CIFAR "python version" archives: pickled batches, read straight out of the tarball.

A batch is a pickled dict ``{b"data": uint8 (N, 3072), b"labels" | b"fine_labels" | b"coarse_labels": [...]}``
(bytes keys: the files were written by Python 2). It is read with :class:`_files.RestrictedUnpickler`, which
rebuilds NumPy arrays and refuses every other class. Members are read from the ``.tar.gz`` without extracting
it, so no file of the archive is ever written to disk.
"""
from __future__ import annotations

import os
import tarfile
import zlib

import numpy as np

from .. import backend
from ..errors import DataError
from . import _cache, _files


def _source(folder, inner, members, tarname):
    """What ``folder`` offers: ``("dir", path)`` for the extracted batches, ``("tar", path)``, or None."""
    for d in (folder, os.path.join(folder, inner)):
        if all(os.path.isfile(os.path.join(d, m)) for m in members):
            return "dir", d
    if os.path.isfile(os.path.join(folder, tarname)):
        return "tar", os.path.join(folder, tarname)
    return None


def _read_batches(kind, where_from, inner, members, label_key, where):
    """``(images uint8 (N, 32, 32, 3 or 3, 32, 32), labels uint8 (N, 1))`` of ``members`` concatenated."""
    images, labels = [], []
    try:
        tar = tarfile.open(where_from, "r:*") if kind == "tar" else None
        try:
            for m in members:
                source = f"{where_from}:{inner}/{m}" if tar else os.path.join(where_from, m)
                try:
                    f = tar.extractfile(f"{inner}/{m}") if tar else open(os.path.join(where_from, m), "rb")
                except KeyError:
                    raise DataError(f"{where}: the archive {where_from} lacks {inner}/{m}") from None
                with f:
                    d = _files.safe_unpickle(f, where, source, encoding="bytes")
                d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in dict(d).items()} \
                    if isinstance(d, dict) else {}
                if "data" not in d or label_key not in d:
                    raise DataError(f"{where}: {source} is not a CIFAR batch (needs keys 'data' and {label_key!r}; "
                                    f"has {sorted(d)})")
                data = np.asarray(d["data"], dtype=np.uint8)
                if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(d[label_key]) != len(data):
                    raise DataError(f"{where}: {source} should hold data (N, 3072) and N labels; got data "
                                    f"{data.shape}, {len(d[label_key])} labels")
                images.append(data.reshape(-1, 3, 32, 32))
                labels.append(np.asarray(d[label_key], dtype=np.uint8))
        finally:
            if tar:
                tar.close()
    except (tarfile.TarError, zlib.error, EOFError, OSError) as e:
        raise DataError(f"{where}: {where_from} is a corrupt or unreadable CIFAR archive ({e})") from None
    x, y = np.concatenate(images), np.concatenate(labels).reshape(-1, 1)
    if backend.image_data_format() == "channels_last":
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    return x, y


def load(name, tarname, inner, train, test, label_key, url, checksum, path, where):
    """``(x_train, y_train), (x_test, y_test)`` from the CIFAR archive ``tarname`` (top folder ``inner``).

    ``path`` (the tarball, the extracted ``inner`` folder, or a folder holding either) is tried first, then the
    cache folder ``dataset_dir(name)``; only when neither has the data is the tarball downloaded into the cache.
    """
    members = tuple(train) + tuple(test)
    if path is not None:
        path = os.path.expanduser(os.fspath(path))
        if os.path.isfile(path):
            found = ("tar", path)
        elif os.path.isdir(path):
            found = _source(path, inner, members, tarname)
            if found is None:
                raise DataError(f"{where}: folder path={path!r} holds neither {tarname} nor the batches "
                                f"{list(members)} (directly or in {inner}/)")
        else:
            raise DataError(f"{where}: path={path!r} does not exist")
    else:
        found = _source(_cache.dataset_dir(name), inner, members, tarname) or \
            ("tar", _files.locate(name, (tarname,), None, where, url, checksum))
    x_train, y_train = _read_batches(*found, inner, train, label_key, where)
    x_test, y_test = _read_batches(*found, inner, test, label_key, where)
    return (x_train, y_train), (x_test, y_test)
