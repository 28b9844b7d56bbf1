"""Every loss against PyTorch (or the same formula written in torch where torch has no such loss): forward value
and gradient with respect to y_pred, for every reduction, with and without sample weights; float32 throughout."""
import zlib

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import losses
from tests.conftest import host

torch = pytest.importorskip("torch")
F = torch.nn.functional

N, D, C = 6, 4, 5
EPS = 1e-7


def _probs(rng, shape):
    return rng.uniform(0.05, 0.95, size=shape).astype(np.float32)


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


def _data(kind, rng):
    """(y_true, y_pred) numpy arrays for a kind of loss."""
    if kind == "regression":
        return rng.normal(size=(N, D)).astype(np.float32), rng.normal(size=(N, D)).astype(np.float32)
    if kind == "positive":
        return rng.uniform(0.1, 3, size=(N, D)).astype(np.float32), rng.uniform(0.1, 3, size=(N, D)).astype(np.float32)
    if kind == "binary":
        return rng.integers(0, 2, size=(N, D)).astype(np.float32), _probs(rng, (N, D))
    if kind == "logits":
        return rng.integers(0, 2, size=(N, D)).astype(np.float32), rng.normal(size=(N, D)).astype(np.float32) * 2
    if kind == "onehot":
        return np.eye(C, dtype=np.float32)[rng.integers(0, C, N)], _softmax(rng.normal(size=(N, C)))
    if kind == "onehot_logits":
        return np.eye(C, dtype=np.float32)[rng.integers(0, C, N)], rng.normal(size=(N, C)).astype(np.float32) * 2
    if kind == "soft_logits":
        return _softmax(rng.normal(size=(N, C))), rng.normal(size=(N, C)).astype(np.float32) * 2
    if kind == "sparse":
        return rng.integers(0, C, N), _softmax(rng.normal(size=(N, C)))
    if kind == "sparse_logits":
        return rng.integers(0, C, N), rng.normal(size=(N, C)).astype(np.float32) * 2
    if kind == "distribution":
        return _softmax(rng.normal(size=(N, C))), _softmax(rng.normal(size=(N, C)))
    if kind == "hinge01":
        return rng.integers(0, 2, size=(N, D)).astype(np.float32), rng.normal(size=(N, D)).astype(np.float32)
    if kind == "hinge_pm":
        return rng.choice([-1.0, 1.0], size=(N, D)).astype(np.float32), rng.normal(size=(N, D)).astype(np.float32)
    raise ValueError(kind)


def _onehot_ids(t):
    return torch.as_tensor(t).argmax(-1)


def _signed(t):
    return 2 * t - 1 if bool(((t == 0) | (t == 1)).all()) else t


