"""The inverted-dropout mask: drop rate, scale, shapes of any size, dtype, reproducibility."""
from __future__ import annotations

import numpy as np
import pytest

from neuroflow.ops.fused import dropout_mask as _device_mask


def dropout_mask(shape, rate, dtype, rng):
    """The host (NumPy) mask; the strict device draws the same one (tests/backends/test_ops_on_strict.py)."""
    return _device_mask(shape, rate, dtype, rng, np)


@pytest.mark.parametrize("rate", [0.1, 0.2, 0.5, 0.9])
def test_drop_rate_and_scale(rate):
    mask = dropout_mask((300, 333), rate, np.float32, np.random.default_rng(0))  # 99,900: not a multiple of 4
    assert mask.shape == (300, 333) and mask.dtype == np.float32
    assert set(np.unique(mask)) == {0.0, np.float32(1 / (1 - rate))}
    dropped = (mask == 0).mean()
    assert abs(dropped - rate) < 4 * np.sqrt(rate * (1 - rate) / mask.size)  # within 4 standard errors
    assert abs(mask.mean() - 1.0) < 0.02  # inverted dropout keeps the expectation


def test_reproducible_independent_and_trivial_rates():
    a = dropout_mask((7, 5), 0.5, np.float64, np.random.default_rng(3))
    b = dropout_mask((7, 5), 0.5, np.float64, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float64
    rng = np.random.default_rng(3)
    assert not np.array_equal(dropout_mask((64,), 0.5, np.float32, rng), dropout_mask((64,), 0.5, np.float32, rng))
    np.testing.assert_array_equal(dropout_mask((3, 4), 0.0, np.float32, rng), np.ones((3, 4), np.float32))
    assert dropout_mask((0, 4), 0.3, np.float32, rng).shape == (0, 4)
