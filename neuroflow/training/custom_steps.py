"""A user's own ``train_step`` / ``test_step`` inside ``fit`` and ``evaluate`` (Keras' "customizing what happens
in fit()"): which steps a model overrides, resetting ``model.metrics`` at the start of each pass, and the logs a
step returns (numbers, metric results, or nested dicts of them such as Keras' ``compile_metrics``).

What an epoch logs is Keras 3's rule (``Trainer._get_metrics_result_or_logs``): nothing is averaged here. When the
step returns exactly the names of ``model.metrics`` (its trackers), the epoch logs those metrics' results (they did
the averaging); otherwise the epoch logs what the *last* step returned, so a step returning plain per-batch numbers
logs the last batch's, as in Keras.
"""
from __future__ import annotations

import inspect

from ..utils.structure import pack_x_y_sample_weight, unpack_x_y_sample_weight


def default_step(method):
    """Marks the model base class's own ``train_step``/``test_step`` (this package cannot import models, which
    sit above it): ``fit``/``evaluate`` run their fused steps unless a subclass overrides the marked method."""
    method.is_default_train_step = True
    return method


def overrides(model, step_name: str) -> bool:
    """Whether ``type(model)`` defines its own ``step_name`` (``"train_step"`` or ``"test_step"``)."""
    method = getattr(type(model), step_name, None)
    return method is not None and not getattr(method, "is_default_train_step", False)


def accepts(method, name: str) -> bool:
    """Whether ``method`` takes the keyword argument ``name`` (by name or through ``**kwargs``)."""
    params = inspect.signature(method).parameters.values()
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


pack = pack_x_y_sample_weight  # a batch as a step receives it: x alone without targets, as in Keras
unpack = unpack_x_y_sample_weight


def reset_model_metrics(model) -> None:
    """``reset_state()`` on every metric ``model.metrics`` lists (Keras does it at the start of each epoch and of
    each evaluation, so that trackers a custom step updates report that pass alone)."""
    for metric in getattr(model, "metrics", None) or ():
        metric.reset_state()


def flat_logs(result) -> dict:
    """A step's returned dict as ``{name: float}``: tensors and metric results become numbers and nested dicts
    (``{"compile_metrics": {"mae": ...}}``) are merged in."""
    logs = {}
    for key, value in (result or {}).items():
        if isinstance(value, dict):
            logs.update(flat_logs(value))
        else:
            logs[key] = float(value.item() if hasattr(value, "item") else value)
    return logs


def metric_results(model) -> dict:
    """``{name: float}`` of every metric in ``model.metrics`` (a metric returning a dict adds each entry)."""
    return flat_logs({m.name: m.result() for m in getattr(model, "metrics", None) or ()})


def pass_logs(model, last_logs: dict) -> dict:
    """What a pass (an epoch of ``fit``, an ``evaluate``) reports after a custom step: the model's metric results
    when the step's names are exactly theirs, else the last step's own logs (Keras' rule)."""
    results = metric_results(model)
    if last_logs and set(last_logs) == set(results):
        return results
    return dict(last_logs)


def run_test(model, batches, cbs) -> dict:
    """One evaluation pass calling the model's own ``test_step((x, y[, sample_weight]))`` per batch; the logs are
    the last step's (its trackers hold the running values), as in Keras. Hooks as in ``loop._run_test``."""
    reset_model_metrics(model)
    model.stop_evaluating = False
    if cbs is not None:
        cbs.on_test_begin()
    logs = {}
    for step, (bx, by, bw) in enumerate(batches.epoch(0)):
        if cbs is not None:
            cbs.on_test_batch_begin(step)
        logs = flat_logs(model.test_step(pack(bx, by, bw)))
        if cbs is not None:
            cbs.on_test_batch_end(step, logs)
        if model.stop_evaluating:
            break
    logs = pass_logs(model, logs)
    if cbs is not None:
        cbs.on_test_end(logs)
    return logs
