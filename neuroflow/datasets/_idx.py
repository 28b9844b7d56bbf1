"""Readers for the IDX format (MNIST, Fashion-MNIST) and for Keras' ``.npz`` copies of such datasets.

IDX: a big-endian header (two zero bytes, a dtype code, the number of dimensions, then one uint32 per dimension)
followed by the array, row-major. MNIST's images have magic 2051 (uint8, 3 dims), its labels 2049 (uint8, 1 dim).
Files may be gzipped (detected by content, not by name). Each array is read straight into its final NumPy
buffer: no per-image work, no extra copy, and the result is writable.
"""
from __future__ import annotations

import gzip
import os
import zipfile
import zlib

import numpy as np

from ..errors import DataError

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_KIND = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}

#: The four arrays of a standard split, and the file names they go by (the second spelling is how the original
#: gzip headers name them); each may carry a ``.gz`` suffix.
SPLIT_FILES = {
    "x_train": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "y_train": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "x_test": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "y_test": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}


def _open(path):
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def _read_exact(f, n, path, what):
    b = f.read(n)
    if len(b) != n:
        raise DataError(f"IDX file {path} is truncated: its {what} needs {n} bytes, found {len(b)}")
    return b


def read_idx(path, expected_magic=None):
    """Read one IDX file (gzipped or not) into an array of its declared shape and dtype (native byte order).

    ``expected_magic`` (2051 for images, 2049 for labels) is checked when given. Raises DataError naming the file
    when the magic number, the header or the data length is wrong, or the gzip stream is corrupt.
    """
    path = os.fspath(path)
    try:
        with _open(path) as f:
            head = _read_exact(f, 4, path, "header")
            magic = int.from_bytes(head, "big")
            if expected_magic is not None and magic != expected_magic:
                raise DataError(f"{path} is not an IDX {_KIND.get(expected_magic, '')} file: magic number {magic}, "
                                f"expected {expected_magic}")
            if head[:2] != b"\0\0" or head[2] not in _DTYPES or head[3] == 0:
                raise DataError(f"{path} is not an IDX file: bad magic number {magic} (header bytes {head.hex()})")
            ndim = head[3]
            shape = tuple(int(d) for d in np.frombuffer(_read_exact(f, 4 * ndim, path, "dimensions"), ">u4"))
            dtype = np.dtype(_DTYPES[head[2]])
            out = np.empty(shape, dtype=dtype)
            view = memoryview(out).cast("B")
            got = 0
            while got < len(view):  # readinto may return less than asked (gzip); loop until full or EOF
                k = f.readinto(view[got:])
                if not k:
                    break
                got += k
            if got != len(view):
                raise DataError(f"IDX file {path} is truncated: header declares shape {shape} of {dtype.name} "
                                f"({len(view)} bytes), found {got} bytes of data")
            if f.read(1):
                raise DataError(f"IDX file {path} has more data than its header declares (shape {shape}); the file "
                                f"is corrupt or not IDX")
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise DataError(f"{path} is a corrupt or truncated gzip file ({e}); delete it and download it again") \
            from None
    except FileNotFoundError:
        raise DataError(f"IDX file {path} does not exist") from None
    return out if dtype.isnative else out.astype(dtype.newbyteorder("="))


def _find(folder, names):
    for name in names:
        for candidate in (name + ".gz", name):
            p = os.path.join(folder, candidate)
            if os.path.isfile(p):
                return p
    return None


def find_split(folder):
    """Paths of the four IDX files in ``folder`` as ``{key: path or None}`` (keys as in :data:`SPLIT_FILES`)."""
    return {k: _find(folder, names) for k, names in SPLIT_FILES.items()}


def _check_pair(x, y, xname, yname, where, source):
    if x.ndim != 3:
        raise DataError(f"{where}: {xname} in {source} should be images (N, rows, cols); got shape {x.shape}")
    if y.ndim != 1 or len(y) != len(x):
        raise DataError(f"{where}: {source} holds {len(x)} {xname} images but {yname} has shape {y.shape}; "
                        f"expected ({len(x)},)")


def load_idx_folder(folder, where):
    """``(x_train, y_train), (x_test, y_test)`` from the four IDX files in ``folder``."""
    paths = find_split(folder)
    missing = [SPLIT_FILES[k][0] + "[.gz]" for k, p in paths.items() if p is None]
    if missing:
        raise DataError(f"{where}: {folder} lacks {', '.join(missing)}")
    a = {k: read_idx(p, IMAGES_MAGIC if k.startswith("x") else LABELS_MAGIC) for k, p in paths.items()}
    _check_pair(a["x_train"], a["y_train"], "x_train", "y_train", where, folder)
    _check_pair(a["x_test"], a["y_test"], "x_test", "y_test", where, folder)
    return (a["x_train"], a["y_train"]), (a["x_test"], a["y_test"])


def load_npz(path, where):
    """``(x_train, y_train), (x_test, y_test)`` from a Keras-style ``.npz`` (loaded with ``allow_pickle=False``)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in SPLIT_FILES if k not in f.files]
            if missing:
                raise DataError(f"{where}: {path} lacks arrays {missing}; it holds {sorted(f.files)}")
            a = {k: f[k] for k in SPLIT_FILES}
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise DataError(f"{where}: {path} is not a readable .npz file ({e})") from None
    except ValueError as e:  # e.g. object arrays, which would need pickle
        raise DataError(f"{where}: {path} cannot be loaded safely ({e})") from None
    _check_pair(a["x_train"], a["y_train"], "x_train", "y_train", where, path)
    _check_pair(a["x_test"], a["y_test"], "x_test", "y_test", where, path)
    return (a["x_train"], a["y_train"]), (a["x_test"], a["y_test"])


def has_split(folder, npz_name):
    """Whether ``folder`` holds a loadable split: ``npz_name`` or all four IDX files."""
    return os.path.isfile(os.path.join(folder, npz_name)) or all(p is not None for p in find_split(folder).values())


def load_split(path, npz_name, where):
    """Load from ``path``: a folder holding the four IDX files or ``npz_name``, or the path of an ``.npz`` file."""
    path = os.path.expanduser(os.fspath(path))
    if os.path.isfile(path):
        with open(path, "rb") as f:
            is_zip = f.read(4) == b"PK\x03\x04"
        if not is_zip:
            raise DataError(f"{where}: path={path!r} is a file but not an .npz archive; pass an .npz file or a folder "
                            f"holding the four IDX files")
        return load_npz(path, where)
    if not os.path.isdir(path):
        raise DataError(f"{where}: path={path!r} does not exist")
    paths = find_split(path)
    if all(p is not None for p in paths.values()):
        return load_idx_folder(path, where)
    if os.path.isfile(os.path.join(path, npz_name)):
        return load_npz(os.path.join(path, npz_name), where)
    names = ", ".join(names[0] + "[.gz]" for names in SPLIT_FILES.values())
    found = [os.path.basename(p) for p in paths.values() if p]
    raise DataError(f"{where}: folder {path!r} holds neither {npz_name} nor the four IDX files ({names})"
                    + (f"; found only {found}" if found else ""))
