"""Fuzz the model loader: load thousands of damaged and hostile variants of real model files and report what
happened to each — a model, a SavingError, or anything else (a bug) — with the worst time and memory.

    python benchmarks/fuzz_loader.py --n 10000 --seed 0         # a summary table
    python benchmarks/fuzz_loader.py --n 2000 --json             # one JSON line (what the test reads)

Variants (seeded, so a failure can be replayed with ``--only INDEX``): byte flips, truncations and appended junk
on the zip; and, with the checksums recomputed so that the deep checks are reached, edits of random config values
(types, ranges, huge numbers, deep nesting, dunder and unknown names), swapped/dropped/duplicated/extra members,
path-traversal names, zip bombs, and safetensors headers declaring huge or inconsistent shapes.

Each load runs under a watchdog (``--timeout`` seconds, reported as a hang) and an address-space limit
(``--memory-gib``); tracemalloc measures its peak Python/NumPy allocation.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import resource
import signal
import struct
import sys
import tempfile
import time
import tracemalloc
import warnings
import zipfile

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

_HUGE = [2 ** 31, 2 ** 63, 10 ** 30, 600_000_000, -1, -(2 ** 40), 0, 1e308, -1e308, 3.7, 1e-320]
_STRINGS = ["__setattr__", "__class__", "os.system", "softmax", "relu", "", "x" * 70000, "../../etc/passwd",
            "Dense", "Sequential", "Custom>Nope", "adam", "mse", "\u0000", "accuracy", "None", "NaN"]


_ZEROS = bytes(64 << 20)


class Hang(Exception):
    pass


def _zip(entries, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression, compresslevel=1) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


def _members(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _resealed(members: dict, fmt: str) -> bytes:
    """The members with a metadata.json whose checksums match (anyone can do this: integrity, not authenticity)."""
    body = {k: v for k, v in members.items() if k not in ("metadata.json", "signature.hmac")}
    meta = {"format": fmt, "version": 2, "sha256": {k: hashlib.sha256(v).hexdigest() for k, v in body.items()}}
    return _zip([("metadata.json", json.dumps(meta).encode())] + list(body.items()))


def base_files(folder: str) -> list:
    """(name, bytes, format) of the files every variant starts from."""
    import neuroflow as nf
    from neuroflow import layers
    from neuroflow.models import DBN, RBM, Sequential

    nf.random.set_seed(0)
    x = np.random.default_rng(0).random((32, 11), dtype=np.float32)
    y = (x[:, :1] > 0.5).astype(np.float32)
    seq = Sequential([layers.Dense(6, activation="relu", input_dim=11), layers.Dropout(0.2),
                      layers.Dense(1, activation="sigmoid")])
    seq.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    seq.fit(x, y, epochs=1, batch_size=16, verbose=0)
    inp = nf.layers.Input(shape=(11,))
    a, b = layers.Dense(4, name="a")(inp), layers.Dense(4, name="b", activation="tanh")(inp)
    func = nf.Model(inp, layers.Dense(2, activation="softmax", name="out")(layers.Concatenate()([a, b])))
    func.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    rec = Sequential([layers.LSTM(3, input_shape=(4, 2)), layers.Dense(1)])
    rbm = RBM(units=3, seed=0)
    rbm.build(5)
    dbn = DBN([3, 2], seed=0).build(5)
    out = []
    for name, obj, fmt in (("seq", seq, "neuroflow.model"), ("func", func, "neuroflow.model"),
                           ("lstm", rec, "neuroflow.model"), ("rbm", rbm, "neuroflow.rbm"),
                           ("dbn", dbn, "neuroflow.dbn")):
        path = os.path.join(folder, f"{name}.neuroflow")
        obj.save(path)
        with open(path, "rb") as f:
            out.append((name, f.read(), fmt))
    return out


# ------------------------------------------------------------------------------------------------ mutations
def _json_paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _json_paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _json_paths(v, prefix + (i,))


def _random_value(rng):
    kind = rng.randrange(9)
    if kind == 0:
        return rng.choice(_HUGE)
    if kind == 1:
        return rng.choice(_STRINGS)
    if kind == 2:
        return None
    if kind == 3:
        return rng.choice([True, False])
    if kind == 4:
        deep = []
        for _ in range(rng.choice([5, 50, 200])):
            deep = [deep]
        return deep
    if kind == 5:
        return {"class_name": rng.choice(_STRINGS), "config": {}}
    if kind == 6:
        return [rng.choice(_HUGE) for _ in range(rng.randrange(1, 5))]
    if kind == 7:
        return {rng.choice(_STRINGS): rng.choice(_HUGE)}
    return rng.randrange(-5, 10)


def _edit_json(rng, data: bytes) -> bytes:
    try:
        doc = json.loads(data)
    except ValueError:
        return data
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        paths = list(_json_paths(doc))
        path = rng.choice(paths[1:] or paths)
        if not path:
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = rng.randrange(4)
        if action == 0 and isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif action == 1 and isinstance(parent, list) and parent:
            parent.append(parent[rng.randrange(len(parent))])  # duplicate an entry (layers, nodes, names)
        else:
            parent[path[-1]] = _random_value(rng)
    text = json.dumps(doc)
    if rng.random() < 0.05:
        text = text.replace("0.", "NaN", 1)
    return text.encode()


def _edit_safetensors(rng, data: bytes) -> bytes:
    if len(data) < 8:
        return data
    n = int.from_bytes(data[:8], "little")
    try:
        header = json.loads(data[8:8 + n])
    except ValueError:
        return data
    names = [k for k in header if k != "__metadata__"]
    if not names:
        return data
    entry = header[rng.choice(names)]
    action = rng.randrange(5)
    if action == 0:
        entry["shape"] = [rng.choice([10 ** 6, 2 ** 31, 600_000_000]), rng.choice([10 ** 6, 784])]
    elif action == 1:
        entry["data_offsets"] = [0, rng.choice([2 ** 40, 7, -1])]
    elif action == 2:
        entry["dtype"] = rng.choice(["F32", "F64", "I8", "XX", "BOOL"])
    elif action == 3:
        entry["shape"] = [-1] + entry.get("shape", [])[1:]
    else:
        header[rng.choice(names) + "_copy"] = dict(entry)
    head = json.dumps(header).encode()
    if rng.random() < 0.1:
        return (2 ** 40).to_bytes(8, "little") + head
    return len(head).to_bytes(8, "little") + head + data[8 + n:]


_BOMBS: dict = {}


def _bomb(rng, members: dict, fmt: str, base: str) -> bytes:
    """A member of 4-64 MiB of zeros (a few KiB deflated) with matching checksums; built once per kind."""
    target = rng.choice(["weights.safetensors", "config.json", "optimizer.safetensors"])
    size = rng.choice([4, 16, 64]) << 20
    key = (base, target, size)
    if key not in _BOMBS:
        members = dict(members)
        members[target] = _ZEROS[:size]
        _BOMBS[key] = _resealed(members, fmt)
    return _BOMBS[key]


def _forged_sizes(data: bytes, rng) -> bytes:
    """Rewrite the declared inflated size of a member in the central directory (a lie about the size)."""
    at = data.rfind(b"PK\x01\x02")
    if at < 0:
        return data
    out = bytearray(data)
    struct.pack_into("<L", out, at + 24, rng.choice([0, 1, 0xFFFFFFFF, 1 << 30]))
    return bytes(out)


def variant(rng: random.Random, bases) -> tuple:
    """(kind, bytes) of one random variant."""
    name, data, fmt = rng.choice(bases)
    members = _members(data)
    kind = rng.randrange(16)
    if kind == 0:
        out = bytearray(data)
        for _ in range(rng.randrange(1, 9)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return "bytes", bytes(out)
    if kind == 1:
        return "truncate", data[:rng.randrange(len(data))]
    if kind == 2:
        return "append", data + os.urandom(rng.randrange(1, 2000))
    if kind in (3, 4, 5, 6):
        members["config.json"] = _edit_json(rng, members["config.json"])
        return "config", _resealed(members, fmt)
    if kind == 7:
        members["metadata.json"] = _edit_json(rng, members["metadata.json"])
        return "metadata", _zip(list(members.items()))
    if kind == 8:
        members["weights.safetensors"] = _edit_safetensors(rng, members["weights.safetensors"])
        return "safetensors", _resealed(members, fmt)
    if kind == 9:
        keys = [k for k in members if k != "metadata.json"]
        if len(keys) >= 2:
            a, b = rng.sample(keys, 2)
            members[a], members[b] = members[b], members[a]
        return "swap", _resealed(members, fmt)
    if kind == 10:
        members.pop(rng.choice([k for k in members if k != "metadata.json"]), None)
        return "drop", _resealed(members, fmt)
    if kind == 11:
        extra = rng.choice(["../../evil.py", "/abs/path", "config.json", "a" * 300, "weights.safetensors"])
        entries = list(members.items()) + [(extra, b"x")]
        return "names", _zip(entries)
    if kind == 12:
        return "bomb", _bomb(rng, members, fmt, name)
    if kind == 13:
        return "forged-size", _forged_sizes(data, rng)
    if kind == 14:
        return "many-members", _zip(list(members.items()) + [(f"m{i}", b"") for i in range(rng.choice([9, 60]))])
    members["config.json"] = _edit_json(rng, members["config.json"])
    members["weights.safetensors"] = _edit_safetensors(rng, members["weights.safetensors"])
    return "config+safetensors", _resealed(members, fmt)


# ------------------------------------------------------------------------------------------------ running
def _alarm(signum, frame):
    raise Hang()


def load_one(path: str, timeout: float) -> tuple:
    """(outcome, seconds, peak bytes): outcome 'model', 'SavingError', 'hang' or another exception's name."""
    from neuroflow.errors import SavingError
    from neuroflow.models import load_model

    tracemalloc.reset_peak()
    signal.setitimer(signal.ITIMER_REAL, timeout)
    start = time.perf_counter()
    try:
        load_model(path)
        outcome = "model"
    except SavingError:
        outcome = "SavingError"
    except Hang:
        outcome = "hang"
    except BaseException as err:  # noqa: BLE001 - this is what the fuzzer looks for
        outcome = type(err).__name__
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    seconds = time.perf_counter() - start
    return outcome, seconds, tracemalloc.get_traced_memory()[1]


