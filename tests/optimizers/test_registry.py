"""Keras names, configs with Keras' keys and defaults, serialize/deserialize, and the error messages."""
import json
import warnings

import pytest

from neuroflow import optimizers
from neuroflow.errors import ConfigError
from neuroflow.optimizers import schedules

from .keras_reference import DEFAULTS

BASE_DEFAULTS = dict(weight_decay=None, clipnorm=None, global_clipnorm=None, clipvalue=None, use_ema=False,
                     ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                     gradient_accumulation_steps=None)
KERAS_NAMES = {"sgd": "SGD", "adam": "adam", "adamw": "adamw", "rmsprop": "rmsprop", "adagrad": "adagrad",
               "adadelta": "adadelta", "adamax": "adamax", "nadam": "nadam"}


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_default_config_is_keras(name):
    config = optimizers.get(name).get_config()
    expected = dict(BASE_DEFAULTS, name=KERAS_NAMES[name], **DEFAULTS[name])
    assert config == expected
    json.dumps(config)


@pytest.mark.parametrize("spelling", ["adam", "Adam", "ADAM"])
def test_names_are_case_insensitive(spelling):
    assert type(optimizers.get(spelling)) is optimizers.Adam


def test_get_accepts_instances_dicts_classes_and_none():
    opt = optimizers.RMSprop(learning_rate=0.1)
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    assert type(optimizers.get(optimizers.Nadam)) is optimizers.Nadam
    made = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5, "momentum": 0.9}})
    assert (type(made), made.learning_rate, made.momentum) == (optimizers.SGD, 0.5, 0.9)


def test_unknown_name_lists_close_matches():
    with pytest.raises(ConfigError, match=r"unknown optimizer 'adamm': did you mean 'adam'.*Valid names: adadelta"):
        optimizers.get("adamm")
    with pytest.raises(ConfigError, match="unknown optimizer 'Fancy'"):
        optimizers.get({"class_name": "Fancy", "config": {}})
    with pytest.raises(ConfigError, match="could not interpret optimizer identifier 3"):
        optimizers.get(3)


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_serialize_roundtrip(name):
    opt = optimizers.ALL_OPTIMIZERS[name](learning_rate=0.123, clipnorm=2.0, name="mine")
    data = json.loads(json.dumps(optimizers.serialize(opt)))
    assert data["class_name"] == type(opt).__name__ and data["module"] == "keras.optimizers"
    again = optimizers.deserialize(data)
    assert type(again) is type(opt) and again.get_config() == opt.get_config()


def test_schedule_in_config_roundtrips():
    sched = schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.05, 0.01])
    opt = optimizers.Adam(learning_rate=sched)
    config = json.loads(json.dumps(opt.get_config()))
    assert config["learning_rate"]["class_name"] == "PiecewiseConstantDecay"
    again = optimizers.Adam.from_config(config)
    assert isinstance(again._learning_rate, schedules.PiecewiseConstantDecay)
    again.iterations = 15
    assert again.learning_rate == 0.05


def test_keras_config_with_legacy_keys_loads():
    """A tf.keras config carries 'decay', 'jit_compile', 'is_legacy_optimizer': accepted, non-zero decay warned."""
    config = dict(name="Adam", learning_rate=0.001, decay=0.0, jit_compile=True, is_legacy_optimizer=False,
                  beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.Adam.from_config(config)
    with pytest.warns(UserWarning, match="decay"):
        optimizers.Adam.from_config(dict(config, decay=1e-4))


def test_argument_errors_name_the_argument():
    with pytest.raises(ConfigError, match=r"unknown argument\(s\) \['bta_1'\]: did you mean 'beta_1'"):
        optimizers.Adam(bta_1=0.8)
    with pytest.raises(ConfigError, match=r"SGD: momentum must be in \[0.0, 1.0\], got 1.5"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ConfigError, match="beta_1 must be in"):
        optimizers.Adam(beta_1=1.0)
    with pytest.raises(ConfigError, match="AdamW: weight_decay must be a float, got None"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ConfigError, match="learning_rate must be a number"):
        optimizers.Adam(learning_rate="fast")
    for bad in (1, 2.5, True):
        with pytest.raises(ConfigError, match=r"Adam: gradient_accumulation_steps must be an integer >= 2 or None"):
            optimizers.Adam(gradient_accumulation_steps=bad)


def test_flat_is_kept_in_config_only_when_set():
    assert optimizers.Adam.from_config(optimizers.Adam(flat=False).get_config()).get_config()["flat"] is False
    assert "flat" not in optimizers.Adam().get_config()
    opt = optimizers.Adam.from_config(optimizers.Adam(flat=True).get_config())
    assert opt.get_config()["flat"] is True


def test_plain_callable_learning_rate_serializes_its_current_value():
    opt = optimizers.SGD(learning_rate=lambda step: 0.5 / (step + 1))
    opt.iterations = 4
    with pytest.warns(UserWarning, match="cannot be serialized"):
        assert opt.get_config()["learning_rate"] == 0.1
