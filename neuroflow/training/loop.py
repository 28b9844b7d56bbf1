"""``fit``, ``evaluate`` and ``predict``: the loops, the steps, and metric streams.

One training step: forward (output layers emit logits where the loss fuses their activation), total loss with
regularization penalties, backward, one optimizer update, weight constraints, metric updates on NumPy arrays.
The per-step Python work is kept small: the variable list, the batch iterator and the metric list are resolved
once per ``fit``, not per step.
"""
from __future__ import annotations


import numpy as np

from ..autograd.function import no_grad
from ..backend import keep_freed_memory
from ..errors import DataError, NotCompiledError
from . import data_adapter as da
from .compile_utils import add_regularization, weighted_loss
from .inference import output_arrays


def _as_list(struct, n):
    if struct is None:
        return [None] * n
    if isinstance(struct, dict):
        return struct
    if isinstance(struct, list) and n > 1:
        return struct
    return [struct]


def _outputs_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


class _MeanTracker:
    """Running mean of a per-batch value weighted by batch size (Keras' loss tracker)."""

    __slots__ = ("total", "count")

    def __init__(self):
        self.total, self.count = 0.0, 0

    def update(self, value, n):
        self.total += value * n
        self.count += n

    def result(self):
        return self.total / self.count if self.count else float("nan")


def _require_compiled(model, what):
    if getattr(model, "_specs", None) is None:
        raise NotCompiledError(f"{what}: the model must be compiled first: call "
                               f"model.compile(optimizer=..., loss=...)")


def _y_per_output(model, y):
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


class StepRunner:
    """Everything a train/test step needs, resolved once."""

    def __init__(self, model):
        self.model = model
        self.specs = model._specs
        self.variables = self.constraints = None
        self.penalized = True
        if all(layer.built for layer in model._flatten_layers()):
            self._resolve_variables()
        self.fused_layers = [s.layer for s in self.specs if s.fused]
        self.metrics = [m for s in self.specs for m in s.metrics]

    def _forward(self, x, training):
        for layer in self.fused_layers:
            layer._emit_logits = True
        try:
            return _outputs_list(self.model(x, training=training))
        finally:
            for layer in self.fused_layers:
                layer._emit_logits = False

    def _resolve_variables(self):
        model = self.model
        layers = model._flatten_layers()
        # Walking every layer for penalties costs more than a small model's whole step: do it only if needed.
        self.penalized = any(l._weight_regularizers or l._activity_regularizer is not None for l in layers)
        self.variables = model.trainable_weights
        self.constraints = [(v, c) for layer in layers for v, c in layer._weight_constraints]

    def train(self, x, y, w):
        model = self.model
        for v in self.variables or ():
            v.grad = None
        outs = self._forward(x, training=True)
        if self.variables is None:  # a subclassed model builds its layers on the first call
            self._resolve_variables()
        variables = self.variables
        ys = _y_per_output(model, y)
        loss = weighted_loss(self.specs, ys, outs, w)
        if self.penalized:
            loss = add_regularization(loss, model)
        loss.backward()
        if not model.optimizer.built:  # fit owns the weights: "auto" may pack small ones into flat buffers
            model.optimizer.build(variables, owns_storage=True)
        model.optimizer.step(variables)
        for v, constraint in self.constraints:
            if v.trainable:  # a frozen weight stays bit-identical, constraint or not
                v.data[...] = constraint(v.data)
        value = float(loss.data)
        self._update_metrics(ys, outs, w)
        return value

    def test(self, x, y, w):
        with no_grad():
            outs = self._forward(x, training=False)
            ys = _y_per_output(self.model, y)
            loss = add_regularization(weighted_loss(self.specs, ys, outs, w), self.model)
        self._update_metrics(ys, outs, w)
        return float(loss.data)

    def _update_metrics(self, ys, outs, w):
        for spec, y_true, out in zip(self.specs, ys, outs):
            if spec.metrics:
                probs = spec.probabilities(out.data)
                for m in spec.metrics:
                    m.update_state(y_true, probs, sample_weight=w)

    def logs(self, loss_tracker, prefix=""):
        logs = {prefix + "loss": loss_tracker.result()}
        many = len(self.specs) > 1
        for spec in self.specs:
            for m in spec.metrics:
                key = f"{spec.name}_{m.name}" if many else m.name
                logs[prefix + key] = float(m.result())
        return logs

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()


