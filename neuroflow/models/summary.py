"""``model.summary()``: the layer table with output shapes and parameter counts."""
from __future__ import annotations

import numpy as np


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def format_summary(model) -> str:
    """The summary text: one row per layer (name and type, output shape, parameters) and the totals."""
    rows = [("Layer (type)", "Output Shape", "Param #")]
    shapes = getattr(model, "_layer_output_shapes", None)
    for i, layer in enumerate(model.layers):
        if type(layer).__name__ == "InputLayer":
            shape = layer._batch_input_shape
        elif shapes is not None and i < len(shapes):
            shape = shapes[i]
        elif layer._inbound_nodes:
            outs = layer._inbound_nodes[-1].outputs
            shape = [o.shape for o in outs] if isinstance(outs, list) else outs.shape
        else:
            shape = None
        rows.append((f"{layer.name} ({type(layer).__name__})", _shape_text(shape),
                     f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"))
    widths = [max(len(r[i]) for r in rows) + 2 for i in range(3)]
    total_w = sum(widths)
    lines = [f'Model: "{model.name}"', "=" * total_w]
    lines.append("".join(c.ljust(w) for c, w in zip(rows[0], widths)))
    lines.append("=" * total_w)
    for r in rows[1:]:
        lines.append("".join(c.ljust(w) for c, w in zip(r, widths)))
    lines.append("=" * total_w)
    trainable, frozen = model.trainable_weights, model.non_trainable_weights
    counts = {label: (sum(v.size for v in weights), sum(v.size * np.dtype(v.dtype).itemsize for v in weights))
              for label, weights in (("Trainable", trainable), ("Non-trainable", frozen))}
    optimizer = getattr(model, "optimizer", None) if getattr(model, "compiled", False) else None
    if optimizer is not None and optimizer.built:  # Keras adds the optimizer's own variables once it is built
        counts["Optimizer"] = optimizer_counts(optimizer)
    counts = {"Total": tuple(map(sum, zip(*counts.values()))), **counts}
    lines += [f"{label} params: {count:,} ({_memory_text(size)})" for label, (count, size) in counts.items()]
    return "\n".join(lines)


def optimizer_counts(optimizer) -> tuple:
    """``(values, bytes)`` of ``optimizer.variables`` (an optimizer wrapping others counts theirs)."""
    variables = optimizer.variables
    return sum(int(v.size) for v in variables), sum(int(v.size) * np.dtype(v.dtype).itemsize for v in variables)


def _memory_text(size) -> str:
    """Bytes as Keras' summary writes them: ``264.00 B``, ``4.88 KB`` (powers of 1024)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024:
            break
        size /= 1024
    return f"{size:.2f} {unit}"