# (id, neuroflow loss, data kind, torch per-sample function of (y_true tensor, y_pred tensor))
CASES = [
    ("mse", losses.MeanSquaredError(), "regression", lambda t, p: F.mse_loss(p, t, reduction="none").mean(-1)),
    ("mae", losses.MeanAbsoluteError(), "regression", lambda t, p: F.l1_loss(p, t, reduction="none").mean(-1)),
    ("huber", losses.Huber(), "regression", lambda t, p: F.huber_loss(p, t, reduction="none", delta=1.0).mean(-1)),
    ("huber_d0.5", losses.Huber(delta=0.5), "regression",
     lambda t, p: F.huber_loss(p, t, reduction="none", delta=0.5).mean(-1)),
    ("mape", losses.MeanAbsolutePercentageError(), "regression",
     lambda t, p: (100 * (t - p).abs() / t.abs().clamp_min(EPS)).mean(-1)),
    ("msle", losses.MeanSquaredLogarithmicError(), "positive",
     lambda t, p: ((p.clamp_min(EPS) + 1).log() - (t.clamp_min(EPS) + 1).log()).square().mean(-1)),
    ("log_cosh", losses.LogCosh(), "regression", lambda t, p: torch.cosh(p - t).log().mean(-1)),
    ("cosine", losses.CosineSimilarity(), "regression", lambda t, p: -F.cosine_similarity(p, t, dim=-1)),
    ("bce", losses.BinaryCrossentropy(), "binary",
     lambda t, p: F.binary_cross_entropy(p, t, reduction="none").mean(-1)),
    ("bce_smooth", losses.BinaryCrossentropy(label_smoothing=0.2), "binary",
     lambda t, p: F.binary_cross_entropy(p, t * 0.8 + 0.1, reduction="none").mean(-1)),
    ("bce_logits", losses.BinaryCrossentropy(from_logits=True), "logits",
     lambda t, p: F.binary_cross_entropy_with_logits(p, t, reduction="none").mean(-1)),
    ("bce_logits_smooth", losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), "logits",
     lambda t, p: F.binary_cross_entropy_with_logits(p, t * 0.9 + 0.05, reduction="none").mean(-1)),
    # Keras renormalises probabilities before the log: the torch reference does the same.
    ("cce", losses.CategoricalCrossentropy(), "onehot",
     lambda t, p: F.nll_loss((p / p.sum(-1, keepdim=True)).log(), _onehot_ids(t), reduction="none")),
    ("cce_logits", losses.CategoricalCrossentropy(from_logits=True), "onehot_logits",
     lambda t, p: F.cross_entropy(p, _onehot_ids(t), reduction="none")),
    ("cce_logits_smooth", losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), "onehot_logits",
     lambda t, p: F.cross_entropy(p, _onehot_ids(t), reduction="none", label_smoothing=0.1)),
    ("cce_soft_targets", losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2), "soft_logits",
     lambda t, p: F.cross_entropy(p, t, reduction="none", label_smoothing=0.2)),
    ("scce", losses.SparseCategoricalCrossentropy(), "sparse",
     lambda t, p: F.nll_loss((p / p.sum(-1, keepdim=True)).log(), t.long(), reduction="none")),
    ("scce_logits", losses.SparseCategoricalCrossentropy(from_logits=True), "sparse_logits",
     lambda t, p: F.cross_entropy(p, t.long(), reduction="none")),
    ("kld", losses.KLDivergence(), "distribution", lambda t, p: F.kl_div(p.log(), t, reduction="none").sum(-1)),
    ("poisson", losses.Poisson(), "positive",
     lambda t, p: F.poisson_nll_loss(p, t, log_input=False, full=False, eps=EPS, reduction="none").mean(-1)),
    ("hinge01", losses.Hinge(), "hinge01", lambda t, p: (1 - _signed(t) * p).clamp_min(0).mean(-1)),
    ("hinge_pm", losses.Hinge(), "hinge_pm", lambda t, p: (1 - t * p).clamp_min(0).mean(-1)),
    ("squared_hinge", losses.SquaredHinge(), "hinge01",
     lambda t, p: (1 - _signed(t) * p).clamp_min(0).square().mean(-1)),
    ("categorical_hinge", losses.CategoricalHinge(), "onehot_logits",
     lambda t, p: ((p * (1 - t)).max(-1).values - (p * t).sum(-1) + 1).clamp_min(0)),
]

REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", None]