def _batches(model, x, y, sample_weight, batch_size, shuffle, steps, class_weight=None, epoch_seed=0):
    if da.is_iterable_source(x):
        if y is not None:
            raise DataError("y must be None when x is a dataset or generator (it yields (x, y) batches)")
        return da.IterableBatches(x, steps)
    x = da.to_structure(x, "x")
    y = da.to_structure(y, "y")
    if sample_weight is not None:
        sample_weight = da.to_array(sample_weight, "sample_weight")
    if class_weight is not None and y is not None:
        cw = da.class_weights_for(y, class_weight)
        sample_weight = cw if sample_weight is None else sample_weight * cw
    da.num_samples(x, y, sample_weight)
    da.check_finite(x, "x")
    model._check_input_data(x)
    return da.ArrayBatches(x, y, sample_weight, batch_size or 32, shuffle, seed=epoch_seed)


def fit(model, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
        validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
        steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
    """Train ``model``; returns a ``History`` callback whose ``history`` dict holds per-epoch logs."""
    from ..callbacks import CallbackList

    keep_freed_memory()
    if not _overrides_train_step(model):
        _require_compiled(model, "fit()")
    elif getattr(model, "_specs", None) is None:
        model._specs = []  # a custom train_step may compile its parts itself (e.g. a GAN's two optimizers)
    if x is None:
        raise DataError("fit(): x is required")
    if validation_split and not da.is_iterable_source(x):
        if not 0 < validation_split < 1:
            raise DataError(f"validation_split must be in (0, 1), got {validation_split}")
        xs, ys = da.to_structure(x, "x"), da.to_structure(y, "y")
        n = da.num_samples(xs, ys)
        cut = int(n * (1 - validation_split))  # Keras takes the LAST fraction, before any shuffling
        if cut in (0, n):
            raise DataError(f"validation_split={validation_split} leaves no training or validation samples "
                            f"out of {n}")
        sw = da.to_array(sample_weight, "sample_weight") if sample_weight is not None else None
        validation_data = (da.take(xs, slice(cut, None)), da.take(ys, slice(cut, None)))
        x, y = da.take(xs, slice(0, cut)), da.take(ys, slice(0, cut))
        sample_weight = sw[:cut] if sw is not None else None
    train = _batches(model, x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight,
                     epoch_seed=model._shuffle_seed)
    if steps_per_epoch is None:
        steps = len(train)
    else:
        steps = int(steps_per_epoch)
    val = None
    if validation_data is not None:
        if da.is_iterable_source(validation_data):
            val = da.IterableBatches(validation_data, validation_steps)
        else:
            vx, vy = validation_data[0], validation_data[1]
            vw = validation_data[2] if len(validation_data) > 2 else None
            val = _batches(model, vx, vy, vw, validation_batch_size or batch_size, False, validation_steps)
    verbose = 1 if verbose == "auto" else int(verbose)
    runner = StepRunner(model)
    cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model, verbose=verbose,
                       epochs=epochs, steps=steps)
    model.stop_training = False
    cbs.on_train_begin()
    # Formatting every metric's result costs more than a small model's step: only when a callback reads it.
    batch_logs_read = cbs.listens("on_train_batch_end")
    logs = {}
    for epoch in range(initial_epoch, epochs):
        runner.reset_metrics()
        tracker = _MeanTracker()
        cbs.on_epoch_begin(epoch)
        custom = _CustomSteps(model) if _overrides_train_step(model) else None
        for step, (bx, by, bw) in enumerate(train.epoch(epoch)):
            cbs.on_train_batch_begin(step)
            if custom is not None:
                batch_logs = custom.train(bx, by, bw)
            else:
                tracker.update(runner.train(bx, by, bw), _batch_len(bx))
                batch_logs = runner.logs(tracker) if batch_logs_read else None
            cbs.on_train_batch_end(step, batch_logs)
            if model.stop_training:
                break
            if steps_per_epoch is not None and step + 1 >= steps:
                break
        logs = custom.logs() if custom is not None else runner.logs(tracker)
        model._epoch = epoch + 1
        if val is not None and (epoch + 1) % validation_freq == 0:
            logs.update(_run_test(model, val, runner, prefix="val_"))
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cbs.on_train_end(logs)
    return model.history


