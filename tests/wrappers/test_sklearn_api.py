"""The wrappers in scikit-learn's machinery (Pipeline, GridSearchCV, cross_val_score, clone, pickle) and their
own behaviour: target encodings, Model templates, warm start, seeding, errors."""
import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_blobs, make_classification, make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import neuroflow as nf  # noqa: E402
from neuroflow import layers  # noqa: E402
from neuroflow.errors import ConfigError, DataError, NotCompiledError, ShapeError  # noqa: E402
from neuroflow.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402
from tests.wrappers.models import dynamic_model, sigmoid_model  # noqa: E402

FIT = {"epochs": 30, "batch_size": 16, "verbose": 0}


def blobs(n_classes=3, n=150):
    X, y = make_blobs(n_samples=n, centers=n_classes, n_features=4, cluster_std=1.0, random_state=0)
    return StandardScaler().fit_transform(X), y


def test_multiclass_classifier_learns_and_encodes_labels():
    X, y = blobs()
    labels = np.array(["cat", "dog", "eel"])[y]
    clf = SKLearnClassifier(dynamic_model, model_kwargs={"loss": "categorical_crossentropy", "optimizer": "adam"},
                            fit_kwargs=FIT, random_state=0).fit(X, labels)
    assert list(clf.classes_) == ["cat", "dog", "eel"] and clf.n_features_in_ == 4
    assert clf.model_.output_shape == (None, 3)            # the builder saw one-hot y (n, 3)
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert (clf.predict(X) == clf.classes_[proba.argmax(axis=1)]).all()
    assert clf.score(X, labels) > 0.9
    assert set(clf.history_) == {"loss"} and len(clf.history_["loss"]) == 30 and clf.epoch_ == 30


def test_single_sigmoid_unit_trains_on_a_binary_column():
    X, y = make_classification(n_samples=200, n_features=6, n_informative=4, random_state=1)
    y_named = np.where(y == 1, "stay", "leave")
    clf = SKLearnClassifier(sigmoid_model, fit_kwargs=FIT, random_state=0).fit(X, y_named)
    assert clf._targets.form == "binary"
    p = clf.model_.predict(X, verbose=0)[:, 0]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], p, rtol=1e-6)          # P(classes_[1] = 'stay') is the sigmoid
    np.testing.assert_array_equal(clf.predict(X), np.where(p > 0.5, "stay", "leave"))
    decision = clf.decision_function(X)
    assert decision.shape == (200,)
    np.testing.assert_array_equal(decision > 0, clf.predict(X) == "stay")
    assert clf.score(X, y_named) > 0.8


def test_sparse_loss_trains_on_class_ids():
    X, y = blobs()
    clf = SKLearnClassifier(dynamic_model, model_kwargs={"loss": "sparse_categorical_crossentropy",
                                                         "optimizer": "adam"},
                            fit_kwargs=FIT, random_state=0)
    # the builder sees one-hot y (3 units); the loss wants ids: the wrapper feeds ids
    clf.fit(X, y + 10)
    assert clf._targets.form == "sparse" and clf.score(X, y + 10) > 0.9


def test_logit_outputs_become_probabilities():
    X, y = blobs()
    clf = SKLearnClassifier(dynamic_model, model_kwargs={"loss": nf.losses.CategoricalCrossentropy(from_logits=True),
                                                         "out_activation": "linear"},
                            fit_kwargs={"epochs": 2, "verbose": 0}, random_state=0).fit(X, y)
    logits = clf.decision_function(X)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(clf.predict_proba(X), e / e.sum(axis=1, keepdims=True), rtol=1e-5)


def test_regressor_single_and_multi_output():
    X, y = make_regression(n_samples=120, n_features=5, n_targets=2, noise=0.1, random_state=0)
    y = y / y.std(axis=0)
    reg = SKLearnRegressor(dynamic_model, model_kwargs={"loss": "mse", "out_activation": "linear",
                                                        "optimizer": "adam"},
                           fit_kwargs={"epochs": 60, "batch_size": 16, "verbose": 0}, random_state=0)
    assert reg.fit(X, y).predict(X).shape == (120, 2)
    one = clone(reg).fit(X, y[:, 0])
    pred = one.predict(X)
    assert pred.shape == (120,) and pred.dtype == np.float64
    assert one.score(X, y[:, 0]) > 0.8


