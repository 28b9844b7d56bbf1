"""Target encoding for ``SKLearnClassifier``: class labels to what the model trains on, model outputs back to
labels and probabilities.

Keras' wrapper one-hot encodes every target. neuroflow picks the form from the model, so that the usual binary
network (one sigmoid unit, ``binary_crossentropy``) and models compiled with a sparse loss work unchanged:

=============  ===================================================  ==========================
form           when                                                 y fed to ``fit``
=============  ===================================================  ==========================
``one_hot``    the output has one unit per class (Keras' encoding)  ``(n, n_classes)`` floats
``binary``     one output unit and two classes                      ``(n, 1)``: 1 = ``classes_[1]``
``sparse``     the loss is a ``sparse_*`` cross-entropy             ``(n,)`` class ids
=============  ===================================================  ==========================
"""
from __future__ import annotations

import numpy as np

from ..errors import DataError, ShapeError

_PROBABILITY_ACTIVATIONS = ("softmax", "sigmoid")


class ClassTargets:
    """The classes seen in ``fit`` and the conversions between labels and model targets/outputs.

    Args:
        y: labels, shape ``(n,)`` (any sortable dtype: ints, strings...).

    Attributes: ``classes_`` (sorted unique labels, shape ``(n_classes,)``), ``form`` (set by
    :meth:`choose_form`).
    """

    def __init__(self, y):
        self.classes_ = np.unique(y)
        self.form = "one_hot"
        self.probability_output = True

    def indices(self, y) -> np.ndarray:
        """Class ids (positions in ``classes_``) of labels ``y``. Shapes: ``(n,)`` -> ``(n,)`` int64."""
        ids = np.searchsorted(self.classes_, y)
        ids = np.minimum(ids, len(self.classes_) - 1)
        unknown = self.classes_[ids] != y
        if np.any(unknown):
            raise DataError(f"y contains labels not seen in the first fit: {np.unique(np.asarray(y)[unknown])[:5]}; "
                            f"known classes: {self.classes_}")
        return ids.astype(np.int64)

    def one_hot(self, y, dtype="float32") -> np.ndarray:
        """Keras' encoding: shape ``(n,)`` -> ``(n, n_classes)``."""
        return np.eye(len(self.classes_), dtype=dtype)[self.indices(y)]

    def choose_form(self, model, output_width: int, owner: str) -> None:
        """Pick the target form for ``model`` whose output has ``output_width`` units (see the module table)."""
        n = len(self.classes_)
        loss = model._compile_args.get("loss")
        loss_name = loss if isinstance(loss, str) else type(loss).__name__ if loss is not None else ""
        if "sparse" in loss_name.lower() and output_width == n:
            self.form = "sparse"
        elif output_width == n:
            self.form = "one_hot"
        elif output_width == 1 and n == 2:
            self.form = "binary"
        else:
            raise ShapeError(f"{owner}: the model's output has {output_width} unit(s) but y has {n} classes "
                             f"{list(self.classes_[:10])}; the last layer needs {n} units (softmax)"
                             + (" or, for two classes, 1 unit (sigmoid)" if n == 2 else ""))
        self.probability_output = _output_activation(model) in _PROBABILITY_ACTIVATIONS

    def encode(self, y, dtype="float32") -> np.ndarray:
        """``y`` in the chosen form. Shapes: ``(n,)`` -> ``(n, n_classes)``, ``(n, 1)`` or ``(n,)``."""
        if self.form == "sparse":
            return self.indices(y)
        if self.form == "binary":
            return self.indices(y).astype(dtype)[:, None]
        return self.one_hot(y, dtype)

    def probabilities(self, outputs) -> np.ndarray:
        """Class probabilities from the model's outputs: the outputs themselves (rows renormalised) when the last
        activation is softmax/sigmoid, else softmax/sigmoid of them (they are logits).
        Shapes: ``(n, n_classes)`` or ``(n, 1)`` -> ``(n, n_classes)`` float64, rows summing to 1."""
        out = np.asarray(outputs, dtype=np.float64)
        if out.ndim == 1:
            out = out[:, None]
        if out.shape[1] == 1:
            p = out[:, 0] if self.probability_output else 0.5 * (1.0 + np.tanh(0.5 * out[:, 0]))  # stable sigmoid
            p = np.clip(p, 0.0, 1.0)
            return np.stack([1.0 - p, p], axis=1)
        if self.probability_output:
            out = np.clip(out, 0.0, None)
            total = out.sum(axis=1, keepdims=True)
            return np.divide(out, total, out=np.full_like(out, 1.0 / out.shape[1]), where=total > 0)
        e = np.exp(out - out.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def labels(self, probabilities) -> np.ndarray:
        """The most probable class of each row. Shapes: ``(n, n_classes)`` -> ``(n,)``."""
        return self.classes_[np.argmax(probabilities, axis=1)]


def _output_activation(model) -> str:
    """The name of the model's last activation ('' when unknown)."""
    layers = model.layers
    activation = getattr(layers[-1], "activation", None) if layers else None
    return getattr(activation, "__name__", str(activation or "")).lower()
