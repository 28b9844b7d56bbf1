import os

import numpy as np
import pytest

from neuroflow.callbacks import ModelCheckpoint
from neuroflow.errors import ConfigError

from .fakes import FakeModel, epochs, run_fit


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def test_formats_filenames_every_epoch(tmp_path):
    model = FakeModel()
    pattern = str(tmp_path / "ckpt" / "m-{epoch:02d}-{val_loss:.2f}.neuroflow")
    run_fit(model, [ModelCheckpoint(pattern)], epochs("val_loss", [0.5, 0.25, 0.125]))
    names = sorted(os.listdir(tmp_path / "ckpt"))
    assert names == ["m-01-0.50.neuroflow", "m-02-0.25.neuroflow", "m-03-0.12.neuroflow"]
    assert _read(tmp_path / "ckpt" / "m-02-0.25.neuroflow") == b"save:2.0:end"


def test_save_best_only_writes_atomically(tmp_path):
    model = FakeModel()
    path = tmp_path / "best.neuroflow"
    cb = ModelCheckpoint(path, save_best_only=True)
    run_fit(model, [cb], epochs("val_loss", [0.5, 0.7, 0.3, 0.4]))
    assert len(model.save_calls) == 2  # epochs 1 and 3 improved
    assert _read(path) == b"save:3.0:end" and cb.best == 0.3
    for method, tmp in model.save_calls:
        # the model wrote to a hidden temporary file next to the target that no "*.neuroflow" pattern matches
        assert os.path.dirname(tmp) == str(tmp_path) and os.path.basename(tmp).startswith(".best.neuroflow.")
        assert tmp.endswith(".tmp")
    assert os.listdir(tmp_path) == ["best.neuroflow"]  # no temporary file left behind


def test_crash_during_save_keeps_previous_file(tmp_path):
    model = FakeModel()
    path = tmp_path / "best.neuroflow"
    cb = ModelCheckpoint(path, save_best_only=True)
    run_fit(model, [cb], epochs("val_loss", [0.5]))
    before = _read(path)
    assert before == b"save:1.0:end"
    model.fail_save = True
    with pytest.raises(OSError, match="disk full"):
        run_fit(model, [cb], epochs("val_loss", [0.6, 0.2]))
    assert _read(path) == before  # intact: the half-written file never replaced it
    assert os.listdir(tmp_path) == ["best.neuroflow"]
    assert cb.best == 0.5  # the failed save did not count as the new best


def test_save_weights_only_and_mode_max(tmp_path):
    model = FakeModel()
    path = tmp_path / "w.weights.safetensors"
    cb = ModelCheckpoint(path, monitor="val_accuracy", save_best_only=True, save_weights_only=True)
    run_fit(model, [cb], epochs("val_accuracy", [0.5, 0.7, 0.6]))
    assert [m for m, _ in model.save_calls] == ["save_weights", "save_weights"]
    assert _read(path) == b"save_weights:2.0:end"


def test_initial_value_threshold(tmp_path):
    model = FakeModel()
    cb = ModelCheckpoint(tmp_path / "m.neuroflow", save_best_only=True, initial_value_threshold=0.4)
    run_fit(model, [cb], epochs("val_loss", [0.5, 0.45, 0.3]))
    assert len(model.save_calls) == 1 and _read(tmp_path / "m.neuroflow") == b"save:3.0:end"


def test_save_freq_in_batches(tmp_path):
    model = FakeModel()
    cb = ModelCheckpoint(str(tmp_path / "m-{epoch}-{batch}.neuroflow"), save_freq=2)
    run_fit(model, [cb], epochs("val_loss", [0.5, 0.4]), steps=3)
    # 6 batches in all, a save after every second one (the count runs across epochs)
    assert sorted(os.listdir(tmp_path)) == ["m-1-2.neuroflow", "m-2-1.neuroflow", "m-2-3.neuroflow"]


def test_verbose(tmp_path, capsys):
    model = FakeModel()
    cb = ModelCheckpoint(tmp_path / "m.neuroflow", save_best_only=True, verbose=1)
    run_fit(model, [cb], epochs("val_loss", [0.5, 0.7]))
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from inf to 0.50000, saving model to" in out
    assert "Epoch 2: val_loss did not improve from 0.50000" in out


def test_missing_monitor_warns_and_skips(tmp_path):
    model = FakeModel()
    cb = ModelCheckpoint(tmp_path / "m.neuroflow", monitor="val_auc", save_best_only=True)
    with pytest.warns(UserWarning, match="Available metrics are: loss, val_loss"):
        run_fit(model, [cb], epochs("val_loss", [0.5]))
    assert model.save_calls == []


def test_bad_filepath_field_and_arguments(tmp_path):
    model = FakeModel()
    cb = ModelCheckpoint(str(tmp_path / "m-{val_acc:.2f}.neuroflow"))
    with pytest.raises(ConfigError, match="val_acc.*available fields: loss, val_loss, epoch"):
        run_fit(model, [cb], epochs("val_loss", [0.5]))
    with pytest.raises(ConfigError, match="save_freq"):
        ModelCheckpoint("m.neuroflow", save_freq="batch")
    with pytest.warns(UserWarning, match="fallback to auto mode"):
        assert ModelCheckpoint("m.neuroflow", mode="best").mode == "auto"


def test_non_finite_weights_never_replace_a_good_file(tmp_path):
    model = FakeModel()
    path = tmp_path / "last.neuroflow"
    cb = ModelCheckpoint(path)  # the default: save every epoch, not only the best
    run_fit(model, [cb], epochs("val_loss", [0.5]))
    good = _read(path)
    model._weights[0] = np.full((2, 2), np.nan, np.float32)
    cb._epoch = 1
    with pytest.warns(RuntimeWarning, match="NaN or inf.*not saving"):
        cb.on_epoch_end(1, {"val_loss": float("nan")})
    assert _read(path) == good and os.listdir(tmp_path) == ["last.neuroflow"]


def test_next_save_removes_leftovers_of_a_killed_save(tmp_path):
    model = FakeModel()
    path = tmp_path / "m.neuroflow"
    dead = tmp_path / ".m.neuroflow.999999999.0123456789ab.tmp"  # a pid that cannot be running
    dead.write_bytes(b"half a file")
    other = tmp_path / ".other.neuroflow.999999999.0123456789ab.tmp"  # another target's: not ours to remove
    other.write_bytes(b"x")
    run_fit(model, [ModelCheckpoint(path)], epochs("val_loss", [0.5]))
    assert sorted(os.listdir(tmp_path)) == [other.name, "m.neuroflow"]
