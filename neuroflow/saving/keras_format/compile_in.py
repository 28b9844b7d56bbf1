"""Keras 3's ``compile_config`` -> ``model.compile`` of the loaded neuroflow model.

The optimizer, losses and metrics are rebuilt by name through neuroflow's families (Keras' ``module`` and
``registered_name`` wrappers removed); a custom one is refused like a custom layer. Keras' optimizer *state*
(``optimizer/vars`` in the weights store) is not read: training continues with fresh moments.
"""
from __future__ import annotations

from ...errors import SavingError
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
        optimizer = unwrap_object(optimizer, f"{where}.optimizer")
        with converted(f"{where}.optimizer"):
            optimizer = optimizers.deserialize(optimizer)
    loss = compile_entry(unwrap_object(compile_config.get("loss"), f"{where}.loss"), losses, None, f"{where}.loss")
    metric_lists = {key: compile_entry(unwrap_object(compile_config.get(key), f"{where}.{key}"), metrics, None,
                                       f"{where}.{key}") for key in ("metrics", "weighted_metrics")}
    with converted(where):
        model.compile(optimizer=optimizer, loss=loss, **metric_lists,
                      **{key: compile_config.get(key) for key in _CARRIED})
