"""Keras 3's ``compile_config`` -> ``model.compile`` of the loaded neuroflow model.

The optimizer, losses and metrics are rebuilt by name through neuroflow's families (Keras' ``module`` and
``registered_name`` wrappers removed); the user's loss and metric classes and functions resolve by their
``registered_name`` among the registered ones and ``custom_objects`` (never imported): an unknown one is a
SavingError. Keras' optimizer *state* (``optimizer/vars`` in the weights store) is read after compiling
(:func:`.weights.restore_optimizer`).
"""
from __future__ import annotations

from ... import custom_objects as customs
from ...errors import SavingError
from ...registry import find_registered
from ..rebuild import compile_entry, converted
from .config_in import unwrap_object

#: compile() arguments carried over; the rest (run_eagerly, steps_per_execution, jit_compile) are Keras' runtime.
_CARRIED = ("loss_weights",)


def compile_from_keras(model, compile_config, where: str) -> None:
    """Compile ``model`` as Keras' ``compile_config`` says (nothing when it is null)."""
    if not compile_config:  # Keras writes {} (or nothing) for an uncompiled model
        return
    if not isinstance(compile_config, dict):
        raise SavingError(f"{where}: compile_config must be an object, got {compile_config!r:.60}")
    if compile_config.get("optimizer") is None:
        return
    from ... import losses, metrics, optimizers  # what compile takes sits below saving; loaded when used

    optimizer = compile_config["optimizer"]
    if isinstance(optimizer, dict):
        optimizer = _optimizer(optimizer, f"{where}.optimizer")
        with converted(f"{where}.optimizer"):
            optimizer = optimizers.deserialize(optimizer)
    loss = compile_entry(_entries(compile_config.get("loss"), f"{where}.loss"), losses, None, f"{where}.loss")
    metric_lists = {key: compile_entry(_entries(compile_config.get(key), f"{where}.{key}"), metrics, None,
                                       f"{where}.{key}") for key in ("metrics", "weighted_metrics")}
    with converted(where):
        model.compile(optimizer=optimizer, loss=loss, **metric_lists,
                      **{key: compile_config.get(key) for key in _CARRIED})


def _entries(value, where: str):
    """Keras' losses or metrics in neuroflow's compile form: a function entry becomes its name (Keras') or the
    user's function it names, the user's class entry ``{"class_name": registered name, "config"}`` (the family
    resolves it among the registered classes and custom objects), the rest as :func:`unwrap_object` makes it."""
    if isinstance(value, list):
        return [_entries(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if "class_name" not in value:  # per-output losses or metrics by output name
        return {k: _entries(v, f"{where}[{k!r:.40}]") for k, v in value.items()}
    name, registered = value.get("class_name"), value.get("registered_name")
    module = str(value.get("module") or "")
    if name == "function":
        key = registered if isinstance(registered, str) and registered != "function" else value.get("config")
        customs.check_name(key, f"{where}: function")
        if module.startswith("keras"):
            return key  # a built-in function: neuroflow's of the same name
        fn = find_registered(key)
        if fn is None:
            raise SavingError(f"{where}: the custom function {key!r} is not registered here: decorate it with "
                              f"@keras.saving.register_keras_serializable() or pass custom_objects="
                              f"{{{key.split('>')[-1]!r}: function}} to load_model")
        return fn
    if isinstance(registered, str) and (registered != name or not module.startswith("keras")):
        return {"class_name": customs.check_name(registered, f"{where}: registered_name"),
                "config": value.get("config") or {}}  # the user's class, with its own config
    return unwrap_object(value, where)


def _optimizer(value, where: str):
    """Keras' optimizer (or learning-rate schedule) entry in neuroflow's form; the user's class keeps its
    ``registered_name``, by which :func:`neuroflow.optimizers.deserialize` finds it (never by its module)."""
    config = value.get("config")
    if not isinstance(config, dict):
        return unwrap_object(value, where)
    config = {k: _optimizer(v, where) if isinstance(v, dict) and "class_name" in v else unwrap_object(v, where)
              for k, v in config.items() if v is not None}
    name, registered = value.get("class_name"), value.get("registered_name")
    if not str(value.get("module") or "keras").startswith("keras") or registered not in (None, name):
        return {"class_name": name, "config": config, "registered_name": registered}
    return {"class_name": name, "config": config}
