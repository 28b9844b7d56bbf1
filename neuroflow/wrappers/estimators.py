"""``SKLearnClassifier``, ``SKLearnRegressor``, ``SKLearnTransformer``: neuroflow models as scikit-learn estimators
(Keras 3's ``keras.wrappers``), usable in ``Pipeline``, ``GridSearchCV``, ``cross_val_score``...

Example (Keras' own)::

    def make_model(X, y, hidden=10):
        model = Sequential([Input((X.shape[1],)), Dense(hidden, activation="relu"),
                            Dense(y.shape[1], activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        return model

    clf = SKLearnClassifier(make_model, model_kwargs={"hidden": 20}, fit_kwargs={"epochs": 5, "verbose": 0})
    clf.fit(X, y).score(X_test, y_test)
"""
from __future__ import annotations

import numpy as np

from ..errors import DataError
from ._models import output_width
from ._sklearn import ClassifierMixin, RegressorMixin, TransformerMixin, validate_data
from ._targets import ClassTargets
from .base import SKLBase

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A neuroflow model as a scikit-learn classifier (binary or multiclass; labels of any sortable type).

    Arguments as :class:`~neuroflow.wrappers.base.SKLBase`. The model builder receives ``y`` one-hot encoded,
    shape ``(n, n_classes)`` (Keras' encoding); a model with one sigmoid unit for two classes, or compiled with
    a ``sparse_*`` loss, is trained on the targets it expects (see :mod:`neuroflow.wrappers._targets`).

    Attributes: ``classes_`` (shape ``(n_classes,)``) besides those of the base.
    Shapes: ``predict`` ``(n, n_features)`` -> ``(n,)``; ``predict_proba`` -> ``(n, n_classes)``;
    ``decision_function`` -> ``(n,)`` (log-odds of ``classes_[1]``) for two classes, the model's raw outputs
    ``(n, n_classes)`` otherwise.
    """

    def _validate_fit_data(self, X, y):
        from sklearn.utils.multiclass import check_classification_targets

        X, y = validate_data(self, X, y)  # y: 1-D (a column vector is raveled with scikit-learn's warning)
        check_classification_targets(y)   # 'Unknown label type' for continuous targets
        return self._as_floatx(X), y

    def _process_target(self, y, reset, fit_kwargs):
        if reset:
            targets = ClassTargets(y)
            if len(targets.classes_) < 2:
                raise DataError(f"{type(self).__name__}: y has only one class ({targets.classes_[0]!r}); a classifier "
                                f"needs at least two classes to train")
            self._targets, self.classes_ = targets, targets.classes_
        weights = fit_kwargs.get("sample_weight")
        if weights is not None:
            weighted = np.unique(np.asarray(y)[np.asarray(weights) > 0])
            if len(weighted) < 2:
                raise DataError(f"{type(self).__name__}: sample_weight leaves {len(weighted)} class(es) with a "
                                f"positive weight ({list(weighted)}); a classifier needs at least two classes")
        return self._targets.one_hot(y)

    def _target_for_model(self, model, X, y, y_for_builder, reset):
        if reset:
            self._targets.choose_form(model, output_width(model, X, type(self).__name__), type(self).__name__)
        return y_for_builder if self._targets.form == "one_hot" else self._targets.encode(y)

    def predict_proba(self, X):
        """Class probabilities, columns in ``classes_`` order. Shapes: ``(n, n_features)`` -> ``(n, n_classes)``."""
        outputs = self._model_outputs(X)  # first: it raises NotFittedError before fit
        return self._targets.probabilities(outputs)

    def predict(self, X):
        """The most probable class. Shapes: ``(n, n_features)`` -> ``(n,)``, labels from ``classes_``."""
        probabilities = self.predict_proba(X)  # first: it raises NotFittedError before fit
        return self._targets.labels(probabilities)

    def decision_function(self, X):
        """Scores whose sign (two classes) or argmax (more) gives ``predict``: the log-odds of ``classes_[1]``,
        shape ``(n,)``, for two classes; the model's raw outputs, shape ``(n, n_classes)``, otherwise."""
        outputs = self._model_outputs(X)
        if len(self.classes_) > 2:
            return outputs
        p = self._targets.probabilities(outputs)
        tiny = np.finfo(np.float64).tiny
        return np.log(np.maximum(p[:, 1], tiny)) - np.log(np.maximum(p[:, 0], tiny))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True  # a network trained for an epoch or two on the checks' tiny data
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A neuroflow model as a scikit-learn regressor (one or several targets).

    Arguments as :class:`~neuroflow.wrappers.base.SKLBase`; the model builder receives ``y`` as
    ``(n, n_targets)`` floats. Shapes: ``predict`` ``(n, n_features)`` -> ``(n,)`` when y was 1-D in ``fit``,
    else ``(n, n_targets)``.
    """

    def predict(self, X):
        """Predictions, float64 as scikit-learn's regressors return them. Shapes: ``(n, n_features)`` -> ``(n,)``
        when y was 1-D in ``fit``, else ``(n, n_targets)``."""
        return super().predict(X).astype(np.float64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        tags.target_tags.multi_output = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A neuroflow model as a scikit-learn transformer: ``transform(X)`` is the fitted model's output (for
    example an encoder's embedding), trained in ``fit`` on ``(X, y)``.

    Arguments as :class:`~neuroflow.wrappers.base.SKLBase`. Shapes: ``transform`` ``(n, n_features)`` ->
    ``(n, n_outputs)``.
    """

    def fit(self, X, y=None, **kwargs):
        """Train the model on ``(X, y)`` (y is the model's target, required). Returns ``self``."""
        if y is None:
            raise DataError(f"{type(self).__name__} requires y to be passed, but the target y is None: y is the "
                            f"target the model is trained on (for an autoencoder pass y=X)")
        return super().fit(X, y, **kwargs)

    def transform(self, X):
        """The model's outputs for X. Shapes: ``(n, n_features)`` -> ``(n, n_outputs)``."""
        return self._model_outputs(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # outputs are in the model's dtype (float32)
        return tags
