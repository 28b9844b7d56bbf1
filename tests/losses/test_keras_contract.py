"""Keras 3's loss contract, checked against Keras itself (the oracle runs it on its torch backend).

For every pair of target/prediction shapes, sample-weight shape and reduction in the table, a built-in loss, a
custom loss *function* and a custom ``Loss`` *subclass* give Keras' value and shape: the ranks of a function's
``y_true``/``y_pred`` are aligned first (``squeeze_or_expand_to_same_rank``: a ``(N,)`` target meets a ``(N, 1)``
output as ``(N, 1)``), a subclass's ``call`` gets them as they are (as in Keras), and the weights are aligned,
broadcast and reduced as in ``keras/src/losses/loss.py``.

Two deliberate departures are left out of the table and pinned separately below: a built-in loss reads a 1-D pair
``(N,)``/``(N,)`` as ``(N, 1)``, one loss per sample (Keras averages it into one number that weights cannot
address), and weights ``(N,)`` for losses with more axes ``(N, T)`` weigh each sample's steps alike (Keras fails,
or broadcasts them against the last axis).
"""
import itertools
import warnings

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import losses, ops
from neuroflow.errors import NeuroflowError
from tests.keras_oracle import keras

N, T, D = 4, 3, 2

PAIRS = [((N,), (N, 1)), ((N, 1), (N,)), ((N, 1), (N, 1)), ((N, T, 1), (N, T)), ((N, T), (N, T, 1)),
         ((N, D), (N, D)), ((N,), (N,)), ((N, T, D), (N, T, D))]
WEIGHTS = [None, (N,), (N, 1), (N, T)]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", None]


def nf_custom(y_true, y_pred):
    """A user's loss function, written the way Keras' examples write it."""
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


class NFSubclass(losses.Loss):
    def call(self, y_true, y_pred):
        return ops.mean(ops.abs(y_pred - y_true), axis=-1)


@pytest.fixture(scope="module")
def k():
    return keras()


def _keras_losses(k):
    from keras.src.losses.losses import LossFunctionWrapper  # what Keras' compile wraps a loss function in

    def custom(y_true, y_pred):
        return k.ops.mean(k.ops.square(y_true - y_pred), axis=-1)

    class Subclass(k.losses.Loss):
        def call(self, y_true, y_pred):
            return k.ops.mean(k.ops.abs(y_true - y_pred), axis=-1)

    return {
        "mse": (lambda r: k.losses.MeanSquaredError(reduction=r), lambda r: losses.MeanSquaredError(reduction=r)),
        "mae": (lambda r: k.losses.MeanAbsoluteError(reduction=r), lambda r: losses.MeanAbsoluteError(reduction=r)),
        "bce": (lambda r: k.losses.BinaryCrossentropy(reduction=r),
                lambda r: losses.BinaryCrossentropy(reduction=r)),
        "huber": (lambda r: k.losses.Huber(reduction=r), lambda r: losses.Huber(reduction=r)),
        "custom_function": (lambda r: LossFunctionWrapper(custom, reduction=r),
                            lambda r: losses.LossFunctionWrapper(nf_custom, reduction=r)),
        "custom_subclass": (lambda r: Subclass(reduction=r), lambda r: NFSubclass(reduction=r)),
    }


def _data(kind, y_shape, p_shape, w_shape, seed):
    rng = np.random.default_rng(seed)
    if kind == "bce":
        y = rng.integers(0, 2, y_shape).astype("float32")
        p = rng.uniform(0.05, 0.95, p_shape).astype("float32")
    else:
        y = rng.normal(size=y_shape).astype("float32")
        p = rng.normal(size=p_shape).astype("float32")
    w = None if w_shape is None else rng.uniform(0.5, 2.0, w_shape).astype("float32")
    return y, p, w


def _departs_on_purpose(kind, y_shape, p_shape, w_shape, reduction):
    builtin = not kind.startswith("custom")
    one_d_pair = len(y_shape) == 1 and len(p_shape) == 1
    return builtin and one_d_pair and (w_shape is not None or reduction in ("sum", None))


