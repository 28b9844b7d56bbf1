import math
import warnings

import numpy as np
import pytest

from neuroflow.callbacks import EarlyStopping
from neuroflow.errors import ConfigError

from .fakes import FakeModel, epochs, run_fit


def _run(values, key="val_loss", **kwargs):
    model = FakeModel()
    es = EarlyStopping(monitor=key, **kwargs)
    history = run_fit(model, [es], epochs(key, values))
    return es, model, history


def test_patience_stops_at_the_right_epoch():
    es, model, history = _run([1.0, 0.9, 0.95, 0.96, 0.97, 0.5], patience=2)
    assert es.stopped and es.stopped_epoch == 3
    assert history.epoch == [0, 1, 2, 3]
    assert es.best == 0.9 and es.best_epoch == 1


def test_patience_zero_stops_at_first_non_improving_epoch():
    es, _, history = _run([1.0, 0.9, 0.95, 0.5])
    assert es.stopped_epoch == 2 and len(history.history["val_loss"]) == 3


def test_runs_all_epochs_while_improving():
    es, _, history = _run([1.0, 0.9, 0.8, 0.7], patience=0)
    assert not es.stopped and es.stopped_epoch == 0 and history.epoch == [0, 1, 2, 3]


def test_min_delta_requires_a_large_enough_improvement():
    es, _, _ = _run([1.0, 0.95, 0.92, 0.9], patience=1, min_delta=0.06)
    assert es.stopped_epoch == 1
    es, _, history = _run([1.0, 0.95, 0.92, 0.9], patience=1, min_delta=0.01)
    assert not es.stopped and len(history.epoch) == 4
    # min_delta is taken as an absolute value (Keras)
    assert EarlyStopping(min_delta=-0.5).min_delta == 0.5


@pytest.mark.parametrize("mode, stop", [("max", 3), ("auto", 3), ("min", 2)])
def test_mode(mode, stop):
    es, _, _ = _run([0.5, 0.6, 0.55, 0.58], key="val_accuracy", patience=2, mode=mode)
    assert es.stopped_epoch == stop


def test_mode_max_with_min_delta():
    es, _, _ = _run([0.5, 0.52, 0.6], key="val_accuracy", patience=0, min_delta=0.05)
    assert es.stopped_epoch == 1


def test_baseline_never_reached_stops_after_patience():
    es, _, _ = _run([0.8, 0.7, 0.65, 0.6], patience=2, baseline=0.5)
    assert es.stopped_epoch == 1
    es, _, history = _run([0.8, 0.7, 0.65, 0.6], patience=2)
    assert not es.stopped and len(history.epoch) == 4


def test_baseline_reached_resets_patience():
    es, _, _ = _run([0.8, 0.45, 0.46, 0.47, 0.48], patience=2, baseline=0.5)
    assert es.stopped_epoch == 3


def test_start_from_epoch_ignores_warmup():
    es, _, _ = _run([1.0, 2.0, 3.0, 4.0, 0.5], patience=1)
    assert es.stopped_epoch == 1
    es, _, _ = _run([1.0, 2.0, 3.0, 4.0, 0.5], patience=1, start_from_epoch=2)
    assert es.stopped_epoch == 3 and es.best == 3.0


def test_restore_best_weights_when_triggered():
    es, model, _ = _run([1.0, 0.5, 0.7, 0.8], patience=2, restore_best_weights=True)
    assert es.stopped_epoch == 3
    np.testing.assert_array_equal(model.get_weights()[0], 2.0)  # weights of epoch index 1
    es, model, _ = _run([1.0, 0.5, 0.7, 0.8], patience=2)
    np.testing.assert_array_equal(model.get_weights()[0], 4.0)  # last epoch's weights kept


def test_restore_best_weights_also_when_not_triggered():
    es, model, history = _run([1.0, 0.5, 0.7], patience=5, restore_best_weights=True)
    assert not es.stopped and len(history.epoch) == 3
    np.testing.assert_array_equal(model.get_weights()[0], 2.0)
    assert model.get_weights()[0].dtype == np.float32


def test_nan_is_never_best():
    es, model, _ = _run([1.0, math.nan, 0.9], patience=3, restore_best_weights=True)
    assert es.best == 0.9 and es.best_epoch == 2
    np.testing.assert_array_equal(model.get_weights()[0], 3.0)


def test_missing_metric_warns_with_available_keys():
    model = FakeModel()
    es = EarlyStopping(monitor="val_acc", patience=0)
    with pytest.warns(UserWarning, match=r"val_acc.*Available metrics are: loss, val_loss"):
        history = run_fit(model, [es], epochs("val_loss", [1.0, 2.0, 3.0]))
    assert not es.stopped and len(history.epoch) == 3


def test_reusable_across_fits():
    model = FakeModel()
    es = EarlyStopping(patience=0)
    run_fit(model, [es], epochs("val_loss", [1.0, 2.0]))
    assert es.stopped_epoch == 1
    history = run_fit(model, [es], epochs("val_loss", [5.0, 4.0, 3.0]))
    assert not es.stopped and len(history.epoch) == 3


def test_verbose_messages(capsys):
    _run([1.0, 0.5, 0.7], patience=0, restore_best_weights=True, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 3: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 2." in out


def test_bad_arguments():
    with pytest.warns(UserWarning, match="fallback to auto mode"):  # Keras warns and falls back
        assert EarlyStopping(mode="maximum").mode == "auto"
    with pytest.raises(ConfigError, match="patience"):
        EarlyStopping(patience=-1)


def test_unknown_metric_name_raises_unless_mode_is_given():
    with pytest.raises(ConfigError, match="mode='max'"):  # Keras raises ValueError at the first epoch end
        _run([1.0, 2.0], key="val_custom", patience=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        es, _, _ = _run([1.0, 2.0, 3.0], key="val_custom", patience=0, mode="max")
    assert not es.stopped
