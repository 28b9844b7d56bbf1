"""Dense (MatMul + Add + activation) and Embedding (Gather; its ``mask_zero`` mask as ``ids != 0``)."""
from __future__ import annotations

import numpy as np

from . import activation
from .builder import Value
from .registry import converter


@converter("Dense")
def convert_dense(g, layer, inputs):
    """``(batch, ..., in) @ kernel (in, units) + bias``: MatMul broadcasts over the leading axes."""
    x = inputs[0]
    y = g.node("MatMul", [x.name, g.const(layer.kernel.data, f"{layer.name}/kernel")], layer.name)
    if layer.bias is not None:
        y = g.node("Add", [y, g.const(layer.bias.data, f"{layer.name}/bias")], layer.name)
    return activation.apply(g, layer, y, layer.activation, layer.dtype)


@converter("Embedding", masks=True)
def convert_embedding(g, layer, inputs):
    """Rows of ``embeddings`` for int64 ids (float ids holding whole numbers are cast, as the layer accepts)."""
    ids = inputs[0]
    idx = ids.name if ids.dtype == np.int64 else g.cast(ids.name, np.int64, "ids")
    table = layer.embeddings.data
    out = Value(g.node("Gather", [g.const(table, f"{layer.name}/embeddings"), idx], layer.name, axis=0),
                tuple(ids.shape) + (table.shape[1],), table.dtype)
    if layer.mask_zero:
        keep = g.node("Not", [g.node("Equal", [idx, g.ints([0], "zero")], "is_pad")], "keep")
        out.mask = Value(g.cast(keep, table.dtype, f"{layer.name}/mask"), ids.shape, table.dtype)
    return out
