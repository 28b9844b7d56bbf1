"""``fit`` and ``evaluate`` (``predict`` is in :mod:`.predict_loop`): the loops, the steps, and metric streams.

One training step: forward, total loss with regularization penalties, backward, one optimizer update, weight
constraints, metric updates on NumPy arrays. The forward is the model's ordinary call, as in evaluate and predict:
a cross-entropy on a sigmoid/softmax output reads the logits that output carries (``_keras_logits``), so no layer
changes its behaviour for training and no flag is shared between callers or threads.
The per-step Python work is kept small: the variable list, the batch iterator and the metric list are resolved
once per ``fit``, not per step.
"""
from __future__ import annotations

import warnings

from .. import _validate as check, config as nf_config
from ..autograd.function import no_grad
from ..backend import keep_freed_memory
from ..errors import ConfigError, DataError, NotCompiledError
from . import arguments as args, compile_utils, compiled_step, custom_steps, data_adapter as da, device_scalar
from . import label_checks
from ..layers.loss_scope import collect_losses
from .added_losses import total_loss
from ..distribution import data_parallel as dp
from .compile_utils import logged_metrics, outputs_list, update_metrics, weighted_loss, y_per_output
from .predict_loop import callback_list_for


def _as_list(struct, n):
    if struct is None:
        return [None] * n
    if isinstance(struct, dict):
        return struct
    if isinstance(struct, list) and n > 1:
        return struct
    return [struct]


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


