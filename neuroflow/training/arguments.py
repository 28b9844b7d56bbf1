"""The checks at the top of ``fit``/``evaluate``/``predict``: every argument a user passes, refused with a
message that names it, the expected and the actual value, before any data is touched or any epoch runs.

Also the data checks that need the model: a missing ``y`` when the model has a loss, a dict or several arrays
fed to a model with one input, and ``class_weight`` against the labels.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _validate as check
from ..errors import ConfigError, DataError
from .py_dataset_adapter import is_py_dataset


def verbose_level(verbose, who: str) -> int:
    """``'auto'`` -> 1, else 0, 1 or 2 (Keras' three levels)."""
    if isinstance(verbose, str) and verbose == "auto":
        return 1
    return check.integer(verbose, who, "verbose", 0, 2)


def shuffle_mode(shuffle, who: str):
    """``True``/``False`` or ``'batch'`` (Keras: shuffle in batch-sized chunks)."""
    if isinstance(shuffle, str) and shuffle == "batch":
        return shuffle
    if isinstance(shuffle, (bool, np.bool_)):
        return bool(shuffle)
    raise check.ArgumentTypeError(f"{who}: shuffle must be True, False or 'batch', got {check.describe(shuffle)}")


def fit_arguments(batch_size, epochs, verbose, validation_split, validation_data, shuffle, class_weight,
                  initial_epoch, steps_per_epoch, validation_steps, validation_batch_size, validation_freq) -> dict:
    """The validated scalar arguments of ``fit`` (ints as ints); raises a ConfigError naming the first bad one."""
    who = "fit()"
    out = {
        "batch_size": check.positive_int(batch_size, who, "batch_size", allow_none=True),
        "epochs": check.integer(epochs, who, "epochs", 0),  # 0: nothing to train, as in Keras
        "verbose": verbose_level(verbose, who),
        "shuffle": shuffle_mode(shuffle, who),
        "steps_per_epoch": check.positive_int(steps_per_epoch, who, "steps_per_epoch", allow_none=True),
        "validation_steps": check.positive_int(validation_steps, who, "validation_steps", allow_none=True),
        "validation_batch_size": check.positive_int(validation_batch_size, who, "validation_batch_size",
                                                    allow_none=True),
        "validation_freq": check.positive_int(validation_freq, who, "validation_freq"),
    }
    out["initial_epoch"] = check.integer(initial_epoch, who, f"initial_epoch (with epochs={out['epochs']})", 0,
                                         out["epochs"])
    split = check.finite_float(validation_split, who, "validation_split", 0, 1, high_open=True)
    if split and validation_data is not None:
        warnings.warn("fit(): validation_data is given, so validation_split is ignored (as in Keras)",
                      stacklevel=4)
        split = 0.0
    out["validation_split"] = split
    check_validation_data(validation_data)
    if class_weight is not None and not isinstance(class_weight, dict):
        raise check.ArgumentTypeError(f"fit(): class_weight must be a dict {{class id: weight}}, e.g. "
                                      f"{{0: 1.0, 1: 5.0}}, got {check.describe(class_weight)}")
    out["class_weight"] = class_weight_table(class_weight) if class_weight is not None else None
    return out


def check_validation_data(data) -> None:
    """``(x_val, y_val[, sample_weight_val])``, a dataset/generator/PyDataset of batches, or None."""
    if data is None:
        return
    if isinstance(data, (tuple, list)):
        if len(data) not in (2, 3):
            raise DataError(f"fit(): validation_data must be (x_val, y_val) or (x_val, y_val, sample_weight_val), "
                            f"got a {type(data).__name__} of {len(data)} item(s)")
        return
    streamed = is_py_dataset(data) or hasattr(data, "__iter__") or hasattr(data, "__next__")
    if not streamed or isinstance(data, (str, bytes, dict, np.ndarray)) or hasattr(data, "to_numpy"):
        raise check.ArgumentTypeError(f"fit(): validation_data must be a tuple (x_val, y_val[, sample_weight_val]) "
                                      f"or a dataset/generator/PyDataset of batches, got {check.describe(data)}")


def batches_arguments(batch_size, verbose, steps, who: str) -> tuple:
    """``evaluate``/``predict``'s ``batch_size``, ``verbose`` and ``steps``, validated."""
    if batch_size is None and steps is None and type(verbose) in (str, int) and verbose in ("auto", 0):
        return None, 1 if verbose == "auto" else 0, None  # the defaults (a serving loop's call), checked quickly
    return (check.positive_int(batch_size, who, "batch_size", allow_none=True), verbose_level(verbose, who),
            check.positive_int(steps, who, "steps", allow_none=True))


def class_weight_table(class_weight: dict) -> dict:
    """``{int class id: float weight}``; keys must be class ids (ints >= 0), weights finite and >= 0."""
    table = {}
    for key, weight in class_weight.items():
        if not check.is_int(key) or key < 0:
            raise ConfigError(f"fit(): class_weight keys must be integer class ids >= 0 (the label values), got "
                              f"the key {check.describe(key)}; map names to ids first, e.g. {{0: 1.0, 1: 5.0}}")
        if not check.is_number(weight):
            raise DataError(f"fit(): class_weight[{key!r}] must be a number, got {check.describe(weight)}")
        if not np.isfinite(weight) or weight < 0:
            raise DataError(f"fit(): class_weight[{key!r}] must be a finite weight >= 0, got {weight!r}; NaN or "
                            f"inf would turn every weight of the model into NaN")
        table[int(key)] = float(weight)
    return table


def class_ids(y) -> np.ndarray:
    """The class id of every sample of ``y`` (sparse ids, one-hot rows, or binary 0/1 labels)."""
    if y.ndim > 1 and y.shape[-1] > 1:
        return y.reshape(-1, y.shape[-1]).argmax(axis=-1)
    return np.round(y.reshape(len(y), -1)[:, 0]).astype(np.int64)


def check_class_weight(table: dict, y) -> None:
    """A DataError for a class id that cannot be a label of ``y`` (one-hot width), a warning for one the labels
    simply lack (Keras ignores both silently)."""
    if isinstance(y, (list, dict)):
        raise ConfigError("fit(): class_weight is only supported for models with a single output (as in Keras); "
                          "use sample_weight for several outputs")
    n_classes = y.shape[-1] if y.ndim > 1 and y.shape[-1] > 1 else None
    too_big = [k for k in table if n_classes is not None and k >= n_classes]
    if too_big:
        raise DataError(f"fit(): class_weight names class id(s) {too_big}, but y is one-hot with {n_classes} "
                        f"classes (ids 0..{n_classes - 1})")
    present = set(np.unique(class_ids(y)).tolist())
    absent = sorted(k for k in table if k not in present)
    if absent:
        warnings.warn(f"fit(): class_weight names class id(s) {absent} that no label in y has (labels present: "
                      f"{sorted(present)[:10]}); their weights have no effect", stacklevel=5)  # the user's fit() line


def require_targets(model, y, who: str) -> None:
    """A DataError when ``y`` is missing although the model's loss needs targets."""
    specs = getattr(model, "_specs", None)
    if y is None and specs and any(s.loss is not None for s in specs):
        losses = ", ".join(repr(getattr(s.loss, "name", type(s.loss).__name__)) for s in specs if s.loss)
        raise DataError(f"{who}: y is missing; the model was compiled with the loss {losses}, which compares "
                        f"predictions with targets: pass {who[:-2]}(x, y), or a dataset that yields (x, y) batches")


def check_input_structure(model, x, who: str):
    """``x`` as the model takes it: a list of one array for a single-input model is that array (Keras accepts
    ``fit((x,), y)`` too); a DataError when ``x`` is a dict or a list of several arrays but the model has one plain
    input, or a dict that lacks one of a functional model's named inputs."""
    if not isinstance(x, (dict, list)):
        return x  # one array: the common case, and never wrong in structure
    expected = model._expected_input_shapes() if hasattr(model, "_expected_input_shapes") else None
    one_input = (expected is not None and len(expected) == 1) or _is_sequential(model)
    if not one_input:
        names = _input_names(model)
        missing = [n for n in names if n not in x] if isinstance(x, dict) else []
        if missing:  # Keras' wording; a dict is matched by key, so one wrong key would feed nothing
            raise DataError(f"{who}: missing data for input {missing[0]!r}: you passed a dict with keys "
                            f"{list(x)}, model {model.name!r} expects the keys {names}")
        return x
    if isinstance(x, list) and len(x) == 1:
        return x[0]
    if isinstance(x, dict):
        keys = list(x)
        hint = f"x[{keys[0]!r}]" if len(keys) == 1 else "one array"
        raise DataError(f"{who}: model {model.name!r} has a single input, so x must be one array, got a dict with "
                        f"keys {keys}; pass {hint} (named inputs need a functional model with Input(name=...))")
    if isinstance(x, list) and len(x) > 1:
        shapes = [tuple(a.shape) for a in x]
        raise DataError(f"{who}: model {model.name!r} has a single input but x is a list of {len(x)} arrays of "
                        f"shapes {shapes}; pass one array (np.concatenate them along the feature axis), or build "
                        f"a functional model with {len(x)} Inputs")
    return x


def _input_names(model) -> list:
    """A functional model's input names: its inputs dict's keys, else its Input layers' names."""
    graph = getattr(model, "_graph", None)
    if graph is None:
        return []
    if isinstance(graph.inputs, dict):
        return list(graph.inputs)
    return [layer.name for layer in graph.input_layers]


def _is_sequential(model) -> bool:
    return any(cls.__name__ == "Sequential" for cls in type(model).__mro__)
