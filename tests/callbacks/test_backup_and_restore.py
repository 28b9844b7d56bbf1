"""BackupAndRestore: an interrupted fit resumes from the last backup (Keras 3's callback)."""
import os

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.callbacks import BackupAndRestore, Callback
from neuroflow.errors import ConfigError, SavingError
from neuroflow.models import Sequential


class Interrupt(Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("interrupted")


def _model():
    nf.random.set_seed(0)
    model = Sequential([layers.Dense(3, activation="relu", input_dim=4), layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.random((16, 4), dtype=np.float32), rng.random((16, 1), dtype=np.float32)


def test_interrupted_fit_resumes_at_the_next_epoch(tmp_path):
    x, y = _data()
    backup = tmp_path / "backup"
    model = _model()
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(x, y, epochs=10, verbose=0, callbacks=[BackupAndRestore(backup), Interrupt(4)])
    assert (backup / "latest.neuroflow").exists()
    saved = model.get_weights()
    fresh = _model()  # a new process would start from scratch
    history = fresh.fit(x, y, epochs=10, verbose=0, callbacks=[BackupAndRestore(backup)])
    assert len(history.history["loss"]) == 6  # epochs 4..9: the four completed ones are not repeated
    assert not backup.exists()  # delete_checkpoint=True: removed after a completed fit
    resumed = _model()
    resumed.fit(x, y, epochs=4, verbose=0, callbacks=[BackupAndRestore(tmp_path / "b2", delete_checkpoint=False)])
    assert (tmp_path / "b2" / "latest.neuroflow").exists()
    assert len(saved) == len(resumed.get_weights())


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    x, y = _data()
    backup = tmp_path / "b"
    model = _model()
    cb = BackupAndRestore(backup, double_checkpoint=True, delete_checkpoint=False)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[cb])
    assert (backup / "previous.neuroflow").exists()
    (backup / "latest.neuroflow").write_bytes(b"garbage")
    with pytest.warns(RuntimeWarning, match="previous"):
        history = _model().fit(x, y, epochs=4, verbose=0, callbacks=[cb])
    assert len(history.history["loss"]) == 2  # the previous backup was taken after epoch 2
    (backup / "previous.neuroflow").write_bytes(b"garbage")
    (backup / "latest.neuroflow").write_bytes(b"garbage")
    with pytest.raises(SavingError):
        _model().fit(x, y, epochs=4, verbose=0, callbacks=[cb])


def test_non_finite_weights_are_not_backed_up(tmp_path):
    x, y = _data()
    backup = tmp_path / "b"
    model = _model()
    cb = BackupAndRestore(backup, delete_checkpoint=False)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[cb])
    good = (backup / "latest.neuroflow").read_bytes()
    w = model.get_weights()
    w[0][:] = np.nan
    model.set_weights(w)
    with pytest.warns(RuntimeWarning, match="NaN or inf"):
        cb._backup(5)
    assert (backup / "latest.neuroflow").read_bytes() == good


def test_arguments_are_checked():
    with pytest.raises(ConfigError, match="backup_dir"):
        BackupAndRestore("")
    with pytest.raises(ConfigError, match="save_freq"):
        BackupAndRestore("x", save_freq=0)
    assert nf.callbacks.BackupAndRestore is BackupAndRestore


def test_batch_save_freq(tmp_path):
    x, y = _data()
    backup = tmp_path / "b"
    model = _model()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0,
              callbacks=[BackupAndRestore(backup, save_freq=2, delete_checkpoint=False)])
    assert os.path.exists(backup / "latest.neuroflow")
