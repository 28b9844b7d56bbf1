"""``SKLBase``: what the three scikit-learn wrappers share (Keras 3's ``keras.wrappers`` base).

A wrapper holds a *model recipe*: a compiled Model (copied, with new weights, at every fit) or a function
``model(X=..., y=..., **model_kwargs)`` returning a compiled Model. ``fit`` validates the data the scikit-learn
way, builds the model, trains it with ``model.fit(X, y, **fit_kwargs, **kwargs)`` and keeps it as ``model_``.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..models import Model
from ._models import check_compiled, copy_model, model_from_bytes, model_to_bytes, seeded
from ._sklearn import BaseEstimator, require_sklearn, validate_data

_MODEL_ATTRIBUTES = ("model", "model_")  # the attributes that may hold a Model (pickled as its file's bytes)


class _SavedModel:
    """A model inside a pickle: the bytes of its ``.neuroflow`` file."""

    def __init__(self, data: bytes):
        self.data = data


class SKLBase(BaseEstimator):
    """Base of the scikit-learn wrappers.

    Args:
        model: a compiled neuroflow ``Model`` (copied with new weights before each fit, unless ``warm_start``),
            or a callable ``model(X=X, y=y, **model_kwargs)`` returning a compiled Model; it receives the
            validated ``X`` of shape ``(n, n_features)`` and the encoded ``y`` (one-hot ``(n, n_classes)`` for
            a classifier, ``(n, n_targets)`` otherwise).
        warm_start: reuse the weights: the first fit starts from the given Model's own weights (a copy), every
            later fit continues training ``model_``.
        model_kwargs: keyword arguments for ``model`` when it is a callable.
        fit_kwargs: keyword arguments for ``model.fit`` (``epochs``, ``batch_size``, ``verbose``, callbacks...);
            those passed to :meth:`fit` itself take precedence.
        random_state: ``None`` (neuroflow's generators as they are) or an int/``RandomState``: the model is
            built and trained with neuroflow seeded from it, so two fits give the same model (scikit-learn's
            convention; Keras' wrappers have no such argument). The caller's generators are left untouched.

    Attributes: ``model_`` (the fitted Model), ``history_`` (``{metric: [value per epoch]}`` of the last fit),
    ``n_features_in_``, ``feature_names_in_`` (when X had column names), ``epoch_`` (epochs trained in all).
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None, random_state=None):
        require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs
        self.random_state = random_state

    @property
    def epoch_(self) -> int:
        """The number of epochs ``model_`` has been trained, over every (warm-started) fit; 0 before fit."""
        return getattr(self, "_epochs_trained", 0)

    # --- fit / predict ---------------------------------------------------------------------------------------
    def fit(self, X, y, **kwargs):
        """Train the model. Shapes: X ``(n, n_features)``, y ``(n,)`` or ``(n, n_outputs)``.

        ``kwargs`` go to ``model.fit`` (over ``fit_kwargs``): ``epochs``, ``batch_size``, ``sample_weight``...
        Returns ``self``.
        """
        X, y = self._validate_fit_data(X, y)
        continuing = bool(self.warm_start) and hasattr(self, "model_")
        fit_kwargs = {**(self.fit_kwargs or {}), **kwargs}  # a new dict: the fit_kwargs parameter is never changed
        with seeded(self.random_state):
            y_for_builder = self._process_target(y, reset=not continuing, fit_kwargs=fit_kwargs)
            model = self.model_ if continuing else self._get_model(X, y_for_builder)
            check_compiled(model, type(self).__name__)
            y_fit = self._target_for_model(model, X, y, y_for_builder, reset=not continuing)
            history = model.fit(X, y_fit, **fit_kwargs)
        self.model_ = model
        self.history_ = {k: list(v) for k, v in getattr(history, "history", {}).items()}
        epochs_now = len(next(iter(self.history_.values()), []))
        self._epochs_trained = (self.epoch_ if continuing else 0) + epochs_now
        return self

    def _validate_fit_data(self, X, y):
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True)
        return self._as_floatx(X), np.asarray(y, dtype=backend.floatx())

    @staticmethod
    def _as_floatx(X):
        return np.asarray(X, dtype=backend.floatx())  # the model's dtype, once here rather than in every batch

    def _get_model(self, X, y):
        owner = type(self).__name__
        if isinstance(self.model, Model):
            return copy_model(self.model, owner, keep_weights=bool(self.warm_start))
        if not callable(self.model):
            check_compiled(self.model, owner)  # raises the message for a wrong type
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def _process_target(self, y, reset, fit_kwargs):
        """Regressors and transformers: y as a 2-D float array, remembering whether it was 1-D."""
        if reset:
            self._y_ndim = y.ndim
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _target_for_model(self, model, X, y, y_for_builder, reset):
        return y_for_builder

    def _model_outputs(self, X):
        """The fitted model's outputs for X (validated like scikit-learn does). Shapes: ``(n, n_features)`` ->
        ``(n, n_outputs)``."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = self._as_floatx(validate_data(self, X, reset=False))
        return np.asarray(self.model_.predict(X, verbose=0))

    def predict(self, X):
        """Predictions for X. Shapes: ``(n, n_features)`` -> ``(n,)`` when y was 1-D in fit, else
        ``(n, n_outputs)``."""
        out = self._model_outputs(X)
        return out[:, 0] if self._y_ndim == 1 and out.ndim == 2 and out.shape[1] == 1 else out

    # --- scikit-learn protocol -------------------------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    def __sklearn_clone__(self):
        """A new, unfitted wrapper with the same parameters; a Model parameter is copied (its architecture, compile
        settings and weights), the kwargs dicts are new dicts holding the same values (as Keras does)."""
        from sklearn.base import clone

        params = self.get_params(deep=False)
        for name, value in params.items():
            if isinstance(value, Model):
                params[name] = copy_model(value, type(self).__name__, keep_weights=True)
            elif isinstance(value, dict):
                params[name] = dict(value)
            else:
                params[name] = clone(value, safe=False)
        return type(self)(**params)

    def __getstate__(self):
        # neuroflow models are not picklable (they hold generators and modules): they travel as their file
        state = dict(super().__getstate__())  # a copy: object.__getstate__ returns the live __dict__
        for key in _MODEL_ATTRIBUTES:
            if isinstance(state.get(key), Model):
                state[key] = _SavedModel(model_to_bytes(state[key]))
        return state

    def __setstate__(self, state):
        state = dict(state)
        for key in _MODEL_ATTRIBUTES:
            if isinstance(state.get(key), _SavedModel):
                state[key] = model_from_bytes(state[key].data)
        super().__setstate__(state)
