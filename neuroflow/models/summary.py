"""``model.summary()``: the layer table with output shapes and parameter counts."""
from __future__ import annotations


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
    trainable = sum(v.size for v in model.trainable_weights)
    frozen = sum(v.size for v in model.non_trainable_weights)
    lines.append(f"Total params: {trainable + frozen:,}")
    lines.append(f"Trainable params: {trainable:,}")
    lines.append(f"Non-trainable params: {frozen:,}")
    return "\n".join(lines)
