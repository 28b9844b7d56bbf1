"""Tests of neuroflow.models.dbn.DBN: greedy pre-training, exact weight transfer to a Sequential, fine-tuning,
configuration and file round trips, and the errors a user can cause."""
import json
import zipfile

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError, DataError, NotCompiledError, SavingError, ShapeError
from neuroflow.models.dbn import DBN
from neuroflow.models.sequential import Sequential
from tests.conftest import host


@pytest.fixture(scope="module")
def digits():
    """sklearn's 8x8 digits scaled to [0, 1]: (1797, 64) float32 and labels (1797,)."""
    datasets = pytest.importorskip("sklearn.datasets")
    d = datasets.load_digits()
    return (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)


@pytest.fixture(scope="module")
def pretrained(digits):
    x, _ = digits
    return DBN([48, 24], learning_rate=0.05, seed=0).pretrain(x, epochs=10, verbose=0)


def patterns(n=200, seed=0):
    """Binary data from 4 prototypes of 16 pixels with 5% of the pixels flipped: (n, 16) float32."""
    r = np.random.default_rng(seed)
    protos = r.random((4, 16)) < 0.5
    x = protos[r.integers(0, 4, n)] ^ (r.random((n, 16)) < 0.05)
    return x.astype(np.float32)


def mse(rbm, v):
    return float(((v - rbm.reconstruct(v)) ** 2).mean())


# ---------------------------------------------------------------- construction and pre-training
def test_stack_of_rbms_and_shared_arguments():
    dbn = DBN([8, 6, 4], visible="gaussian", k=2, persistent=True, learning_rate=0.01, momentum=0.5,
              weight_decay=1e-4, batch_size=5, seed=3, name="deep")
    assert [r.units for r in dbn.rbms] == [8, 6, 4]
    assert [r.visible for r in dbn.rbms] == ["gaussian", "bernoulli", "bernoulli"]  # upper RBMs see probabilities
    assert [r.seed for r in dbn.rbms] == [3, 4, 5]
    assert [r.name for r in dbn.rbms] == ["deep_rbm_0", "deep_rbm_1", "deep_rbm_2"]
    for r in dbn.rbms:
        assert (r.k, r.persistent, r.learning_rate, r.momentum, r.weight_decay, r.batch_size) == \
            (2, True, 0.01, 0.5, 1e-4, 5)
    assert not dbn.built and dbn.n_visible is None


def check_reconstruction_improved(dbn, untrained, x, epochs):
    """Every RBM reconstructs its own training input better than the same RBM before training."""
    inputs = [x] + dbn.transform_all(x)[:-1]  # what each RBM was trained on
    for i, (rbm, before, v) in enumerate(zip(dbn.rbms, untrained.rbms, inputs)):
        assert mse(rbm, v) < 0.6 * mse(before, v), f"RBM {i}"
        history = dbn.history[i]
        assert len(history["reconstruction_error"]) == epochs and history["seconds"] >= 0
        assert history["reconstruction_error"][-1] < history["reconstruction_error"][0]


def test_pretraining_lowers_every_rbms_reconstruction_error_on_patterns():
    x = patterns()
    dbn = DBN([12, 8], learning_rate=0.1, seed=1)
    untrained = DBN([12, 8], seed=1).build(x.shape[1])  # the same seed draws the same initial weights
    assert dbn.pretrain(x, epochs=20, verbose=0) is dbn
    check_reconstruction_improved(dbn, untrained, x, 20)


def test_pretraining_lowers_every_rbms_reconstruction_error_on_digits(pretrained, digits):
    check_reconstruction_improved(pretrained, DBN([48, 24], seed=0).build(64), digits[0], 10)


def test_transform_chains_the_hidden_probabilities(pretrained, digits):
    x, _ = digits
    stages = pretrained.transform_all(x[:50])
    assert [s.shape for s in stages] == [(50, 48), (50, 24)] and all(s.dtype == np.float32 for s in stages)
    np.testing.assert_array_equal(stages[0], pretrained.rbms[0].transform(x[:50]))
    np.testing.assert_array_equal(stages[1], pretrained.rbms[1].transform(stages[0]))
    np.testing.assert_array_equal(pretrained.transform(x[:50]), stages[1])
    # Images (N, 8, 8) are flattened like the RBM does.
    np.testing.assert_array_equal(pretrained.transform(x[:50].reshape(50, 8, 8)), stages[1])


