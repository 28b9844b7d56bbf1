"""Metric resolution (Keras' 'accuracy' rule), configs, serialization, registration and errors."""
import json

import numpy as np
import pytest

from neuroflow import losses, metrics
from neuroflow.errors import ConfigError
from tests.conftest import host


@pytest.mark.parametrize("loss,shape,cls", [
    ("binary_crossentropy", (None, 3), metrics.BinaryAccuracy),
    (losses.BinaryCrossentropy(from_logits=True), None, metrics.BinaryAccuracy),
    (losses.binary_crossentropy, None, metrics.BinaryAccuracy),
    ("mse", (None, 1), metrics.BinaryAccuracy),
    ("sparse_categorical_crossentropy", (None, 10), metrics.SparseCategoricalAccuracy),
    (losses.SparseCategoricalCrossentropy(), None, metrics.SparseCategoricalAccuracy),
    ("categorical_crossentropy", (None, 10), metrics.CategoricalAccuracy),
    ("mse", (None, 10), metrics.CategoricalAccuracy),
])
@pytest.mark.parametrize("name", ["accuracy", "acc"])
def test_accuracy_follows_loss_and_output_shape(name, loss, shape, cls):
    m = metrics.get(name, loss=loss, output_shape=shape)
    assert type(m) is cls and m.name == name


@pytest.mark.parametrize("y_true,y_pred,cls", [
    (np.array([0.0, 1.0]), np.array([[0.2], [0.7]]), metrics.BinaryAccuracy),
    (np.array([0, 2]), np.array([[0.2, 0.1, 0.7], [0.1, 0.1, 0.8]]), metrics.SparseCategoricalAccuracy),
    (np.array([[0, 1.0]] * 2), np.array([[0.2, 0.8], [0.6, 0.4]]), metrics.CategoricalAccuracy),
])
def test_accuracy_without_loss_or_shape_follows_the_first_batch_as_keras(y_true, y_pred, cls):
    m = metrics.get("accuracy", loss="mse", output_shape=None)  # a subclassed model: no output shape at compile
    m.update_state(y_true, y_pred)
    assert type(m._metric) is cls and m.name == "accuracy"
    reference = cls()
    reference.update_state(y_true, y_pred)
    assert m.result() == reference.result()


def test_crossentropy_follows_loss():
    m = metrics.get("crossentropy", loss=losses.CategoricalCrossentropy(from_logits=True))
    assert type(m) is metrics.CategoricalCrossentropy and m.get_config()["from_logits"] is True
    assert type(metrics.get("ce", loss="sparse_categorical_crossentropy")) is metrics.SparseCategoricalCrossentropy


@pytest.mark.parametrize("name,cls", [
    ("mse", metrics.MeanSquaredError), ("mae", metrics.MeanAbsoluteError),
    ("mape", metrics.MeanAbsolutePercentageError),
    ("msle", metrics.MeanSquaredLogarithmicError), ("rmse", metrics.RootMeanSquaredError),
    ("root_mean_squared_error", metrics.RootMeanSquaredError), ("precision", metrics.Precision),
    ("recall", metrics.Recall), ("auc", metrics.AUC), ("AUC", metrics.AUC),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
    ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
    ("binary_accuracy", metrics.BinaryAccuracy), ("categorical_accuracy", metrics.CategoricalAccuracy),
    ("binary_crossentropy", metrics.BinaryCrossentropy), ("kld", metrics.KLDivergence), ("hinge", metrics.Hinge),
    ("logcosh", metrics.LogCoshError), ("r2_score", metrics.R2Score), ("true_positives", metrics.TruePositives),
    ("cosine_similarity", metrics.CosineSimilarity),
])
def test_names_resolve_and_keep_their_spelling(name, cls):
    m = metrics.get(name)
    assert type(m) is cls and m.name == name


