"""Losses on a device (issue #18): label checks read host labels before they are copied to the device, device
labels are never read for them, and the loss equals the host one. The strict stand-in plays the device
(``nf.device("strict")``), so this runs on the CPU too."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import backend, losses
from neuroflow.backends import strict
from neuroflow.errors import DataError

PROBS = np.full((3, 3), 1 / 3, np.float32)


@pytest.mark.parametrize("make, labels, match", [
    (losses.SparseCategoricalCrossentropy, np.array([0, 3, 1]), r"class id 3 .* 3 classes"),
    (losses.SparseCategoricalCrossentropy, [0.5, 1, 1], "non-integer"),
    (lambda: losses.SparseCategoricalCrossentropy(ignore_class=1), np.array([0, -1, 1]), "class id -1"),
    (losses.BinaryCrossentropy, np.arange(3), r"0/1.*\[0, 2\]"),
    (lambda: losses.CategoricalGeneralizedCrossEntropy(q=0.5), np.array([0.5, 1, 1]), "non-integer"),
])
def test_host_labels_are_checked_on_a_device(make, labels, match):
    with nf.device("strict"):
        y_pred = nf.Tensor(PROBS[:, :1] if make is losses.BinaryCrossentropy else PROBS)
        with pytest.raises(DataError, match=match):
            make()(labels, y_pred)
    with pytest.raises(DataError, match=match):  # the same message on the CPU
        make()(labels, PROBS[:, :1] if make is losses.BinaryCrossentropy else PROBS)


@pytest.mark.parametrize("make, labels", [
    (losses.SparseCategoricalCrossentropy, np.array([0, 2, 1])),
    (lambda: losses.SparseCategoricalCrossentropy(ignore_class=1), np.array([0, 2, 1])),
    (lambda: losses.SparseCategoricalCrossentropy(reduction="mean_with_sample_weight"), np.array([0, 2, 1])),
    (losses.CategoricalCrossentropy, np.eye(3, dtype=np.float32)[[0, 2, 1]]),
    (losses.BinaryCrossentropy, np.array([[0.0], [1.0], [1.0]], np.float32)),
    (losses.MeanSquaredError, np.eye(3, dtype=np.float32)),
])
def test_device_labels_are_not_read_and_host_labels_give_the_host_loss(make, labels):
    logits = np.random.default_rng(0).standard_normal((3, 3)).astype(np.float32)
    y_pred = logits[:, :1] if labels.shape[-1:] == (1,) else logits
    y_pred = 1 / (1 + np.exp(-y_pred)) if make is losses.BinaryCrossentropy else y_pred
    weights = np.array([1.0, 0.5, 2.0], np.float32)
    expected = make()(labels, np.abs(y_pred), sample_weight=weights).item()
    with nf.device("strict"):
        p = nf.Tensor(np.abs(y_pred), requires_grad=True)
        with strict.counting() as count:
            loss = make()(backend.to_device(labels), p, sample_weight=backend.to_device(weights))
            loss.backward()
        assert count.count == 0, f"the loss and its backward made {count.count} device-to-host transfers"
        assert backend.device_of(loss.data) == "strict"
        host_labels = make()(labels, nf.Tensor(np.abs(y_pred)), sample_weight=weights)  # uploaded after the checks
        assert backend.device_of(host_labels.data) == "strict"
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert host_labels.item() == pytest.approx(expected, rel=1e-6)
