"""``OrbaxCheckpoint``: Keras' arguments and its directory-per-step layout, neuroflow's atomic files inside."""
import os

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.callbacks.orbax_checkpoint import latest_checkpoint
from neuroflow.errors import ConfigError

X = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
Y = X.sum(axis=1, keepdims=True)


def _model():
    nf.utils.set_random_seed(0)
    model = nf.Sequential([nf.Input((2,)), nf.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_one_directory_per_epoch_newest_kept_and_loadable(tmp_path):
    model = _model()
    model.fit(X, Y, epochs=4, batch_size=8, verbose=0,
              callbacks=[nf.callbacks.OrbaxCheckpoint(tmp_path, monitor="loss", max_to_keep=2)])
    assert sorted(os.listdir(tmp_path)) == ["2", "3"]
    path = latest_checkpoint(tmp_path)
    assert path == os.path.join(tmp_path, "3", "model.neuroflow")
    loaded = nf.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


def test_batch_frequency_weights_only_and_best_only(tmp_path):
    model = _model()
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0,
              callbacks=[nf.callbacks.OrbaxCheckpoint(tmp_path / "w", save_freq=3, save_weights_only=True,
                                                      max_to_keep=None)])
    assert sorted(os.listdir(tmp_path / "w"), key=int) == ["3", "6"]  # 8 batches seen: steps 3 and 6
    assert os.listdir(tmp_path / "w" / "6") == ["model.weights.neuroflow"]
    fresh = _model()
    fresh.load_weights(latest_checkpoint(tmp_path / "w"))
    best = nf.callbacks.OrbaxCheckpoint(tmp_path / "b", monitor="loss", save_best_only=True,
                                        initial_value_threshold=-1.0)
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[best])
    assert not os.path.exists(tmp_path / "b")  # nothing beat the threshold
    best.wait_until_finished()


def test_arguments_are_checked():
    with pytest.raises(ConfigError, match="max_to_keep"):
        nf.callbacks.OrbaxCheckpoint("d", max_to_keep=0)
    with pytest.warns(UserWarning, match="OrbaxCheckpoint mode 'largest' is unknown"):
        nf.callbacks.OrbaxCheckpoint("d", mode="largest")
