"""Keras-compatible metrics (``neuroflow.metrics``, as ``keras.metrics``): stateful, streamed over batches.

``metric.update_state(y_true, y_pred, sample_weight=None)`` per batch, ``metric.result()`` for the value so far,
``metric.reset_state()`` between epochs. Metrics compute on arrays and record nothing in the graph.

Resolution: :func:`get` turns a name (``"accuracy"``, ``"mse"``, ``"auc"``, ``"Precision"``...), a config dict, a
class, a function ``fn(y_true, y_pred) -> per-sample values`` or an instance into a :class:`Metric`. ``"accuracy"``
/ ``"acc"`` (and ``"crossentropy"`` / ``"ce"``) pick their variant from the loss and the output shape, as Keras
does. Unknown names raise ``ConfigError`` with close matches. :func:`serialize` / :func:`deserialize` and
:func:`register` work as in :mod:`neuroflow.losses`.
"""
from __future__ import annotations

import inspect

from ..errors import ConfigError, close_matches
from ..registry import deserialize_object, find_registered, registered_key, serialize_object
from ..losses.base import snake_case
from .accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                       SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy, binary_accuracy,
                       categorical_accuracy, sparse_categorical_accuracy, sparse_top_k_categorical_accuracy,
                       top_k_categorical_accuracy)
from .at_operating_point import (PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
                                 SpecificityAtSensitivity)
from .base import Mean, MeanMetricWrapper, Metric, Sum
from .by_shape import ResolvedByShape
from .confusion import (AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
                        confusion_matrix)
from .correlation import ConcordanceCorrelation, PearsonCorrelation, concordance_correlation, pearson_correlation
from .f_score import F1Score, FBetaScore
from .iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from .probabilistic import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, Hinge, KLDivergence,
                            Poisson, SparseCategoricalCrossentropy, SquaredHinge)
from .regression import (CosineSimilarity, LogCoshError, MeanAbsoluteError, MeanAbsolutePercentageError,
                         MeanSquaredError, MeanSquaredLogarithmicError, R2Score, RootMeanSquaredError,
                         cosine_similarity, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                         mean_squared_error, mean_squared_logarithmic_error)

# Keras lists these loss functions in keras.metrics too (per-sample values, for MeanMetricWrapper or direct use).
from ..losses import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,  # noqa: E402
                      categorical_focal_crossentropy, categorical_hinge, hinge, huber, kl_divergence, poisson,
                      sparse_categorical_crossentropy, squared_hinge)

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
logcosh = log_cosh

_CLASSES = [Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
            SparseTopKCategoricalAccuracy, Precision, Recall, AUC, TruePositives, FalsePositives, TrueNegatives,
            FalseNegatives, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, RootMeanSquaredError, LogCoshError, CosineSimilarity, R2Score,
            BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson,
            Hinge, SquaredHinge, CategoricalHinge, Mean, Sum, MeanMetricWrapper, F1Score, FBetaScore, IoU, MeanIoU,
            BinaryIoU, OneHotIoU, OneHotMeanIoU, PearsonCorrelation, ConcordanceCorrelation, PrecisionAtRecall,
            RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity]
_FUNCTIONS = [accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
              top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error, mean_absolute_error,
              mean_absolute_percentage_error, mean_squared_logarithmic_error, log_cosh, cosine_similarity,
              pearson_correlation, concordance_correlation]

