"""custom_objects= is honoured on every load path; classes a load could not find are refused at save time."""
import json

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import SavingError
from neuroflow.models import Model, Sequential, load_model, model_from_json
from neuroflow.saving import custom_object_scope, get_custom_objects, get_registered_object, \
    register_keras_serializable


class Twice(layers.Layer):
    """A custom layer that is deliberately not registered: y = 2 x."""

    def call(self, x):
        return x * 2.0


def scaled_tanh(x):
    return nf.ops.tanh(x) * 3.0


def my_loss(y_true, y_pred):
    return nf.ops.mean(nf.ops.square(y_pred - y_true), axis=-1)


@register_keras_serializable(package="tests", name="Thrice")
class Thrice(layers.Layer):
    def call(self, x):
        return x * 3.0


def _config():
    return {"class_name": "Sequential", "config": {"name": "s", "build_input_shape": [None, 2], "layers": [
        {"class_name": "Twice", "config": {"name": "twice"}},
        {"class_name": "Dense", "config": {"units": 1, "name": "d", "activation": "scaled_tanh"}}]}}


def test_model_from_json_and_from_config_use_custom_objects():
    text = json.dumps(_config())
    with pytest.raises(SavingError, match="unknown layer class 'Twice'.*custom_objects"):
        model_from_json(text)
    customs = {"Twice": Twice, "scaled_tanh": scaled_tanh}
    model = model_from_json(text, custom_objects=customs)
    assert isinstance(model.layers[0], Twice) and model.layers[1].activation is scaled_tanh
    model = Sequential.from_config(_config()["config"], custom_objects=customs)
    assert isinstance(model.layers[0], Twice)
    with custom_object_scope(customs):
        assert isinstance(model_from_json(text).layers[0], Twice)
    with pytest.raises(SavingError):
        model_from_json(text)  # the scope ended


def test_functional_from_config_uses_custom_objects():
    inp = nf.layers.Input(shape=(2,))
    config = Model(inp, layers.Dense(1)(inp)).get_config()
    config["layers"][1]["class_name"] = "Twice"
    config["layers"][1]["config"] = {"name": config["layers"][1]["config"]["name"]}
    model = Model.from_config(config, custom_objects={"Twice": Twice})
    assert any(isinstance(l, Twice) for l in model.layers)


def test_load_model_with_custom_loss_layer_and_activation(tmp_path):
    get_custom_objects()["Twice"] = Twice  # as Keras: the global dict makes the class saveable and loadable
    try:
        model = Sequential([Twice(input_shape=(2,)), layers.Dense(1, activation=scaled_tanh)])
        get_custom_objects()["scaled_tanh"] = scaled_tanh
        model.compile("adam", loss=my_loss)
        path = tmp_path / "c.neuroflow"
        nf.losses.register(my_loss) if "my_loss" not in nf.losses._CUSTOM else None
        model.save(path)
    finally:
        get_custom_objects().pop("Twice", None)
        get_custom_objects().pop("scaled_tanh", None)
    with pytest.raises(SavingError, match="Twice"):
        load_model(path)
    loaded = load_model(path, custom_objects={"Twice": Twice, "scaled_tanh": scaled_tanh, "my_loss": my_loss})
    x = np.ones((3, 2), np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_registered_class_round_trips_and_unregistered_is_refused_at_save(tmp_path):
    model = Sequential([Thrice(input_shape=(2,))])
    path = tmp_path / "t.neuroflow"
    model.save(path)
    assert isinstance(load_model(path).layers[0], Thrice)
    assert get_registered_object("tests>Thrice") is Thrice and get_registered_object("__class__") is None
    with pytest.raises(SavingError, match="Twice.*not registered.*register_keras_serializable"):
        Sequential([Twice(input_shape=(2,))]).save(tmp_path / "u.neuroflow")
    assert not (tmp_path / "u.neuroflow").exists()


def test_keras_utils_names():
    assert nf.utils.custom_object_scope is custom_object_scope
    assert nf.utils.get_custom_objects() is get_custom_objects()


def test_family_deserialize_sees_the_scope():
    with pytest.raises(Exception):
        nf.losses.deserialize("not_a_loss_anywhere")
    with custom_object_scope({"not_a_loss_anywhere": my_loss}):
        loss = nf.losses.deserialize("not_a_loss_anywhere")
    assert loss.fn is my_loss
