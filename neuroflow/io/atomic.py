"""Atomic file writing: a reader sees either the old file or the complete new one, never a torn write.

Each helper writes to a hidden temporary file in the *same directory* as the target (so that the final
``os.replace`` is a rename within one file system, which POSIX and Windows make atomic), flushes it to disk with
``fsync`` and only then renames it over the target. If the write fails (an exception, a full disk), the temporary
file is removed and the previous target is left untouched. A hard kill can leave a hidden ``.tmp-*`` file
behind, but never a damaged target.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil

from ..errors import SavingError

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_path"]


def _temp_name(path: str) -> str:
    """A fresh hidden name next to ``path`` that keeps its whole file name, so every extension survives."""
    directory, base = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".tmp-{secrets.token_hex(6)}-{base}")


def _fsync_file(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some platforms / file systems refuse fsync on a read-only descriptor
        pass
    finally:
        os.close(fd)


def _fsync_dir(directory: str) -> None:
    """Persist the rename itself (the directory entry); a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", *, encoding: str | None = None, newline: str | None = None,
                 fsync: bool = True):
    """Open ``path`` for writing so that it is replaced atomically when the ``with`` block ends without error.

    ``mode`` is ``'wb'`` (bytes, the default), ``'w'`` or ``'wt'`` (text; ``encoding`` defaults to UTF-8).
    Yields the open file object. On an exception the target is left as it was and the exception propagates.
    """
    if mode not in ("wb", "w", "wt"):
        raise ValueError(f"atomic_write: mode must be 'wb', 'w' or 'wt', got {mode!r}")
    path = os.fspath(path)
    binary = "b" in mode
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = _temp_name(path)
        try:
            # 0o666 filtered by the umask gives the same permissions a plain open() would
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:  # vanishingly rare name clash: draw another name
            continue
    try:
        kwargs = {} if binary else {"encoding": encoding or "utf-8", "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    if fsync:
        _fsync_dir(os.path.dirname(os.path.abspath(path)))


def atomic_write_bytes(path, data: bytes, *, fsync: bool = True) -> None:
    """Write ``data`` (bytes-like) to ``path`` atomically."""
    with atomic_write(path, "wb", fsync=fsync) as f:
        f.write(data)


@contextlib.contextmanager
def atomic_path(path, *, fsync: bool = True):
    """Yield a temporary path next to ``path`` for a writer that opens files itself (``model.save(tmp)``).

    The temporary path ends with the same file name as ``path`` (so extension checks in the writer pass). When the
    block ends without error, the file written there replaces ``path`` atomically; on an exception it is removed
    and ``path`` is left untouched. Raises :class:`~neuroflow.errors.SavingError` if the writer wrote nothing at
    the temporary path (for example because it changed the file name).
    """
    path = os.fspath(path)
    tmp = _temp_name(path)
    try:
        yield tmp
        if not os.path.isfile(tmp):
            raise SavingError(f"atomic write of {path!r}: the writer did not create the temporary file {tmp!r} "
                              "(it must write exactly to the path it is given, without changing its name)")
        if fsync:
            _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    if fsync:
        _fsync_dir(os.path.dirname(os.path.abspath(path)))