#: name -> class: class names, their snake_case forms (so "mean_squared_error" is the metric class, as in Keras'
#: ``metrics.get``) and Keras' aliases. The functions are looked up by name only when loading a wrapped function.
_FUNCTION_NAMES = {fn.__name__: fn for fn in _FUNCTIONS}
_BUILTINS: dict = {cls.__name__: cls for cls in _CLASSES}
_BUILTINS.update({snake_case(cls.__name__): cls for cls in _CLASSES if cls is not MeanMetricWrapper})
_BUILTINS.update({"mse": MeanSquaredError, "MSE": MeanSquaredError, "mae": MeanAbsoluteError,
                  "MAE": MeanAbsoluteError, "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
                  "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
                  "rmse": RootMeanSquaredError,
                  "logcosh": LogCoshError, "log_cosh": LogCoshError, "kld": KLDivergence, "KLD": KLDivergence,
                  "kullback_leibler_divergence": KLDivergence, "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy})
_CUSTOM: dict = {}
#: Names whose variant depends on the loss and the output shape.
_BY_TASK = {"accuracy": (BinaryAccuracy, SparseCategoricalAccuracy, CategoricalAccuracy),
            "acc": (BinaryAccuracy, SparseCategoricalAccuracy, CategoricalAccuracy),
            "crossentropy": (BinaryCrossentropy, SparseCategoricalCrossentropy, CategoricalCrossentropy),
            "ce": (BinaryCrossentropy, SparseCategoricalCrossentropy, CategoricalCrossentropy)}


def register(obj=None, *, name=None):
    """Make a custom metric class or function loadable by name (decorator; ``@register`` or
    ``@register(name="my_metric")``)."""
    def add(o):
        key = name or o.__name__
        if key in _BUILTINS or key in _BY_TASK:
            raise ConfigError(f"metrics.register: {key!r} is the name of a built-in metric; choose another name")
        _CUSTOM[key] = o
        return o
    return add(obj) if obj is not None else add


def _lookup(name: str):
    obj = _CUSTOM.get(name) or _BUILTINS.get(name) or find_registered(name, Metric)
    if obj is None:
        known = set(_BUILTINS) | set(_CUSTOM) | set(_BY_TASK)
        raise ConfigError(f"unknown metric {name!r}: a custom metric must be decorated with "
                          f"@keras.saving.register_keras_serializable() or passed in custom_objects; "
                          f"{close_matches(name, known)}")
    return obj


def registered_name(obj) -> str:
    """The name under which ``obj`` (a class or function) can be loaded; ConfigError if it has none."""
    for key, value in _CUSTOM.items():
        if value is obj:
            return key
    key = getattr(obj, "__name__", None)
    if key is not None and (_BUILTINS.get(key) is obj or _FUNCTION_NAMES.get(key) is obj):
        return key
    from .. import losses
    if key is not None and getattr(losses, key, None) is obj:
        return key
    key = registered_key(obj)  # register_keras_serializable, or the custom objects in force
    if key is not None:
        return key
    raise ConfigError(f"metric {key or obj!r} is not registered, so it cannot be saved by name; decorate it with "
                      f"@keras.saving.register_keras_serializable() (or @neuroflow.metrics.register)")


def resolve_function(name: str):
    """The metric (or loss) function registered as ``name``; built-in loss functions resolve too."""
    obj = _CUSTOM.get(name) or _FUNCTION_NAMES.get(name) or find_registered(name, Metric)
    if obj is None:
        from .. import losses
        obj = getattr(losses, name, None)
    if obj is None or inspect.isclass(obj) or not callable(obj):
        raise ConfigError(f"unknown metric function {name!r}")
    return obj


# A wrapped function is saved under its name in this table (base.py cannot import this module, which imports it).
MeanMetricWrapper._function_name = staticmethod(registered_name)
MeanMetricWrapper._function_named = staticmethod(resolve_function)


def _task_variant(loss, output_shape, variants):
    """Keras' choice for 'accuracy': binary if the loss is binary cross-entropy or the output has one unit;
    sparse if the loss is sparse categorical cross-entropy; categorical otherwise. ``None`` when neither the loss
    nor the (unknown) output shape decides: the first batch's shapes will (:mod:`.by_shape`)."""
    from .. import losses
    binary, sparse, categorical = variants
    loss = losses.get(loss)
    fn = getattr(loss, "fn", None)
    if isinstance(loss, losses.BinaryCrossentropy) or fn is losses.binary_crossentropy:
        return binary, loss
    if output_shape is not None and len(output_shape) and output_shape[-1] == 1:
        return binary, loss
    if isinstance(loss, losses.SparseCategoricalCrossentropy) or fn is losses.sparse_categorical_crossentropy:
        return sparse, loss
    if isinstance(loss, losses.CategoricalCrossentropy) or fn is losses.categorical_crossentropy:
        return categorical, loss
    if output_shape is None or not len(output_shape) or output_shape[-1] is None:
        return None, loss
    return categorical, loss


def _instance(obj, name=None) -> Metric:
    if inspect.isclass(obj):
        if not issubclass(obj, Metric):
            raise ConfigError(f"{obj.__name__} is not a neuroflow Metric subclass")
        if obj is MeanMetricWrapper:
            raise ConfigError("MeanMetricWrapper needs a function: pass the function itself as the metric")
        metric = obj()
        if name is not None:
            metric.name = name
        return metric
    return MeanMetricWrapper(obj, name=name)


def get(identifier, loss=None, output_shape=None):
    """Resolve a metric identifier to a :class:`Metric` instance (``None`` stays ``None``).

    Args:
        identifier: a name, a config dict, a ``Metric`` instance (returned as is) or class, or a function
            ``fn(y_true, y_pred)`` returning per-sample values (wrapped in a running mean).
        loss: the compiled loss (name, instance or function); decides what ``"accuracy"`` means.
        output_shape: the model output's shape, e.g. ``(None, 1)``; one unit means binary accuracy.

    A string keeps its spelling as the metric's name (``"acc"`` logs as ``acc``), as in Keras' compile.
    """
    if identifier is None:
        return None
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() in _BY_TASK:
            cls, loss_obj = _task_variant(loss, output_shape, _BY_TASK[identifier.lower()])
            if cls is None:
                return ResolvedByShape(_BY_TASK[identifier.lower()], name=identifier)
            if cls in _BY_TASK["ce"] and getattr(loss_obj, "fusable_activation", None):
                return cls(name=identifier, from_logits=loss_obj.from_logits)
            return cls(name=identifier)
        return _instance(_lookup(identifier), name=identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    from ..losses import Loss
    if isinstance(identifier, Loss):
        return MeanMetricWrapper(identifier.call, name=identifier.name)
    if callable(identifier):
        return _instance(identifier)
    raise ConfigError(f"could not interpret metric identifier {identifier!r}; expected a name, a config dict, a "
                      f"Metric or a function (y_true, y_pred) -> per-sample values")


def serialize(metric) -> dict:
    """``{"class_name": ..., "config": ...}`` for a Metric instance (JSON-serialisable)."""
    return serialize_object(get(metric), _BUILTINS, registered_name)


def deserialize(config, custom_objects=None) -> Metric:
    """Rebuild a metric from :func:`serialize`'s dict (or from a name). ``custom_objects``: extra name -> class or
    function, consulted first."""
    return deserialize_object(config, custom_objects, family="metrics", get=get, lookup=_lookup, instance=_instance,
                              wrapper=MeanMetricWrapper)


__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper", "get", "serialize", "deserialize", "register", "confusion_matrix",
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "Precision", "Recall", "AUC", "TruePositives", "FalsePositives",
    "TrueNegatives", "FalseNegatives", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "RootMeanSquaredError", "LogCoshError", "CosineSimilarity", "R2Score",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "KLDivergence", "Poisson",
    "Hinge", "SquaredHinge", "CategoricalHinge",
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mean_squared_error", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "log_cosh", "cosine_similarity",
    "mse", "mae", "mape", "msle", "logcosh",
    "F1Score", "FBetaScore", "IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation",
    "ConcordanceCorrelation", "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
    "SpecificityAtSensitivity", "pearson_correlation", "concordance_correlation", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_focal_crossentropy",
    "categorical_focal_crossentropy", "hinge", "squared_hinge", "categorical_hinge", "huber", "kl_divergence",
    "poisson",
]
