"""F-scores, IoUs, correlations and rates-at-an-operating-point against Keras 3 (torch backend): streamed over two
batches with weights, reset, config round trips, errors, compile/fit."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import metrics
from neuroflow.errors import ConfigError, ShapeError
from tests.keras_oracle import keras

RNG = np.random.default_rng(11)
N = 12
MULTI_TRUE = np.eye(4, dtype="float32")[RNG.integers(0, 4, N)]
MULTI_PRED = RNG.uniform(0, 1, (N, 4)).astype("float32")
LABEL_TRUE = (RNG.random((N, 3)) > 0.5).astype("float32")
IDS_TRUE = RNG.integers(0, 3, (N, 2))
IDS_PRED = RNG.integers(0, 3, (N, 2))
BIN_TRUE = (RNG.random(N) > 0.5).astype("float32")
BIN_PRED = RNG.uniform(0, 1, N).astype("float32")
REG_TRUE = RNG.normal(size=(N, 5)).astype("float32")
REG_PRED = (REG_TRUE + RNG.normal(size=(N, 5))).astype("float32")
WEIGHTS = RNG.uniform(0.2, 2.0, N).astype("float32")
INT_WEIGHTS = RNG.integers(0, 3, N)

CASES = [  # (class name, kwargs, y_true, y_pred, weights)
    ("F1Score", {}, MULTI_TRUE, MULTI_PRED, WEIGHTS),
    ("F1Score", {"average": "macro", "threshold": 0.5}, LABEL_TRUE, MULTI_PRED[:, :3], None),
    ("FBetaScore", {"average": "micro", "beta": 2.0}, MULTI_TRUE, MULTI_PRED, WEIGHTS),
    ("FBetaScore", {"average": "weighted", "beta": 0.5, "threshold": 0.3}, LABEL_TRUE, MULTI_PRED[:, :3], WEIGHTS),
    ("IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, IDS_TRUE, IDS_PRED, None),
    ("IoU", {"num_classes": 3, "target_class_ids": [1], "ignore_class": 0}, IDS_TRUE, IDS_PRED, None),
    ("MeanIoU", {"num_classes": 3}, IDS_TRUE, IDS_PRED, np.stack([INT_WEIGHTS, INT_WEIGHTS[::-1]], axis=1)),
    ("BinaryIoU", {"target_class_ids": [0, 1], "threshold": 0.3}, BIN_TRUE, BIN_PRED, None),
    ("BinaryIoU", {"target_class_ids": [1]}, BIN_TRUE, BIN_PRED, None),
    ("OneHotIoU", {"num_classes": 4, "target_class_ids": [0, 3]}, MULTI_TRUE, MULTI_PRED, None),
    ("OneHotMeanIoU", {"num_classes": 4}, MULTI_TRUE, MULTI_PRED, INT_WEIGHTS),
    ("PearsonCorrelation", {}, REG_TRUE, REG_PRED, WEIGHTS),
    ("ConcordanceCorrelation", {}, REG_TRUE, REG_PRED, None),
    ("PrecisionAtRecall", {"recall": 0.6}, BIN_TRUE, BIN_PRED, WEIGHTS),
    ("RecallAtPrecision", {"precision": 0.5, "num_thresholds": 50}, BIN_TRUE, BIN_PRED, None),
    ("SensitivityAtSpecificity", {"specificity": 0.4}, BIN_TRUE, BIN_PRED, WEIGHTS),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7, "class_id": 2}, MULTI_TRUE, MULTI_PRED, None),
    ("SpecificityAtSensitivity", {"sensitivity": 0.5, "num_thresholds": 1}, BIN_TRUE, BIN_PRED, None),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


def _stream(metric, y_true, y_pred, weights, to=lambda a: a):
    half = N // 2
    for part in (slice(0, half), slice(half, N)):
        w = None if weights is None else to(weights[part])
        metric.update_state(to(y_true[part]), to(y_pred[part]), sample_weight=w)
    return metric.result()


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name, kwargs, y_true, y_pred, weights", CASES, ids=IDS)
def test_matches_keras(name, kwargs, y_true, y_pred, weights):
    k = keras()
    ours = _stream(getattr(metrics, name)(**kwargs), y_true, y_pred, weights)
    theirs = _stream(getattr(k.metrics, name)(**kwargs), y_true, y_pred, weights, to=k.ops.convert_to_tensor)
    np.testing.assert_allclose(ours, k.ops.convert_to_numpy(theirs), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs, y_true, y_pred, weights", CASES, ids=IDS)
def test_reset_and_config_round_trip(name, kwargs, y_true, y_pred, weights):
    metric = getattr(metrics, name)(**kwargs)
    first = _stream(metric, y_true, y_pred, weights)
    metric.reset_state()
    again = metrics.deserialize(metrics.serialize(metric))
    assert type(again) is type(metric) and again.get_config() == metric.get_config()
    np.testing.assert_allclose(_stream(metric, y_true, y_pred, weights), first)
    np.testing.assert_allclose(_stream(again, y_true, y_pred, weights), first)


def test_iou_spreads_a_sample_weight_over_its_entries():
    per_sample = metrics.MeanIoU(3)
    per_sample.update_state(IDS_TRUE, IDS_PRED, sample_weight=INT_WEIGHTS)
    repeated = metrics.MeanIoU(3)
    repeated.update_state(IDS_TRUE, IDS_PRED, sample_weight=np.repeat(INT_WEIGHTS[:, None], 2, axis=1))
    assert per_sample.result() == repeated.result()


def test_config_keys_are_keras():
    k = keras()
    for name, kwargs, *_ in CASES:
        assert set(getattr(metrics, name)(**kwargs).get_config()) == set(getattr(k.metrics, name)(**kwargs)
                                                                           .get_config()), name


@pytest.mark.parametrize("fn", ["pearson_correlation", "concordance_correlation"])
def test_correlation_functions_match_keras(fn):
    k = keras()
    ours = getattr(metrics, fn)(REG_TRUE, REG_PRED)
    theirs = getattr(k.metrics, fn)(k.ops.convert_to_tensor(REG_TRUE), k.ops.convert_to_tensor(REG_PRED))
    np.testing.assert_allclose(ours, k.ops.convert_to_numpy(theirs), rtol=1e-5, atol=1e-6)


def test_loss_functions_are_listed_as_metrics():
    for name in ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
                 "binary_focal_crossentropy", "categorical_focal_crossentropy", "hinge", "squared_hinge",
                 "categorical_hinge", "huber", "kl_divergence", "poisson"):
        assert getattr(metrics, name) is getattr(nf.losses, name)
    wrapped = metrics.get(metrics.binary_focal_crossentropy)
    assert metrics.deserialize(metrics.serialize(wrapped)).fn is nf.losses.binary_focal_crossentropy


def test_bad_arguments_are_named():
    with pytest.raises(ConfigError, match="average"):
        metrics.F1Score(average="mean")
    with pytest.raises(ConfigError, match="beta"):
        metrics.FBetaScore(beta=0.0)
    with pytest.raises(ConfigError, match="target_class_ids"):
        metrics.IoU(num_classes=2, target_class_ids=[2])
    with pytest.raises(ConfigError, match="recall must be in the range"):
        metrics.PrecisionAtRecall(recall=1.5)
    with pytest.raises(ConfigError, match="num_thresholds"):
        metrics.SensitivityAtSpecificity(0.5, num_thresholds=0)
    with pytest.raises(ShapeError, match="F1Score"):
        metrics.F1Score().update_state(BIN_TRUE, BIN_PRED)


def test_in_compile_and_fit():
    nf.utils.set_random_seed(0)
    x = RNG.normal(size=(48, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[(x[:, 0] > 0).astype(int) + (x[:, 1] > 1)]
    model = nf.Sequential([nf.layers.Input((4,)), nf.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=[metrics.F1Score(average="macro"), metrics.OneHotMeanIoU(3),
                           metrics.PrecisionAtRecall(0.5, class_id=0), "pearson_correlation"])
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    for key in ("f1_score", "one_hot_mean_io_u", "precision_at_recall", "pearson_correlation"):
        assert key in history.history and np.all(np.isfinite(history.history[key])), key