def test_other_identifiers():
    inst = metrics.AUC()
    assert metrics.get(inst) is inst and metrics.get(None) is None
    assert type(metrics.get(metrics.Recall)) is metrics.Recall

    def within_one(y_true, y_pred):
        return (abs(np.asarray(y_true) - np.asarray(y_pred)) <= 1).astype(float)

    m = metrics.get(within_one)
    assert isinstance(m, metrics.MeanMetricWrapper) and m.name == "within_one"
    m.update_state([1, 2, 3, 4], [1, 5, 3, 9])
    assert host(m.result()) == pytest.approx(0.5)
    # A Loss used as a metric: the running mean of its per-sample values.
    lm = metrics.get(losses.MeanSquaredError())
    lm.update_state(np.array([[0.0], [2.0]]), np.array([[1.0], [2.0]], np.float32))
    assert host(lm.result()) == pytest.approx(0.5) and lm.name == "mean_squared_error"


def test_unknown_names():
    with pytest.raises(ConfigError, match="did you mean 'accuracy'"):
        metrics.get("accuarcy")
    with pytest.raises(ConfigError):
        metrics.get(3.5)
    with pytest.raises(ConfigError, match="curve"):
        metrics.AUC(curve="ROCK")
    with pytest.raises(ConfigError, match="thresholds"):
        metrics.Precision(thresholds=1.5)


@pytest.mark.parametrize("metric", [
    metrics.Accuracy(), metrics.BinaryAccuracy(threshold=0.3), metrics.CategoricalAccuracy(),
    metrics.SparseCategoricalAccuracy(), metrics.TopKCategoricalAccuracy(k=3),
    metrics.SparseTopKCategoricalAccuracy(k=2),
    metrics.Precision(thresholds=[0.2, 0.6], class_id=1), metrics.Recall(top_k=2), metrics.TruePositives(0.3),
    metrics.AUC(num_thresholds=50, curve="PR", multi_label=True, label_weights=[1, 2]),
    metrics.AUC(thresholds=[0.3, 0.6]), metrics.MeanSquaredError(name="m"), metrics.RootMeanSquaredError(),
    metrics.R2Score(class_aggregation=None), metrics.CosineSimilarity(axis=-1),
    metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), metrics.SparseCategoricalCrossentropy(),
    metrics.Mean(name="avg"), metrics.Sum(), metrics.MeanMetricWrapper(metrics.binary_accuracy, threshold=0.2),
    metrics.MeanMetricWrapper(losses.poisson),
], ids=lambda m: type(m).__name__)
def test_serialization_round_trip(metric):
    config = json.loads(json.dumps(metrics.serialize(metric)))
    back = metrics.deserialize(config)
    assert type(back) is type(metric) and back.get_config() == metric.get_config()
    assert type(metric).from_config(metric.get_config()).get_config() == metric.get_config()


def test_register_custom_metric():
    @metrics.register
    class CountPositives(metrics.Metric):
        def reset_state(self):
            self.n = 0.0

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.n += float((np.asarray(y_true) > 0).sum())

        def result(self):
            return self.n

    @metrics.register(name="test_registry_abs_err")
    def abs_err(y_true, y_pred):
        return abs(np.asarray(y_true) - np.asarray(y_pred))

    m = metrics.get("CountPositives")
    m.update_state([1, 0, 2], [0, 0, 0])
    assert m.result() == 2.0 and m.name == "CountPositives"
    back = metrics.deserialize(metrics.serialize(CountPositives(name="cp")))
    assert isinstance(back, CountPositives) and back.name == "cp"
    wrapped = metrics.deserialize(metrics.serialize(metrics.get("test_registry_abs_err")))
    assert wrapped.fn is abs_err
    with pytest.raises(ConfigError, match="built-in"):
        metrics.register(abs_err, name="accuracy")

    def unregistered(y_true, y_pred):
        return y_pred

    with pytest.raises(ConfigError, match="register"):
        metrics.serialize(metrics.get(unregistered))
