"""The focal, overlap, generalized, circle and CTC losses against Keras 3 (torch backend): values, configs,
errors, compile/fit."""
import numpy as np
import pytest

import neuroflow as nf
from tests.conftest import host
from neuroflow import losses
from neuroflow.errors import ConfigError, ShapeError
from tests.keras_oracle import keras

RNG = np.random.default_rng(7)
PROBS = RNG.uniform(0.05, 0.95, size=(6, 4)).astype("float32")
BINARY = (RNG.random((6, 4)) > 0.5).astype("float32")
LOGITS = RNG.normal(size=(6, 4)).astype("float32")
ONE_HOT = np.eye(4, dtype="float32")[RNG.integers(0, 4, 6)]
SOFT = (np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)).astype("float32")
IDS = RNG.integers(0, 4, 6)
EMB = RNG.normal(size=(6, 5)).astype("float32")
EMB /= np.linalg.norm(EMB, axis=1, keepdims=True)
EMB_IDS = np.array([0, 1, 0, 2, 1, 0])
CTC_LABELS = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [2, 0, 0, 0]])
CTC_LOGITS = RNG.normal(size=(3, 8, 4)).astype("float32")

CASES = [  # (class name, kwargs, y_true, y_pred)
    ("BinaryFocalCrossentropy", {}, BINARY, PROBS),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5, "from_logits": True,
                                 "label_smoothing": 0.1}, BINARY, LOGITS),
    ("CategoricalFocalCrossentropy", {}, ONE_HOT, SOFT),
    ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 3.0, "from_logits": True, "label_smoothing": 0.2},
     ONE_HOT, LOGITS),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.7}, IDS, SOFT),
    ("Dice", {}, BINARY, PROBS),
    ("Dice", {"axis": (1,)}, BINARY, PROBS),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": (1,)}, BINARY, PROBS),
    ("Tversky", {}, BINARY, PROBS),
    ("Circle", {}, EMB_IDS, EMB),
    ("Circle", {"gamma": 10.0, "margin": 0.25, "remove_diagonal": False}, EMB_IDS, EMB),
    ("CTC", {}, CTC_LABELS, CTC_LOGITS),
]


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", None])
@pytest.mark.parametrize("name, kwargs, y_true, y_pred", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras(name, kwargs, y_true, y_pred, reduction):
    k = keras()
    ours = getattr(losses, name)(reduction=reduction, **kwargs)(y_true, nf.Tensor(y_pred))
    theirs = getattr(k.losses, name)(reduction=reduction, **kwargs)(y_true, y_pred)
    np.testing.assert_allclose(ours.data, k.ops.convert_to_numpy(theirs), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("fn, kwargs, y_true, y_pred", [
    ("binary_focal_crossentropy", {"gamma": 2.0}, BINARY, PROBS),
    ("categorical_focal_crossentropy", {}, ONE_HOT, SOFT),
    ("categorical_generalized_cross_entropy", {"q": 0.5}, IDS, SOFT),
    ("dice", {"axis": (1,)}, BINARY, PROBS),
    ("tversky", {}, BINARY, PROBS),
    ("circle", {}, EMB_IDS, EMB),
    ("ctc", {}, CTC_LABELS, CTC_LOGITS),
])
def test_functions_match_keras(fn, kwargs, y_true, y_pred):
    k = keras()
    ours = getattr(losses, fn)(y_true, nf.Tensor(y_pred), **kwargs)
    theirs = getattr(k.losses, fn)(y_true, k.ops.convert_to_tensor(y_pred), **kwargs)
    np.testing.assert_allclose(ours.data, k.ops.convert_to_numpy(theirs), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name, kwargs, y_true, y_pred", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_config_round_trip_and_gradient(name, kwargs, y_true, y_pred):
    loss = getattr(losses, name)(**kwargs)
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is type(loss) and again.get_config() == loss.get_config()
    assert losses.get(loss.name).__class__ is type(loss)
    pred = nf.Tensor(y_pred, requires_grad=True)
    value = again(y_true, pred)
    value.backward()
    value, grad = host(value.data), host(pred.grad)
    assert np.isfinite(value) and np.all(np.isfinite(grad)) and np.any(grad != 0)


def test_bad_arguments_name_the_loss():
    with pytest.raises(ConfigError, match="q must be in the interval"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ConfigError, match="gamma"):
        losses.BinaryFocalCrossentropy(gamma=-1)
    with pytest.raises(ConfigError, match="label_smoothing"):
        losses.CategoricalFocalCrossentropy(label_smoothing=2)
    with pytest.raises(ShapeError, match="ctc: y_true"):
        losses.ctc(np.zeros(3), nf.Tensor(CTC_LOGITS))
    with pytest.raises(ShapeError, match="circle"):
        losses.circle(np.zeros(4), nf.Tensor(EMB))


def test_focal_with_gamma_zero_is_the_cross_entropy():
    focal = losses.binary_focal_crossentropy(BINARY, nf.Tensor(PROBS), gamma=0.0)
    plain = losses.binary_crossentropy(BINARY, nf.Tensor(PROBS))
    np.testing.assert_allclose(focal.data, plain.data, rtol=1e-6)


@pytest.mark.parametrize("loss", ["binary_focal_crossentropy", losses.Dice(), losses.Tversky(alpha=0.7, beta=0.3)])
def test_fit_lowers_the_loss(loss):
    nf.utils.set_random_seed(0)
    x = RNG.normal(size=(64, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = nf.Sequential([nf.layers.Input((3,)), nf.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=nf.optimizers.Adam(0.05), loss=loss)
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_ctc_fit_lowers_the_loss():
    nf.utils.set_random_seed(0)
    x = RNG.normal(size=(8, 6, 3)).astype("float32")
    y = np.array([[1, 2, 0], [2, 0, 0]] * 4)
    model = nf.Sequential([nf.layers.Input((6, 3)), nf.layers.Dense(4)])
    model.compile(optimizer=nf.optimizers.Adam(0.05), loss="ctc")
    history = model.fit(x, y, epochs=10, batch_size=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
