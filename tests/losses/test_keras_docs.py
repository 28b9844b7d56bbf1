"""The values printed in Keras' own docstrings, as an anchor independent of PyTorch's definitions."""
import numpy as np
import pytest

from neuroflow import losses

A_TRUE = [[0.0, 1.0], [0.0, 0.0]]
A_PRED = [[0.6, 0.4], [0.4, 0.6]]
B_PRED = [[1.0, 1.0], [0.0, 0.0]]
C_PRED = [[1.0, 1.0], [1.0, 0.0]]
CCE_TRUE = [[0, 1, 0], [0, 0, 1]]
CCE_PRED = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]


@pytest.mark.parametrize("loss,y_true,y_pred,expected", [
    (losses.BinaryCrossentropy(from_logits=True), [0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8], 0.865),
    (losses.CategoricalCrossentropy(), CCE_TRUE, CCE_PRED, 1.177),
    (losses.CategoricalCrossentropy(reduction="sum"), CCE_TRUE, CCE_PRED, 2.354),
    (losses.SparseCategoricalCrossentropy(), [1, 2], CCE_PRED, 1.177),
    (losses.MeanSquaredError(), A_TRUE, C_PRED, 0.5),
    (losses.MeanAbsoluteError(), A_TRUE, C_PRED, 0.5),
    (losses.MeanAbsolutePercentageError(), [[2.0, 1.0], [2.0, 3.0]], [[1.0, 1.0], [1.0, 0.0]], 50.0),
    (losses.MeanSquaredLogarithmicError(), A_TRUE, C_PRED, 0.240),
    (losses.Huber(), A_TRUE, A_PRED, 0.155),
    (losses.LogCosh(), A_TRUE, B_PRED, 0.108),
    (losses.KLDivergence(), A_TRUE, A_PRED, 0.458),
    (losses.Poisson(), A_TRUE, B_PRED, 0.5),
    (losses.Hinge(), A_TRUE, A_PRED, 1.3),
    (losses.SquaredHinge(), A_TRUE, A_PRED, 1.86),
    (losses.CategoricalHinge(), A_TRUE, A_PRED, 1.4),
    (losses.CosineSimilarity(), [[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]], -0.5),
], ids=lambda v: type(v).__name__ if isinstance(v, losses.Loss) else "")
def test_keras_docstring_values(loss, y_true, y_pred, expected):
    assert loss(np.array(y_true), np.array(y_pred, np.float32)).item() == pytest.approx(expected, abs=1e-3)


def test_keras_docstring_weights_and_none():
    cce = losses.CategoricalCrossentropy()
    y, p = np.array(CCE_TRUE), np.array(CCE_PRED, np.float32)
    assert cce(y, p, sample_weight=np.array([0.3, 0.7])).item() == pytest.approx(0.814, abs=1e-3)
    none = losses.CategoricalCrossentropy(reduction=None)(y, p)
    np.testing.assert_allclose(none.data, [0.0513, 2.303], atol=1e-3)