class StepRunner:
    """Everything a train/test step needs, resolved once."""

    def __init__(self, model):
        self.model = model
        self.specs = model._specs
        self.variables = self.constraints = None
        self.penalized = True
        if all(layer.built for layer in model._flatten_layers()):
            self._resolve_variables()
        self.logged = logged_metrics(self.specs)  # [(metric, log name)], resolved once
        self.metrics = [m for m, _ in self.logged]
        self.trackers = [s.loss_tracker for s in self.specs if s.loss_tracker is not None]
        # a compute_loss override replaces the compiled loss in every step, as in Keras' train_step; one written
        # without the ``training`` argument (older Keras 3) is called without it, as Keras' _compute_loss does
        self.custom_loss = custom_steps.overrides(model, "compute_loss")
        self.loss_kwargs = custom_steps.accepts(model.compute_loss, "training") if self.custom_loss else False
        # an override that never calls super().compute_loss() logs no "<output>_loss" (Keras builds them there)
        self.terms_reported = not self.custom_loss
        self.sync = dp.gradient_sync()  # None unless a data-parallel job runs: then gradients are averaged
        self.device = da.model_device(model)
        # None: every step eager (jit_compile=False, custom step...); on a device the step replays there too
        self.compiled = compiled_step.for_runner(self)

    def _forward(self, x, training):
        return outputs_list(self.model(x, training=training))

    def _resolve_variables(self):
        model = self.model
        layers = model._flatten_layers()
        # Walking every layer for penalties costs more than a small model's whole step: do it only if needed.
        self.penalized = any(l._weight_regularizers for l in layers)  # added losses come with their pass
        self.variables = model.trainable_weights
        self.constraints = [(v, c) for layer in layers for v, c in layer._weight_constraints]

    def train(self, x, y, w):
        """One training step on a batch; returns the loss value. Compiled (recorded once, replayed) unless the
        model runs eagerly (``training/compiled_step.py`` says when)."""
        if self.compiled is not None:
            return self.compiled.train(x, y, w)
        return self.train_eager(x, y, w)

    def train_eager(self, x, y, w):
        model = self.model
        if self.sync is not None and _batch_len(x) == 0:  # a last batch smaller than the number of ranks
            return self.sync.step_without_data(self.variables, model.optimizer)
        self.clear_grads()
        ys, outs, loss, terms = self.forward_loss(x, y, w)
        value = device_scalar.keep(loss.data)  # on a device it stays there: read once per logging step
        if self.variables:
            # A loss-scaling optimizer scales the loss before backward and unscales the gradients; ``value`` (what
            # fit logs) stays the unscaled loss.
            model.optimizer.scale_loss(loss).backward()
        return self.update(x, ys, [o.data for o in outs], w, value, [t.data for t in terms])

    def clear_grads(self):
        for v in self.variables or ():
            v.grad = None

    def targets(self, y):
        """``y`` as a list aligned with the model's outputs."""
        return y_per_output(self.model, y)

    def forward_loss(self, x, y, w):
        """The forward pass and the total loss: ``(targets per output, output Tensors, loss Tensor, unweighted
        per-output loss Tensors for the ``"<output>_loss"`` trackers)``."""
        model = self.model
        with collect_losses() as added:  # this pass's add_loss values, and no other pass's
            outs = self._forward(x, training=True)
        if self.variables is None:  # a subclassed model builds its layers on the first call
            self._resolve_variables()
        ys = y_per_output(model, y)
        return (ys, outs) + self._total(x, ys, outs, w, added.losses, self.penalized, True)

    def _total(self, x, ys, outs, w, added, penalized, training):
        """``(total loss, per-output terms)``: the user's ``compute_loss`` when the model overrides it."""
        terms = []
        if self.custom_loss:
            y_pred = outs[0] if len(outs) == 1 else outs
            y_true = ys[0] if len(ys) == 1 else ys
            extra = {"training": training} if self.loss_kwargs else {}
            with compile_utils.collect_terms() as terms:  # what super().compute_loss() computed per output
                loss = self.model.compute_loss(x=x, y=y_true, y_pred=y_pred, sample_weight=w, **extra)
            self.terms_reported = self.terms_reported or bool(terms)
            return loss, terms
        return total_loss(weighted_loss(self.specs, ys, outs, w, terms), added, self.model, penalized), terms

    def update(self, x, ys, out_arrays, w, value, terms=()):
        """After the backward: data-parallel averaging, the optimizer step, constraints and metrics (on the output
        arrays; ``terms``: the per-output loss values); returns the loss value to log."""
        model, variables = self.model, self.variables
        if variables:
            if self.sync is not None:  # data-parallel: every rank steps with the global batch's mean gradient
                value = self.sync.average(variables, _batch_len(x), value)
            if not model.optimizer.built:  # fit owns the weights: "auto" may pack small ones into flat buffers
                model.optimizer.build(variables, owns_storage=True)
            model.optimizer.step(variables)
        else:  # an add_loss or metric-only model still runs its steps, as in Keras
            warnings.warn(f"model {model.name!r} has no trainable weights: training updates nothing", stacklevel=2)
        for v, constraint in self.constraints:
            if v.trainable:  # a frozen weight stays bit-identical, constraint or not
                v.data[...] = constraint(v.data)
        self._update_metrics(ys, out_arrays, w, terms)
        return value

    def test(self, x, y, w):
        """One evaluation step; returns the loss value (compiled like :meth:`train` where it may be)."""
        if self.compiled is not None:
            return self.compiled.test(x, y, w)
        return self.test_eager(x, y, w)

    def test_eager(self, x, y, w):
        if self.sync is not None and _batch_len(x) == 0:  # this rank's part of a small last batch is empty
            return 0.0
        ys, outs, loss, terms = self.test_forward_loss(x, y, w)
        self._update_metrics(ys, [o.data for o in outs], w, [t.data for t in terms])
        return device_scalar.keep(loss.data)

    def test_forward_loss(self, x, y, w):
        """The inference forward and the total loss, without a graph: ``(targets, output Tensors, loss, per-output
        loss terms)``."""
        with no_grad(), collect_losses() as added:
            outs = self._forward(x, training=False)
            ys = y_per_output(self.model, y)
            loss, terms = self._total(x, ys, outs, w, added.losses, True, False)
        return ys, outs, loss, terms

    def _update_metrics(self, ys, out_arrays, w, terms=()):
        update_metrics(self.specs, ys, out_arrays, w)
        for tracker, term in zip(self.trackers, terms):  # each output's loss, averaged over samples
            tracker.update_state(term, sample_weight=len(out_arrays[0]))

    def logs(self, loss_tracker, prefix=""):
        """The loss and metric values as Python floats; values kept on a device are read in one transfer."""
        logged = [(m, name) for m, name in self.logged
                  if self.terms_reported or all(m is not t for t in self.trackers)]
        keys = [prefix + "loss"] + [prefix + name for _, name in logged]
        values = [loss_tracker.result()] + [m.result() for m, _ in logged]
        return dict(zip(keys, device_scalar.read(values)))

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()


