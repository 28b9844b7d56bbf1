"""The zip container shared by every neuroflow file (models, RBMs, DBNs): written with checksums and an optional
keyed signature, read so that no file can make the reader hang, inflate without bound, or fail with anything but a
:class:`~neuroflow.errors.SavingError`.

Layout: ``metadata.json`` (``format``, ``version``, the SHA-256 of every other member), the format's members, and
``signature.hmac`` when the file was signed.

What the checks protect against:

* **SHA-256 checksums** (always): accidental corruption — a truncated download, a flipped bit, a disk error. They
  are stored in the same file, so anyone who edits a member can recompute them: they do not detect tampering.
* **The signature** (``signing_key=``): HMAC-SHA256 under a secret key over the name and SHA-256 of every member.
  Without the key nobody can produce a valid signature, so a file that verifies was written by a holder of the key
  and not modified since. Loading with a key refuses unsigned files and files signed with another key.

Reading order: the path must be a regular file under :data:`~.limits.MAX_FILE_BYTES`; the zip's end record is
parsed by hand to bound the member count before ``zipfile`` reads the central directory; member names, count,
compression methods and *declared* inflated sizes are checked against per-member caps before anything is
inflated; each member is then inflated in chunks with a hard cap at its declared size (``zipfile`` stops there and
checks the CRC).
"""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import stat
import struct
import zipfile

from ..errors import SavingError
from . import limits

SIGNATURE = "signature.hmac"
METADATA = "metadata.json"
_CHUNK = 1 << 20


def _member_digests(members: dict) -> dict:
    return {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}


