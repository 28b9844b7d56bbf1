"""Safetensors bytes <-> NumPy arrays, with the header checked completely before any array is made.

Format: an 8-byte little-endian header length N, N bytes of JSON ``{name: {"dtype", "shape", "data_offsets":
[begin, end]}, "__metadata__": {...}}``, then the raw little-endian data. :func:`read_header` validates every
entry (known dtype, non-negative shape, offsets inside the buffer, ``end - begin`` equal to the shape's byte
count, no overlaps) so that :func:`arrays` can only view bytes that exist.
"""
from __future__ import annotations

import json

import numpy as np

from ..backend import to_host
from ..errors import SavingError
from . import limits
from .archive import parse_json

_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
           "U8": "u1", "U16": "<u2", "U32": "<u4", "U64": "<u8", "BOOL": "?"}
_CODES = {(np.dtype(v).kind, np.dtype(v).itemsize): k for k, v in _DTYPES.items()}


def host(array) -> np.ndarray:
    """A C-contiguous host NumPy array for ``array`` (a weight or optimizer slot): device arrays are copied to the
    host (one explicit transfer each), files are always written from the host. Shapes: any -> same."""
    return np.asarray(to_host(array), order="C")  # not ascontiguousarray: that makes a 0-d array 1-d


def dumps(arrays: dict, metadata: dict | None = None) -> bytes:
    """Safetensors bytes for ``arrays`` (name -> array; stored little-endian, in the given order)."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, arr in arrays.items():
        arr = to_host(arr)
        code = _CODES.get((arr.dtype.kind, arr.dtype.itemsize))
        if code is None:
            raise SavingError(f"save: weight {name!r} has dtype {arr.dtype}, which safetensors cannot store")
        data = np.ascontiguousarray(arr, dtype=np.dtype(_DTYPES[code])).tobytes()
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)  # data aligned to 8 bytes, as the reference writer does
    return len(head).to_bytes(8, "little") + head + b"".join(chunks)


def read_header(data: bytes, where: str) -> dict:
    """``{name: (numpy dtype, shape tuple, begin, end)}`` (offsets into ``data``) plus ``"__metadata__"`` when
    present; a SavingError naming the tensor for anything inconsistent."""
    if len(data) < 8:
        raise SavingError(f"{where}: {len(data)} bytes is too short for safetensors data")
    n = int.from_bytes(data[:8], "little")
    if n > limits.MAX_TENSOR_HEADER_BYTES or 8 + n > len(data):
        raise SavingError(f"{where}: header length {n} does not fit the {len(data)}-byte member")
    header = parse_json(data[8:8 + n], f"{where} header", limits.MAX_TENSOR_HEADER_BYTES)
    if not isinstance(header, dict):
        raise SavingError(f"{where}: the header must be a JSON object")
    body = len(data) - 8 - n
    out, spans = {}, []
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                raise SavingError(f"{where}: __metadata__ must map strings to strings")
            out[name] = entry
            continue
        what = f"{where}: tensor {name!r:.80}"
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise SavingError(f"{what} must have exactly 'dtype', 'shape' and 'data_offsets'")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in _DTYPES:
            raise SavingError(f"{what}: unknown dtype {dtype!r:.20}; known: {', '.join(_DTYPES)}")
        if not (isinstance(shape, list) and len(shape) <= limits.MAX_TENSOR_RANK and all(
                type(s) is int and s >= 0 for s in shape)):
            raise SavingError(f"{what}: shape must be a list of at most {limits.MAX_TENSOR_RANK} integers >= 0, "
                              f"got {shape!r:.80}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets)
                and 0 <= offsets[0] <= offsets[1] <= body):
            raise SavingError(f"{what}: data_offsets {offsets!r:.60} lie outside the {body}-byte data")
        dt = np.dtype(_DTYPES[dtype])
        count = 1
        for s in shape:
            count *= s
        if count * dt.itemsize != offsets[1] - offsets[0]:
            raise SavingError(f"{what}: shape {tuple(shape)} of {dtype} needs {count * dt.itemsize} bytes, the "
                              f"offsets span {offsets[1] - offsets[0]}")
        out[name] = (dt, tuple(shape), 8 + n + offsets[0], 8 + n + offsets[1])
        spans.append((offsets[0], offsets[1], name))
    spans.sort()
    for (b0, e0, n0), (b1, _, n1) in zip(spans, spans[1:]):
        if b1 < e0:
            raise SavingError(f"{where}: tensors {n0!r:.60} and {n1!r:.60} overlap")
    return out


def array(data: bytes, entry, dtype=None) -> np.ndarray:
    """A native-byte-order copy of one tensor described by a :func:`read_header` entry (cast to ``dtype``)."""
    dt, shape, begin, end = entry
    count = (end - begin) // dt.itemsize
    if count == 0:
        return np.empty(shape, dtype or dt.newbyteorder("="))
    arr = np.frombuffer(data, dtype=dt, count=count, offset=begin).reshape(shape)
    return arr.astype(dtype or dt.newbyteorder("="), copy=True)
