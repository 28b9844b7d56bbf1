"""Small models and file surgery shared by the saving tests."""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from neuroflow import layers
from neuroflow.models import Sequential


def small_model(compiled=True, seed=0):
    """An 11-6-1 classifier (dropout inside), trained one step so that the optimizer has state."""
    import neuroflow as nf
    nf.random.set_seed(seed)
    model = Sequential([layers.Dense(6, activation="relu", input_dim=11), layers.Dropout(0.2),
                        layers.Dense(1, activation="sigmoid")])
    if compiled:
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        x = np.random.default_rng(seed).random((16, 11), dtype=np.float32)
        model.fit(x, (x[:, :1] > 0.5).astype(np.float32), epochs=1, batch_size=8, verbose=0)
    return model


def members(path) -> dict:
    """``{name: bytes}`` of a zip file, in order."""
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def write_zip(path, entries, compression=zipfile.ZIP_DEFLATED):
    """Write ``entries`` (a dict or a list of (name, bytes) pairs, duplicates allowed) as a zip."""
    items = entries.items() if isinstance(entries, dict) else entries
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in items:
            zf.writestr(name, data)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def with_checksums(entries: dict, meta_extra=None) -> dict:
    """``entries`` plus a metadata.json whose checksums match them (what an attacker can always produce)."""
    import hashlib
    meta = {"format": "neuroflow.model", "version": 2, **(meta_extra or {}),
            "sha256": {k: hashlib.sha256(v).hexdigest() for k, v in entries.items()}}
    return {"metadata.json": json.dumps(meta).encode(), **entries}


def edit_config(path, out, edit):
    """Copy model file ``path`` to ``out`` with ``edit(config_dict)`` applied and checksums recomputed."""
    m = members(path)
    config = json.loads(m["config.json"])
    edit(config)
    m.pop("metadata.json")
    m.pop("signature.hmac", None)  # an editor without the key cannot re-sign
    m["config.json"] = json.dumps(config).encode()
    write_zip(out, with_checksums(m))