def _batches(model, x, y, sample_weight, batch_size, shuffle, steps, class_weight=None, epoch_seed=0,
             who="fit()", data=""):
    """The batches of ``x`` (arrays, checked once here, or a streamed source checked batch by batch); ``data``
    names them in errors (``"validation_data "``: fit's validation arrays)."""
    if class_weight is not None:
        class_weight = args.class_weight_table(class_weight)
    if da.is_iterable_source(x):
        for name, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None:
                raise DataError(f"{who}: {name} must be None when x is a {type(x).__name__} (a dataset, "
                                f"generator or PyDataset yields (x, y[, sample_weight]) batches itself)")
        return da.stream_batches(x, steps, shuffle, epoch_seed, class_weight)
    x = da.to_structure(x, "x")
    y = da.to_structure(y, "y")
    x = args.check_input_structure(model, x, who)
    if y is None and not _overrides_train_step(model):
        args.require_targets(model, y, who)
    if sample_weight is not None:
        sample_weight = da.to_array(sample_weight, "sample_weight")
    da.num_samples(x, y, sample_weight)
    da.check_finite(x, f"{data}x")
    if y is not None:
        da.check_finite(y, f"{data}y")
        if label_checks.has_sparse_loss(model) and da.model_device(model) != "cpu":  # the CPU's loss checks itself
            label_checks.check_sparse_class_ids(model, y_per_output(model, y), who)
    if sample_weight is not None:
        da.check_finite(sample_weight, f"{data}sample_weight")
    if class_weight is not None and y is not None:
        args.check_class_weight(class_weight, y)
        cw = da.class_weights_for(y, class_weight)
        sample_weight = cw if sample_weight is None else sample_weight * cw
    model._check_input_data(x)
    return da.ArrayBatches(x, y, sample_weight, batch_size or 32, shuffle, seed=epoch_seed, steps=steps)


def _global_caps(epochs, steps_per_epoch):
    """``keras.config.set_max_epochs`` / ``set_max_steps_per_epoch`` cap every fit (to try a script quickly)."""
    cap_epochs, cap_steps = nf_config.max_epochs(), nf_config.max_steps_per_epoch()
    if cap_epochs is not None:
        epochs = min(epochs, cap_epochs)
    if cap_steps is not None:
        steps_per_epoch = cap_steps if steps_per_epoch is None else min(steps_per_epoch, cap_steps)
    return epochs, steps_per_epoch


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
    checked = args.fit_arguments(batch_size, epochs, verbose, validation_split, validation_data, shuffle,
                                 class_weight, initial_epoch, steps_per_epoch, validation_steps,
                                 validation_batch_size, validation_freq)
    batch_size, epochs, verbose, shuffle = (checked[k] for k in ("batch_size", "epochs", "verbose", "shuffle"))
    validation_split, class_weight, initial_epoch = (checked[k] for k in ("validation_split", "class_weight",
                                                                          "initial_epoch"))
    steps_per_epoch, validation_steps = checked["steps_per_epoch"], checked["validation_steps"]
    validation_batch_size, validation_freq = checked["validation_batch_size"], checked["validation_freq"]
    epochs, steps_per_epoch = _global_caps(epochs, steps_per_epoch)
    if validation_split and da.is_iterable_source(x):
        raise ConfigError(f"fit(): validation_split={validation_split} needs array data to split (as in Keras); "
                          f"x is a {type(x).__name__}: pass validation_data instead")
    if validation_split:
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
    if steps_per_epoch is None:  # None for a generator without a length: the progress bar counts up
        steps = train.num_steps() if isinstance(train, da.IterableBatches) else len(train)
    else:
        steps = int(steps_per_epoch)
    val = None
    if validation_data is not None:
        if da.is_iterable_source(validation_data):
            val = da.stream_batches(validation_data, validation_steps)
        else:
            vx, vy = validation_data[0], validation_data[1]
            vw = validation_data[2] if len(validation_data) > 2 else None
            val = _batches(model, vx, vy, vw, validation_batch_size or batch_size, False, validation_steps,
                           data="validation_split " if validation_split else "validation_data ")
    runner = StepRunner(model)
    cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model, verbose=verbose,
                       epochs=epochs, steps=steps)
    model.stop_training = False
    cbs.on_train_begin()
    # BackupAndRestore, having restored a backup, says which epoch the interrupted run had reached
    initial_epoch = max(initial_epoch, model.__dict__.pop("_resume_epoch", 0))
    # data-parallel: every rank starts from rank 0's weights, optimizer state, shuffle seed and epoch
    model._shuffle_seed, initial_epoch = dp.start_fit(model.weights, model.optimizer, model._shuffle_seed,
                                                      initial_epoch, _overrides_train_step(model))
    train.seed = model._shuffle_seed
    # Formatting every metric's result costs more than a small model's step: only when a callback reads it.
    batch_logs_read = cbs.listens("on_train_batch_end")
    prefetch = isinstance(train, da.ArrayBatches) and steps_per_epoch is None  # never reads past a step asked for
    logs = {}
    for epoch in range(initial_epoch, epochs):
        runner.reset_metrics()
        tracker = _MeanTracker()
        cbs.on_epoch_begin(epoch)
        custom = _CustomSteps(model) if _overrides_train_step(model) else None
        for step, (bx, by, bw) in enumerate(da.on_device(train.epoch(epoch), runner.device, prefetch)):
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
        dp.end_epoch(tracker, runner.metrics, model.non_trainable_weights)  # data-parallel: global figures
        logs = custom.logs() if custom is not None else runner.logs(tracker)
        model._epoch = epoch + 1
        if val is not None and (epoch + 1) % validation_freq == 0:
            # Keras' fit runs evaluate with its own callbacks: the on_test_* hooks fire for the validation pass
            val_logs = _run_test(model, val, runner, cbs)
            logs.update({"val_" + k: v for k, v in val_logs.items()})
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and hasattr(optimizer, "finalize_variable_values") and epochs > initial_epoch:
        optimizer.finalize_variable_values(model.trainable_weights)  # use_ema: the averages become the weights
    cbs.on_train_end(logs)
    return model.history


