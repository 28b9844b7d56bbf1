"""What ``compile`` resolves: losses per output, loss weights and metric streams.

Nothing here decides whether a loss reads logits: a sigmoid/softmax output carries them itself (``_keras_logits``)
and the cross-entropy kernels use them (:mod:`neuroflow.ops.loss`), so every caller of the model sees the same
outputs and the same losses.
"""
from __future__ import annotations

from ..errors import ConfigError


def _named(struct, names, what):
    """Spread a per-output setting (single value, list, or dict by output name) over ``names``."""
    if isinstance(struct, dict):
        unknown = set(struct) - set(names)
        if unknown:
            raise ConfigError(f"compile({what}=...): unknown output name(s) {sorted(unknown)}; outputs are {names}")
        return [struct.get(n) for n in names]
    if isinstance(struct, (list, tuple)) and len(names) > 1:
        if len(struct) != len(names):
            raise ConfigError(f"compile({what}=...): got {len(struct)} entries for {len(names)} outputs {names}")
        return list(struct)
    return [struct] * len(names)


class OutputSpec:
    """One model output: its name, loss, weight, metrics and (for functional models) the layer that makes it."""

    def __init__(self, name, loss, weight, metrics, layer=None):
        self.name, self.loss, self.weight, self.metrics = name, loss, weight, metrics
        self.layer = layer


def resolve(model, loss, metrics, loss_weights, output_names, output_layers, output_shapes):
    """Build one :class:`OutputSpec` per model output."""
    from .. import losses as nf_losses, metrics as nf_metrics

    losses = _named(loss, output_names, "loss")
    weights = _named(loss_weights if loss_weights is not None else 1.0, output_names, "loss_weights")
    if isinstance(metrics, dict) or (isinstance(metrics, (list, tuple)) and len(output_names) > 1
                                     and all(isinstance(m, (list, tuple)) or m is None for m in metrics)):
        per_output = _named(metrics, output_names, "metrics")
    else:
        per_output = [metrics] * len(output_names)
    specs = []
    for i, name in enumerate(output_names):
        loss_obj = nf_losses.get(losses[i]) if losses[i] is not None else None
        ms = per_output[i] or []
        if not isinstance(ms, (list, tuple)):
            ms = [ms]
        metric_objs = [nf_metrics.get(m, loss=loss_obj, output_shape=output_shapes[i]) for m in ms]
        specs.append(OutputSpec(name, loss_obj, float(weights[i] if weights[i] is not None else 1.0), metric_objs,
                                output_layers[i] if output_layers else None))
    return specs


def weighted_loss(specs, y_true, y_pred, sample_weight):
    """The compiled loss Tensor: sum of ``weight * loss`` over outputs; ``None`` when no output has a loss (a model
    that adds its own losses with ``add_loss``: ``training.added_losses.total_loss`` decides)."""
    total = None
    for i, spec in enumerate(specs):
        if spec.loss is None:
            continue
        term = spec.loss(y_true[i], y_pred[i], sample_weight=sample_weight)
        if spec.weight != 1.0:
            term = term * spec.weight
        total = term if total is None else total + term
    return total


def add_regularization(total, model):
    penalties = model.losses
    for p in penalties:
        total = total + p
    return total


