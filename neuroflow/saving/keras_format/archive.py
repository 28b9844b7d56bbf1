"""The ``.keras`` zip of Keras 3: ``metadata.json``, ``config.json`` and ``model.weights.h5``.

Members are checked by name and size before any is inflated (bounds from :mod:`neuroflow.saving.limits`), so a
damaged or hostile archive fails with a SavingError and costs little.
"""
from __future__ import annotations

import io
import json
import os
import zipfile

from ...errors import SavingError
from .. import limits
from ..archive import parse_json

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"


#: Members a Keras archive may hold (three, plus assets); more is not a Keras file.
MAX_MEMBERS = 64
_END_RECORD = b"PK\x05\x06"


def directory_is_small(path) -> bool:
    """Whether the zip's end record announces at most MAX_MEMBERS entries in a small central directory, read from
    the file's tail before ``zipfile`` parses (and allocates for) the whole directory. Zip64 archives (fields
    saturated) are left to ``zipfile``."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 22 - 0xFFFF))
        tail = f.read()
    at = tail.rfind(_END_RECORD)
    if at < 0 or len(tail) - at < 22:
        return False
    entries = int.from_bytes(tail[at + 10:at + 12], "little")
    directory = int.from_bytes(tail[at + 12:at + 16], "little")
    if entries == 0xFFFF or directory == 0xFFFFFFFF:
        return True
    return entries <= MAX_MEMBERS and directory <= limits.MAX_CENTRAL_DIRECTORY_BYTES


def looks_like_keras_archive(path) -> bool:
    """True for a readable zip holding Keras' ``config.json`` and ``model.weights.h5`` (whatever its name)."""
    try:
        if not directory_is_small(path):
            return False
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return CONFIG in names and WEIGHTS in names


def read(path, where: str) -> tuple[dict, dict, bytes]:
    """``(config, metadata, weights HDF5 bytes)`` of a ``.keras`` archive."""
    try:
        size = os.path.getsize(path)
    except (OSError, TypeError) as err:
        raise SavingError(f"{where}: cannot read {path!r:.200} ({type(err).__name__}: {err})") from None
    if size > limits.MAX_FILE_BYTES:
        raise SavingError(f"{where}: the file is {size} bytes, over limits.MAX_FILE_BYTES")
    try:
        if not directory_is_small(path):
            raise SavingError(f"{where}: not a zip archive, or its directory lists more than {MAX_MEMBERS} members "
                              f"(a .keras file holds metadata.json, config.json and model.weights.h5)")
        with zipfile.ZipFile(path) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            for member in (CONFIG, WEIGHTS):
                if member not in infos:
                    raise SavingError(f"{where}: the archive has no {member} (members: {sorted(infos)[:8]}); "
                                      f"it is not a complete Keras 3 .keras file")
            config = parse_json(_inflate(zf, infos[CONFIG], limits.MAX_CONFIG_BYTES, where), f"{where}: {CONFIG}",
                                limits.MAX_CONFIG_BYTES)
            metadata = {}
            if METADATA in infos:
                metadata = parse_json(_inflate(zf, infos[METADATA], limits.MAX_METADATA_BYTES, where),
                                      f"{where}: {METADATA}", limits.MAX_METADATA_BYTES)
            weights = _inflate(zf, infos[WEIGHTS], limits.MAX_FILE_BYTES, where)
    except SavingError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as err:
        raise SavingError(f"{where}: not a readable .keras archive ({type(err).__name__}: {str(err)[:200]})") from None
    if not isinstance(config, dict) or not isinstance(metadata, dict):
        raise SavingError(f"{where}: {CONFIG} and {METADATA} must each hold a JSON object")
    return config, metadata, weights


def _inflate(zf, info, cap: int, where: str) -> bytes:
    if info.file_size > cap:
        raise SavingError(f"{where}: member {info.filename} claims {info.file_size} bytes, over the limit {cap}")
    with zf.open(info) as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        raise SavingError(f"{where}: member {info.filename} inflates past the limit of {cap} bytes")
    return data


def pack(config: dict, metadata: dict, weights: bytes) -> bytes:
    """The archive's bytes (members stored uncompressed, as Keras writes them)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(METADATA, json.dumps(metadata))
        zf.writestr(CONFIG, json.dumps(config))
        zf.writestr(WEIGHTS, weights)
    return buffer.getvalue()
