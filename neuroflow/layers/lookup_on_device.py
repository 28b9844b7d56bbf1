"""``IntegerLookup`` / ``StringLookup`` on device ids (issue #18): Keras on a GPU returns a device tensor, so integer
ids are looked up where they live. The sorted vocabulary is copied to the device once (per vocabulary) and
searched there with ``searchsorted``; the one or ``floormod`` OOV ids and the mask id are a ``where``. Strings
cannot live on a device; the OOV rules that must read values (``num_oov_indices=0`` refuses unknown values,
``oov_method='farmhash'`` hashes their text) read the batch on the host once (an explicit transfer) and put the
result back on the batch's device.
"""
from __future__ import annotations

import numpy as np

from .. import backend


def lookup_on_device(layer, data):
    """``layer``'s output (an ``IndexLookup``) for ``data``, a device array of ids (or values): on its device, or
    host strings for ``StringLookup(invert=True)``. Shapes: as ``layer.lookup``."""
    device = backend.device_of(data)
    if layer.vocabulary_dtype == "string" or data.dtype.kind not in "iub" or (not layer.invert and (
            layer.num_oov_indices == 0 or (layer.num_oov_indices > 1 and layer.oov_method == "farmhash"))):
        out = layer.lookup(backend.to_host(data))  # float ids are checked for whole numbers there too
        return out if out.dtype.kind in "USO" else backend.to_device(out, device)
    xp = backend.get_array_module(data)
    values = data.astype(np.int64, copy=False)
    if layer.invert:
        return layer._invert(values)
    n = len(layer._sorted)
    sorted_tokens, order = vocabulary_table(layer, "sorted", data), vocabulary_table(layer, "order", data)
    pos = xp.searchsorted(sorted_tokens, values)
    clipped = xp.minimum(pos, n - 1)
    found = (pos < n) & (sorted_tokens[clipped] == values)
    start = layer._oov_start_index()
    oov = start if layer.num_oov_indices == 1 else xp.mod(values, layer.num_oov_indices) + start
    ids = xp.where(found, order[clipped] + layer._token_start_index(), oov).astype(np.int64)
    if layer.mask_token is not None:
        ids = xp.where(values == layer.mask_token, 0, ids)
    return layer._encode(values, ids)


def vocabulary_table(layer, name, like):
    """``layer``'s ``'sorted'`` tokens, their ``'order'``, the ``'idf'`` weights or the ``'vocabulary'`` with its
    special tokens, on the device of ``like`` (device copies made once per vocabulary: ``layer._set_tokens`` and
    ``_set_idf`` empty them). Shapes: ``(tokens,)``; ``'idf'`` and ``'vocabulary'``: ``(ids,)``."""
    host = {"sorted": lambda: layer._sorted, "order": lambda: layer._order, "idf": lambda: layer.idf_weights,
            "vocabulary": lambda: np.asarray(layer.get_vocabulary(include_special_tokens=True))}[name]
    return backend.kept_on_device(layer, name, like, host)


__all__ = ["lookup_on_device", "vocabulary_table"]
