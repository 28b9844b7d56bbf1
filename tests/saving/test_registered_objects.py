"""A model compiled with the user's loss and metric classes and functions keeps them through a save, in neuroflow's
file and in Keras' ``.keras`` archive, both ways with Keras: registered ones (``package>Name``) by themselves,
unregistered ones with ``custom_objects=`` / ``custom_object_scope`` (a warning on save; without them the load is a
SavingError, and nothing is imported)."""
from __future__ import annotations

import json
import warnings
import zipfile

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import SavingError

from ..keras_oracle import keras

X = np.linspace(-1, 1, 24, dtype="float32").reshape(8, 3)
Y = np.linspace(0, 1, 16, dtype="float32").reshape(8, 2)


def _customs(k, package):
    """The same user loss class, metric class and loss function on ``k`` (neuroflow or Keras); ``package=None``
    leaves them unregistered."""
    register = k.saving.register_keras_serializable(package=package) if package else (lambda c: c)

    @register
    class ScaledLoss(k.losses.Loss):
        def __init__(self, scale=1.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return self.scale * k.ops.mean(k.ops.square(y_true - y_pred), axis=-1)

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    @register
    class AbsError(k.metrics.Mean):
        def update_state(self, y_true, y_pred, sample_weight=None):
            return super().update_state(k.ops.abs(y_true - y_pred), sample_weight)

    @register
    def half_abs(y_true, y_pred):
        return 0.5 * k.ops.mean(k.ops.abs(y_true - y_pred), axis=-1)

    return ScaledLoss, AbsError, half_abs


def _model(k, customs):
    loss_cls, metric_cls, fn = customs
    model = k.Sequential([k.Input((3,)), k.layers.Dense(2)])
    model.set_weights([np.full((3, 2), 0.3, "float32"), np.zeros(2, "float32")])
    model.compile(optimizer=k.optimizers.SGD(0.1), loss=loss_cls(scale=2.0), metrics=[metric_cls(name="abs"), fn])
    return model


def _scores(model):
    return {k: round(float(v), 5) for k, v in model.evaluate(X, Y, verbose=0, return_dict=True).items()}


@pytest.mark.parametrize("ext", [".keras", ".neuroflow"])
def test_registered_loss_and_metrics_round_trip(tmp_path, ext):
    customs = _customs(nf, f"reg{ext[1:]}")
    model = _model(nf, customs)
    path = tmp_path / f"m{ext}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # registered: no "cannot be named" warning
        model.save(path)
    loaded = nf.models.load_model(path)
    assert isinstance(loaded.loss, customs[0]) and loaded.loss.scale == 2.0
    assert _scores(loaded) == _scores(model) and set(_scores(model)) == {"loss", "abs", "half_abs"}
    if ext == ".keras":
        entry = json.loads(zipfile.ZipFile(path).read("config.json"))["compile_config"]
        assert entry["loss"]["registered_name"] == "regkeras>ScaledLoss"
        assert entry["metrics"][1]["class_name"] == "function"


def test_unregistered_ones_warn_on_save_and_need_custom_objects(tmp_path):
    customs = _customs(nf, None)
    model = _model(nf, customs)
    named = {c.__name__: c for c in customs}
    for ext in (".keras", ".neuroflow"):
        path = tmp_path / f"u{ext}"
        with pytest.warns(UserWarning, match="ScaledLoss.*not registered.*custom_objects"):
            model.save(path)
        with pytest.raises(SavingError, match="ScaledLoss.*register_keras_serializable"):
            nf.models.load_model(path)
        assert _scores(nf.models.load_model(path, custom_objects=named)) == _scores(model)
        with nf.saving.custom_object_scope(named):
            assert _scores(nf.models.load_model(path)) == _scores(model)


def test_a_registered_name_never_resolves_to_another_kind_of_object(tmp_path):
    @nf.saving.register_keras_serializable(package="kind")
    class NotALoss(nf.layers.Layer):
        pass

    with pytest.raises(nf.errors.ConfigError, match="unknown loss 'kind>NotALoss'"):
        nf.losses.deserialize({"class_name": "kind>NotALoss", "config": {}})
    with pytest.raises(nf.errors.ConfigError, match="unknown metric"):
        nf.metrics.get("kind>NotALoss")


def test_keras_reads_neuroflow_archive_and_neuroflow_reads_keras_archive(tmp_path):
    k = keras()
    nf_customs, k_customs = _customs(nf, "both"), _customs(k, "both")
    model = _model(nf, nf_customs)
    model.save(tmp_path / "nf.keras")
    theirs = k.models.load_model(tmp_path / "nf.keras")
    assert isinstance(theirs.loss, k_customs[0]) and theirs.loss.scale == 2.0
    assert _scores(theirs) == pytest.approx(_scores(model), abs=1e-4)

    k_model = _model(k, k_customs)
    k_model.save(tmp_path / "k.keras")
    ours = nf.models.load_model(tmp_path / "k.keras")
    assert isinstance(ours.loss, nf_customs[0]) and ours.loss.scale == 2.0
    assert _scores(ours) == pytest.approx(_scores(k_model), abs=1e-4)


def test_keras_archive_with_unregistered_function_loss_needs_custom_objects(tmp_path):
    k = keras()
    k_customs, nf_customs = _customs(k, None), _customs(nf, None)
    _model(k, k_customs).save(tmp_path / "k.keras")
    with pytest.raises(SavingError, match="ScaledLoss"):
        nf.models.load_model(tmp_path / "k.keras")
    loaded = nf.models.load_model(tmp_path / "k.keras", custom_objects={c.__name__: c for c in nf_customs})
    assert isinstance(loaded.loss, nf_customs[0])


def _optimizer_customs(k, package):
    register = k.saving.register_keras_serializable(package=package) if package else (lambda c: c)

    @register
    class HalvingSchedule(k.optimizers.schedules.LearningRateSchedule):
        def __init__(self, rate=0.2):
            self.rate = rate

        def __call__(self, step):
            return self.rate / (1.0 + k.ops.cast(step, "float32"))

        def get_config(self):
            return {"rate": self.rate}

    @register
    class MySGD(k.optimizers.SGD):
        pass

    return HalvingSchedule, MySGD


def _optimizer_model(k, customs):
    schedule_cls, sgd_cls = customs
    model = k.Sequential([k.Input((3,)), k.layers.Dense(2)])
    model.compile(optimizer=sgd_cls(schedule_cls(0.3), momentum=0.5), loss="mse")
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    return model


@pytest.mark.parametrize("ext", [".keras", ".neuroflow"])
def test_registered_optimizer_and_schedule_round_trip(tmp_path, ext):
    customs = _optimizer_customs(nf, f"opt{ext[1:]}")
    _optimizer_model(nf, customs).save(tmp_path / f"o{ext}")
    loaded = nf.models.load_model(tmp_path / f"o{ext}")
    assert type(loaded.optimizer) is customs[1] and loaded.optimizer.momentum == 0.5
    assert type(loaded.optimizer._learning_rate) is customs[0] and loaded.optimizer._learning_rate.rate == 0.3


def test_unregistered_optimizer_warns_and_needs_custom_objects(tmp_path):
    customs = _optimizer_customs(nf, None)
    with pytest.warns(UserWarning, match="MySGD.*not registered"):
        _optimizer_model(nf, customs).save(tmp_path / "o.keras")
    with pytest.raises(SavingError, match="MySGD.*register_keras_serializable"):
        nf.models.load_model(tmp_path / "o.keras")
    loaded = nf.models.load_model(tmp_path / "o.keras", custom_objects={c.__name__: c for c in customs})
    assert type(loaded.optimizer) is customs[1]


def test_keras_and_neuroflow_exchange_registered_optimizer_and_schedule(tmp_path):
    k = keras()
    nf_customs, k_customs = _optimizer_customs(nf, "optboth"), _optimizer_customs(k, "optboth")
    _optimizer_model(nf, nf_customs).save(tmp_path / "nf.keras")
    theirs = k.models.load_model(tmp_path / "nf.keras")
    assert type(theirs.optimizer) is k_customs[1] and type(theirs.optimizer._learning_rate) is k_customs[0]
    _optimizer_model(k, k_customs).save(tmp_path / "k.keras")
    ours = nf.models.load_model(tmp_path / "k.keras")
    assert type(ours.optimizer) is nf_customs[1] and ours.optimizer._learning_rate.rate == pytest.approx(0.3)
