"""What ``compile`` resolves: losses per output, loss weights and metric streams.

Nothing here decides whether a loss reads logits: a sigmoid/softmax output carries them itself (``_keras_logits``)
and the cross-entropy kernels use them (:mod:`neuroflow.ops.loss`), so every caller of the model sees the same
outputs and the same losses.
"""
from __future__ import annotations

import contextlib
import contextvars

from .. import _validate as check
from ..errors import ConfigError, DataError
from ..metrics.base import Metric


def outputs_list(out):
    """A model's output(s) as a list aligned with ``model.output_names`` (a dict of outputs in its key order)."""
    if isinstance(out, dict):
        return list(out.values())
    return list(out) if isinstance(out, (list, tuple)) else [out]


def y_per_output(model, y):
    """``y`` as a list aligned with the model's outputs (dicts by output name)."""
    names = model.output_names
    if isinstance(y, dict):
        missing = [n for n in names if n not in y]
        if missing:
            raise DataError(f"y: missing targets for output(s) {missing}; the model's outputs are {names}")
        return [y[n] for n in names]
    if isinstance(y, list):
        if len(y) != len(names):
            raise DataError(f"y: got {len(y)} target arrays for {len(names)} model outputs {names}")
        return y
    if len(names) != 1:
        raise DataError(f"y: the model has {len(names)} outputs {names}; pass a list or dict of targets")
    return [y]


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
    if isinstance(struct, (list, tuple)) and len(struct) == 1:
        return list(struct)  # one output's entry in a list (loss=["mse"], metrics=[["mae"]]), as Keras takes it
    return [struct] * len(names)


class OutputSpec:
    """One model output: its name, loss, weight, metrics (updated without sample weights, as in Keras),
    weighted metrics (``compile(weighted_metrics=...)``: with them) and (for functional models) the layer that
    makes it. ``loss_tracker``: the mean of this output's unweighted loss (Keras' ``"<output>_loss"``), kept when
    compile has several losses."""

    def __init__(self, name, loss, weight, metrics, layer=None, weighted_metrics=()):
        self.name, self.loss, self.weight, self.metrics = name, loss, weight, metrics
        self.weighted_metrics = list(weighted_metrics)
        self.layer = layer
        self.loss_tracker = None


def _per_output(metrics, output_names, what):
    """``metrics`` (one list for every output, or a list of lists / dict by output name) as one list per output."""
    nested = isinstance(metrics, (list, tuple)) and (len(output_names) > 1 or len(metrics) == 1) \
        and all(isinstance(m, (list, tuple)) or m is None for m in metrics)
    if isinstance(metrics, dict) or nested:
        lists = _named(metrics, output_names, what)
    else:
        lists = [metrics] * len(output_names)
    return [list(ms) if isinstance(ms, (list, tuple)) else [] if ms is None else [ms] for ms in lists]


def resolve(model, loss, metrics, loss_weights, output_names, output_layers, output_shapes, weighted_metrics=None):
    """Build one :class:`OutputSpec` per model output."""
    from .. import losses as nf_losses, metrics as nf_metrics

    losses = _named(loss, output_names, "loss")
    if isinstance(loss_weights, (list, tuple)) and len(loss_weights) == 1 == len(output_names):
        loss_weights = loss_weights[0]  # Keras takes [w] for a single output
    weights = [1.0 if w is None else check.finite_float(w, "compile()", "loss_weights")
               for w in _named(loss_weights, output_names, "loss_weights")]
    per_output = _per_output(metrics, output_names, "metrics")
    per_output_weighted = _per_output(weighted_metrics, output_names, "weighted_metrics")
    specs = []
    for i, name in enumerate(output_names):
        loss_obj = nf_losses.get(losses[i]) if losses[i] is not None else None
        metric_objs, weighted_objs = ([nf_metrics.get(m, loss=loss_obj, output_shape=output_shapes[i]) for m in ms]
                                      for ms in (per_output[i], per_output_weighted[i]))
        specs.append(OutputSpec(name, loss_obj, weights[i], metric_objs,
                                output_layers[i] if output_layers else None, weighted_objs))
    if sum(s.loss is not None for s in specs) > 1:
        for s in specs:
            if s.loss is not None:
                s.loss_tracker = nf_metrics.Mean(name=f"{s.name}_loss")
    return specs


