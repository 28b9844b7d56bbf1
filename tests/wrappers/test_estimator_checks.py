"""scikit-learn's own estimator checks (``parametrize_with_checks``) on the three wrappers, with tiny models.

Every check passes (the whole set runs in a few seconds): reproducibility checks through ``random_state``, which
the checks set; the binary ``decision_function`` is a log-odds vector; zero sample weights that leave one class
raise an error naming it. Keras' own wrappers fail ten of these checks (README, Interop;
``python tests/wrappers/keras_checks.py`` runs both).
"""
import pytest

pytest.importorskip("sklearn")
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from neuroflow.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402
from tests.wrappers.models import Named, dynamic_model  # noqa: E402

builder = Named(dynamic_model)

ESTIMATORS = [
    SKLearnClassifier(builder, model_kwargs={"loss": "categorical_crossentropy", "hidden": (20, 20)},
                      fit_kwargs={"epochs": 2, "verbose": 0}),
    SKLearnRegressor(builder, model_kwargs={"loss": "mse", "out_activation": "linear"},
                     fit_kwargs={"verbose": 0}),
    SKLearnTransformer(builder, model_kwargs={"loss": "mse", "out_activation": "linear"},
                       fit_kwargs={"verbose": 0}),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
