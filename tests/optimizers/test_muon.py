"""Muon against Keras 3's own (torch backend, ``tests/keras_oracle.py``): the same variables, paths and gradients,
several steps, equal within float32 tolerance; plus its rule for which variables take the AdamW step."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.autograd.variable import Variable
from neuroflow.errors import ConfigError

from tests.conftest import host
from tests.keras_oracle import keras as keras_oracle

#: path -> shape (Keras' free variables take their name as path, and a name has no '/'): wide and tall matrices
#: (Muon), a bias (AdamW: not 2-D), an embedding and an excluded head (AdamW by name).
SHAPES = {"dense_kernel": (4, 3), "dense_1_kernel": (2, 5), "dense_bias": (3,), "embedding_embeddings": (6, 4),
          "head_kernel": (3, 2)}

CONFIGS = [
    {},
    {"nesterov": False, "rms_rate": None, "momentum": 0.9, "ns_steps": 3},
    {"weight_decay": 0.1, "adam_weight_decay": 0.01, "adam_lr_ratio": 0.5, "learning_rate": 0.01,
     "exclude_embeddings": False},
]


def _values(seed):
    rng = np.random.default_rng(seed)
    return {p: rng.normal(size=s).astype("float32") for p, s in SHAPES.items()}


def _run_neuroflow(config, steps=3):
    variables = [Variable(v, name=p) for p, v in _values(0).items()]
    opt = nf.optimizers.Muon(exclude_layers=["head"], **config)
    for step in range(steps):
        grads = list(_values(10 + step).values())
        opt.apply(grads, variables)
    return [host(v.data) for v in variables]


def _run_keras(keras, config, steps=3):
    variables = [keras.Variable(v, name=p) for p, v in _values(0).items()]
    opt = keras.optimizers.Muon(exclude_layers=["head"], **config)
    for step in range(steps):
        grads = [keras.ops.convert_to_tensor(g) for g in _values(10 + step).values()]
        opt.apply(grads, variables)
    return [keras.ops.convert_to_numpy(v) for v in variables]


@pytest.mark.parametrize("config", CONFIGS, ids=["defaults", "plain_momentum", "decays"])
def test_muon_steps_match_keras(config):
    keras = keras_oracle()
    got = _run_neuroflow(config)
    want = _run_keras(keras, config)
    for path, g, w in zip(SHAPES, got, want):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6, err_msg=path)


def test_which_variables_take_the_adamw_step():
    opt = nf.optimizers.Muon(exclude_layers=["head"])
    kinds = {p: opt.uses_adamw(Variable(np.zeros(s, "float32"), name=p)) for p, s in SHAPES.items()}
    assert kinds == {"dense_kernel": False, "dense_1_kernel": False, "dense_bias": True,
                     "embedding_embeddings": True, "head_kernel": True}


def test_newton_schulz_orthogonalises():
    from neuroflow.optimizers.muon import newton_schulz5
    g = np.random.default_rng(3).normal(size=(8, 5)).astype("float32")
    x = newton_schulz5(g, 10, 3.4445, -4.7750, 2.0315, np)
    singular = np.linalg.svd(x, compute_uv=False)
    assert x.dtype == np.float32 and x.shape == (8, 5)
    assert np.all(singular > 0.5) and np.all(singular < 1.3)  # Muon's quintic lands near 1, not exactly on it


def test_muon_trains_a_model_and_round_trips_its_config(tmp_path):
    nf.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32")).astype("float32")
    model = nf.Sequential([nf.Input((4,)), nf.layers.Dense(8, activation="tanh"), nf.layers.Dense(1)])
    model.compile(optimizer=nf.optimizers.Muon(learning_rate=0.02), loss="mse")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    config = model.optimizer.get_config()
    again = nf.optimizers.Muon.from_config(config)
    assert again.get_config() == config
    assert nf.optimizers.get("muon").__class__ is nf.optimizers.Muon
    model.save(tmp_path / "m.neuroflow")
    loaded = nf.models.load_model(tmp_path / "m.neuroflow")
    assert isinstance(loaded.optimizer, nf.optimizers.Muon)


def test_bad_arguments_name_themselves():
    with pytest.raises(ConfigError, match="Muon: momentum"):
        nf.optimizers.Muon(momentum=1.5)
    with pytest.raises(ConfigError, match="Muon: ns_steps"):
        nf.optimizers.Muon(ns_steps=2.5)
