"""Tests of neuroflow.models.rbm.RBM against exact enumeration on tiny models and against scikit-learn."""
import itertools
import json
import time

import numpy as np
import pytest

from neuroflow.errors import ConfigError, DataError, NotCompiledError, ShapeError
from neuroflow.models.rbm import RBM


# ---------------------------------------------------------------- brute-force helpers (float64)
def states(n):
    """All 2^n binary vectors, (2^n, n)."""
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def tiny_rbm(n_visible=4, units=3, scale=1.5, seed=0, **kw):
    """An RBM with fixed, fairly strong random weights so that p(v) is far from uniform."""
    r = np.random.default_rng(seed)
    rbm = RBM(units, seed=seed, **kw)
    rbm.set_weights([r.normal(0, scale, (n_visible, units)), r.normal(0, 1, n_visible), r.normal(0, 1, units)])
    return rbm


def exact_p_v(rbm=None, weights=None):
    """Exact p(v) over all visible states by summing exp(-E(v, h)) over all v and h (2^(n_v + n_h) terms)."""
    W, b, c = (np.asarray(w, np.float64) for w in (weights if rbm is None else rbm.get_weights()))
    V, H = states(W.shape[0]), states(W.shape[1])
    neg_energy = (V @ b)[:, None] + (H @ c)[None, :] + V @ W @ H.T  # (2^nv, 2^nh)
    joint = np.exp(neg_energy)
    return V, joint.sum(axis=1) / joint.sum()


def model_vh(rbm):
    """Exact <v h^T>, <v>, <h> under the model."""
    W, b, c = (w.astype(np.float64) for w in rbm.get_weights())
    V, p = exact_p_v(rbm)
    hp = sigmoid(V @ W + c)
    return (V * p[:, None]).T @ hp, p @ V, p @ hp


DATA = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 1]], np.float32)


