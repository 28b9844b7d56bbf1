"""Variables store row-major arrays: optimizers and kernels update them in place every step."""
from __future__ import annotations

import numpy as np

import neuroflow as nf
from neuroflow import layers


def test_column_major_initial_values_are_stored_row_major():
    f = np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4))
    v = nf.Variable(f)
    assert v.data.flags.c_contiguous and np.array_equal(v.numpy(), f)
    c = np.zeros((2, 2), np.float32)
    assert nf.Variable(c).data is c  # already row-major: no copy
    assert nf.Variable(np.float32(2.0)).data.shape == ()  # a scalar stays a scalar


def test_orthogonal_recurrent_kernels_are_row_major():
    lstm = layers.LSTM(8)
    lstm(np.zeros((2, 3, 4), np.float32))
    assert all(w.data.flags.c_contiguous for w in lstm.weights)