default_train_step = custom_steps.default_step


def _overrides_train_step(model) -> bool:
    return custom_steps.overrides(model, "train_step")


class _CustomSteps:
    """Runs a user's ``train_step(data)`` (Keras' pattern for GANs and other custom loops): each batch logs what the
    step returned; the epoch logs what :func:`custom_steps.pass_logs` says (Keras' rule: no averaging here)."""

    def __init__(self, model):
        self.model = model
        self.last = {}
        custom_steps.reset_model_metrics(model)  # a new epoch: the step's own trackers start again

    def train(self, x, y, w):
        self.last = custom_steps.flat_logs(self.model.train_step(custom_steps.pack(x, y, w)))
        return dict(self.last)

    def logs(self):
        return custom_steps.pass_logs(self.model, self.last)


def _batch_len(x):
    first = da.leaves(x)[0] if isinstance(x, (list, dict)) else x
    return len(first)


def _run_test(model, batches, runner, cbs=None):
    """One pass over ``batches`` without updates; returns the logs ``{'loss': ..., metric: ...}``. With ``cbs``
    (a CallbackList) it calls Keras' hooks in Keras' order: ``on_test_begin``, per batch
    ``on_test_batch_begin(i)`` / ``on_test_batch_end(i, running logs)``, ``on_test_end(logs)``; a callback may
    set ``model.stop_evaluating = True`` to end the pass early."""
    if custom_steps.overrides(model, "test_step"):
        return custom_steps.run_test(model, batches, cbs)
    runner.reset_metrics()
    tracker = _MeanTracker()
    model.stop_evaluating = False
    batch_hooks = cbs is not None and (cbs.listens("on_test_batch_begin") or cbs.listens("on_test_batch_end"))
    if cbs is not None:
        cbs.on_test_begin()
    prefetch = isinstance(batches, da.ArrayBatches)
    if prefetch:
        batches.restart()
    for step, (bx, by, bw) in enumerate(da.on_device(batches.epoch(0), runner.device, prefetch)):
        if batch_hooks:
            cbs.on_test_batch_begin(step)
        tracker.update(runner.test(bx, by, bw), _batch_len(bx))
        if batch_hooks:
            cbs.on_test_batch_end(step, runner.logs(tracker))
        if model.stop_evaluating:
            break
    dp.reduce_epoch(tracker, runner.metrics)  # data-parallel: the loss and metrics of every rank's part
    if tracker.count == 0:
        raise DataError("no validation/evaluation batches were produced")
    logs = runner.logs(tracker)
    if cbs is not None:
        cbs.on_test_end(logs)
    return logs


def evaluate(model, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
             callbacks=None, return_dict=False):
    """Loss and metrics on the given data: a scalar (loss only), a list ``[loss, *metrics]`` or a dict.

    ``callbacks`` get Keras' ``on_test_*`` hooks (see :func:`_run_test`); ``verbose`` shows the progress bar.
    """
    keep_freed_memory()
    _require_compiled(model, "evaluate()")
    if x is None:
        raise DataError("evaluate(): x is required")
    batch_size, verbose, steps = args.batches_arguments(batch_size, verbose, steps, "evaluate()")
    return_dict = check.boolean(return_dict, "evaluate()", "return_dict")
    batches = _batches(model, x, y, sample_weight, batch_size, False, steps, who="evaluate()")
    runner = StepRunner(model)
    cbs = callback_list_for(callbacks, model, verbose, batches, progbar=verbose != 0)
    logs = _run_test(model, batches, runner, cbs)
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values
