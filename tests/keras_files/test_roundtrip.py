"""Keras 3 files both ways, one architecture family at a time: a model saved by Keras (``.keras`` and
``.weights.h5``) predicts in neuroflow as in Keras, and a model saved by neuroflow predicts in Keras as in
neuroflow. Keras runs as the oracle (``tests/keras_oracle.py``) on its torch backend."""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.models import load_model

from ..keras_oracle import keras
from .architectures import FAMILIES, randomize

pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'neuroflow[h5]')")


def _predict(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


def _assert_same(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def _saved(framework, family, seed, tmp_path):
    """Build ``family`` in ``framework`` with random weights, save ``m.keras`` and ``m.weights.h5``; returns the
    inputs and the predictions."""
    model, x = FAMILIES[family](framework)
    randomize(model, seed=seed)
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    return x, _predict(model, x)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_keras_files_load_into_neuroflow(family, tmp_path):
    k = keras()
    k.utils.set_random_seed(0)
    x, want = _saved(k, family, 1, tmp_path)
    _assert_same(_predict(load_model(tmp_path / "m.keras"), x), want)
    fresh, _ = FAMILIES[family](nf)
    fresh.load_weights(tmp_path / "m.weights.h5")
    _assert_same(_predict(fresh, x), want)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_neuroflow_files_load_into_keras(family, tmp_path):
    k = keras()
    nf.random.set_seed(0)
    x, want = _saved(nf, family, 2, tmp_path)
    _assert_same(_predict(k.models.load_model(tmp_path / "m.keras"), x), want)
    kmodel, _ = FAMILIES[family](k)
    kmodel.load_weights(tmp_path / "m.weights.h5")
    _assert_same(_predict(kmodel, x), want)
    # and neuroflow reads its own Keras archive back
    _assert_same(_predict(load_model(tmp_path / "m.keras"), x), want)