def logged_metrics(specs) -> list:
    """``[(metric, log name)]`` of every compiled metric in Keras' order: the per-output loss means, the metrics,
    then the weighted metrics. Several outputs prefix the output name; a name taken twice gets ``_1``, ``_2``...,
    and a weighted metric whose name a plain metric holds becomes ``weighted_<name>``."""
    many, seen, out = len(specs) > 1, {}, []

    def unique(name):
        count = seen.get(name, 0)
        seen[name] = count + 1
        return name if count == 0 else f"{name}_{count}"

    out += [(s.loss_tracker, s.loss_tracker.name) for s in specs if s.loss_tracker is not None]
    for s in specs:
        out += [(m, unique(f"{s.name}_{m.name}" if many else m.name)) for m in s.metrics]
    for s in specs:
        for m in s.weighted_metrics:
            name = f"{s.name}_{m.name}" if many else m.name
            if name in seen:
                name = f"{s.name}_weighted_{m.name}" if many else f"weighted_{m.name}"
            out.append((m, unique(name)))
    return out


def update_metrics(specs, ys, outs, w):
    """The compiled metrics of each output (``specs``) updated with its targets and outputs: metrics without
    sample weights, weighted metrics with them (Keras' CompileMetrics)."""
    for spec, y_true, out in zip(specs, ys, outs):
        for m in spec.metrics:
            m.update_state(y_true, out)
        for m in spec.weighted_metrics:
            m.update_state(y_true, out, sample_weight=w)


class CompileMetrics(Metric):
    """The entry ``model.metrics`` has for the compiled metrics, as in Keras (``name="compile_metrics"``), so a
    custom ``train_step`` calling ``metric.update_state(y, y_pred, sample_weight=...)`` on each of
    ``self.metrics`` updates them as ``fit`` does: metrics without the sample weights, weighted metrics with them.
    ``result()``: ``{log name: value}``. ``y``/``y_pred``: one array, or a list/dict per output."""

    def __init__(self, model):
        self._model = model  # before the base __init__, whose reset_state reads it
        super().__init__(name="compile_metrics")

    def _entries(self):
        return [(m, name) for m, name in logged_metrics(self._model._specs or [])
                if all(m is not s.loss_tracker for s in self._model._specs)]

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_metrics(self._model._specs, y_per_output(self._model, y_true), outputs_list(y_pred), sample_weight)

    def result(self) -> dict:
        return {name: m.result() for m, name in self._entries()}

    def reset_state(self):
        for m, _ in self._entries():
            m.reset_state()


def weighted_loss(specs, y_true, y_pred, sample_weight, terms=None):
    """The compiled loss Tensor: sum of ``weight * loss`` over outputs; ``None`` when no output has a loss (a model
    that adds its own losses with ``add_loss``: ``training.added_losses.total_loss`` decides). ``terms``, a list,
    receives the unweighted loss of each output that has a ``loss_tracker``."""
    total = None
    for i, spec in enumerate(specs):
        if spec.loss is None:
            continue
        term = spec.loss(y_true[i], y_pred[i], sample_weight=sample_weight)
        if terms is not None and spec.loss_tracker is not None:
            terms.append(term)
        if spec.weight != 1.0:
            term = term * spec.weight
        total = term if total is None else total + term
    return total


_TERM_SINK = contextvars.ContextVar("neuroflow_loss_terms", default=None)


@contextlib.contextmanager
def collect_terms():
    """``with collect_terms() as terms: model.compute_loss(...)`` — ``terms`` then holds the unweighted per-output
    loss Tensors that ``Model.compute_loss`` computed (a training step logs them as ``"<output>_loss"``)."""
    terms = []
    token = _TERM_SINK.set(terms)
    try:
        yield terms
    finally:
        _TERM_SINK.reset(token)


def report_terms(specs, terms, batch_size):
    """Hand ``Model.compute_loss``'s per-output loss ``terms`` to the step collecting them, or (a user's own
    ``train_step`` calling ``compute_loss``) update the ``"<output>_loss"`` trackers, as Keras' compiled loss does."""
    sink = _TERM_SINK.get()
    if sink is not None:
        sink.extend(terms)
        return
    trackers = [s.loss_tracker for s in specs if s.loss_tracker is not None]
    for tracker, term in zip(trackers, terms):
        tracker.update_state(term.data, sample_weight=batch_size)


def add_regularization(total, model):
    penalties = model.losses
    for p in penalties:
        total = total + p
    return total


