"""Keras-compatible losses (``neuroflow.losses``, as ``keras.losses``).

Classes (``MeanSquaredError()``, ``BinaryCrossentropy(from_logits=True)``...) reduce to the scalar that training
minimises; functions with Keras' snake_case names (``mse``, ``binary_crossentropy``...) return per-sample losses.
Both are built from ``neuroflow.ops``, so ``loss.backward()`` reaches the model.

Resolution: :func:`get` turns a string (``"mse"``, ``"categorical_crossentropy"``, ``"Huber"``), a config dict,
a class, a function or an instance into a :class:`Loss` instance (a built-in function becomes its class, so that
the model can fuse the output activation); unknown names raise ``ConfigError`` with close matches.
:func:`serialize` / :func:`deserialize` map losses to ``{"class_name", "config"}`` and back, and :func:`register`
makes a custom loss class or function loadable by name.
"""
from __future__ import annotations

import inspect

from ..errors import ConfigError, close_matches
from ..registry import deserialize_object, find_registered, registered_key, serialize_object
from .base import REDUCTIONS, Loss, LossFunctionWrapper, align_ranks, reduce_weighted, squeeze_or_expand_to_same_rank
from .focal import (BinaryFocalCrossentropy, CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy,
                    binary_focal_crossentropy, categorical_focal_crossentropy,
                    categorical_generalized_cross_entropy)
from .hinge import CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge
from .probabilistic import (BinaryCrossentropy, CategoricalCrossentropy, KLDivergence, Poisson,
                            SparseCategoricalCrossentropy, binary_crossentropy, categorical_crossentropy,
                            kl_divergence, poisson, sparse_categorical_crossentropy)
from .regression import (CosineSimilarity, Huber, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError,
                         MeanSquaredError, MeanSquaredLogarithmicError, cosine_similarity, huber, log_cosh,
                         mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
                         mean_squared_logarithmic_error)
from .overlap import Dice, Tversky, dice, tversky
from .sequence_and_metric import CTC, Circle, circle, ctc

# Keras' short names.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy

#: Each built-in function and the class that wraps it (a function identifier resolves to its class).
_FUNCTION_CLASS = {
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError, huber: Huber, log_cosh: LogCosh,
    cosine_similarity: CosineSimilarity, binary_crossentropy: BinaryCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy, kl_divergence: KLDivergence,
    poisson: Poisson, hinge: Hinge, squared_hinge: SquaredHinge, categorical_hinge: CategoricalHinge,
    binary_focal_crossentropy: BinaryFocalCrossentropy, categorical_focal_crossentropy: CategoricalFocalCrossentropy,
    categorical_generalized_cross_entropy: CategoricalGeneralizedCrossEntropy, dice: Dice, tversky: Tversky,
    circle: Circle, ctc: CTC,
}
_ALIASES = {"mse": mse, "MSE": mse, "mae": mae, "MAE": mae, "mape": mape, "MAPE": mape, "msle": msle,
            "MSLE": msle, "kld": kld, "KLD": kld, "kullback_leibler_divergence": kld, "logcosh": log_cosh,
            "bce": bce, "BCE": bce, "huber_loss": huber}

#: name -> class or function: built-in class names, function names, aliases; custom ones join via register().
_BUILTINS: dict = {cls.__name__: cls for cls in _FUNCTION_CLASS.values()}
_BUILTINS.update({fn.__name__: fn for fn in _FUNCTION_CLASS})
_BUILTINS.update(_ALIASES)
_BUILTINS["LossFunctionWrapper"] = LossFunctionWrapper
_CUSTOM: dict = {}


def register(obj=None, *, name=None):
    """Make a custom loss class or function loadable by name (decorator; ``@register`` or
    ``@register(name="my_loss")``). Default name: the class or function's ``__name__``."""
    def add(o):
        key = name or o.__name__
        if key in _BUILTINS:
            raise ConfigError(f"losses.register: {key!r} is the name of a built-in loss; choose another name")
        _CUSTOM[key] = o
        return o
    return add(obj) if obj is not None else add


