"""Where a metric's state lives: on the device of the data it is fed (issue #18).

Every stateful metric accumulates on the device of its batches, whichever device was current when it was made: a
batch from another device moves the state there once (``metrics.base.follow``), updates and ``result()`` then make
no device-to-host transfer, and ``result()`` is a device value that the training loop reads with the other logs.
Host-label checks read host data before it is copied to the device; device data is never read for them. The strict
stand-in plays the device (``nf.device("strict")``), so this runs on the CPU too.
"""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import backend, metrics
from neuroflow.backends import strict

RNG = np.random.default_rng(11)
N = 8
BINARY = RNG.integers(0, 2, (N, 3)).astype(np.float32)
SCORES = RNG.random((N, 3)).astype(np.float32)
IDS, OTHER_IDS = RNG.integers(0, 3, N), RNG.integers(0, 3, N)
VALUES = RNG.standard_normal((N, 3)).astype(np.float32)
WEIGHTS = RNG.uniform(0.5, 2.0, N).astype(np.float32)

#: name -> (make, y_true, y_pred): one of each kind of state (running mean, sum, confusion counts at thresholds,
#: AUC's curve counts, a confusion matrix, F-score and R² statistics).
CASES = {
    "Mean": (metrics.Mean, None, VALUES),
    "Sum": (metrics.Sum, None, VALUES),
    "BinaryAccuracy": (metrics.BinaryAccuracy, BINARY, SCORES),
    "Precision": (metrics.Precision, BINARY, SCORES),
    "Recall[thresholds]": (lambda: metrics.Recall(thresholds=[0.3, 0.6]), BINARY, SCORES),
    "TruePositives": (metrics.TruePositives, BINARY, SCORES),
    "PrecisionAtRecall": (lambda: metrics.PrecisionAtRecall(0.5), BINARY, SCORES),
    "AUC": (metrics.AUC, BINARY, SCORES),
    "AUC[PR, label_weights]": (lambda: metrics.AUC(curve="PR", multi_label=True, label_weights=[1.0, 2.0, 0.5]),
                               BINARY, SCORES),
    "MeanIoU": (lambda: metrics.MeanIoU(num_classes=3), IDS, OTHER_IDS),
    "F1Score": (metrics.F1Score, BINARY, SCORES),
    "R2Score": (metrics.R2Score, VALUES, SCORES),
}

CONFIGURATION = {"thresholds", "label_weights", "_config_on_device"}


def _update(metric, y_true, y_pred, put):
    for w in (None, WEIGHTS):
        w = None if w is None else put(w)
        if y_true is None:
            metric.update_state(put(y_pred), sample_weight=w)
        else:
            metric.update_state(put(y_true), put(y_pred), sample_weight=w)


def _state(metric):
    """The metric's running state: its array and number attributes beyond its configuration."""
    return {name: value for name, value in vars(metric).items()
            if name not in CONFIGURATION and hasattr(value, "dtype") and hasattr(value, "shape")}


def _host(result):
    return [float(backend.to_host(v)) for v in (result if isinstance(result, list) else [result])]


@pytest.mark.parametrize("name", sorted(CASES))
def test_state_moves_to_the_device_of_the_data_and_result_stays_there(name):
    make, y_true, y_pred = CASES[name]
    with nf.device("cpu"):
        reference = make()
        _update(reference, y_true, y_pred, np.asarray)
        made_on_cpu = make()
    with nf.device("strict"):
        with strict.counting() as count:
            _update(made_on_cpu, y_true, y_pred, backend.to_device)
            result = made_on_cpu.result()
    assert count.count == 0, f"{name}: two updates and result() made {count.count} device-to-host transfers"
    state = _state(made_on_cpu)
    assert state, f"{name}: no state arrays found"
    on_host = sorted(k for k, v in state.items() if backend.device_of(v) != "strict")
    assert not on_host, f"{name}: state {on_host} did not move to the data's device"
    assert all(backend.device_of(v) == "strict" for v in (result if isinstance(result, list) else [result]))
    np.testing.assert_allclose(_host(result), _host(reference.result()), rtol=1e-6, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("name", ["Precision", "AUC", "MeanIoU", "F1Score", "R2Score"])
def test_state_made_on_the_device_follows_host_data_back(name):
    make, y_true, y_pred = CASES[name]
    with nf.device("strict"):
        metric = make()
    with nf.device("cpu"):
        _update(metric, y_true, y_pred, np.asarray)
        result = metric.result()
    assert all(backend.is_host(v) for v in _state(metric).values()), name
    assert all(isinstance(v, float) for v in (result if isinstance(result, list) else [result])), name


def test_host_predictions_are_checked_before_they_go_to_the_device_and_device_ones_are_not_read():
    with nf.device("strict"):
        with pytest.raises(nf.errors.DataError, match="probabilities"):
            metrics.AUC().update_state([0, 1], [-2.0, 3.0])
        with pytest.raises(nf.errors.DataError, match="probabilities"):
            metrics.Precision().update_state(np.array([0, 1]), np.array([0.5, 1.5]))
        m = metrics.Precision()
        with strict.counting() as count:
            m.update_state(backend.to_device(np.array([0, 1])), backend.to_device(np.array([0.5, 1.5])))
        assert count.count == 0  # a device batch is not read back to be checked


def test_confusion_matrix_computes_where_the_data_lives():
    ids, pred = IDS, OTHER_IDS
    expected = metrics.confusion_matrix(ids, pred)
    assert type(expected) is np.ndarray
    with nf.device("strict"):
        assert type(metrics.confusion_matrix(ids, pred)) is np.ndarray  # host data: a host matrix, no upload
        with strict.counting() as count:
            cm = metrics.confusion_matrix(backend.to_device(ids), backend.to_device(pred), num_classes=3)
        assert count.count == 0 and backend.device_of(cm) == "strict"
        np.testing.assert_array_equal(backend.to_host(cm), expected)
        with strict.counting() as count:  # without num_classes: the size is read, once
            cm = metrics.confusion_matrix(backend.to_device(ids), backend.to_device(SCORES))
        assert count.count == 1
        np.testing.assert_array_equal(backend.to_host(cm), metrics.confusion_matrix(ids, SCORES))