def _overrides_train_step(model) -> bool:
    from ..models.model import Model
    return type(model).train_step is not Model.train_step


class _CustomSteps:
    """Runs a user's ``train_step(data)`` (Keras' pattern for GANs and other custom loops) and averages the
    values of the dicts it returns over the epoch."""

    def __init__(self, model):
        self.model = model
        self.trackers = {}

    def train(self, x, y, w):
        data = (x,) if y is None else ((x, y) if w is None else (x, y, w))
        result = self.model.train_step(data) or {}
        n = _batch_len(x)
        for key, value in result.items():
            value = float(value.item() if hasattr(value, "item") else value)
            self.trackers.setdefault(key, _MeanTracker()).update(value, n)
        return self.logs()

    def logs(self):
        return {k: t.result() for k, t in self.trackers.items()}


def _batch_len(x):
    first = da.leaves(x)[0] if isinstance(x, (list, dict)) else x
    return len(first)


def _run_test(model, batches, runner, prefix=""):
    runner.reset_metrics()
    tracker = _MeanTracker()
    for bx, by, bw in batches.epoch(0):
        tracker.update(runner.test(bx, by, bw), _batch_len(bx))
    if tracker.count == 0:
        raise DataError("no validation/evaluation batches were produced")
    return runner.logs(tracker, prefix)


def evaluate(model, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
             callbacks=None, return_dict=False):
    """Loss and metrics on the given data: a scalar (loss only), a list ``[loss, *metrics]`` or a dict."""
    from ..callbacks import CallbackList

    keep_freed_memory()
    _require_compiled(model, "evaluate()")
    batches = _batches(model, x, y, sample_weight, batch_size, False, steps)
    runner = StepRunner(model)
    verbose = 1 if verbose == "auto" else int(verbose)
    cbs = CallbackList(callbacks, add_history=False, add_progbar=False, model=model, verbose=verbose,
                       steps=len(batches) if not isinstance(batches, da.IterableBatches) else None)
    cbs.on_test_begin()
    logs = _run_test(model, batches, runner)
    cbs.on_test_end(logs)
    if verbose:
        print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def predict(model, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    """Outputs for ``x`` in batches, without recording a graph. Returns an array (or a list per output)."""
    keep_freed_memory()
    if da.is_iterable_source(x):
        batches = da.IterableBatches(x, steps)
    else:
        xs = da.to_structure(x, "x")
        n = da.num_samples(xs)
        model._check_input_data(xs)
        batch_size = batch_size or 32
        if n <= batch_size:
            # One batch (serving latency: a single sample, a full batch): no batching, no concatenation copy.
            with no_grad():
                outs = output_arrays(model, xs)
            inputs = {id(a) for a in da.leaves(xs)}
            outs = [o.copy() if id(o) in inputs else o for o in outs]  # never hand back the caller's own array
            return outs[0] if len(outs) == 1 else outs
        batches = da.ArrayBatches(xs, None, None, batch_size, False)
    chunks = []
    with no_grad():
        for bx, _, _ in batches.epoch(0):
            chunks.append(output_arrays(model, bx))
    if not chunks:
        raise DataError("predict(): no batches were produced")
    outs = [np.concatenate([c[i] for c in chunks], axis=0) for i in range(len(chunks[0]))]
    return outs[0] if len(outs) == 1 else outs


