"""Run scikit-learn's ``check_estimator`` on Keras 3's own wrappers (the oracle, on Keras' torch backend) and on
neuroflow's, with the same tiny models, and print every check that does not pass.

Not a test (Keras' results vary from run to run: its wrappers cannot be seeded). The README's list of the checks
Keras' wrappers fail comes from: ``python tests/wrappers/keras_checks.py`` (about a minute).
"""
import os
import sys
import warnings
from collections import Counter

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def keras_builder(X, y, loss, out_activation="softmax", hidden=(10,)):
    import keras
    inputs = keras.Input((X.shape[1],))
    h = inputs
    for units in hidden:
        h = keras.layers.Dense(units, activation="relu")(h)
    model = keras.Model(inputs, keras.layers.Dense(y.shape[1] if y.ndim > 1 else 1, activation=out_activation)(h))
    model.compile(loss=loss, optimizer="rmsprop")
    return model


def estimators(module, builder):
    return [module.SKLearnClassifier(builder, model_kwargs={"loss": "categorical_crossentropy", "hidden": (20, 20)},
                                     fit_kwargs={"epochs": 2, "verbose": 0}),
            module.SKLearnRegressor(builder, model_kwargs={"loss": "mse", "out_activation": "linear"},
                                    fit_kwargs={"verbose": 0}),
            module.SKLearnTransformer(builder, model_kwargs={"loss": "mse", "out_activation": "linear"},
                                      fit_kwargs={"verbose": 0})]


def report(label, estimator_list):
    from sklearn.utils.estimator_checks import check_estimator
    for est in estimator_list:
        results = check_estimator(est, on_fail=None)
        print(f"{label} {type(est).__name__}: {dict(Counter(r['status'] for r in results))}")
        for r in results:
            if r["status"] == "failed":
                message = " ".join(str(r["exception"]).split())[:160] or type(r["exception"]).__name__
                print(f"    {r['check_name']}: {message}")


def main():
    warnings.filterwarnings("ignore")
    import keras.wrappers

    import neuroflow.wrappers
    from tests.wrappers.models import dynamic_model
    report("keras", estimators(keras.wrappers, keras_builder))
    report("neuroflow", estimators(neuroflow.wrappers, dynamic_model))


if __name__ == "__main__":
    main()
