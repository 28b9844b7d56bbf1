"""RBM and DBN on the strict stand-in device (issue #18): seeded training there equals the CPU's bit for bit (the
stand-in computes with NumPy and draws NumPy's values), the weights stay on the device, ``fit`` leaves it once per
epoch (the monitoring figures) and inference on device data not at all."""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import backend
from neuroflow.backends import strict
from neuroflow.errors import ShapeError
from neuroflow.models import DBN, RBM, load_model

pytestmark = pytest.mark.skipif(backend.get_device() != "cpu",
                                reason="compares the strict device with the CPU run; run without NEUROFLOW_DEVICE")

EPOCHS = 3


def _data(visible, n=90, features=12):
    """Binary patterns (bernoulli) or standardized correlated reals (gaussian): (n, features) float32."""
    r = np.random.default_rng(0)
    if visible == "bernoulli":
        protos = r.random((3, features)) < 0.5
        return (protos[r.integers(0, 3, n)] ^ (r.random((n, features)) < 0.05)).astype(np.float32)
    x = r.normal(size=(n, 3)) @ r.normal(size=(3, features)) + 0.3 * r.normal(size=(n, features))
    return ((x - x.mean(0)) / x.std(0)).astype(np.float32)


def _fit(visible, persistent, x):
    """A seeded RBM with momentum and weight decay, fit on the current device: (rbm, transfers, uploads)."""
    rbm = RBM(8, visible=visible, persistent=persistent, k=1, learning_rate=0.05, momentum=0.5, weight_decay=1e-4,
              batch_size=10, seed=3)
    with strict.counting() as c:
        rbm.fit(x, epochs=EPOCHS, verbose=0)
    return rbm, c.count, c.uploads


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("persistent", [False, True], ids=["cd1", "pcd"])
def test_rbm_fit_on_strict_equals_the_cpu_fit_and_leaves_the_device_once_per_epoch(visible, persistent):
    x = _data(visible)
    cpu, _, _ = _fit(visible, persistent, x)
    with nf.device("strict"):
        dev, transfers, uploads = _fit(visible, persistent, x)
    assert backend.device_of(dev._W) == "strict" and backend.device_of(dev._velocity[0]) == "strict"
    assert transfers == EPOCHS, "fit reads the monitoring figures once per epoch and nothing else"
    assert uploads == 1 + EPOCHS, "the data is copied over once, then one shuffle permutation per epoch"
    for a, b in zip(dev.get_weights(), cpu.get_weights()):
        assert type(a) is np.ndarray and a.dtype == np.float32  # get_weights reads to the host, as Keras does
        np.testing.assert_array_equal(a, b)
    assert dev.history == cpu.history and len(dev.history["reconstruction_error"]) == EPOCHS
    if persistent:
        np.testing.assert_array_equal(strict.asnumpy(dev._chains), cpu._chains)


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_inference_on_device_data_stays_there_and_equals_the_cpu(visible):
    x = _data(visible)
    cpu, _, _ = _fit(visible, True, x)
    with nf.device("strict"):
        dev, _, _ = _fit(visible, True, x)
        xd = backend.to_device(x)
    with strict.counting() as c:
        outputs = {"transform": dev.transform(xd), "reconstruct": dev.reconstruct(xd),
                   "free_energy": dev.free_energy(xd), "gibbs": dev.gibbs(xd, steps=2, seed=4)}
        if visible == "bernoulli":
            outputs["pseudo_likelihood"] = dev.pseudo_likelihood(xd, seed=5)
    assert c.count == 0, "inference on device data returns device arrays: no transfer"
    for name, out in outputs.items():
        assert backend.device_of(out) == "strict", name
        expected = getattr(cpu, name)(x, **({"steps": 2, "seed": 4} if name == "gibbs" else
                                            {"seed": 5} if name == "pseudo_likelihood" else {}))
        np.testing.assert_array_equal(strict.asnumpy(out), expected, err_msg=name)
    # Host data in, host data out (one read); sample() hands back host arrays, as Keras' predict does.
    with strict.counting() as c:
        h = dev.transform(x)
    assert type(h) is np.ndarray and c.count == 1
    np.testing.assert_array_equal(h, cpu.transform(x))
    s = dev.sample(6, steps=4, seed=7)
    assert type(s) is np.ndarray
    np.testing.assert_array_equal(s, cpu.sample(6, steps=4, seed=7))


def test_weights_io_and_checks_on_device(tmp_path):
    x = _data("bernoulli")
    with nf.device("strict"):
        rbm, _, _ = _fit("bernoulli", False, x)
        clone = RBM(8, seed=0)
        clone.set_weights([backend.to_device(w) for w in rbm.get_weights()])  # device arrays accepted
        rbm.save(tmp_path / "r.neuroflow")
        loaded = load_model(tmp_path / "r.neuroflow")
        assert backend.device_of(clone._W) == backend.device_of(loaded._W) == "strict"
        xd = backend.to_device(x)
        with strict.counting() as c, pytest.raises(ShapeError, match="expected 12 features"):
            rbm.transform(xd[:, :5])  # shape checks on device data read nothing
        assert c.count == 0
    assert type(rbm.W) is np.ndarray and rbm.W.shape == (12, 8)  # the attributes are host views
    for other in (clone, loaded):
        np.testing.assert_array_equal(strict.asnumpy(other.transform(xd)), strict.asnumpy(rbm.transform(xd)))
    # Built on strict, used after the block: it still computes there (host results for host data).
    np.testing.assert_array_equal(rbm.transform(x), strict.asnumpy(rbm.transform(xd)))


def _pretrain(x):
    """A seeded two-layer DBN pre-trained on the current device, then its seeded classifier fit and predicting
    there: (dbn, transfers while pre-training, classifier, fit losses, predictions)."""
    dbn = DBN([10, 6], learning_rate=0.05, momentum=0.5, seed=1)
    with strict.counting() as c:
        dbn.pretrain(x, epochs=[2, 3], verbose=0)
    nf.random.set_seed(0)
    model = dbn.to_classifier(3)
    model.compile("adam", "sparse_categorical_crossentropy")
    y = np.arange(len(x)) % 3
    loss = model.fit(x, y, batch_size=16, epochs=2, verbose=0).history["loss"]
    return dbn, c.count, model, loss, model.predict(x, verbose=0)


def test_dbn_pretrained_on_strict_equals_the_cpu_and_its_classifier_trains_there():
    x = _data("bernoulli")
    cpu, _, _, cpu_loss, cpu_predicted = _pretrain(x)
    with nf.device("strict"):
        dev, transfers, model, loss, predicted = _pretrain(x)
        xd = backend.to_device(x)
    assert transfers == 2 + 3, "pre-training leaves the device once per epoch of each layer"
    assert all(backend.device_of(rbm._W) == "strict" for rbm in dev.rbms)
    for a, b in zip(dev.get_weights(), cpu.get_weights()):
        np.testing.assert_array_equal(a, b)
    for h_dev, h_cpu in zip(dev.history, cpu.history):
        assert {k: v for k, v in h_dev.items() if k != "seconds"} == {k: v for k, v in h_cpu.items() if k != "seconds"}
    with strict.counting() as c:
        stages = dev.transform_all(xd)
    assert c.count == 0 and all(backend.device_of(s) == "strict" for s in stages)
    for s, expected in zip(stages, cpu.transform_all(x)):
        np.testing.assert_array_equal(strict.asnumpy(s), expected)
    assert {w.device for w in model.weights} == {"strict"}
    np.testing.assert_allclose(loss, cpu_loss, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(predicted, cpu_predicted, rtol=1e-5, atol=1e-6)
