"""``TorchModuleWrapper``: a torch module's forward and backward inside neuroflow's graph, its parameters shared
with neuroflow Variables; PyTorch is the oracle. Also Keras' layers that wrap JAX, Flax or TensorFlow code, which
neuroflow refuses with a clear error."""
import sys

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError, DeviceError, MissingDependencyError

torch = pytest.importorskip("torch", reason="TorchModuleWrapper wraps PyTorch modules")

X = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")


def _module():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))


def test_forward_and_gradients_equal_torch():
    module = _module()
    layer = nf.layers.TorchModuleWrapper(module)
    assert len(layer.trainable_weights) == 4
    x = nf.Tensor(X, requires_grad=True)
    y = layer(x)
    nf.ops.sum(y * y).backward()
    xt = torch.from_numpy(X.copy()).requires_grad_(True)
    module.zero_grad()
    yt = module(xt)
    (yt * yt).sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-5, atol=1e-7)
    for v, p in zip(layer.trainable_weights, module.parameters()):
        np.testing.assert_allclose(v.grad, p.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_fit_updates_the_shared_parameters():
    module = _module()
    layer = nf.layers.TorchModuleWrapper(module)
    model = nf.Sequential([nf.Input((3,)), layer])
    model.compile(optimizer="adam", loss="mse")
    target = np.zeros((6, 2), "float32")
    history = model.fit(X, target, epochs=30, batch_size=6, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    with torch.no_grad():
        direct = module(torch.from_numpy(X.copy())).numpy()
    np.testing.assert_allclose(model.predict(X, verbose=0), direct, rtol=1e-5, atol=1e-6)  # the module sees it


def test_predict_records_no_torch_graph_and_config_is_refused():
    layer = nf.layers.TorchModuleWrapper(_module(), output_shape=(2,))
    with nf.no_grad():
        y = layer(X)
    assert not y.requires_grad
    assert layer.compute_output_shape((None, 3)) == (None, 2)
    with pytest.raises(ConfigError, match="torch module is Python code"):
        layer.get_config()
    with pytest.raises(ConfigError, match="torch.nn.Module"):
        nf.layers.TorchModuleWrapper(lambda t: t)


def test_without_torch_the_error_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingDependencyError, match="needs PyTorch"):
        nf.layers.TorchModuleWrapper(object())


@pytest.mark.parametrize("name,needs", [("JaxLayer", "JAX"), ("FlaxLayer", "Flax"), ("TFSMLayer", "TensorFlow")])
def test_foreign_framework_layers_raise_an_import_error(name, needs):
    with pytest.raises(ImportError, match=needs):
        getattr(nf.layers, name)(lambda x: x)


def test_legacy_names_raise():
    with pytest.raises(ImportError, match="keras.optimizers.Adam"):
        nf.optimizers.legacy.Adam(0.1)
    with pytest.raises(ImportError, match="tf_keras"):
        nf.legacy.saving.serialize_keras_object(nf.layers.Dense(2))


def test_training_flag_switches_train_and_eval():
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Dropout(0.5))
    layer = nf.layers.TorchModuleWrapper(module)
    model = nf.Sequential([nf.Input((3,)), layer])
    first, second = model.predict(X, verbose=0), model.predict(X, verbose=0)
    assert not module.training
    np.testing.assert_array_equal(first, second)  # eval(): no dropout
    layer(X, training=True)
    assert module.training


def test_a_device_is_refused_with_a_clear_error():
    # the module runs in PyTorch on host memory shared with the Variables: on another device the layer says so
    with nf.device("strict"):
        with pytest.raises(DeviceError, match=r"TorchModuleWrapper 'on_device'.*'cpu' device.*'strict'"):
            nf.layers.TorchModuleWrapper(_module(), name="on_device")
    with nf.device("cpu"):
        layer = nf.layers.TorchModuleWrapper(_module(), name="host")
    with nf.device("strict"):
        x = nf.Tensor(X)
    with pytest.raises(DeviceError, match=r"TorchModuleWrapper 'host'.*'strict'"):
        layer(x)
