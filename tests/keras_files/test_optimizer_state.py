"""A ``.keras`` archive carries the optimizer's state in Keras' layout (``optimizer/vars``: iteration, learning
rate, the slots in Keras' order), both ways: a model Keras trained and saved resumes in neuroflow where Keras would
have continued, and Keras resumes a model neuroflow trained and saved."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import neuroflow as nf

from ..keras_oracle import keras

pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'neuroflow[h5]')")

X = np.linspace(-1, 1, 48, dtype="float32").reshape(16, 3)
Y = np.linspace(0, 1, 32, dtype="float32").reshape(16, 2)
OPTIMIZERS = {"adam": lambda k: k.optimizers.Adam(0.01),
              "amsgrad": lambda k: k.optimizers.Adam(0.01, amsgrad=True),
              "sgd_momentum": lambda k: k.optimizers.SGD(0.1, momentum=0.9),
              "rmsprop": lambda k: k.optimizers.RMSprop(0.01, momentum=0.5, centered=True)}


def _trained(k, make):
    model = k.Sequential([k.Input((3,)), k.layers.Dense(4, activation="tanh"), k.layers.Dense(2)])
    model.set_weights([np.linspace(-0.5, 0.5, w.size, dtype="float32").reshape(w.shape)
                       for w in model.get_weights()])
    model.compile(optimizer=make(k), loss="mse")
    model.fit(X, Y, epochs=3, batch_size=4, verbose=0, shuffle=False)
    return model


@pytest.mark.parametrize("which", sorted(OPTIMIZERS))
@pytest.mark.parametrize("direction", ["keras_to_neuroflow", "neuroflow_to_keras"])
def test_training_resumes_from_the_saved_optimizer_state(tmp_path, which, direction):
    k = keras()
    source, target = (k, nf) if direction == "keras_to_neuroflow" else (nf, k)
    model = _trained(source, OPTIMIZERS[which])
    model.save(tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Ss]kipping.*optimizer")
        loaded = target.models.load_model(tmp_path / "m.keras")
    assert int(np.asarray(loaded.optimizer.iterations)) == 12
    for saved, restored in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_allclose(np.asarray(restored.numpy()), np.asarray(saved.numpy()), rtol=1e-6)
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0, shuffle=False)
    loaded.fit(X, Y, epochs=2, batch_size=4, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-5, atol=1e-6)


def test_a_changed_learning_rate_is_restored_and_an_unchanged_one_kept_exact(tmp_path):
    model = _trained(nf, OPTIMIZERS["adam"])
    model.save(tmp_path / "same.keras")
    assert nf.models.load_model(tmp_path / "same.keras").optimizer.get_config()["learning_rate"] == 0.01
    model.optimizer.learning_rate = 0.25
    model.save(tmp_path / "changed.keras")
    assert float(nf.models.load_model(tmp_path / "changed.keras").optimizer.learning_rate) == 0.25


def test_state_that_does_not_fit_is_skipped_with_a_warning_as_keras_does(tmp_path):
    k = keras()
    _trained(k, OPTIMIZERS["adam"]).save(tmp_path / "adam.keras")
    model = nf.models.load_model(tmp_path / "adam.keras", compile=False)
    from neuroflow.saving.keras_format import archive, weights
    _, _, store = archive.read(tmp_path / "adam.keras", "test")
    arrays = weights.assign_from_store(model, store, "test")
    model.compile(optimizer=nf.optimizers.SGD(0.1, momentum=0.9), loss="mse")  # other slots than the file's
    with pytest.warns(UserWarning, match="skipping the optimizer state"):
        weights.restore_optimizer(model, arrays, "test")
    assert model.optimizer.iterations == 0