def test_per_layer_epochs_and_verbose_header(capsys):
    dbn = DBN([6, 4], seed=0).pretrain(patterns(40), epochs=[2, 3], verbose=2)
    assert [len(h["reconstruction_error"]) for h in dbn.history] == [2, 3]
    out = capsys.readouterr().out
    assert "pre-training RBM 1/2 (16 -> 6 units, 2 epochs)" in out
    assert "pre-training RBM 2/2 (6 -> 4 units, 3 epochs)" in out
    DBN([6, 4], seed=0).pretrain(patterns(40), epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_pretraining_is_reproducible_with_a_seed():
    a = DBN([6, 4], seed=7).pretrain(patterns(60), epochs=2, verbose=0)
    b = DBN([6, 4], seed=7).pretrain(patterns(60), epochs=2, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


# ---------------------------------------------------------------- DBN -> Sequential
def test_to_classifier_copies_the_weights_exactly(pretrained, digits):
    x, _ = digits
    model = pretrained.to_classifier(10)
    assert isinstance(model, Sequential) and isinstance(model, nf.Sequential)
    assert [l.units for l in model.layers] == [48, 24, 10]
    assert [l.get_config()["activation"] for l in model.layers] == ["sigmoid", "sigmoid", "softmax"]
    for layer, rbm in zip(model.layers[:-1], pretrained.rbms):
        kernel, bias = layer.get_weights()
        assert kernel.dtype == np.float32 and bias.dtype == np.float32
        np.testing.assert_array_equal(kernel, rbm.W)  # bit-identical
        np.testing.assert_array_equal(bias, rbm.b_hidden)
    # The classifier owns copies: fine-tuning must not change the DBN.
    model.layers[0].kernel.assign(np.zeros((64, 48), np.float32))
    assert np.abs(pretrained.rbms[0].W).max() > 0
    # A fresh classifier's hidden layers compute transform_all, stage by stage.
    model = pretrained.to_classifier(10)
    h = x[:100]
    for layer, expected in zip(model.layers[:-1], pretrained.transform_all(x[:100])):
        h = host(layer(nf.Tensor(h)))
        assert h.dtype == np.float32
        np.testing.assert_allclose(h, expected, rtol=1e-6, atol=1e-6)
    probs = model.predict(x[:100], verbose=0)
    assert probs.shape == (100, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_output_layer_is_freshly_initialised(pretrained):
    a, b = pretrained.to_classifier(3), pretrained.to_classifier(2, activation="sigmoid")
    kernel, bias = a.layers[-1].get_weights()
    assert kernel.shape == (24, 3) and np.abs(kernel).max() > 0 and not bias.any()  # glorot kernel, zero bias
    assert b.layers[-1].units == 2 and b.layers[-1].get_config()["activation"] == "sigmoid"


def test_pretrained_classifier_fine_tunes(pretrained, digits):
    x, y = digits
    nf.utils.set_random_seed(0)
    model = pretrained.to_classifier(10)
    model.compile(optimizer=nf.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x[:1200], y[:1200], epochs=10, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(x[1200:], y[1200:], verbose=0)
    assert accuracy > 0.6  # chance is 0.1; about 0.9 in practice


def test_build_gives_an_untrained_classifier():
    model = DBN([5, 3], seed=0).build(7).to_classifier(2)
    assert [l.get_weights()[0].shape for l in model.layers] == [(7, 5), (5, 3), (3, 2)]


# ---------------------------------------------------------------- weights, config, files
def test_get_set_weights_round_trip(pretrained):
    weights = pretrained.get_weights()
    assert [w.shape for w in weights] == [(64, 48), (64,), (48,), (48, 24), (48,), (24,)]
    other = DBN([48, 24])
    other.set_weights(weights)
    assert other.built and other.n_visible == 64
    for a, b in zip(other.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


def test_set_weights_checks_every_shape_before_changing_anything(pretrained):
    weights = pretrained.get_weights()
    dbn = DBN([48, 24])
    with pytest.raises(ShapeError, match="expected 6 arrays"):
        dbn.set_weights(weights[:3])
    bad = weights[:3] + [np.zeros((47, 24), np.float32)] + weights[4:]
    with pytest.raises(ShapeError, match=r"RBM 1 expects W \(48, 24\).*got \(47, 24\)"):
        dbn.set_weights(bad)
    assert not dbn.rbms[0].built  # nothing was loaded


def test_config_round_trip(pretrained):
    config = pretrained.get_config()
    assert json.loads(json.dumps(config)) == config
    clone = DBN.from_config(config)
    assert clone.get_config() == config and clone.hidden_units == [48, 24] and not clone.built
    assert DBN.from_config(DBN(4).get_config()).hidden_units == [4]


def test_save_load_round_trip(pretrained, digits, tmp_path):
    x, _ = digits
    path = tmp_path / "model.dbn"
    pretrained.save(path)
    assert zipfile.is_zipfile(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "weights.safetensors"]
    loaded = DBN.load(path)
    assert loaded.get_config() == pretrained.get_config()
    for a, b in zip(loaded.get_weights(), pretrained.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.transform(x[:20]), pretrained.transform(x[:20]))
    assert loaded.history[0]["reconstruction_error"] == pretrained.history[0]["reconstruction_error"]
    # The random streams are restored too: continued training matches.
    a, b = DBN.load(path), DBN.load(path)
    a.pretrain(x[:100], epochs=1, verbose=0)
    b.pretrain(x[:100], epochs=1, verbose=0)
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])


def test_unbuilt_save_load_and_overwrite(tmp_path):
    path = tmp_path / "model.dbn"
    DBN([3], name="empty").save(path)
    assert DBN.load(path).get_config()["name"] == "empty" and not DBN.load(path).built
    DBN([5, 2], seed=0).build(4).save(path)  # overwrites
    assert DBN.load(path).n_visible == 4


def test_load_errors(tmp_path):
    with pytest.raises(SavingError, match="no file"):
        DBN.load(tmp_path / "missing.dbn")
    junk = tmp_path / "junk.dbn"
    junk.write_bytes(b"not a zip")
    with pytest.raises(SavingError, match="DBN.load: .*not a valid neuroflow file"):
        DBN.load(junk)
    model_file = tmp_path / "seq.neuroflow"
    DBN([3], seed=0).build(4).to_classifier(2).save(str(model_file))
    with pytest.raises(SavingError, match="not a DBN file"):
        DBN.load(model_file)


# ---------------------------------------------------------------- errors
def test_to_classifier_before_pretraining_says_what_to_do():
    with pytest.raises(NotCompiledError, match=r"pretrain\(x\) first.*build\(n_visible\)"):
        DBN([4]).to_classifier(2)
    with pytest.raises(NotCompiledError, match="pretrain"):
        DBN([4]).transform(np.zeros((2, 3)))


def test_wrong_input_width_names_expected_and_actual(pretrained):
    with pytest.raises(ShapeError, match="expected 64 features per sample, got 63"):
        pretrained.transform(np.zeros((2, 63), np.float32))
    with pytest.raises(ShapeError, match="expected 64 features per sample, got 100"):
        pretrained.pretrain(np.zeros((2, 10, 10), np.float32), verbose=0)


def test_bad_arguments_and_data():
    with pytest.raises(ConfigError, match="hidden_units"):
        DBN([])
    with pytest.raises(ConfigError, match=r"hidden_units\[1\]"):
        DBN([4, 0])
    with pytest.raises(ConfigError, match="visible"):
        DBN([4], visible="poisson")
    with pytest.raises(ConfigError, match="learning_rate"):
        DBN([4], learning_rate=0)
    with pytest.raises(ConfigError, match="epochs"):
        DBN([4, 2]).pretrain(patterns(10), epochs=[1], verbose=0)
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        DBN([4]).pretrain(np.full((3, 5), 2.0), verbose=0)
    with pytest.raises(ShapeError, match="samples, features"):
        DBN([4]).pretrain(np.zeros(5), verbose=0)
    with pytest.raises(ConfigError, match="n_classes"):
        DBN([4], seed=0).build(3).to_classifier(0)