def _torch_reduce(per, w, reduction):
    if w is not None:
        per = per * w
    if reduction is None:
        return per
    if reduction == "sum":
        return per.sum()
    if reduction == "mean_with_sample_weight" and w is not None:
        return per.sum() / w.sum()
    return per.sum() / per.numel()


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=lambda r: str(r))
@pytest.mark.parametrize("name,loss,kind,torch_fn", CASES, ids=[c[0] for c in CASES])
def test_value_and_gradient_match_torch(name, loss, kind, torch_fn, reduction, weighted):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    y_true, y_pred = _data(kind, rng)
    w = rng.uniform(0.2, 2.0, size=N).astype(np.float32) if weighted else None
    loss = type(loss).from_config({**loss.get_config(), "reduction": reduction})

    p = nf.Tensor(y_pred, requires_grad=True)
    out = loss(y_true, p, sample_weight=w)
    upstream = rng.normal(size=out.shape).astype(np.float32) if out.ndim else None
    out.backward(upstream)

    tp = torch.tensor(y_pred, requires_grad=True)
    ref = _torch_reduce(torch_fn(torch.as_tensor(y_true), tp), None if w is None else torch.as_tensor(w), reduction)
    ref.backward(None if upstream is None else torch.as_tensor(upstream))

    assert out.dtype == np.float32 and p.grad.dtype == np.float32
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_ignore_class_matches_torch_ignore_index():
    rng = np.random.default_rng(0)
    ids, z = _data("sparse_logits", rng)
    ids[[1, 4]] = 2
    w = rng.uniform(0.5, 2, N).astype(np.float32)
    for weights in (None, w):
        p = nf.Tensor(z, requires_grad=True)
        out = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)(ids, p, sample_weight=weights)
        out.backward()
        tz = torch.tensor(z, requires_grad=True)
        per = F.cross_entropy(tz, torch.as_tensor(ids), reduction="none", ignore_index=2)
        if weights is not None:
            per = per * torch.as_tensor(weights)
        ref = per.sum() / (ids != 2).sum()  # torch's mean: over the entries not ignored
        ref.backward()
        np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-5)
        np.testing.assert_allclose(p.grad, tz.grad.numpy(), rtol=1e-4, atol=1e-7)
    # An ignored id may lie outside the class range (e.g. -1 for padding).
    ids2 = np.where(ids == 2, -1, ids)
    a = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(ids2, z).item()
    b = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)(ids, z).item()
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_sequence_losses_with_per_sample_weights():
    """(N, T, C) predictions with (N, T) ids: one weight per sample spreads over its time steps."""
    rng = np.random.default_rng(1)
    z = rng.normal(size=(3, 4, C)).astype(np.float32)
    ids = rng.integers(0, C, size=(3, 4))
    w = np.array([1.0, 0.5, 2.0], np.float32)
    p = nf.Tensor(z, requires_grad=True)
    out = losses.SparseCategoricalCrossentropy(from_logits=True)(ids, p, sample_weight=w)
    out.backward()
    tz = torch.tensor(z, requires_grad=True)
    per = F.cross_entropy(tz.permute(0, 2, 1), torch.as_tensor(ids), reduction="none") * torch.as_tensor(w)[:, None]
    ref = per.mean()
    ref.backward()
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-5)
    np.testing.assert_allclose(p.grad, tz.grad.numpy(), rtol=1e-4, atol=1e-7)


def test_function_forms_return_per_sample_losses():
    rng = np.random.default_rng(2)
    t, p = _data("regression", rng)
    for fn in (losses.mse, losses.mae, losses.mape, losses.huber, losses.log_cosh, losses.cosine_similarity):
        assert fn(t, p).shape == (N,)
    tb, pb = _data("binary", rng)
    np.testing.assert_allclose(losses.binary_crossentropy(tb, pb).data,
                               F.binary_cross_entropy(torch.as_tensor(pb), torch.as_tensor(tb),
                                                      reduction="none").mean(-1).numpy(), rtol=1e-5)
    ids, probs = _data("sparse", rng)
    assert losses.sparse_categorical_crossentropy(ids, probs).shape == (N,)
    assert losses.categorical_crossentropy(np.eye(C)[ids], probs).shape == (N,)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(ids, probs).data,
                               losses.categorical_crossentropy(np.eye(C)[ids], probs).data, rtol=1e-6)
    assert losses.kld is losses.kl_divergence and losses.mse is losses.mean_squared_error


@pytest.mark.parametrize("loss,kind,act", [
    (losses.BinaryCrossentropy(), "logits", nf.ops.sigmoid),
    (losses.BinaryCrossentropy(label_smoothing=0.1, reduction="sum"), "logits", nf.ops.sigmoid),
    (losses.CategoricalCrossentropy(), "onehot_logits", nf.ops.softmax),
    (losses.CategoricalCrossentropy(label_smoothing=0.2), "onehot_logits", nf.ops.softmax),
    (losses.SparseCategoricalCrossentropy(), "sparse_logits", nf.ops.softmax),
], ids=["bce", "bce_smooth_sum", "cce", "cce_smooth", "scce"])
def test_with_logits_equals_probability_form(loss, kind, act):
    rng = np.random.default_rng(3)
    y, z = _data(kind, rng)
    w = rng.uniform(0.5, 2, N).astype(np.float32)
    fused = loss.with_logits()
    assert fused.from_logits and not loss.from_logits and type(fused) is type(loss)
    assert fused.reduction == loss.reduction and fused.name == loss.name
    z1, z2 = nf.Tensor(z, requires_grad=True), nf.Tensor(z, requires_grad=True)
    a = loss(y, act(z1), sample_weight=w)
    b = fused(y, z2, sample_weight=w)
    a.backward()
    b.backward()
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-5)
    np.testing.assert_allclose(z1.grad, z2.grad, rtol=1e-3, atol=1e-6)


