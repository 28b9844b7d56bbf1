"""Registered custom layers in Keras 3 ``.keras`` files, both ways: neuroflow writes them as Keras does (module,
class name, ``registered_name``; own variables and sub-layers in Keras' weight layout), Keras loads that file with
the same class registered on its side, saves it again, and neuroflow loads Keras' file back."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import SavingError
from neuroflow.models import load_model

from ..keras_oracle import keras

pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'neuroflow[h5]')")

X = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)


def _custom_class(k, package):
    """The same user layer on ``k`` (neuroflow or Keras): own trainable and non-trainable weights, a sub-layer
    attribute and a list of sub-layers. (batch, 3) -> (batch, 2)."""

    @k.saving.register_keras_serializable(package=package)
    class ScaledBlock(k.layers.Layer):
        def __init__(self, units=2, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.units, self.factor = units, factor
            self.dense = k.layers.Dense(units)
            self.extra = [k.layers.Dense(units, activation="tanh"), k.layers.Dense(units)]

        def build(self, input_shape):
            self.shift = self.add_weight(shape=(1,), initializer="ones", trainable=False, name="shift")
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

        def call(self, x):
            return self.extra[1](self.extra[0](self.dense(x))) * self.factor * self.shift + self.bias

        def get_config(self):
            return {**super().get_config(), "units": self.units, "factor": self.factor}

    return ScaledBlock


def _model(k, block_class):
    inputs = k.Input(shape=(3,))
    model = k.Model(inputs, k.layers.Dense(1)(block_class(2, 3.0)(inputs)))
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    return model


def test_custom_layer_round_trips_neuroflow_keras_neuroflow(tmp_path):
    k = keras()
    nf_block = _custom_class(nf, "RoundTrip")
    k_block = _custom_class(k, "RoundTrip")
    model = _model(nf, nf_block)
    want = model.predict(X, verbose=0)
    model.save(tmp_path / "nf.keras")
    with zipfile.ZipFile(tmp_path / "nf.keras") as zf:
        entry = json.loads(zf.read("config.json"))["config"]["layers"][1]
    assert (entry["class_name"], entry["registered_name"]) == ("ScaledBlock", "RoundTrip>ScaledBlock")

    from_nf = k.models.load_model(tmp_path / "nf.keras")
    assert type(from_nf.layers[1]) is k_block
    np.testing.assert_allclose(from_nf.predict(X, verbose=0), want, rtol=1e-5, atol=1e-6)
    from_nf.save(tmp_path / "k.keras")

    back = load_model(tmp_path / "k.keras")
    assert type(back.layers[1]) is nf_block
    np.testing.assert_allclose(back.predict(X, verbose=0), want, rtol=1e-5, atol=1e-6)
    again = load_model(tmp_path / "k.keras", custom_objects={"ScaledBlock": nf_block})
    np.testing.assert_allclose(again.predict(X, verbose=0), want, rtol=1e-5, atol=1e-6)


def test_custom_layer_in_a_sequential_keras_file(tmp_path):
    block = _custom_class(nf, "Seq")
    model = nf.Sequential([nf.Input((3,)), block(2, 0.5)])
    model.save(tmp_path / "s.keras")
    loaded = load_model(tmp_path / "s.keras")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


class Unregistered(nf.layers.Layer):
    """A user layer nobody registered: y = x."""

    def call(self, x):
        return x


def test_unregistered_custom_layer_is_refused_on_save_and_load(tmp_path):
    model = nf.Sequential([nf.Input((3,)), Unregistered()])
    with pytest.raises(SavingError, match="Unregistered.*not registered"):
        model.save(tmp_path / "u.keras")
    assert not (tmp_path / "u.keras").exists()
    block = _custom_class(nf, "Gone")
    nf.Sequential([nf.Input((3,)), block()]).save(tmp_path / "g.keras")
    with zipfile.ZipFile(tmp_path / "g.keras") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["registered_name"] = "Elsewhere>ScaledBlock"
    config["config"]["layers"][1]["class_name"] = "Missing"
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "m.keras", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(SavingError, match="custom class 'Elsewhere>ScaledBlock'.*not registered"):
        load_model(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras", custom_objects={"Missing": block})
    assert type(loaded.layers[0]) is block
