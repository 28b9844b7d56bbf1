"""Keras 3's metric contract, checked against Keras itself (the oracle runs it on its torch backend).

``Mean``/``Sum`` reduce values to one per sample with the weights aligned and broadcast as Keras'
``reduce_to_samplewise_values`` does; the built-in metrics align ``y_true``/``y_pred`` ranks first; a custom
metric *function* gets the pair as it is (Keras aligns only inside its built-ins) and a custom ``Metric``
subclass its own ``update_state``. Each streams two batches here, so that the running totals are checked too.
Where Keras rejects a combination (its ``BinaryCrossentropy`` metric with ``(N,)`` against ``(N, 1)``, a 1-D
pair with weights) neuroflow may accept it; the table compares what Keras computes.
"""
import itertools
import warnings

import numpy as np
import pytest

from neuroflow import metrics
from tests.conftest import host
from tests.keras_oracle import keras

N, T, D = 4, 3, 2
PAIRS = [((N,), (N, 1)), ((N, 1), (N,)), ((N, 1), (N, 1)), ((N, T, 1), (N, T)), ((N, T), (N, T, 1)),
         ((N, D), (N, D)), ((N,), (N,)), ((N, T, D), (N, T, D))]
WEIGHTS = [None, (N,), (N, 1), (N, T)]


@pytest.fixture(scope="module")
def k():
    return keras()


def _stream(metric, batches):
    for batch in batches:
        metric.update_state(*batch[:-1], sample_weight=batch[-1])
    return float(metric.result())


def _compare(make_keras, make_nf, batches):
    """neuroflow's result, or None where Keras rejects the batches."""
    try:
        want = _stream(make_keras(), batches)
    except Exception:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = _stream(make_nf(), batches)
    assert got == pytest.approx(want, rel=1e-5, abs=1e-6)
    return got


@pytest.mark.parametrize("name", ["Mean", "Sum"])
@pytest.mark.parametrize("values_shape", [(N,), (N, 1), (N, T), (N, T, D), ()])
def test_reduction_metrics_equal_keras(k, name, values_shape):
    rng = np.random.default_rng(len(values_shape))
    compared = 0
    for w_shape in WEIGHTS:
        batches = [(rng.normal(size=values_shape).astype("float32"),
                    None if w_shape is None else rng.uniform(0.5, 2, w_shape).astype("float32")) for _ in range(2)]
        compared += _compare(getattr(k.metrics, name), getattr(metrics, name), batches) is not None
    assert compared >= 1


def _keras_custom(k):
    def mean_abs(y_true, y_pred):
        return k.ops.mean(k.ops.abs(y_true - y_pred), axis=-1)
    return lambda: k.metrics.MeanMetricWrapper(mean_abs)


def nf_mean_abs(y_true, y_pred):
    return np.mean(np.abs(np.asarray(y_true) - np.asarray(y_pred)), axis=-1)


def _metric_pairs(k):
    return {
        "mse": (k.metrics.MeanSquaredError, metrics.MeanSquaredError, "real"),
        "mae": (k.metrics.MeanAbsoluteError, metrics.MeanAbsoluteError, "real"),
        "rmse": (k.metrics.RootMeanSquaredError, metrics.RootMeanSquaredError, "real"),
        "binary_accuracy": (k.metrics.BinaryAccuracy, metrics.BinaryAccuracy, "probability"),
        "binary_crossentropy": (k.metrics.BinaryCrossentropy, metrics.BinaryCrossentropy, "probability"),
        "custom_function": (_keras_custom(k), lambda: metrics.MeanMetricWrapper(nf_mean_abs), "real"),
    }


@pytest.mark.parametrize("kind", ["mse", "mae", "rmse", "binary_accuracy", "binary_crossentropy",
                                  "custom_function"])
@pytest.mark.parametrize("y_shape,p_shape", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_metrics_equal_keras(k, kind, y_shape, p_shape):
    make_keras, make_nf, data = _metric_pairs(k)[kind]
    rng = np.random.default_rng(7)
    for w_shape in WEIGHTS:
        if w_shape == (N, T) and max(len(y_shape), len(p_shape)) < 3:
            continue
        batches = []
        for _ in range(2):
            if data == "probability":
                y = rng.integers(0, 2, y_shape).astype("float32")
                p = rng.uniform(0.05, 0.95, p_shape).astype("float32")
            else:
                y = rng.normal(size=y_shape).astype("float32")
                p = rng.normal(size=p_shape).astype("float32")
            batches.append((y, p, None if w_shape is None else rng.uniform(0.5, 2, w_shape).astype("float32")))
        _compare(make_keras, make_nf, batches)


def test_a_custom_metric_function_is_warned_about_an_unaligned_pair():
    metric = metrics.MeanMetricWrapper(nf_mean_abs, name="mean_abs")
    y, p = np.arange(4.0, dtype="float32"), np.zeros((4, 1), "float32")
    with pytest.warns(UserWarning, match=r"'mean_abs'.*\(4,\).*\(4, 1\).*\(4, 4\)"):
        metric.update_state(y, p)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics.MeanSquaredError().update_state(y, p)  # built-ins align: no warning


def test_a_custom_metric_subclass_equals_keras(k):
    class KerasMeanAbs(k.metrics.Mean):
        def update_state(self, y_true, y_pred, sample_weight=None):
            super().update_state(k.ops.abs(k.ops.convert_to_tensor(y_true) - y_pred), sample_weight=sample_weight)

    class MeanAbs(metrics.Mean):
        def update_state(self, y_true, y_pred, sample_weight=None):
            super().update_state(np.abs(np.asarray(y_true) - np.asarray(y_pred)), sample_weight=sample_weight)

    rng = np.random.default_rng(3)
    for w_shape in (None, (N,), (N, 1), (N, D)):
        batches = [(rng.normal(size=(N, D)).astype("float32"), rng.normal(size=(N, D)).astype("float32"),
                    None if w_shape is None else rng.uniform(0.5, 2, w_shape).astype("float32")) for _ in range(2)]
        assert _compare(KerasMeanAbs, MeanAbs, batches) is not None


@pytest.mark.parametrize("shapes", list(itertools.product([(N,), (N, 1)], [(N,), (N, 1)])))
def test_accuracy_of_a_single_unit_output_reads_1d_labels(shapes):
    y_shape, p_shape = shapes
    y = np.array([0, 1, 1, 0], "float32").reshape(y_shape)
    p = np.array([0.2, 0.9, 0.3, 0.1], "float32").reshape(p_shape)
    assert host(metrics.BinaryAccuracy()(y, p)) == pytest.approx(0.75)
