"""Every metric against scikit-learn (or NumPy where sklearn has no equivalent); streaming over batches equals one
shot; reset_state forgets."""
import math

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import metrics
from tests.conftest import ON_DEVICE, host

sk = pytest.importorskip("sklearn.metrics")

N, C = 240, 4


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def _stream(metric, y_true, y_pred, w=None, parts=(0, 50, 130, len)):
    """Feed the data in uneven batches; return the result."""
    metric.reset_state()
    bounds = [b if not callable(b) else len(y_true) for b in parts]
    for a, b in zip(bounds[:-1], bounds[1:]):
        metric.update_state(y_true[a:b], y_pred[a:b], None if w is None else w[a:b])
    return host(metric.result())


def _one_shot(metric, y_true, y_pred, w=None):
    metric.reset_state()
    metric.update_state(y_true, y_pred, w)
    return host(metric.result())


def _check(metric, y_true, y_pred, w, expected, **tol):
    tol = tol or {"rtol": 1e-6, "atol": 1e-9}
    one = _one_shot(metric, y_true, y_pred, w)
    many = _stream(metric, y_true, y_pred, w)
    np.testing.assert_allclose(one, expected, **tol)
    np.testing.assert_allclose(many, one, rtol=1e-9, atol=1e-12)
    metric.reset_state()
    assert metric.result() == 0.0 or metric.result() == [0.0] * len(np.atleast_1d(expected))


# --- accuracy -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
def test_accuracies(rng, weighted):
    w = rng.uniform(0.1, 2, N) if weighted else None
    y = rng.integers(0, 2, N)
    p = rng.uniform(size=(N, 1)).astype(np.float32)
    _check(metrics.BinaryAccuracy(), y, p, w, sk.accuracy_score(y, p[:, 0] > 0.5, sample_weight=w))
    _check(metrics.BinaryAccuracy(threshold=0.7), y[:, None], p, w,
           sk.accuracy_score(y, p[:, 0] > 0.7, sample_weight=w))

    ids = rng.integers(0, C, N)
    scores = rng.uniform(size=(N, C)).astype(np.float32)
    expected = sk.accuracy_score(ids, scores.argmax(1), sample_weight=w)
    _check(metrics.CategoricalAccuracy(), np.eye(C)[ids], scores, w, expected)
    _check(metrics.SparseCategoricalAccuracy(), ids, scores, w, expected)
    _check(metrics.SparseCategoricalAccuracy(), ids[:, None].astype(np.float32), scores, w, expected)
    _check(metrics.Accuracy(), ids, scores.argmax(1), w, expected)
    for k in (1, 2, 3):
        expected = sk.top_k_accuracy_score(ids, scores, k=k, labels=range(C), sample_weight=w)
        _check(metrics.TopKCategoricalAccuracy(k=k), np.eye(C)[ids], scores, w, expected)
        _check(metrics.SparseTopKCategoricalAccuracy(k=k), ids, scores, w, expected)


def test_accuracy_label_checks():
    with pytest.raises(nf.errors.DataError, match="sparse_categorical_accuracy"):
        metrics.CategoricalAccuracy().update_state(np.array([0, 1]), np.eye(3)[:2])
    with pytest.raises(nf.errors.DataError, match="one-hot"):
        metrics.SparseCategoricalAccuracy().update_state(np.eye(3)[:2], np.eye(3)[:2])


# --- confusion-based ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
def test_precision_recall_and_counts(rng, weighted):
    w = rng.uniform(0.1, 2, N) if weighted else None
    y = rng.integers(0, 2, N)
    p = rng.uniform(size=N)
    for t in (0.5, 0.3):
        pred = p > t
        _check(metrics.Precision(thresholds=t), y, p, w, sk.precision_score(y, pred, sample_weight=w))
        _check(metrics.Recall(thresholds=t), y, p, w, sk.recall_score(y, pred, sample_weight=w))
    tn, fp, fn, tp = sk.confusion_matrix(y, p > 0.5, sample_weight=w).ravel()
    _check(metrics.TruePositives(), y, p, w, tp)
    _check(metrics.FalsePositives(), y, p, w, fp)
    _check(metrics.TrueNegatives(), y, p, w, tn)
    _check(metrics.FalseNegatives(), y, p, w, fn)
    # A list of thresholds gives a list of results.
    ts = [0.2, 0.9, 0.5]
    _check(metrics.Precision(thresholds=ts), y, p, w, [sk.precision_score(y, p > t, sample_weight=w) for t in ts])


