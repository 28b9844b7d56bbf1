"""keras.models.clone_model (Sequential, functional, nested, subclassed; clone_function, call_function,
input_tensors) and keras.models.save_model, checked against Keras 3 where the behaviour is observable."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError
from neuroflow.models import clone_model, save_model
from tests.keras_oracle import keras

X = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")


def _sequential():
    return nf.Sequential([nf.layers.Input((4,)), nf.layers.Dense(3, activation="relu", name="hidden"),
                          nf.layers.Dense(2, name="out")], name="seq")


def _functional():
    a = nf.layers.Input((4,), name="a")
    b = nf.layers.Input((4,), name="b")
    shared = nf.layers.Dense(3, name="shared")
    merged = nf.layers.Concatenate()([shared(a), shared(b)])
    return nf.Model(inputs=[a, b], outputs=nf.layers.Dense(1, name="head")(merged), name="fun")


@pytest.mark.parametrize("make", [_sequential, _functional])
def test_same_architecture_new_layers_and_weights(make):
    model = make()
    clone = clone_model(model)
    assert type(clone) is type(model) and clone.name == model.name
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert any(not np.array_equal(a, b) for a, b in zip(clone.get_weights(), model.get_weights()))
    clone.set_weights(model.get_weights())
    inputs = X if isinstance(model, nf.Sequential) else [X, X[::-1]]
    np.testing.assert_allclose(clone.predict(inputs, verbose=0), model.predict(inputs, verbose=0), rtol=1e-6)


def test_shared_layers_stay_shared():
    clone = clone_model(_functional())
    assert len(clone.trainable_weights) == len(_functional().trainable_weights) == 4


def test_clone_function_and_call_function():
    model = _functional()
    seen = []

    def clone_function(layer):
        config = layer.get_config()
        if isinstance(layer, nf.layers.Dense):
            config["name"] = layer.name + "_copy"
        return type(layer).from_config(config)

    def call_function(layer, *args, **kwargs):
        seen.append(layer.name)
        return layer(*args, **kwargs)

    clone = clone_model(model, clone_function=clone_function, call_function=call_function)
    assert "shared_copy" in [l.name for l in clone.layers] and seen.count("shared_copy") == 2


def test_input_tensors_and_recursive():
    inner = _sequential()
    x = nf.layers.Input((4,), name="x")
    outer = nf.Model(x, nf.layers.Dense(1, name="top")(inner(x)))
    names = []
    clone = clone_model(outer, clone_function=lambda l: (names.append(l.name), l.from_config(l.get_config()))[1],
                        recursive=True)
    assert {"hidden", "out", "top"} <= set(names) and "seq" not in names
    new_input = nf.layers.Input((4,), name="z")
    on_new = clone_model(_sequential(), input_tensors=new_input)
    assert on_new.predict(X, verbose=0).shape == (5, 2)


def test_subclassed_model_only_from_config_and_errors():
    with pytest.raises(ConfigError, match="call_function applies to functional"):
        clone_model(_sequential(), call_function=lambda l, *a, **k: l(*a, **k))
    with pytest.raises(ConfigError, match="input_tensors"):
        clone_model(_functional(), input_tensors=[nf.layers.Input((4,))])
    with pytest.raises(ConfigError, match="expected a neuroflow Model"):
        clone_model(nf.layers.Dense(2))


def test_layer_names_match_keras_clone():
    k = keras()
    km = k.Sequential([k.Input((4,)), k.layers.Dense(3, activation="relu", name="hidden"),
                       k.layers.Dense(2, name="out")], name="seq")
    theirs = k.models.clone_model(km)
    ours = clone_model(_sequential())
    assert [l.name for l in ours.layers] == [l.name for l in theirs.layers]
    assert [tuple(w.shape) for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]


def test_save_model_is_model_save(tmp_path):
    model = _sequential()
    model.compile(optimizer="adam", loss="mse")
    save_model(model, tmp_path / "m.neuroflow")
    loaded = nf.models.load_model(tmp_path / "m.neuroflow")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    with pytest.raises(ConfigError, match="zipped"):
        save_model(model, tmp_path / "n.neuroflow", zipped=False)
