"""The names under which a compiled model's own losses, metrics, optimizer and schedule (the user's classes and
functions) are saved.

A class or function decorated with ``register_keras_serializable`` is saved under its ``package>Name`` key, one in
the custom objects in force under that name. Any other is saved under its bare ``__name__``, as Keras does, with a
warning: loading it then needs ``custom_objects=`` (without it the load is a SavingError; no code is imported).
"""
from __future__ import annotations

import inspect
import warnings

from .. import tree
from ..errors import ConfigError
from ..registry import registered_key


def user_object(value):
    """The user's class or function behind one compile entry (a loss/metric instance, class or function), or None
    for a name or a neuroflow built-in."""
    if value is None or isinstance(value, str):
        return None
    target = value if inspect.isclass(value) or inspect.isfunction(value) else type(value)
    if str(getattr(target, "__module__", "")).startswith("neuroflow.") and inspect.isfunction(getattr(value, "fn",
                                                                                                      None)):
        target = value.fn  # a built-in wrapper (LossFunctionWrapper, MeanMetricWrapper) around the user's function
    if str(getattr(target, "__module__", "")).startswith("neuroflow."):
        return None
    return target


def unregistered(model) -> dict:
    """``{bare name: class or function}`` of the user's losses, metrics, optimizer and learning-rate schedule in
    ``model``'s compile arguments that no registry names; warns once (naming them) when there are any. Serialize inside
    ``custom_object_scope(unregistered(model))`` so that they are written under these names."""
    from .. import losses, metrics  # what compile takes sits below saving; loaded when used

    args = model._compile_args
    found = {}
    for family, keys in ((losses, ("loss",)), (metrics, ("metrics", "weighted_metrics"))):
        for value in tree.flatten([args.get(k) for k in keys]):
            target = user_object(value)
            if target is None:
                continue
            try:
                family.registered_name(target)
            except ConfigError:
                found[target.__name__] = target
    optimizer = getattr(model, "optimizer", None)
    for target in (type(optimizer), type(getattr(optimizer, "_learning_rate", None))):
        if not target.__module__.startswith(("neuroflow.", "builtins")) and registered_key(target) is None:
            found[target.__name__] = target
    if found:
        names = ", ".join(f"{k!r}: {k}" for k in found)
        warnings.warn(f"saving {model.name!r}: the custom {', '.join(found)} is not registered, so it is "
                      f"saved by its name only: load it with custom_objects={{{names}}}, or decorate it with "
                      f"@keras.saving.register_keras_serializable()", UserWarning, stacklevel=4)
    return found
