"""The fused cross-entropies from logits at extreme finite logits (±3e38 in float32, ±1e300 in float64): the loss
and its gradient equal a reference computed in extended precision and rounded to the dtype — never NaN, and inf
only where the exact loss lies beyond the dtype's range — with no floating-point warning."""
import warnings

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import losses
from neuroflow.ops import loss as L

WIDE = np.longdouble  # 80-bit on x86: range to 1e4932, so the reference itself never overflows


def reference_softmax_ce(y, z):
    """``sum(y * (logsumexp(z) - z))`` and its gradient ``softmax(z) * sum(y) - y`` in extended precision."""
    z, y = z.astype(WIDE), y.astype(WIDE)
    m = z.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(z - m).sum(axis=-1, keepdims=True)) + m
    loss = (y * (lse - z)).sum(axis=-1)
    grad = np.exp(z - lse) * y.sum(axis=-1, keepdims=True) - y
    return loss, grad


def reference_sigmoid_bce(y, z):
    z, y = z.astype(WIDE), y.astype(WIDE)
    loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    e = np.exp(-np.abs(z))  # the sigmoid without exp of a large positive number
    return loss, np.where(z >= 0, 1 / (1 + e), e / (1 + e)) - y


def rounded(ref, dtype):
    """The reference as the dtype can hold it (inf beyond its range), without an overflow warning."""
    with np.errstate(over="ignore"):
        return ref.astype(dtype)


def logits(dtype):
    big = 3e38 if dtype == "float32" else 1e300
    return np.array([[big, 0, -big], [-big, -big, -big], [big, big, -big], [1.0, 2.0, 3.0], [-big, 0.5, big]],
                    dtype)


TARGETS = np.array([[1, 0, 0], [0, 1, 0], [0.5, 0.5, 0], [0, 0, 1], [0.1, 0.1, 0.8]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_categorical_from_logits_matches_the_reference_at_extreme_logits(dtype):
    z_np, y = logits(dtype), TARGETS.astype(dtype)
    z = nf.Tensor(z_np, requires_grad=True, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = L.categorical_crossentropy(y, z, from_logits=True)
        out.sum().backward()
    ref, ref_grad = reference_softmax_ce(y, z_np)
    assert not np.isnan(out.numpy()).any() and np.isfinite(nf.backend.to_host(z.grad)).all()
    np.testing.assert_allclose(out.numpy(), rounded(ref, dtype), rtol=1e-6 if dtype == "float32" else 1e-12)
    np.testing.assert_allclose(z.grad, rounded(ref_grad, dtype), rtol=1e-6, atol=1e-7)
    # the row [big, 0, -big] with a one-hot target on the largest logit: exactly 0, as Keras' sparse form gives
    assert out.numpy()[0] == 0.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_categorical_loss_class_is_finite_where_the_exact_loss_is(dtype):
    big = 3e38
    z = np.array([[big, 0, -big]], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hard = losses.CategoricalCrossentropy(from_logits=True)(np.array([[1, 0, 0]], dtype), z)
        smooth = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)(np.array([[1, 0, 0]],
                                                                                             dtype), z)
    assert hard.item() == 0.0
    # label smoothing puts 0.1/3 on the class 2*big below the top: loss = 0.1/3 * 2 * big, finite
    assert np.isfinite(smooth.item()) and smooth.item() == pytest.approx(0.1 / 3 * 2 * big + 0.1 / 3 * big,
                                                                         rel=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sparse_from_logits_matches_the_reference_at_extreme_logits(dtype):
    z_np = logits(dtype)
    labels = np.array([0, 1, 1, 2, 2])
    z = nf.Tensor(z_np, requires_grad=True, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = L.sparse_categorical_crossentropy(labels, z, from_logits=True)
        out.sum().backward()
    ref, ref_grad = reference_softmax_ce(np.eye(3)[labels], z_np)
    assert not np.isnan(out.numpy()).any()
    np.testing.assert_allclose(out.numpy(), rounded(ref, dtype), rtol=1e-6 if dtype == "float32" else 1e-12)
    np.testing.assert_allclose(z.grad, rounded(ref_grad, dtype), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_from_logits_matches_the_reference_at_extreme_logits(dtype):
    big = 3e38 if dtype == "float32" else 1e300
    z_np = np.array([big, -big, big, -big, 0.0, 1e-3, -30.0, big], dtype)
    y = np.array([1, 0, 0, 1, 1, 0.3, 1, 0.3], dtype)
    z = nf.Tensor(z_np, requires_grad=True, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = L.binary_crossentropy(y, z, from_logits=True)
        out.backward(np.ones_like(z_np))  # (a sum of the losses would overflow by itself)
    ref, ref_grad = reference_sigmoid_bce(y, z_np)
    assert np.isfinite(out.numpy()).all() and np.isfinite(nf.backend.to_host(z.grad)).all()
    np.testing.assert_allclose(out.numpy(), rounded(ref, dtype), rtol=1e-6 if dtype == "float32" else 1e-12)
    np.testing.assert_allclose(z.grad, rounded(ref_grad, dtype), rtol=1e-6, atol=1e-7)


def test_ordinary_logits_are_unchanged_by_the_overflow_guard():
    """The halved form gives the textbook float32 loss on everyday logits, soft targets included."""
    rng = np.random.default_rng(0)
    z = rng.normal(0, 4, (64, 10)).astype("float32")
    y = rng.dirichlet(np.ones(10), 64).astype("float32")
    out = L.categorical_crossentropy(y, z, from_logits=True).numpy()
    m = z.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(z - m).sum(axis=-1, keepdims=True)) + m
    np.testing.assert_allclose(out, (y * (lse - z)).sum(axis=-1), rtol=1e-6)