@pytest.mark.parametrize("kind", ["mse", "mae", "bce", "huber", "custom_function", "custom_subclass"])
@pytest.mark.parametrize("y_shape,p_shape", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_loss_equals_keras(k, kind, y_shape, p_shape):
    keras_make, nf_make = _keras_losses(k)[kind]
    compared, mismatches = 0, []
    for seed, (w_shape, reduction) in enumerate(itertools.product(WEIGHTS, REDUCTIONS)):
        if w_shape == (N, T) and max(len(y_shape), len(p_shape)) < 3:
            continue
        if _departs_on_purpose(kind, y_shape, p_shape, w_shape, reduction):
            continue
        y, p, w = _data(kind, y_shape, p_shape, w_shape, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the unaligned-pair warning of a subclass: pinned below
            try:
                want = k.ops.convert_to_numpy(keras_make(reduction)(y, p, sample_weight=w))
            except Exception:  # Keras rejects the pair: so does neuroflow, with its own error (weights may spread)
                if w is None:
                    with pytest.raises(NeuroflowError):
                        nf_make(reduction)(y, p)
                continue
            got = nf_make(reduction)(y, p, sample_weight=w).numpy()
        compared += 1
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-5, atol=1e-6):
            mismatches.append(f"weights {w_shape}, reduction {reduction}: keras {want.shape} {np.round(want, 5)}, "
                              f"neuroflow {got.shape} {np.round(got, 5)}")
    assert not mismatches, "\n".join(mismatches)


def test_a_custom_loss_function_gets_aligned_ranks():
    seen = []

    def loss(y_true, y_pred):
        seen.append((tuple(y_true.shape), tuple(y_pred.shape)))
        return ops.mean(ops.square(y_pred - y_true), axis=-1)

    y, p = np.arange(4.0, dtype="float32"), np.zeros((4, 1), "float32")
    value = losses.get(loss)(y, p)
    assert seen == [((4, 1), (4, 1))]
    np.testing.assert_allclose(value.numpy(), np.mean(np.arange(4.0) ** 2), rtol=1e-6)


def test_a_loss_subclass_gets_the_pair_as_keras_does_and_a_warning():
    y, p = np.arange(4.0, dtype="float32"), np.zeros((4, 1), "float32")
    loss = NFSubclass()
    with pytest.warns(UserWarning, match=r"\(4,\).*\(4, 1\).*broadcasts to \(4, 4\).*align_ranks"):
        loss(y, p)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per loss object
        loss(y, p)


def test_builtin_losses_read_a_1d_pair_as_one_loss_per_sample():
    y, p = np.array([0.0, 1.0, 2.0], "float32"), np.array([1.0, 1.0, 0.0], "float32")
    per_sample = losses.MeanSquaredError(reduction=None)(y, p).numpy()
    np.testing.assert_allclose(per_sample, [1.0, 0.0, 4.0])
    w = np.array([1.0, 0.0, 0.5], "float32")
    np.testing.assert_allclose(losses.MeanSquaredError()(y, p, sample_weight=w).numpy(), (1.0 + 2.0) / 3)


def test_per_sample_weights_spread_over_time_steps():
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=(N, T, D)).astype("float32"), rng.normal(size=(N, T, D)).astype("float32")
    w = rng.uniform(0.5, 2.0, N).astype("float32")
    per_step = ((y - p) ** 2).mean(-1)
    got = losses.MeanSquaredError(reduction="sum")(y, p, sample_weight=w).numpy()
    np.testing.assert_allclose(got, (per_step * w[:, None]).sum(), rtol=1e-5)
    with pytest.raises(NeuroflowError, match=r"MeanSquaredError: sample_weight shape \(5,\) does not fit"):
        losses.MeanSquaredError()(y, p, sample_weight=np.ones(5, "float32"))


def test_scalar_loss_with_weights_is_weighted_as_in_keras():
    def batch_mean(y_true, y_pred):
        return ops.mean(ops.square(y_pred - y_true))

    y, p = np.ones((4, 1), "float32"), np.zeros((4, 1), "float32")
    w = np.array([1.0, 2.0, 3.0, 2.0], "float32")
    assert losses.get(batch_mean)(y, p, sample_weight=w).numpy() == pytest.approx(2.0)  # 1 * mean(w)


def test_compiled_custom_loss_evaluates_as_keras_with_1d_targets(k):
    """The measured bug: y (N,) against a (N, 1) output broadcast to (N, N) inside a custom loss."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 3)).astype("float32")
    y = rng.normal(size=10).astype("float32")
    w = rng.uniform(0.5, 2, 10).astype("float32")

    def k_loss(y_true, y_pred):
        return k.ops.mean(k.ops.square(y_true - y_pred), axis=-1)

    km = k.Sequential([k.Input((3,)), k.layers.Dense(1)])
    km.compile("sgd", k_loss)
    nm = nf.Sequential([nf.Input((3,)), nf.layers.Dense(1)])
    nm.compile("sgd", nf_custom)
    nm.set_weights(km.get_weights())
    for weights in (None, w):
        want = km.evaluate(x, y, sample_weight=weights, batch_size=4, verbose=0)
        got = nm.evaluate(x, y, sample_weight=weights, batch_size=4, verbose=0)
        assert got == pytest.approx(want, rel=1e-5)


def test_per_sample_weights_with_a_mask_over_time_steps():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, (N, T))
    y[0, 1] = y[2, 0] = 2  # the ignored class
    logits = rng.normal(size=(N, T, 3)).astype("float32")
    w = rng.uniform(0.5, 2.0, N).astype("float32")
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)
    per_step = losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)(y, logits).numpy()
    keep = y != 2
    want = (per_step * keep * w[:, None]).sum() / keep.sum()
    assert loss(y, logits, sample_weight=w).numpy() == pytest.approx(want, rel=1e-5)