def test_precision_class_id_and_top_k(rng):
    ids = rng.integers(0, C, N)
    probs = rng.dirichlet(np.ones(C), N)
    onehot = np.eye(C)[ids]
    _check(metrics.Precision(class_id=2), onehot, probs, None, sk.precision_score(ids == 2, probs[:, 2] > 0.5))
    _check(metrics.Recall(class_id=1), onehot, probs, None, sk.recall_score(ids == 1, probs[:, 1] > 0.5))
    # top_k=1: each sample's best class is its one positive prediction -> precision = recall = accuracy.
    acc = sk.accuracy_score(ids, probs.argmax(1))
    _check(metrics.Precision(top_k=1), onehot, probs, None, acc)
    _check(metrics.Recall(top_k=1), onehot, probs, None, acc)


def test_precision_with_no_positive_prediction_is_zero():
    m = metrics.Precision()
    m.update_state([1, 0], [0.1, 0.2])
    assert m.result() == 0.0


def _bucket_centres(s):
    """Scores moved to the middle of AUC's threshold buckets (200 thresholds): the thresholded ROC is then exact."""
    return (np.minimum(np.floor(s * 199), 198) + 0.5) / 199


@pytest.mark.parametrize("weighted", [False, True])
def test_auc_roc_exact_on_bucket_centres(rng, weighted):
    w = rng.uniform(0.1, 2, N) if weighted else None
    y = rng.integers(0, 2, N)
    s = _bucket_centres(np.clip(rng.uniform(size=N) + 0.15 * y, 0, 1))
    _check(metrics.AUC(), y, s, w, sk.roc_auc_score(y, s, sample_weight=w), rtol=1e-9)


def test_auc_roc_close_to_sklearn_on_continuous_scores(rng):
    y = rng.integers(0, 2, 2000)
    s = 1 / (1 + np.exp(-(rng.normal(size=2000) + 1.2 * y)))
    # 200 thresholds: the interpolation error is a small fraction of a percent.
    _check(metrics.AUC(), y, s, None, sk.roc_auc_score(y, s), atol=3e-3)
    logits = np.log(s / (1 - s))
    np.testing.assert_allclose(_one_shot(metrics.AUC(from_logits=True), y, logits), _one_shot(metrics.AUC(), y, s),
                               atol=1e-12)


def test_auc_multi_label(rng):
    y = rng.integers(0, 2, (N, 3))
    s = _bucket_centres(rng.uniform(size=(N, 3)) * 0.8 + 0.2 * y)
    _check(metrics.AUC(multi_label=True), y, s, None, sk.roc_auc_score(y, s, average="macro"), rtol=1e-9)
    lw = np.array([1.0, 2.0, 0.5])
    per = [sk.roc_auc_score(y[:, j], s[:, j]) for j in range(3)]
    _check(metrics.AUC(multi_label=True, label_weights=lw), y, s, None, np.dot(per, lw) / lw.sum(), rtol=1e-9)
    # pooled (multi_label=False): every entry is one sample of one curve
    _check(metrics.AUC(), y, s, None, sk.roc_auc_score(y.ravel(), s.ravel()), rtol=1e-9)