def _lookup(name: str):
    obj = _CUSTOM.get(name) or _BUILTINS.get(name) or find_registered(name, Loss)
    if obj is None:
        raise ConfigError(f"unknown loss {name!r}: a custom loss must be decorated with "
                          f"@keras.saving.register_keras_serializable() or passed in custom_objects; "
                          f"{close_matches(name, set(_BUILTINS) | set(_CUSTOM))}")
    return obj


def registered_name(obj) -> str:
    """The name under which ``obj`` (a class or function) can be loaded; ConfigError if it has none."""
    for table in (_CUSTOM, _BUILTINS):
        for key, value in table.items():
            if value is obj and (table is _CUSTOM or key == getattr(obj, "__name__", None)):
                return key
    key = registered_key(obj)  # register_keras_serializable, or the custom objects in force
    if key is not None:
        return key
    raise ConfigError(f"loss {getattr(obj, '__name__', obj)!r} is not registered, so it cannot be saved by name; "
                      f"decorate it with @keras.saving.register_keras_serializable() (or @neuroflow.losses.register)")


def resolve_function(name: str):
    """The loss function registered as ``name``."""
    obj = _lookup(name)
    if inspect.isclass(obj):
        raise ConfigError(f"loss {name!r} is a class, not a function")
    return obj


# A wrapped function is saved under its name in this table (base.py cannot import this module, which imports it).
LossFunctionWrapper._function_name = staticmethod(registered_name)
LossFunctionWrapper._function_named = staticmethod(resolve_function)


def _instance(obj, name=None) -> Loss:
    if inspect.isclass(obj):
        if not issubclass(obj, Loss):
            raise ConfigError(f"{obj.__name__} is not a neuroflow Loss subclass")
        if obj is LossFunctionWrapper:
            raise ConfigError("LossFunctionWrapper needs a function: pass the function itself as the loss")
        return obj()
    if obj in _FUNCTION_CLASS:
        return _FUNCTION_CLASS[obj]()
    return LossFunctionWrapper(obj, name=name)


def get(identifier):
    """Resolve a loss identifier to a :class:`Loss` instance (``None`` stays ``None``).

    ``identifier``: a name (``"mse"``, ``"binary_crossentropy"``, ``"CategoricalCrossentropy"``, a registered
    custom name), a config dict (:func:`deserialize`), a ``Loss`` instance (returned as is), a ``Loss`` class, or a
    function ``fn(y_true, y_pred)`` returning per-sample losses (built-in functions become their class).
    """
    if identifier is None:
        return None
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        return _instance(_lookup(identifier), name=identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return _instance(identifier)
    raise ConfigError(f"could not interpret loss identifier {identifier!r}; expected a name, a config dict, a Loss "
                      f"or a function (y_true, y_pred) -> per-sample loss")


def serialize(loss) -> dict:
    """``{"class_name": ..., "config": ...}`` for a Loss instance (JSON-serialisable)."""
    return serialize_object(get(loss), _BUILTINS, registered_name)


def deserialize(config, custom_objects=None) -> Loss:
    """Rebuild a loss from :func:`serialize`'s dict (or from a name). ``custom_objects``: extra name -> class or
    function, consulted first."""
    return deserialize_object(config, custom_objects, family="losses", get=get, lookup=_lookup, instance=_instance,
                              wrapper=LossFunctionWrapper)


__all__ = [
    "Loss", "LossFunctionWrapper", "REDUCTIONS", "reduce_weighted", "align_ranks", "squeeze_or_expand_to_same_rank",
    "get", "serialize", "deserialize", "register",
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Huber",
    "LogCosh", "CosineSimilarity", "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge",
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
    "huber", "log_cosh", "cosine_similarity", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "kl_divergence", "poisson", "hinge", "squared_hinge", "categorical_hinge",
    "mse", "mae", "mape", "msle", "kld", "logcosh", "bce", "kullback_leibler_divergence",
    "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "Dice", "Tversky",
    "Circle", "CTC", "binary_focal_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy", "dice", "tversky", "circle", "ctc",
]
