"""MultiOptimizer / OptimizerMap against Keras 3.15 (torch backend): the same variables and gradients, SGD for
one path pattern, Adam for the rest; plus the map's lookup rules, fit, config and state round trips."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.autograd.variable import Variable
from neuroflow.errors import ConfigError

from tests.keras_oracle import keras as keras_oracle

SHAPES = {"encoder_kernel": (3, 2), "encoder_bias": (2,), "head_kernel": (2, 1)}


def _values(seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype("float32") for s in SHAPES.values()]


def _run(k, make_variable):
    variables = [make_variable(v, p) for p, v in zip(SHAPES, _values(0))]
    mapping = k.optimizers.OptimizerMap(default_optimizer=k.optimizers.Adam(0.01))
    mapping["encoder_.*"] = k.optimizers.SGD(0.1, momentum=0.5)
    opt = k.optimizers.MultiOptimizer(mapping)
    for step in range(3):
        opt.apply([k.ops.convert_to_tensor(g) for g in _values(10 + step)], variables)
    return [np.asarray(k.ops.convert_to_numpy(v)) for v in variables], opt


def test_multi_optimizer_matches_keras():
    keras = keras_oracle()
    got, opt = _run(nf, lambda v, p: Variable(v, name=p))
    want, kopt = _run(keras, lambda v, p: keras.Variable(v, name=p))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    assert opt.iterations == int(kopt.iterations) == 3
    assert [type(o).__name__ for o in opt.optimizers] == [type(o).__name__ for o in kopt.optimizers]


def test_optimizer_map_lookup_rules():
    adam, sgd, rms = nf.optimizers.Adam(), nf.optimizers.SGD(), nf.optimizers.RMSprop()
    mapping = nf.optimizers.OptimizerMap(default_optimizer=rms)
    mapping["encoder/layer_0/dense"] = adam
    mapping["encoder/.*"] = sgd
    mapping["decoder"] = adam
    assert mapping["decoder"] is adam and mapping["encoder/layer_0/dense"] is adam
    assert mapping["encoder/layer_0/attention/query"] is sgd and mapping["decoder/layer_0/dense"] is rms
    with pytest.raises(ConfigError, match="already mapped"):
        mapping["decoder"] = sgd
    mapping["enc.*"] = sgd
    with pytest.raises(ConfigError, match="matches several keys"):
        mapping["encoder/x"]
    with pytest.raises(ConfigError, match="inside a MultiOptimizer"):
        mapping["other"] = nf.optimizers.MultiOptimizer(nf.optimizers.OptimizerMap(rms))
    with pytest.raises(ConfigError, match="no learning rate"):
        nf.optimizers.MultiOptimizer(mapping).learning_rate


def test_multi_optimizer_fits_saves_and_resumes(tmp_path):
    nf.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = nf.Sequential([nf.Input((3,)), nf.layers.Dense(4, name="body"), nf.layers.Dense(1, name="out")])
    mapping = nf.optimizers.OptimizerMap(nf.optimizers.Adam(0.01), {"body/.*": nf.optimizers.SGD(0.05)})
    model.compile(optimizer=nf.optimizers.MultiOptimizer(mapping), loss="mse")
    history = model.fit(x, y, epochs=10, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.optimizer.iterations == 40
    model.save(tmp_path / "m.neuroflow")
    loaded = nf.models.load_model(tmp_path / "m.neuroflow")
    assert isinstance(loaded.optimizer, nf.optimizers.MultiOptimizer)
    assert [type(o).__name__ for o in loaded.optimizer.optimizers] == ["SGD", "Adam"]
    # resuming from the file continues exactly as the original does
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)


def test_callable_map_is_used_and_cannot_be_serialized():
    sgd, adam = nf.optimizers.SGD(0.1), nf.optimizers.Adam(0.1)
    opt = nf.optimizers.MultiOptimizer(lambda v: sgd if "a" in v.path else adam)
    a, b = Variable(np.ones(2, "float32"), name="a"), Variable(np.ones(2, "float32"), name="b")
    opt.apply([np.ones(2, "float32")] * 2, [a, b])
    np.testing.assert_allclose(a.numpy(), 0.9)
    np.testing.assert_allclose(b.numpy(), 0.9, rtol=1e-4)  # Adam's first step is lr * sign(g)
    assert sgd.iterations == adam.iterations == 1
    with pytest.raises(ConfigError, match="callable optimizer_map cannot be serialized"):
        opt.get_config()