def _signature(key: bytes, digests: dict) -> str:
    """HMAC-SHA256 over every member's name and SHA-256 (metadata included), in name order."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for name in sorted(digests):
        mac.update(name.encode() + b"\0" + bytes.fromhex(digests[name]) + b"\0")
    return mac.hexdigest()


def _check_key(signing_key, where: str):
    if signing_key is None:
        return None
    if isinstance(signing_key, str):
        signing_key = signing_key.encode()
    if not isinstance(signing_key, (bytes, bytearray)) or len(signing_key) == 0:
        raise SavingError(f"{where}: signing_key must be non-empty bytes (or str), got "
                          f"{type(signing_key).__name__}")
    return bytes(signing_key)


def pack(fmt: str, version: int, members: dict, signing_key=None, extra_meta: dict | None = None) -> bytes:
    """The zip bytes for ``members`` (name -> bytes) under format ``fmt``: metadata with checksums first, then
    the members, then the signature when ``signing_key`` is given."""
    key = _check_key(signing_key, "save")
    meta = {"format": fmt, "version": version, **(extra_meta or {}), "sha256": _member_digests(members)}
    meta_bytes = json.dumps(meta, indent=1).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(METADATA, meta_bytes)
        for name, data in members.items():
            # weights barely compress (a few percent) and deflating them was 80% of a save: store them as is
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED if name.endswith(".json")
                        else zipfile.ZIP_STORED)
        if key is not None:
            digests = {**meta["sha256"], METADATA: hashlib.sha256(meta_bytes).hexdigest()}
            zf.writestr(SIGNATURE, _signature(key, digests))
    return buf.getvalue()


def _open_regular(path, where: str):
    """Open ``path`` for reading after checking it is a regular file of bounded size (no device, FIFO, socket or
    directory: ``/dev/zero`` would never end, a FIFO would block)."""
    try:
        path = os.fspath(path)
    except TypeError:
        raise SavingError(f"{where}: expected a file path, got {type(path).__name__}") from None
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SavingError(f"{where}: no file at {path}") from None
    except (OSError, ValueError) as err:
        raise SavingError(f"{where}: cannot read {path}: {err}") from None
    if not stat.S_ISREG(info.st_mode):
        raise SavingError(f"{where}: {path} is not a regular file (a directory, device, FIFO or socket)")
    if info.st_size > limits.MAX_FILE_BYTES:
        raise SavingError(f"{where}: {path} has {info.st_size} bytes, more than the limit of "
                          f"{limits.MAX_FILE_BYTES} (neuroflow.saving.limits.MAX_FILE_BYTES)")
    try:
        f = open(path, "rb")
    except OSError as err:
        raise SavingError(f"{where}: cannot open {path}: {err}") from None
    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # replaced between stat and open
        f.close()
        raise SavingError(f"{where}: {path} is not a regular file")
    return f, info.st_size


def _check_end_record(f, size: int, where: str) -> None:
    """Bound the member count and central-directory size from the zip's end record before ``zipfile`` parses
    the directory (a forged end record could otherwise make it build millions of entries)."""
    tail_len = min(size, 22 + 65535)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise SavingError(f"{where}: the file is not a valid neuroflow file (not a zip: no end-of-central-directory "
                          "record; truncated or not a model file)")
    _, _, _, _, entries, cd_size, _, _ = struct.unpack("<4s4H2LH", tail[at:at + 22])
    if entries > limits.MAX_MEMBERS:
        raise SavingError(f"{where}: the zip declares {entries} members; a neuroflow file has at most "
                          f"{limits.MAX_MEMBERS}")
    if cd_size > limits.MAX_CENTRAL_DIRECTORY_BYTES:
        raise SavingError(f"{where}: the zip's central directory declares {cd_size} bytes (at most "
                          f"{limits.MAX_CENTRAL_DIRECTORY_BYTES})")
    f.seek(0)


def _inflate(zf, info, cap: int, where: str) -> bytes:
    """Member ``info`` inflated, reading at most ``cap`` bytes (its declared size was checked against the cap)."""
    out = bytearray()
    with zf.open(info) as stream:
        while True:
            chunk = stream.read(min(_CHUNK, cap + 1 - len(out)))
            if not chunk:
                break
            out += chunk
            if len(out) > cap:
                raise SavingError(f"{where}: member {info.filename} inflates past its declared size")
    if len(out) != info.file_size:
        raise SavingError(f"{where}: member {info.filename} inflates to {len(out)} bytes, declared "
                          f"{info.file_size}")
    return bytes(out)


def read_metadata(path, where: str = "load_model"):
    """``(metadata dict, zip info list)`` of a neuroflow file, after the container checks; nothing else inflated."""
    f, size = _open_regular(path, where)
    try:
        _check_end_record(f, size, where)
        zf = zipfile.ZipFile(f)
        infos = zf.infolist()
        meta = _read_meta(zf, infos, where)
        return meta, infos
    except SavingError:
        raise
    except Exception as err:  # zipfile reports damage as several exception types
        raise SavingError(f"{where}: {path} is not a valid neuroflow file ({type(err).__name__}: {err})") from None
    finally:
        f.close()


def _read_meta(zf, infos, where):
    by_name = {}
    for info in infos:
        if info.filename in by_name:
            raise SavingError(f"{where}: member {info.filename!r} appears twice in the zip")
        by_name[info.filename] = info
    if METADATA not in by_name:
        raise SavingError(f"{where}: not a neuroflow file (no {METADATA})")
    info = by_name[METADATA]
    if info.file_size > limits.MAX_METADATA_BYTES:
        raise SavingError(f"{where}: {METADATA} declares {info.file_size} bytes (at most "
                          f"{limits.MAX_METADATA_BYTES})")
    meta = parse_json(_inflate(zf, info, limits.MAX_METADATA_BYTES, where), f"{where}: {METADATA}",
                      limits.MAX_METADATA_BYTES)
    if not isinstance(meta, dict) or not isinstance(meta.get("format"), str):
        raise SavingError(f"{where}: {METADATA} must be an object with a 'format' string")
    version = meta.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SavingError(f"{where}: {METADATA} field 'version' must be an integer >= 1, got {version!r:.40}")
    digests = meta.get("sha256")
    if digests is None and version == 1 and meta["format"] == "neuroflow.dbn":
        return meta  # version-1 DBN files carried no checksums; their members are still checked by name
    if not isinstance(digests, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(v) == 64 and _is_hex(v) for k, v in digests.items()):
        raise SavingError(f"{where}: {METADATA} field 'sha256' must map member names to 64-digit hex digests")
    return meta


def _is_hex(s: str) -> bool:
    try:
        bytes.fromhex(s)
        return True
    except ValueError:
        return False


def read_members(path, formats: dict, *, signing_key=None, size_caps=None, order=(), where: str = "load_model"):
    """Read a neuroflow file whose format is one of ``formats`` (format -> (max version, allowed member names)).

    Members are inflated in ``order`` first (then the rest); ``size_caps(name, members_so_far, meta)`` may return the
    most bytes member ``name`` may inflate to, computed from those read before it and the metadata (or ``None``:
    the file size limit). Returns ``(metadata, {name: bytes})`` with every checksum and (with a key) the signature verified.
    """
    key = _check_key(signing_key, where)
    f, size = _open_regular(path, where)
    try:
        _check_end_record(f, size, where)
        zf = zipfile.ZipFile(f)
        infos = zf.infolist()
        meta = _read_meta(zf, infos, where)
        fmt = meta["format"]
        if fmt not in formats:
            raise SavingError(f"{where}: {path} holds a {fmt!r:.60} file; expected {' or '.join(map(repr, formats))}")
        max_version, allowed = formats[fmt]
        if meta["version"] > max_version:
            raise SavingError(f"{where}: {path} was written by a newer neuroflow (file format {meta['version']}, "
                              f"this neuroflow reads up to {max_version})")
        digests = meta.get("sha256")
        if digests is None:  # an old file without checksums (see _read_meta): accept only the format's members
            digests = {}
            allowed_unchecked = allowed
        else:
            allowed_unchecked = ()
        for name in digests:
            if name not in allowed or name in (METADATA, SIGNATURE):
                raise SavingError(f"{where}: {METADATA} lists an unexpected member {name!r:.80}")
        names = {info.filename for info in infos}
        for name in names - {METADATA}:
            if name == SIGNATURE:
                continue
            if name not in digests and name not in allowed_unchecked:
                raise SavingError(f"{where}: unexpected member {name!r:.80}: the file was modified")
        missing = sorted(set(digests) - names)
        if missing:
            raise SavingError(f"{where}: member(s) {missing} listed in {METADATA} are missing")
        members = {}
        first = {name: i for i, name in enumerate(order)}
        for info in sorted(infos, key=lambda i: first.get(i.filename, len(first))):
            name = info.filename
            if name == METADATA:
                continue
            if info.flag_bits & 0x1:
                raise SavingError(f"{where}: member {name} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise SavingError(f"{where}: member {name} uses compression method {info.compress_type}; "
                                  "neuroflow writes only stored or deflated members")
            cap = limits.MAX_METADATA_BYTES if name == SIGNATURE else (
                size_caps(name, members, meta) if size_caps else None)
            cap = limits.MAX_FILE_BYTES if cap is None else cap
            if info.file_size > cap:
                raise SavingError(f"{where}: member {name} declares {info.file_size} bytes inflated; at most "
                                  f"{cap} fit what the file describes")
            members[name] = _inflate(zf, info, cap, where)
            digest = digests.get(name)
            if digest is not None and not hmac.compare_digest(hashlib.sha256(members[name]).hexdigest(),
                                                              digest.lower()):
                raise SavingError(f"{where}: member {name} does not match its SHA-256 checksum: the file is "
                                  "corrupt (checksums detect damage, not deliberate edits; use signing_key for that)")
        signature = members.pop(SIGNATURE, None)
        if key is not None:
            if signature is None:
                raise SavingError(f"{where}: {path} is not signed, but a signing_key was given: refusing an "
                                  "unauthenticated file")
            meta_info = next(i for i in infos if i.filename == METADATA)
            meta_bytes = _inflate(zf, meta_info, limits.MAX_METADATA_BYTES, where)
            expected = _signature(key, {**digests, METADATA: hashlib.sha256(meta_bytes).hexdigest()})
            if not hmac.compare_digest(signature, expected.encode()):
                raise SavingError(f"{where}: the signature of {path} does not match signing_key: the file was "
                                  "modified or signed with another key")
        return meta, members
    except SavingError:
        raise
    except Exception as err:  # zipfile and zlib report damage as several exception types
        raise SavingError(f"{where}: {path} is not a valid neuroflow file ({type(err).__name__}: {err})") from None
    finally:
        f.close()


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON here")


def _bounded_int(text):
    if len(text) > 45:  # 2**130 has 40 digits
        raise ValueError(f"integer with {len(text)} digits")
    return int(text)


def parse_json(data: bytes, where: str, max_bytes: int):
    """Parse JSON bytes with bounds: size, no NaN/Infinity, bounded integers, bounded nesting (a deep document
    is refused by the parser's recursion guard, reported as a SavingError)."""
    if len(data) > max_bytes:
        raise SavingError(f"{where}: {len(data)} bytes, at most {max_bytes}")
    try:
        text = data.decode("utf-8")
        return json.loads(text, parse_constant=_reject_constant, parse_int=_bounded_int)
    except RecursionError:
        raise SavingError(f"{where}: JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise SavingError(f"{where}: not valid JSON ({str(err)[:120]})") from None