# ---------------------------------------------------------------- exact statistics
def test_positive_phase_statistics_exact():
    rbm = tiny_rbm()
    W, b, c = (w.astype(np.float64) for w in rbm.get_weights())
    H = states(3)
    # p(h | v) by enumeration: exp(h.c + v W h) normalised over the 8 hidden states.
    logits = (H @ c)[None, :] + DATA.astype(np.float64) @ W @ H.T
    p_h = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    exact_vh = DATA.T.astype(np.float64) @ (p_h @ H) / len(DATA)
    ours = rbm.transform(DATA)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, p_h @ H, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(DATA.T @ ours / len(DATA), exact_vh, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("k", [1, 2])
def test_expected_cdk_update_equals_exact_expectation(k):
    rbm = tiny_rbm(seed=2, k=k)
    W, b, c = (w.astype(np.float64) for w in rbm.get_weights())
    V, H = states(4), states(3)
    v0 = DATA.astype(np.float64)

    def bernoulli_table(probs, values):  # p(values | probs) for every pair of rows, factorised over units
        return np.prod(np.where(values[None] == 1, probs[:, None], 1 - probs[:, None]), axis=2)

    # Exact CD-k: v0 -> h0 ~ p(h|v0) -> v1 ~ p(v|h0) ... -> vk; negative statistic vk p(h|vk)^T.
    T = bernoulli_table(sigmoid(V @ W + c), H) @ bernoulli_table(sigmoid(H @ W.T + b), V)  # (16, 16) v -> v'
    idx = (v0 @ (2 ** np.arange(3, -1, -1))).astype(int)
    q = np.linalg.matrix_power(T, k)[idx].mean(axis=0)  # distribution of vk over the data
    hp = sigmoid(V @ W + c)
    neg_vh, neg_v, neg_h = (V * q[:, None]).T @ hp, q @ V, q @ hp
    ph = sigmoid(v0 @ W + c)
    pos_vh, pos_v, pos_h = v0.T @ ph / len(v0), v0.mean(0), ph.mean(0)
    # Monte Carlo average of our CD-k estimate over 100000 chains (the data tiled), one vectorised batch.
    batch = np.tile(DATA, (25000, 1))
    dW, db_v, db_h = rbm._gradients(batch, np.random.default_rng(1))
    assert dW.dtype == db_v.dtype == db_h.dtype == np.float32
    np.testing.assert_allclose(dW, pos_vh - neg_vh, atol=0.01)
    np.testing.assert_allclose(db_v, pos_v - neg_v, atol=0.01)
    np.testing.assert_allclose(db_h, pos_h - neg_h, atol=0.01)
    # CD-k is not the exact gradient (the chain has not mixed): the test distinguishes k=1 from k=2.
    other = np.linalg.matrix_power(T, 3 - k)[idx].mean(axis=0)
    assert np.abs((V * other[:, None]).T @ hp - neg_vh).max() > 0.05


def test_exact_loglik_gradient_matches_long_chain_and_pcd_estimates():
    rbm = tiny_rbm()
    W, b, c = (w.astype(np.float64) for w in rbm.get_weights())
    v0 = DATA.astype(np.float64)
    ph = sigmoid(v0 @ W + c)
    m_vh, m_v, m_h = model_vh(rbm)
    exact = v0.T @ ph / len(v0) - m_vh  # d/dW of the mean log-likelihood, all 2^(4+3) states enumerated
    # Check the enumeration itself against finite differences of the exact mean log-likelihood.
    def mean_loglik(Wm):  # float64 throughout
        V, p = exact_p_v(weights=[Wm, b, c])
        idx = (v0 @ (2 ** np.arange(3, -1, -1))).astype(int)
        return np.log(p[idx]).mean()
    eps, num = 1e-5, np.zeros_like(W)
    for i, j in np.ndindex(*W.shape):
        Wp, Wn = W.copy(), W.copy()
        Wp[i, j] += eps
        Wn[i, j] -= eps
        num[i, j] = (mean_loglik(Wp) - mean_loglik(Wn)) / (2 * eps)
    np.testing.assert_allclose(exact, num, atol=1e-6)
    # Long Gibbs chains: model statistics from samples after 200 steps.
    v = rbm.sample(20000, steps=200, seed=3)
    chain = v0.T @ ph / len(v0) - v.T @ rbm.transform(v).astype(np.float64) / len(v)
    np.testing.assert_allclose(chain, exact, atol=0.02)
    # PCD with frozen weights: the persistent particles must carry over between calls to reach equilibrium
    # (restarting from h = 0 each call would give a biased, 1-step estimate).
    pcd = tiny_rbm(persistent=True, batch_size=20000)
    rng = np.random.default_rng(4)
    for _ in range(60):
        dW, db_v, db_h = pcd._gradients(DATA, rng)
    np.testing.assert_allclose(dW, exact, atol=0.02)
    np.testing.assert_allclose(db_v, v0.mean(0) - m_v, atol=0.02)
    np.testing.assert_allclose(db_h, ph.mean(0) - m_h, atol=0.02)


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_free_energy_matches_brute_force(visible):
    rbm = tiny_rbm(visible=visible)
    W, b, c = (w.astype(np.float64) for w in rbm.get_weights())
    H = states(3)
    if visible == "bernoulli":
        V = states(4)
        neg_e = (V @ b)[:, None] + (H @ c)[None, :] + V @ W @ H.T
    else:
        V = np.random.default_rng(5).normal(0, 1.5, (10, 4))
        neg_e = -0.5 * ((V - b) ** 2).sum(1)[:, None] + (H @ c)[None, :] + V @ W @ H.T
    exact = -np.log(np.exp(neg_e).sum(axis=1))
    ours = rbm.free_energy(V.astype(np.float32))
    assert ours.shape == (len(V),) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, exact, rtol=1e-5, atol=1e-5)
    # Stable for large activations (naive log(1 + exp(x)) overflows to inf here).
    big = tiny_rbm(scale=200.0, visible=visible)
    assert np.all(np.isfinite(big.free_energy(states(4).astype(np.float32))))


def test_gibbs_chains_reach_exact_distribution():
    rbm = tiny_rbm()
    V, p = exact_p_v(rbm)
    v = rbm.sample(40000, steps=60, seed=6)
    assert v.shape == (40000, 4) and v.dtype == np.float32
    assert set(np.unique(v)) <= {0.0, 1.0}
    idx = (v @ (2 ** np.arange(3, -1, -1))).astype(int)
    empirical = np.bincount(idx, minlength=16) / len(v)
    tv = 0.5 * np.abs(empirical - p).sum()
    assert tv < 0.02, tv
    assert 0.5 * np.abs(np.full(16, 1 / 16) - p).sum() > 0.1  # the target is far from uniform: the test can fail
    # gibbs() from data: many steps from the data forget the start and reach p(v) too.
    g = rbm.gibbs(np.tile(DATA, (10000, 1)), steps=60, seed=7)
    idx = (g @ (2 ** np.arange(3, -1, -1))).astype(int)
    assert 0.5 * np.abs(np.bincount(idx, minlength=16) / len(g) - p).sum() < 0.02


