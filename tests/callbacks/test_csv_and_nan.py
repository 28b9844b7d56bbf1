import math

from neuroflow.callbacks import CSVLogger, LambdaCallback, TerminateOnNaN

from .fakes import FakeModel, run_fit


def test_csv_contents(tmp_path):
    path = tmp_path / "log.csv"
    logs = [{"loss": 0.5, "accuracy": 0.75, "val_loss": 0.625}, {"loss": 0.25, "accuracy": 0.875, "val_loss": 0.5}]
    run_fit(FakeModel(), [CSVLogger(path)], logs)
    assert path.read_text().splitlines() == [
        "epoch,accuracy,loss,val_loss", "0,0.75,0.5,0.625", "1,0.875,0.25,0.5"]


def test_csv_append_separator_and_missing_values(tmp_path):
    path = tmp_path / "log.csv"
    run_fit(FakeModel(), [CSVLogger(path, separator=";")], [{"loss": 0.5}])
    run_fit(FakeModel(), [CSVLogger(path, separator=";", append=True)], [{"loss": 0.25, "val_loss": 0.125}])
    # no val_ key in the first epoch: val_ columns are added (validation may come later), NA while missing
    assert path.read_text().splitlines() == ["epoch;loss;val_loss", "0;0.5;NA", "0;0.25;0.125"]


def test_csv_flushes_each_epoch(tmp_path):
    path = tmp_path / "log.csv"
    seen = []
    reader = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(path.read_text().count("\n")))
    run_fit(FakeModel(), [CSVLogger(path), reader], [{"loss": 1.0}] * 3)
    assert seen == [2, 3, 4]  # header + one row per finished epoch, readable before training ends


def test_terminate_on_nan(capsys):
    model = FakeModel()
    cb = TerminateOnNaN()
    history = run_fit(model, [cb], [{"loss": 1.0}] * 4, steps=5,
                      batch_loss=lambda e, b: math.nan if (e, b) == (1, 2) else 1.0)
    assert model.stop_training and (cb.epoch, cb.batch) == (1, 2)
    assert cb.message == "Epoch 2, batch 3: invalid loss (nan), terminating training"
    assert cb.message in capsys.readouterr().out
    assert history.epoch == [0, 1]


def test_terminate_on_inf_and_finite_losses():
    model = FakeModel()
    cb = TerminateOnNaN()
    run_fit(model, [cb], [{"loss": 1.0}] * 2)
    assert cb.message is None and not model.stop_training
    run_fit(model, [cb], [{"loss": 1.0}] * 2, batch_loss=lambda e, b: math.inf)
    assert "Epoch 1, batch 1: invalid loss (inf)" in cb.message