def test_fusion_contract_attributes():
    assert losses.BinaryCrossentropy.fusable_activation == "sigmoid"
    assert losses.CategoricalCrossentropy.fusable_activation == "softmax"
    assert losses.SparseCategoricalCrossentropy.fusable_activation == "softmax"
    assert losses.MeanSquaredError.fusable_activation is None
    with pytest.raises(nf.errors.ConfigError):
        losses.MeanSquaredError().with_logits()


def test_fused_logits_stay_finite_where_probabilities_saturate():
    z = nf.Tensor(np.array([[40.0, -40.0, 0.0]], np.float32), requires_grad=True)
    out = losses.CategoricalCrossentropy(from_logits=True)(np.array([[0.0, 1.0, 0.0]]), z)
    out.backward()
    assert np.isclose(out.item(), 80.0, rtol=1e-5) and np.isfinite(host(z.grad)).all()


def test_keras_rank_rule_and_float32():
    rng = np.random.default_rng(4)
    t = rng.integers(0, 2, N).astype(np.float64)
    p = _probs(rng, (N, 1))
    w = rng.uniform(0.5, 2, (N, 1))  # float64 weights, (N, 1): no upcast, same as (N,)
    bce = losses.BinaryCrossentropy()
    a = bce(t, p, sample_weight=w)
    b = bce(t[:, None], p[:, 0], sample_weight=w[:, 0])
    c = bce(t[:, None], p, sample_weight=w)
    assert a.dtype == np.float32
    np.testing.assert_allclose([a.item(), b.item()], [c.item()] * 2, rtol=1e-6)
    # y_true may be a Tensor; its graph is ignored.
    d = bce(nf.Tensor(t[:, None], requires_grad=True), p, sample_weight=w)
    np.testing.assert_allclose(d.item(), c.item(), rtol=1e-6)
    # 1-D pairs: one loss per sample, so sample weights address samples (Keras would average them first).
    m = losses.MeanSquaredError(reduction=None)(np.arange(4.0), np.zeros(4, np.float32))
    np.testing.assert_allclose(m.data, [0, 1, 4, 9])


def test_empty_batch_gives_zero():
    out = losses.MeanSquaredError()(np.zeros((0, 3)), np.zeros((0, 3), np.float32))
    assert out.item() == 0.0


@pytest.mark.parametrize("loss,kind", [
    (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), "logits"),
    (losses.BinaryCrossentropy(), "binary"),
    (losses.CategoricalCrossentropy(from_logits=True), "onehot_logits"),
    (losses.SparseCategoricalCrossentropy(from_logits=True), "sparse_logits"),
])
def test_default_reduction_is_one_fused_node_equal_to_the_generic_path(loss, kind):
    rng = np.random.default_rng(0)
    y_true, y_pred = _data(kind, rng)
    fused_p, generic_p = nf.Tensor(y_pred, requires_grad=True), nf.Tensor(y_pred, requires_grad=True)
    fused = loss(y_true, fused_p)
    values = loss.call(nf.Tensor(y_true), generic_p)  # per-sample losses, reduced by hand
    reduced = nf.ops.sum(values) / values.size
    if loss.from_logits:
        assert fused._node.inputs[0] is fused_p  # one node, straight from the logits
    fused.backward()
    reduced.backward()
    np.testing.assert_allclose(fused.item(), reduced.item(), rtol=1e-6)
    np.testing.assert_allclose(fused_p.grad, generic_p.grad, rtol=1e-5, atol=1e-8)


def test_ignore_class_keeps_the_masked_mean_and_empty_batches_give_zero():
    ids = np.array([0, 2, 1, 2])
    z = np.random.default_rng(1).normal(size=(4, 3)).astype(np.float32)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)
    per = losses.sparse_categorical_crossentropy(ids, z, from_logits=True)
    np.testing.assert_allclose(loss(ids, z).item(), per.data[[0, 2]].mean(), rtol=1e-6)
    with pytest.raises(nf.errors.ConfigError, match="reduce_mean=True would count the ignored entries"):
        losses.sparse_categorical_crossentropy(ids, z, from_logits=True, ignore_class=2, reduce_mean=True)
    assert losses.BinaryCrossentropy(from_logits=True)(np.zeros((0, 1)), np.zeros((0, 1), np.float32)).item() == 0
