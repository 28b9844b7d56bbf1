"""The course's churn ANN tuned with scikit-learn's GridSearchCV through ``neuroflow.wrappers.SKLearnClassifier``.

Part 4 of the course ("Evaluating, Improving and Tuning the ANN"): the same 11 -> 6 -> 6 -> 1 network as
``examples/churn.py`` (uniform initializers, relu, sigmoid, binary cross-entropy), built by a function, wrapped as
a scikit-learn classifier and searched over the optimizer (adam / rmsprop), the batch size (25 / 32) and the
number of epochs with k-fold cross-validation on the training set. The best setting is refitted on the whole
training set and scored on the 2,000 held-out customers.

Keras 3's wrapper takes the builder's arguments in ``model_kwargs`` and ``fit``'s in ``fit_kwargs``, so the grid
is over those two dicts (the course's Keras 2 ``KerasClassifier`` routed ``optimizer=`` and ``epochs=`` itself).

Run: ``python examples/churn_gridsearch.py [--data PATH] [--epochs 25 50] [--cv 10] [--quick]`` (needs pandas
and scikit-learn). ``--quick`` is a smoke test: 2,000 training customers, epochs 1 and 2, 2 folds.
The last line: ``test accuracy: 0.8xxx``.
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import shared_data  # noqa: E402  (also makes `import neuroflow` work from a checkout)

from neuroflow.layers import Dense  # noqa: E402
from neuroflow.models import Sequential  # noqa: E402
from neuroflow.wrappers import SKLearnClassifier  # noqa: E402

DEFAULT_DATA = shared_data("churn", "Churn_Modelling.csv")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="GridSearchCV over the course's churn ANN, run by neuroflow.")
    parser.add_argument("--data", default=DEFAULT_DATA, help=f"Churn_Modelling.csv (default: {DEFAULT_DATA})")
    parser.add_argument("--epochs", type=int, nargs="+", default=[25, 50], help="epoch counts to try (25 50)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[25, 32], help="batch sizes to try (25 32)")
    parser.add_argument("--cv", type=int, default=10, help="cross-validation folds (default: 10, as the course)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 2,000 customers, epochs 1 2, 2 folds")
    return parser.parse_args(argv)


def load_churn(path):
    """The course's preprocessing: 11 features (Geography one-hot without one dummy, Gender 0/1, the rest as is),
    80/20 split with random_state=0, standardized. Returns X_train, X_test, y_train, y_test."""
    from sklearn.compose import ColumnTransformer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import LabelEncoder, OneHotEncoder, StandardScaler

    dataset = pd.read_csv(path)
    X = dataset.iloc[:, 3:13].values
    y = dataset.iloc[:, 13].values
    X[:, 1] = LabelEncoder().fit_transform(X[:, 1])
    X[:, 2] = LabelEncoder().fit_transform(X[:, 2])
    X = np.asarray(ColumnTransformer([("geography", OneHotEncoder(), [1])], remainder="passthrough")
                   .fit_transform(X), dtype="float64")[:, 1:]  # drop one dummy column: the dummy-variable trap
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    scaler = StandardScaler()
    return scaler.fit_transform(X_train), scaler.transform(X_test), y_train, y_test


def build_classifier(X, y, optimizer="adam"):
    """The course's network; the wrapper calls it with the training fold (``X``, one-hot ``y``) and the grid's
    ``model_kwargs``."""
    classifier = Sequential()
    classifier.add(Dense(6, activation="relu", kernel_initializer="uniform", input_dim=11))
    classifier.add(Dense(6, activation="relu", kernel_initializer="uniform"))
    classifier.add(Dense(1, activation="sigmoid", kernel_initializer="uniform"))
    classifier.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return classifier


def main(argv=None):
    """Run the search. Returns ``{'best_params', 'best_score', 'test_accuracy', 'seconds', 'cv_results'}``."""
    from sklearn.model_selection import GridSearchCV

    args = parse_args(argv)
    X_train, X_test, y_train, y_test = load_churn(args.data)
    epochs, folds = args.epochs, args.cv
    if args.quick:
        X_train, y_train, epochs, folds = X_train[:2000], y_train[:2000], [1, 2], 2

    classifier = SKLearnClassifier(model=build_classifier, fit_kwargs={"verbose": 0}, random_state=0)
    parameters = {
        "model_kwargs": [{"optimizer": "adam"}, {"optimizer": "rmsprop"}],
        "fit_kwargs": [{"batch_size": b, "epochs": e, "verbose": 0}
                       for b, e in itertools.product(args.batch_sizes, epochs)],
    }
    grid_search = GridSearchCV(classifier, parameters, scoring="accuracy", cv=folds)
    n_fits = folds * len(parameters["model_kwargs"]) * len(parameters["fit_kwargs"])
    print(f"GridSearchCV: {n_fits // folds} settings x {folds} folds on {len(X_train)} customers")
    start = time.perf_counter()
    grid_search.fit(X_train, y_train)
    seconds = time.perf_counter() - start

    results = grid_search.cv_results_
    for i in np.argsort(results["rank_test_score"]):
        p = results["params"][i]
        print(f"  {p['model_kwargs']['optimizer']:8s} batch {p['fit_kwargs']['batch_size']:3d} "
              f"epochs {p['fit_kwargs']['epochs']:3d}: accuracy {results['mean_test_score'][i]:.4f} "
              f"+/- {results['std_test_score'][i]:.4f}")
    best = grid_search.best_params_
    best_params = {"optimizer": best["model_kwargs"]["optimizer"], "batch_size": best["fit_kwargs"]["batch_size"],
                   "epochs": best["fit_kwargs"]["epochs"]}
    test_accuracy = float(grid_search.score(X_test, y_test))  # the best setting, refitted on all training data
    print(f"best parameters: {best_params}")
    print(f"best cross-validation accuracy: {grid_search.best_score_:.4f}")
    print(f"time: {seconds:.1f} s ({n_fits} fits + the refit)")
    print(f"test accuracy: {test_accuracy:.4f}")
    return {"best_params": best_params, "best_score": float(grid_search.best_score_),
            "test_accuracy": test_accuracy, "seconds": seconds, "cv_results": results}


if __name__ == "__main__":
    main()