def test_auc_pr(rng):
    y = rng.integers(0, 2, 3000)
    s = 1 / (1 + np.exp(-(rng.normal(size=3000) + 1.5 * y)))
    pr = metrics.AUC(curve="PR")
    value = _stream(pr, y, s)
    lo = _one_shot(metrics.AUC(curve="PR", summation_method="minoring"), y, s)
    hi = _one_shot(metrics.AUC(curve="PR", summation_method="majoring"), y, s)
    assert lo <= value <= hi
    assert value == pytest.approx(sk.average_precision_score(y, s), abs=0.02)
    perfect = metrics.AUC(curve="PR")
    perfect.update_state([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert host(perfect.result()) == pytest.approx(1.0)


def test_confusion_metrics_reject_logits():
    with pytest.raises(nf.errors.DataError, match="probabilities"):
        metrics.AUC().update_state([0, 1], [-2.0, 3.0])
    with pytest.raises(nf.errors.DataError, match="probabilities"):
        metrics.Precision().update_state([0, 1], [0.5, 1.5])


def test_confusion_matrix_matches_sklearn(rng):
    ids = rng.integers(0, C, N)
    probs = rng.dirichlet(np.ones(C), N)
    pred = probs.argmax(1)
    np.testing.assert_array_equal(metrics.confusion_matrix(ids, pred), sk.confusion_matrix(ids, pred))
    np.testing.assert_array_equal(metrics.confusion_matrix(np.eye(C)[ids], probs), sk.confusion_matrix(ids, pred))
    np.testing.assert_array_equal(metrics.confusion_matrix(ids, pred, num_classes=6),
                                  sk.confusion_matrix(ids, pred, labels=range(6)))
    w = rng.uniform(size=N)
    np.testing.assert_allclose(metrics.confusion_matrix(ids, pred, sample_weight=w),
                               sk.confusion_matrix(ids, pred, sample_weight=w))
    y = rng.integers(0, 2, N)
    p = rng.uniform(size=(N, 1))
    np.testing.assert_array_equal(metrics.confusion_matrix(y, p), sk.confusion_matrix(y, p[:, 0] > 0.5))
    assert metrics.confusion_matrix(ids, pred).dtype == np.int64
    with pytest.raises(nf.errors.DataError, match="num_classes"):
        metrics.confusion_matrix(ids, pred, num_classes=2)


# --- regression -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(N,), (N, 1), (N, 3)], ids=["1d", "col", "multi"])
def test_regression_metrics(rng, weighted, shape):
    w = rng.uniform(0.1, 2, N) if weighted else None
    t = rng.uniform(0.5, 3, shape).astype(np.float32)
    p = (t + rng.normal(0, 0.4, shape)).clip(0.01).astype(np.float32)
    tol = {"rtol": 1e-5}
    _check(metrics.MeanSquaredError(), t, p, w, sk.mean_squared_error(t, p, sample_weight=w), **tol)
    _check(metrics.MeanAbsoluteError(), t, p, w, sk.mean_absolute_error(t, p, sample_weight=w), **tol)
    _check(metrics.RootMeanSquaredError(), t, p, w, math.sqrt(sk.mean_squared_error(t, p, sample_weight=w)), **tol)
    _check(metrics.MeanAbsolutePercentageError(), t, p, w,
           100 * sk.mean_absolute_percentage_error(t, p, sample_weight=w), **tol)
    _check(metrics.MeanSquaredLogarithmicError(), t, p, w, sk.mean_squared_log_error(t, p, sample_weight=w), **tol)
    t2, p2 = t.reshape(N, -1).astype(np.float64), p.reshape(N, -1).astype(np.float64)
    logcosh = np.average(np.log(np.cosh(p2 - t2)).mean(1), weights=w)
    _check(metrics.LogCoshError(), t, p, w, logcosh, **tol)
    _check(metrics.R2Score(), t, p, w, sk.r2_score(t, p, sample_weight=w), **tol)


def test_r2_aggregations(rng):
    t = rng.normal(size=(N, 3)) * [1, 5, 0.2]
    p = t + rng.normal(0, 0.5, (N, 3))
    _check(metrics.R2Score(class_aggregation="variance_weighted_average"), t, p, None,
           sk.r2_score(t, p, multioutput="variance_weighted"), rtol=1e-9)
    _check(metrics.R2Score(class_aggregation=None), t, p, None, sk.r2_score(t, p, multioutput="raw_values"),
           rtol=1e-9)
    n, k = N, 2
    adjusted = 1 - (1 - sk.r2_score(t, p)) * (n - 1) / (n - k - 1)
    assert _one_shot(metrics.R2Score(num_regressors=k), t, p) == pytest.approx(adjusted)


def test_cosine_similarity_metric(rng):
    from sklearn.metrics.pairwise import cosine_similarity
    t, p = rng.normal(size=(N, 5)), rng.normal(size=(N, 5))
    _check(metrics.CosineSimilarity(), t, p, None, np.diag(cosine_similarity(t, p)).mean())


# --- loss-valued metrics --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
def test_crossentropy_and_hinge_metrics(rng, weighted):
    w = rng.uniform(0.1, 2, N) if weighted else None
    y = rng.integers(0, 2, N)
    p = rng.uniform(0.02, 0.98, (N, 1))
    tol = {"rtol": 1e-5}
    _check(metrics.BinaryCrossentropy(), y, p, w, sk.log_loss(y, p[:, 0], sample_weight=w), **tol)
    ids = rng.integers(0, C, N)
    probs = rng.dirichlet(np.ones(C), N)
    expected = sk.log_loss(ids, probs, sample_weight=w, labels=range(C))
    _check(metrics.SparseCategoricalCrossentropy(), ids, probs, w, expected, **tol)
    _check(metrics.CategoricalCrossentropy(), np.eye(C)[ids], probs, w, expected, **tol)
    scores = rng.normal(size=N)
    _check(metrics.Hinge(), y, scores, w, sk.hinge_loss(2 * y - 1, scores, sample_weight=w), **tol)
    dist = rng.dirichlet(np.ones(C), N)
    kl = np.average((dist * np.log(dist / probs)).sum(1), weights=w)
    _check(metrics.KLDivergence(), dist, probs, w, kl, **tol)


def test_mean_and_sum():
    m = metrics.Mean()
    m.update_state([1.0, 2.0, 3.0])
    m.update_state([[4.0, 6.0]], sample_weight=[2.0])  # one sample of value 5, weight 2
    assert host(m.result()) == pytest.approx((1 + 2 + 3 + 10) / 5)
    s = metrics.Sum()
    s.update_state([1.0, 2.0], sample_weight=[3.0, 0.5])
    s.update_state(4.0)
    assert host(s.result()) == pytest.approx(8.0)
    m.reset_state()
    s.reset_state()
    assert m.result() == 0.0 and s.result() == 0.0


def test_metrics_record_no_graph(rng):
    p = nf.Tensor(rng.uniform(size=(8, 1)).astype(np.float32), requires_grad=True)
    for m in (metrics.BinaryCrossentropy(), metrics.BinaryAccuracy(), metrics.MeanSquaredError()):
        m.update_state(rng.integers(0, 2, 8), p)
        result = m.result()
        if ON_DEVICE:  # a 0-d array on the data's device, read by the training loop with the other logs
            assert nf.backend.device_of(result) == nf.backend.device_of(p.data) and result.shape == ()
        else:
            assert isinstance(result, float)
    assert p.grad is None


# --- Keras' docstring values ----------------------------------------------------------------------------------------
def test_keras_docstring_values():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert host(m.result()) == pytest.approx(0.75)
    for cls in (metrics.Precision, metrics.Recall):
        m = cls()
        m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        assert host(m.result()) == pytest.approx(2 / 3)
        m.reset_state()
        m.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
        assert host(m.result()) == pytest.approx(1.0)
    m = metrics.Precision(top_k=2)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert m.result() == 0.0
    m = metrics.Precision(top_k=4)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert host(m.result()) == pytest.approx(0.5)
    m = metrics.TopKCategoricalAccuracy(k=1)
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert host(m.result()) == pytest.approx(0.5)
    m = metrics.R2Score()
    m.update_state([[1], [4], [3]], [[2], [4], [4]])
    assert host(m.result()) == pytest.approx(0.57142854)
    m = metrics.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    assert host(m.result()) == pytest.approx(0.75)
