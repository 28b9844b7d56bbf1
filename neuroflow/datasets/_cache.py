"""Where datasets live on disk, and how a missing one is fetched.

The cache root is ``$NEUROFLOW_DATA`` when set, else ``~/.neuroflow/datasets``; dataset ``name`` lives in
``<root>/<name>/``. A download streams to a temporary file in that folder, checks its checksum, and only then
renames it into place (``os.replace`` is atomic), so an interrupted or corrupted download never leaves a file
that looks valid. ``NEUROFLOW_OFFLINE=1`` turns downloads off.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request

from ..errors import DataError
from . import _idx


class DownloadError(DataError):
    """A download that failed (network, HTTP error, checksum mismatch, unwritable cache)."""


def cache_root() -> str:
    """The folder holding all cached datasets (``$NEUROFLOW_DATA`` or ``~/.neuroflow/datasets``)."""
    return os.path.expanduser(os.environ.get("NEUROFLOW_DATA") or os.path.join("~", ".neuroflow", "datasets"))


def dataset_dir(name: str) -> str:
    """The cache folder of one dataset: ``<cache_root()>/<name>``."""
    return os.path.join(cache_root(), name)


def _urlopen(url, timeout):
    # The single place that touches the network (tests replace it).
    return urllib.request.urlopen(url, timeout=timeout)


def download(url, dest, checksum, algorithm="sha256", timeout=60):
    """Download ``url`` to ``dest``, verifying its ``algorithm`` hex digest against ``checksum`` (``None``: not
    checked).

    Writes ``dest`` atomically (temporary file + rename). Raises :class:`DownloadError` on any failure.
    """
    if os.environ.get("NEUROFLOW_OFFLINE", "") not in ("", "0"):
        raise DownloadError(f"{url}: downloads are turned off (NEUROFLOW_OFFLINE is set)")
    folder = os.path.dirname(os.path.abspath(dest))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(dest) + ".", suffix=".part", dir=folder)
    except OSError as e:
        raise DownloadError(f"cannot write to the cache folder {folder} ({e})") from None
    try:
        print(f"Downloading data from {url}", file=sys.stderr)
        digest = hashlib.new(algorithm)
        with os.fdopen(fd, "wb") as out, _urlopen(url, timeout) as response:
            while True:
                chunk = response.read(1 << 20)
                if not chunk:
                    break
                digest.update(chunk)
                out.write(chunk)
        got = digest.hexdigest()
        if checksum is not None and got != checksum.lower():
            raise DownloadError(f"{url}: {algorithm} of the download is {got}, expected {checksum}")
        os.replace(tmp, dest)
    except DownloadError:
        raise
    except (OSError, urllib.error.URLError, http.client.HTTPException, ValueError) as e:
        raise DownloadError(f"{url}: {e}") from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return dest


def _fetch_set(folder, files, mirrors):
    """Get every file of one source (``{filename: (algorithm, checksum)}``) into ``folder``, trying ``mirrors``
    (base URLs) in order for each missing file. Raises DownloadError with every mirror's failure."""
    for filename, (algorithm, checksum) in files.items():
        dest = os.path.join(folder, filename)
        if os.path.isfile(dest):
            continue
        errors = []
        for base in mirrors:
            try:
                download(base + filename, dest, checksum, algorithm)
                break
            except DownloadError as e:
                errors.append(str(e))
        else:
            raise DownloadError("; ".join(errors))


def load_or_download(name, title, npz_name, sources, path, where, extra_npz=()):
    """The body of ``<dataset>.load_data(path)``: returns ``(x_train, y_train), (x_test, y_test)``.

    ``path`` given: load from it (folder of IDX files, folder with ``npz_name``, or an .npz file). Otherwise load
    from the cache folder ``dataset_dir(name)`` (or one of ``extra_npz``), downloading into it from ``sources`` --
    a list of ``(mirrors, {filename: (algorithm, checksum)})`` tried in order -- when it is missing.
    """
    if path is not None:
        return _idx.load_split(path, npz_name, where)
    folder = dataset_dir(name)
    if _idx.has_split(folder, npz_name):
        return _idx.load_split(folder, npz_name, where)
    for p in extra_npz:
        if os.path.isfile(os.path.expanduser(p)):
            return _idx.load_npz(os.path.expanduser(p), where)
    errors = []
    for mirrors, files in sources:
        try:
            _fetch_set(folder, files, mirrors)
            return _idx.load_split(folder, npz_name, where)
        except DownloadError as e:
            errors.append(str(e))
    idx_names = ", ".join(names[0] + ".gz" for names in _idx.SPLIT_FILES.values())
    raise DataError(
        f"{where}: {title} is not in {folder} and could not be downloaded ({' | '.join(errors)}). Get the files "
        f"another way and either put the four IDX files ({idx_names}; gzipped or not) or {npz_name} into {folder} "
        f"(or set the NEUROFLOW_DATA environment variable to a folder holding {name}/), or pass "
        f"load_data(path=...) a folder holding them or the path of the .npz file.")
