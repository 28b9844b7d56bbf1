"""A compiled neuroflow model's optimizer, losses and metrics -> Keras 3's ``compile_config``.

Keras compiles the model it loads from these names and configs. What Keras could not rebuild by name (a custom
loss or metric function, a custom optimizer) leaves the archive without compile arguments, with a warning: the
model and its weights still load. Optimizer *state* is not written, so Keras starts fresh moments (and says it is
"skipping variable loading for optimizer").
"""
from __future__ import annotations

import warnings

_MODULES = {"optimizer": "keras.optimizers", "loss": "keras.losses", "metrics": "keras.metrics"}


class _NotKeras(Exception):
    """Something in the compile arguments has no Keras name."""


def keras_compile_config(model):
    """Keras' ``compile_config`` for ``model``, or None (uncompiled, or not expressible in Keras' terms)."""
    if getattr(model, "_specs", None) is None or getattr(model, "optimizer", None) is None:
        return None
    from ... import losses, metrics, optimizers  # what compile takes sits below saving; loaded when used

    args = model._compile_args
    try:
        return {"optimizer": _object(optimizers.serialize(model.optimizer), "optimizer"),
                "loss": _structure(args.get("loss"), losses, "loss"),
                "loss_weights": args.get("loss_weights"),
                "metrics": _structure(args.get("metrics"), metrics, "metrics"),
                "weighted_metrics": _structure(args.get("weighted_metrics"), metrics, "metrics"),
                "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}
    except _NotKeras as why:
        warnings.warn(f"saving {model.name!r} as a .keras file without its compile arguments: {why}; Keras will "
                      f"load it uncompiled", UserWarning, stacklevel=4)
        return None


def _structure(value, family, kind: str):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [_structure(v, family, kind) for v in value]
    if isinstance(value, dict):
        return {k: _structure(v, family, kind) for k, v in value.items()}
    try:
        serialized = family.serialize(value)
    except Exception as err:  # a plain custom function: no Keras name to write
        raise _NotKeras(f"{kind} {value!r:.60} cannot be named ({type(err).__name__})") from None
    return serialized if isinstance(serialized, str) else _object(serialized, kind)


def _object(serialized, kind: str) -> dict:
    if not isinstance(serialized, dict) or ">" in str(serialized.get("class_name")):
        raise _NotKeras(f"the {kind} {serialized!r:.60} is a custom class")
    config = dict(serialized.get("config") or {})
    if "fn" in config:
        raise _NotKeras(f"the {kind} wraps the function {config['fn']!r:.60}")
    for key, value in config.items():  # a learning-rate schedule
        if isinstance(value, dict) and "class_name" in value:
            config[key] = {"module": "keras.optimizers.schedules", "class_name": value["class_name"],
                           "config": value.get("config", {}), "registered_name": None}
    return {"module": _MODULES[kind], "class_name": serialized["class_name"], "config": config,
            "registered_name": None}