def test_transformer_outputs_the_model():
    X, _ = blobs()

    def encoder(X, y):
        model = nf.Sequential([layers.Input((X.shape[1],)), layers.Dense(2, name="code"),
                               layers.Dense(y.shape[1])])
        model.compile(optimizer="adam", loss="mse")
        return model

    tr = SKLearnTransformer(encoder, fit_kwargs={"epochs": 2, "verbose": 0}, random_state=0)
    Z = tr.fit(X, X).transform(X)
    np.testing.assert_allclose(Z, tr.model_.predict(X, verbose=0))
    assert Z.shape == (150, 4)
    with pytest.raises(DataError, match="requires y to be passed"):
        SKLearnTransformer(encoder).fit(X)


def test_pipeline_grid_search_and_cross_val_score():
    X, y = make_classification(n_samples=120, n_features=6, n_informative=4, class_sep=2.0, random_state=0)
    X = X * 50 + 10   # the scaler inside the pipeline matters
    pipe = make_pipeline(StandardScaler(), SKLearnClassifier(sigmoid_model, fit_kwargs={"verbose": 0},
                                                             random_state=0))
    grid = GridSearchCV(pipe, {"sklearnclassifier__model_kwargs": [{"units": 4}, {"units": 8}],
                               "sklearnclassifier__fit_kwargs": [{"epochs": 2, "verbose": 0},
                                                                 {"epochs": 40, "batch_size": 8, "verbose": 0}]},
                        cv=3)
    grid.fit(X, y)
    assert len(grid.cv_results_["mean_test_score"]) == 4
    assert grid.best_params_["sklearnclassifier__fit_kwargs"]["epochs"] == 40   # 40 epochs beat 2
    assert grid.best_estimator_.score(X, y) > 0.8
    scores = cross_val_score(pipe.set_params(sklearnclassifier__fit_kwargs=grid.best_params_[
        "sklearnclassifier__fit_kwargs"]), X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.65   # chance: 0.5


def test_a_compiled_model_is_a_template_copied_at_each_fit():
    X, y = blobs()
    template = dynamic_model(X, np.eye(3)[y], loss="categorical_crossentropy")
    before = template.get_weights()
    clf = SKLearnClassifier(template, fit_kwargs={"epochs": 3, "verbose": 0}).fit(X, y)
    assert clf.model_ is not template
    for a, b in zip(before, template.get_weights()):
        np.testing.assert_array_equal(a, b)                       # the template is never trained
    assert not all(np.array_equal(a, b) for a, b in zip(before, clf.model_.get_weights()))
    assert clf.model_.optimizer is not template.optimizer
    clone_ = clone(clf)
    assert clone_.model is not template and not hasattr(clone_, "model_")
    for a, b in zip(before, clone_.model.get_weights()):          # a clone's template: a copy with the weights
        np.testing.assert_array_equal(a, b)


def test_warm_start_continues_training():
    X, y = blobs()
    template = dynamic_model(X, np.eye(3)[y], loss="categorical_crossentropy")
    clf = SKLearnClassifier(template, warm_start=True, fit_kwargs={"epochs": 2, "verbose": 0})
    clf.fit(X, y)
    first = clf.model_
    for a, b in zip(template.get_weights(), first.get_weights()):
        assert a.shape == b.shape
    loss_after_first = clf.history_["loss"][-1]
    clf.fit(X, y)
    assert clf.model_ is first and clf.epoch_ == 4
    assert clf.history_["loss"][0] < clf.history_["loss"][-1] + 1.0 and clf.history_["loss"][-1] < loss_after_first
    with pytest.raises(DataError, match="not seen in the first fit"):
        clf.fit(X, np.where(y == 2, 7, y))


def test_random_state_reproduces_fits_and_leaves_global_generators_alone():
    X, y = blobs()
    make = dict(model=dynamic_model, model_kwargs={"loss": "categorical_crossentropy"}, fit_kwargs=FIT)
    nf.random.set_seed(123)
    expected_next = nf.random.default_generator().random()
    nf.random.set_seed(123)
    a = SKLearnClassifier(**make, random_state=7).fit(X, y).predict_proba(X)
    assert nf.random.default_generator().random() == expected_next      # the caller's stream is untouched
    b = SKLearnClassifier(**make, random_state=7).fit(X, y).predict_proba(X)
    c = SKLearnClassifier(**make, random_state=8).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_params_clone_and_fit_kwargs_untouched():
    fit_kwargs = {"epochs": 1, "verbose": 0}
    clf = SKLearnClassifier(sigmoid_model, model_kwargs={"units": 3}, fit_kwargs=fit_kwargs)
    assert clf.get_params() == {"model": sigmoid_model, "warm_start": False, "model_kwargs": {"units": 3},
                                "fit_kwargs": fit_kwargs, "random_state": None}
    X, y = make_classification(n_samples=40, n_features=5, random_state=0)
    clf.fit(X, y, batch_size=8)
    assert fit_kwargs == {"epochs": 1, "verbose": 0}          # fit's own kwargs do not leak into the parameter
    other = clone(clf.set_params(model_kwargs={"units": 5}))
    assert other.fit_kwargs == fit_kwargs and other.model_kwargs == {"units": 5}   # Keras' clone drops fit_kwargs


def test_fitted_wrappers_pickle():
    X, y = blobs()
    template = dynamic_model(X, np.eye(3)[y], loss="categorical_crossentropy")
    clf = SKLearnClassifier(template, fit_kwargs={"epochs": 2, "verbose": 0}, warm_start=True).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert isinstance(restored.model, nf.Model) and restored.epoch_ == 2
    restored.fit(X, y)                                      # warm start resumes from the pickled optimizer state
    assert restored.epoch_ == 4


def test_clear_errors():
    X, y = blobs()

    def uncompiled(X, y):
        return nf.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])

    with pytest.raises(NotCompiledError, match="SKLearnClassifier: the model must be compiled"):
        SKLearnClassifier(uncompiled).fit(X, y)
    with pytest.raises(ConfigError, match="SKLearnRegressor: model must be a neuroflow Model or a function"):
        SKLearnRegressor("mlp").fit(X, y.astype(float))
    with pytest.raises(ShapeError, match="output has 1 unit.*3 classes.*needs 3 units"):
        SKLearnClassifier(sigmoid_model, fit_kwargs={"verbose": 0}).fit(X, y)
    with pytest.raises(DataError, match="only one class"):
        SKLearnClassifier(sigmoid_model).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Unknown label type"):
        SKLearnClassifier(sigmoid_model).fit(X, np.linspace(0, 1, len(X)))
    with pytest.raises(DataError, match="sample_weight leaves 1 class"):
        SKLearnClassifier(sigmoid_model).fit(X[y < 2], y[y < 2], sample_weight=(y[y < 2] == 1).astype(float))
    with pytest.raises(ConfigError, match="random_state must be"):
        SKLearnClassifier(sigmoid_model, random_state="seed").fit(X[y < 2], y[y < 2])


def test_missing_scikit_learn_says_how_to_install(monkeypatch):
    from neuroflow.wrappers import _sklearn
    monkeypatch.setattr(_sklearn, "sklearn", None)
    with pytest.raises(ImportError, match=r"pip install 'neuroflow\[sklearn\]'"):
        SKLearnClassifier(sigmoid_model)


def test_same_signature_and_methods_as_keras():
    from tests.keras_oracle import keras
    import inspect
    k = keras()
    for ours, theirs in [(SKLearnClassifier, k.wrappers.SKLearnClassifier),
                         (SKLearnRegressor, k.wrappers.SKLearnRegressor),
                         (SKLearnTransformer, k.wrappers.SKLearnTransformer)]:
        their_params = inspect.signature(theirs.__init__).parameters
        our_params = inspect.signature(ours.__init__).parameters
        assert list(their_params) == list(our_params)[:len(their_params)]
        for name, p in their_params.items():
            assert our_params[name].default == p.default and our_params[name].kind == p.kind
        public = {m for m in dir(theirs) if not m.startswith("_") and m != "set_fit_request"}
        assert public <= set(dir(ours)), public - set(dir(ours))