def run(n: int, seed: int, timeout: float, memory_gib: float, only=None) -> dict:
    warnings.simplefilter("ignore")  # zipfile warns about the duplicate names the fuzzer writes on purpose
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = int(memory_gib * (1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    signal.signal(signal.SIGALRM, _alarm)
    folder = tempfile.mkdtemp(prefix="nf-fuzz-")
    bases = base_files(folder)
    tracemalloc.start()
    outcomes, by_kind, failures = {}, {}, []
    worst_time = worst_peak = 0.0
    worst_time_case = worst_peak_case = None
    path = os.path.join(folder, "variant.neuroflow")
    start = time.perf_counter()
    for i in range(n):
        rng = random.Random(f"{seed}:{i}")
        kind, data = variant(rng, bases)
        if only is not None and i != only:
            continue
        with open(path, "wb") as f:
            f.write(data)
        outcome, seconds, peak = load_one(path, timeout)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        by_kind.setdefault(kind, {}).setdefault(outcome, 0)
        by_kind[kind][outcome] += 1
        if outcome not in ("model", "SavingError"):
            failures.append({"index": i, "kind": kind, "outcome": outcome})
        if seconds > worst_time:
            worst_time, worst_time_case = seconds, (i, kind)
        if peak > worst_peak:
            worst_peak, worst_peak_case = peak, (i, kind)
    return {"n": n, "seed": seed, "outcomes": outcomes, "by_kind": by_kind, "failures": failures[:50],
            "worst_seconds": round(worst_time, 4), "worst_seconds_case": worst_time_case,
            "worst_peak_mib": round(worst_peak / 2 ** 20, 2), "worst_peak_case": worst_peak_case,
            "total_seconds": round(time.perf_counter() - start, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("NEUROFLOW_FUZZ_N", 2000)))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds before a load counts as a hang")
    parser.add_argument("--memory-gib", type=float, default=4.0, help="address-space limit of this process")
    parser.add_argument("--only", type=int, default=None, help="replay one variant by index")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    report = run(args.n, args.seed, args.timeout, args.memory_gib, args.only)
    if args.json:
        print(json.dumps(report))
        return
    print(f"{report['n']} variants (seed {report['seed']}) in {report['total_seconds']} s")
    for outcome, count in sorted(report["outcomes"].items(), key=lambda kv: -kv[1]):
        print(f"  {outcome:<20} {count}")
    print(f"worst load time {report['worst_seconds']} s (variant {report['worst_seconds_case']}), worst peak "
          f"allocation {report['worst_peak_mib']} MiB (variant {report['worst_peak_case']})")
    for kind, counts in sorted(report["by_kind"].items()):
        print(f"  {kind:<20} {counts}")
    for failure in report["failures"]:
        print("FAILURE", failure)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    main()
