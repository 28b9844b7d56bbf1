"""Keras' ``get_file``: a file from a URL or a local path, cached, checked and optionally extracted.

Downloads go through :mod:`neuroflow.datasets._cache` (atomic writes, ``NEUROFLOW_OFFLINE=1`` turns them off). An
``origin`` that is a local path or a ``file://`` URL is copied into the cache, so the same code runs offline on
files the user already has. Archives are extracted with member paths checked: nothing lands outside the folder.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import urllib.parse
import zipfile

from ..datasets._cache import download
from ..errors import ConfigError, DataError


def _hash_file(path, algorithm):
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _algorithm(file_hash, hash_algorithm):
    if hash_algorithm in ("sha256", "md5"):
        return hash_algorithm
    if hash_algorithm != "auto":
        raise ConfigError(f"get_file: hash_algorithm must be 'auto', 'sha256' or 'md5', got {hash_algorithm!r}")
    return "md5" if file_hash is not None and len(file_hash) == 32 else "sha256"


def _extract(path, target, archive_format):
    formats = ("tar", "zip") if archive_format == "auto" else (archive_format,)
    os.makedirs(target, exist_ok=True)
    root = os.path.realpath(target)
    if "tar" in formats and tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            for member in archive.getmembers():
                dest = os.path.realpath(os.path.join(target, member.name))
                if not dest.startswith(root + os.sep) and dest != root or member.issym() or member.islnk():
                    raise DataError(f"get_file: archive member {member.name!r} would be written outside {target}")
            archive.extractall(target)
        return True
    if "zip" in formats and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                dest = os.path.realpath(os.path.join(target, name))
                if not dest.startswith(root + os.sep) and dest != root:
                    raise DataError(f"get_file: archive member {name!r} would be written outside {target}")
            archive.extractall(target)
        return True
    return False


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """The local path of ``origin`` (a URL, a ``file://`` URL or a path), cached as
    ``<cache_dir>/<cache_subdir>/<fname>`` (``cache_dir`` defaults to ``~/.keras``, as in Keras); checked against
    ``file_hash`` (sha256 or md5) when given; with ``extract=True`` the archive is unpacked beside it and the
    folder's path returned."""
    if origin is None:
        raise ConfigError("get_file: origin is required (a URL, a file:// URL or a local path)")
    file_hash = file_hash or md5_hash
    fname = fname or os.path.basename(urllib.parse.urlparse(origin).path)
    if not fname:
        raise ConfigError(f"get_file: cannot name the file from origin {origin!r}; pass fname=")
    base = os.path.expanduser(cache_dir or os.path.join("~", ".keras"))
    folder = os.path.join(base, cache_subdir)  # an absolute cache_subdir wins, as in Keras
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, fname)
    algorithm = _algorithm(file_hash, hash_algorithm)
    stale = force_download or not os.path.exists(path) or (
        file_hash is not None and _hash_file(path, algorithm) != file_hash.lower())
    if stale:
        parsed = urllib.parse.urlparse(origin)
        if parsed.scheme == "file":
            local = urllib.parse.unquote(parsed.path)
        else:  # a plain path (no scheme, or one that exists: "C:\\data" parses with scheme "c")
            local = origin if not parsed.scheme or os.path.exists(origin) else None
        if local is not None:
            if not os.path.isfile(local):
                raise DataError(f"get_file: {local!r} does not exist")
            tmp = path + ".part"
            shutil.copyfile(local, tmp)
            os.replace(tmp, path)
        else:
            download(origin, path, None)
        if file_hash is not None and _hash_file(path, algorithm) != file_hash.lower():
            os.remove(path)
            raise DataError(f"get_file: the {algorithm} of {origin} does not match file_hash={file_hash}")
    if extract or untar:
        target = os.path.join(folder, fname.split(".")[0] + ("_extracted" if extract else ""))
        if not os.path.isdir(target) or stale:
            if not _extract(path, target, "tar" if untar else archive_format):
                raise DataError(f"get_file: {path} is not a tar or zip archive")
        return target
    return path


__all__ = ["get_file"]
