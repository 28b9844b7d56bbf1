"""Atomic file writing: a reader sees either the old file or the complete new one, never a torn write.

Each helper writes to a hidden temporary file in the *same directory* as the target (so that the final
``os.replace`` is a rename within one file system, which POSIX and Windows make atomic), flushes it to disk with
``fsync`` and only then renames it over the target. If the write fails (an exception, a full disk), the temporary
file is removed and the previous target is left untouched. A hard kill can leave a hidden ``.tmp-*`` file
behind (``.{name}.{pid}.{random}.tmp``, matched by no pattern for the target's extension), but never a damaged
target; the next atomic write of the same target removes such leftovers of processes that no longer run.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil

from ..errors import SavingError

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_path", "remove_stale_temporaries", "intended_path"]


def _temp_name(path: str) -> str:
    """A fresh hidden name next to ``path``: ``.{name}.{pid}.{random}.tmp``. It ends in ``.tmp``, so no pattern
    for the target's extension (``*.neuroflow``) matches a half-written file, and it names the writing process,
    so that a later save can tell a dead writer's leftover from a live one's file."""
    directory, base = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{base}.{os.getpid()}.{secrets.token_hex(6)}.tmp")


def intended_path(path) -> str:
    """The target a temporary name from :func:`atomic_path` stands for (``path`` itself for any other name), so
    that a writer choosing a file format by extension sees ``model.keras``, not ``.model.keras.123.ab12.tmp``."""
    if not isinstance(path, (str, os.PathLike)):
        return path
    directory, base = os.path.split(os.fspath(path))
    if base.startswith(".") and base.endswith(".tmp"):
        parts = base[1:-len(".tmp")].rsplit(".", 2)
        if len(parts) == 3 and parts[1].isdigit() and all(c in "0123456789abcdef" for c in parts[2]):
            return os.path.join(directory, parts[0])
    return os.fspath(path)


_WRITING: set = set()  # temporary files this process is writing now (never stale)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by someone else
    return True


def remove_stale_temporaries(path) -> list:
    """Delete the temporary files that an earlier, killed save of ``path`` left next to it (those whose writing
    process no longer runs, and this process's own that it is not writing); returns the removed paths."""
    directory, base = os.path.split(os.path.abspath(os.fspath(path)))
    prefix = f".{base}."
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        parts = name[len(prefix):-len(".tmp")].split(".")
        if len(parts) != 2 or not parts[0].isdigit() or len(parts[1]) != 12:
            continue
        full = os.path.join(directory, name)
        pid = int(parts[0])
        if full in _WRITING or (pid != os.getpid() and _pid_alive(pid)):
            continue
        with contextlib.suppress(OSError):
            os.remove(full)
            removed.append(full)
    return removed


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
    remove_stale_temporaries(path)
    while True:
        tmp = _temp_name(path)
        try:
            # 0o666 filtered by the umask gives the same permissions a plain open() would
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:  # vanishingly rare name clash: draw another name
            continue
    _WRITING.add(tmp)
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
    finally:
        _WRITING.discard(tmp)
    if fsync:
        _fsync_dir(os.path.dirname(os.path.abspath(path)))


def atomic_write_bytes(path, data: bytes, *, fsync: bool = True) -> None:
    """Write ``data`` (bytes-like) to ``path`` atomically."""
    with atomic_write(path, "wb", fsync=fsync) as f:
        f.write(data)


@contextlib.contextmanager
def atomic_path(path, *, fsync: bool = True):
    """Yield a temporary path next to ``path`` for a writer that opens files itself (``model.save(tmp)``).

    The temporary path is ``.{name}.{pid}.{random}.tmp`` (the writer must not insist on an extension). When the
    block ends without error, the file written there replaces ``path`` atomically; on an exception it is removed
    and ``path`` is left untouched. Raises :class:`~neuroflow.errors.SavingError` if the writer wrote nothing at
    the temporary path (for example because it changed the file name).
    """
    path = os.fspath(path)
    remove_stale_temporaries(path)
    tmp = _temp_name(path)
    _WRITING.add(tmp)
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
    finally:
        _WRITING.discard(tmp)
    if fsync:
        _fsync_dir(os.path.dirname(os.path.abspath(path)))