def test_pseudo_likelihood_formula():
    rbm = tiny_rbm()
    v = states(4).astype(np.float32)
    ours = rbm.pseudo_likelihood(v, seed=8)
    j = np.random.default_rng(8).integers(0, 4, size=len(v))  # the same draws as inside
    flipped = v.copy()
    flipped[np.arange(len(v)), j] = 1 - flipped[np.arange(len(v)), j]
    F, Ff = rbm.free_energy(v).astype(np.float64), rbm.free_energy(flipped).astype(np.float64)
    np.testing.assert_allclose(ours, 4 * np.log(sigmoid(Ff - F)), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- against scikit-learn
def digits():
    datasets = pytest.importorskip("sklearn.datasets")
    x = datasets.load_digits().data.astype(np.float32)
    return x / 16.0


def test_pseudo_likelihood_comparable_to_sklearn_on_digits():
    neural_network = pytest.importorskip("sklearn.neural_network")
    x = digits()
    t0 = time.perf_counter()
    theirs = neural_network.BernoulliRBM(n_components=64, learning_rate=0.06, n_iter=10, batch_size=10,
                                         random_state=0).fit(x)
    t_sklearn = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = RBM(64, learning_rate=0.06, persistent=True, batch_size=10, seed=0).fit(x, epochs=10, verbose=0)
    t_ours = time.perf_counter() - t0
    their_score = float(np.mean(theirs.score_samples(x)))
    our_score = float(np.mean(ours.pseudo_likelihood(x, seed=0)))
    print(f"\ndigits 64 hidden, 10 epochs: neuroflow {t_ours:.2f}s (PLL {our_score:.2f}), "
          f"sklearn {t_sklearn:.2f}s (PLL {their_score:.2f})")
    assert our_score > their_score or abs(our_score - their_score) < 0.15 * abs(their_score)
    # Training improved on the untrained model by a clear margin.
    untrained = RBM(64, seed=0)
    untrained.build(64)
    assert our_score > float(np.mean(untrained.pseudo_likelihood(x, seed=0))) + 5
    assert len(ours.history["pseudo_log_likelihood"]) == 10


# ---------------------------------------------------------------- training behaviour
def patterns(n=300, seed=0):
    """Binary data from 3 prototypes of 16 bits with 5% flipped bits."""
    r = np.random.default_rng(seed)
    protos = r.random((3, 16)) < 0.5
    x = protos[r.integers(0, 3, n)]
    return (x ^ (r.random(x.shape) < 0.05)).astype(np.float32)


def untrained_error(rbm, x):
    fresh = RBM(**rbm.get_config())
    fresh.build(x.shape[1])
    return float(np.mean((x - fresh.reconstruct(x)) ** 2))


@pytest.mark.parametrize("kw", [dict(), dict(persistent=True, k=2), dict(momentum=0.5, weight_decay=1e-4)])
def test_training_reduces_reconstruction_error(kw):
    x = patterns()
    rbm = RBM(16, learning_rate=0.1, seed=1, **kw).fit(x, epochs=15, verbose=0)
    err = rbm.history["reconstruction_error"]
    assert len(err) == 15 and err[-1] < err[0]
    assert err[-1] < 0.3 * untrained_error(rbm, x)
    assert np.isclose(err[-1], np.mean((x - rbm.reconstruct(x)) ** 2), rtol=1e-4)
    assert rbm.W.dtype == rbm.b_visible.dtype == rbm.b_hidden.dtype == np.float32
    assert rbm.W.shape == (16, 16) and rbm.n_visible == 16
    if kw.get("persistent"):
        assert rbm._chains.shape == (rbm.batch_size, 16)


def test_gaussian_visible_units_on_standardized_data():
    r = np.random.default_rng(2)
    x = r.normal(size=(400, 3)) @ r.normal(size=(3, 12)) + 0.3 * r.normal(size=(400, 12))
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    rbm = RBM(24, visible="gaussian", learning_rate=0.005, momentum=0.5, seed=3).fit(x, epochs=20, verbose=0)
    err = rbm.history["reconstruction_error"]
    assert "pseudo_log_likelihood" not in rbm.history
    assert err[-1] < err[0] and err[-1] < 0.6 * untrained_error(rbm, x)
    s = rbm.sample(5, steps=10, seed=0)
    assert s.shape == (5, 12) and s.dtype == np.float32 and np.all(np.isfinite(s))
    with pytest.raises(ConfigError, match="bernoulli"):
        rbm.pseudo_likelihood(x)


def test_reproducible_with_seed():
    x = patterns()
    a = RBM(8, seed=5, persistent=True).fit(x, epochs=3, verbose=0)
    b = RBM(8, seed=5, persistent=True).fit(x, epochs=3, verbose=0)
    c = RBM(8, seed=6, persistent=True).fit(x, epochs=3, verbose=0)
    np.testing.assert_array_equal(a.W, b.W)
    assert a.history == b.history
    assert not np.array_equal(a.W, c.W)
    np.testing.assert_array_equal(a.sample(4, steps=5, seed=1), b.sample(4, steps=5, seed=1))


def test_config_weights_roundtrip_and_images():
    x = patterns().reshape(-1, 4, 4)  # image-shaped input is flattened
    rbm = RBM(6, seed=0, name="r").fit(x, epochs=2, verbose=0)
    config = json.loads(json.dumps(rbm.get_config()))
    clone = RBM.from_config(config)
    clone.set_weights(rbm.get_weights())
    np.testing.assert_array_equal(clone.transform(x), rbm.transform(x))
    assert clone.transform(x).shape == (len(x), 6)
    assert config["units"] == 6 and config["name"] == "r"


def test_plot_filters(tmp_path):
    pytest.importorskip("matplotlib")
    rbm = RBM(10, seed=0).fit(patterns().reshape(-1, 4, 4), epochs=1, verbose=0)
    path = tmp_path / "filters.png"
    rbm.plot_filters(path, n=9)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ShapeError, match="5"):
        rbm.plot_filters(shape=(5, 5))


