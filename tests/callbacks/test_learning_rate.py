import pytest

from neuroflow.callbacks import LearningRateScheduler, ReduceLROnPlateau
from neuroflow.errors import ConfigError

from .fakes import FakeModel, epochs, run_fit


def test_reduce_after_patience_with_cooldown_and_min_lr():
    model = FakeModel(learning_rate=1.0)
    cb = ReduceLROnPlateau(factor=0.5, patience=2, cooldown=2, min_lr=0.2)
    history = run_fit(model, [cb], epochs("val_loss", [1.0] * 12))
    # the logged rate is the one used during each epoch. Reductions at the ends of epochs 2, 5 and 8: patience 2,
    # then a cooldown during which flat epochs do not count (as in Keras, the epoch on which the cooldown runs
    # out counts again); never below min_lr
    assert history.history["learning_rate"] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2]
    assert model.optimizer.learning_rate == 0.2
    model = FakeModel(learning_rate=1.0)
    history = run_fit(model, [ReduceLROnPlateau(factor=0.5, patience=2)], epochs("val_loss", [1.0] * 6))
    assert history.history["learning_rate"] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25]  # no cooldown


def test_improvement_resets_patience_and_min_delta():
    model = FakeModel(learning_rate=1.0)
    run_fit(model, [ReduceLROnPlateau(factor=0.5, patience=2)], epochs("val_loss", [1.0, 0.9, 0.8, 0.7]))
    assert model.optimizer.learning_rate == 1.0
    # steps smaller than min_delta are not improvements
    model = FakeModel(learning_rate=1.0)
    run_fit(model, [ReduceLROnPlateau(factor=0.5, patience=2, min_delta=0.01)],
            epochs("val_loss", [1.0, 0.999, 0.998, 0.997]))
    assert model.optimizer.learning_rate == 0.5


def test_mode_max_and_verbose(capsys):
    model = FakeModel(learning_rate=1.0)
    run_fit(model, [ReduceLROnPlateau(monitor="val_accuracy", factor=0.1, patience=1, verbose=1)],
            epochs("val_accuracy", [0.5, 0.6, 0.7]))
    assert model.optimizer.learning_rate == 1.0  # rising accuracy is an improvement under 'auto'
    run_fit(model, [ReduceLROnPlateau(monitor="val_accuracy", factor=0.1, patience=1, verbose=1)],
            epochs("val_accuracy", [0.5, 0.4]))
    assert model.optimizer.learning_rate == pytest.approx(0.1)
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.1." in capsys.readouterr().out


def test_reduce_lr_bad_arguments():
    with pytest.raises(ConfigError, match="factor"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.warns(UserWarning, match="fallback to auto mode"):
        assert ReduceLROnPlateau(mode="up").mode == "auto"


def test_schedule_with_epoch_and_lr():
    model = FakeModel(learning_rate=0.1)
    history = run_fit(model, [LearningRateScheduler(lambda epoch, lr: lr * 0.5)], epochs("val_loss", [1, 1, 1]))
    assert history.history["learning_rate"] == pytest.approx([0.05, 0.025, 0.0125])


def test_schedule_with_epoch_only_and_verbose(capsys):
    model = FakeModel(learning_rate=0.1)
    history = run_fit(model, [LearningRateScheduler(lambda epoch: 1.0 / (epoch + 1), verbose=1)],
                      epochs("val_loss", [1, 1, 1]))
    assert history.history["learning_rate"] == pytest.approx([1.0, 0.5, 1 / 3])
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.5." in capsys.readouterr().out


def test_schedule_must_return_a_number():
    model = FakeModel()
    with pytest.raises(ConfigError, match="must return a finite number"):
        run_fit(model, [LearningRateScheduler(lambda epoch, lr: None)], epochs("val_loss", [1]))
    with pytest.raises(ConfigError, match="callable"):
        LearningRateScheduler(0.1)


def test_learning_rate_schedule_object_is_refused():
    model = FakeModel()
    model.optimizer.learning_rate = object()  # stands for a schedule the callback cannot change
    with pytest.raises(ConfigError, match="learning_rate to be a number"):
        run_fit(model, [ReduceLROnPlateau()], epochs("val_loss", [1]))