@pytest.mark.parametrize("verbose,hide_tqdm", [(2, False), (1, True)])
def test_progress_lines(capsys, monkeypatch, verbose, hide_tqdm):
    if hide_tqdm:  # verbose=1 without tqdm falls back to one printed line per epoch
        monkeypatch.setitem(__import__("sys").modules, "tqdm.auto", None)
    RBM(4, seed=0).fit(patterns(), epochs=3, verbose=verbose)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch")]
    assert len(lines) == 3 and "reconstruction_error" in lines[0] and "pseudo_log_likelihood" in lines[0]
    RBM(4, seed=0).fit(patterns(), epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


# ---------------------------------------------------------------- errors
def test_errors():
    with pytest.raises(ConfigError, match="bernoulli.*gaussian|gaussian.*bernoulli"):
        RBM(4, visible="binary")
    with pytest.raises(ConfigError, match="units"):
        RBM(0)
    with pytest.raises(ConfigError, match="momentum"):
        RBM(4, momentum=1.5)
    rbm = RBM(4, seed=0)
    with pytest.raises(NotCompiledError, match="fit"):
        rbm.transform(np.zeros((2, 3)))
    rbm.fit(patterns(), epochs=1, verbose=0)
    with pytest.raises(ShapeError, match="expected 16 features.*got 12"):
        rbm.fit(np.zeros((5, 12)), verbose=0)
    with pytest.raises(ShapeError, match="16.*got 12"):
        rbm.transform(np.zeros((5, 12)))
    with pytest.raises(DataError, match=r"\[0, 255\]"):
        RBM(4).fit(np.array([[0, 255], [3, 4]]), verbose=0)
    with pytest.raises(DataError, match="NaN"):
        RBM(4, visible="gaussian").fit(np.array([[0.0, np.nan]]), verbose=0)
    with pytest.raises(ShapeError, match="W must have shape"):
        rbm.set_weights([np.zeros((16, 5)), np.zeros(16), np.zeros(4)])


def test_rbm_and_dbn_saved_and_loaded_like_any_model(tmp_path):
    import neuroflow as nf
    from neuroflow.errors import SavingError
    from neuroflow.models import DBN, RBM, load_model

    rng = np.random.default_rng(0)
    x = (rng.random((40, 12)) > 0.5).astype(np.float32)
    rbm = RBM(5, seed=1).fit(x, epochs=2, verbose=0)
    rbm.save(tmp_path / "r.neuroflow")
    again = load_model(tmp_path / "r.neuroflow")
    assert isinstance(again, RBM) and again.get_config() == rbm.get_config()
    np.testing.assert_array_equal(again.transform(x), rbm.transform(x))
    dbn = DBN([6, 4], seed=0).pretrain(x, epochs=1, verbose=0)
    dbn.save(tmp_path / "d.neuroflow")
    np.testing.assert_array_equal(load_model(tmp_path / "d.neuroflow").transform(x), dbn.transform(x))
    data = bytearray((tmp_path / "r.neuroflow").read_bytes())
    (tmp_path / "bad.neuroflow").write_bytes(bytes(data[:-40]))
    with pytest.raises(SavingError):
        load_model(tmp_path / "bad.neuroflow")
    assert nf.models.RBM is RBM
