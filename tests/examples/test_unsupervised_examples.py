"""The autoencoder, GAN and transfer-learning examples: their helpers in-process, and ``--quick`` runs (a tiny
subset, 1 epoch) in a subprocess when the MNIST files are present (skipped cleanly otherwise)."""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DATA = (ROOT / ".." / "shared" / "data" / "mnist").resolve()
FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
needs_mnist = pytest.mark.skipif(not all((DATA / f).is_file() or (DATA / f"{f}.gz").is_file() for f in FILES),
                                 reason=f"MNIST IDX files not found in {DATA}")
PNG = b"\x89PNG\r\n\x1a\n"


def load(name, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))  # the examples import their sibling _common
    spec = importlib.util.spec_from_file_location(f"{name}_example", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(script, *args, cwd):
    """Run an example with one BLAS thread (much faster than several on a busy machine); returns stdout."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), "--quick", "--verbose", "2", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


# --- helpers -------------------------------------------------------------------------------------------------
def test_pca_matches_the_svd_of_the_centred_data(monkeypatch):
    ae = load("autoencoder", monkeypatch)
    x = np.random.default_rng(0).normal(size=(200, 6)) @ np.diag([5, 3, 2, 1, 0.5, 0.1])
    mean, basis = ae.pca(x, 3)
    _, _, vt = np.linalg.svd(x - x.mean(0), full_matrices=False)
    np.testing.assert_allclose(np.abs(basis.T @ vt[:3].T), np.eye(3), atol=1e-6)  # same directions, up to sign
    assert ae.pca_reconstruction_mse(x, x, 6) < 1e-12  # all components: nothing is lost
    assert ae.pca_reconstruction_mse(x, x, 1) > ae.pca_reconstruction_mse(x, x, 3)
    assert ae.project_2d(x).shape == (200, 2)
    np.testing.assert_array_equal(ae.project_2d(x[:, :2]), x[:, :2])  # a 2-d code is shown as it is


def test_class_spread_scores_confidence_and_evenness(monkeypatch):
    gan = load("gan_mnist", monkeypatch)
    uniform = np.eye(10)[np.arange(100) % 10] * 0.95 + 0.005  # every class 10 times, top probability 0.955
    confident, hist, entropy = gan.class_spread(uniform)
    assert confident == 1.0 and hist.tolist() == [10] * 10 and entropy == pytest.approx(1.0)
    collapsed = np.full((50, 10), 0.1)
    collapsed[:, 3] = 0.5  # one class only, never confident
    confident, hist, entropy = gan.class_spread(collapsed)
    assert confident == 0.0 and hist[3] == 50 and hist.sum() == 50 and entropy == pytest.approx(0.0)


def test_labelled_subset_is_seeded_and_balanced(monkeypatch):
    tl = load("transfer_learning", monkeypatch)
    y = np.repeat(np.arange(5), [300, 200, 150, 400, 120])
    a = tl.labelled_subset(y, 100, 0)
    np.testing.assert_array_equal(a, tl.labelled_subset(y, 100, 0))
    assert not np.array_equal(np.sort(a), np.sort(tl.labelled_subset(y, 100, 1)))
    assert len(np.unique(a)) == 500 and np.bincount(y[a]).tolist() == [100] * 5


# --- quick runs ----------------------------------------------------------------------------------------------
@needs_mnist
@pytest.mark.parametrize("extra, name", [([], "autoencoder"),
                                         (["--conv", "--denoise", "--code-size", "2"], "autoencoder_conv_denoise_code2")])
def test_autoencoder_quick_run(extra, name, tmp_path):
    pytest.importorskip("matplotlib")
    out = run("autoencoder.py", "--out", str(tmp_path), *extra, cwd=tmp_path)
    code = 2 if "--code-size" in extra else 32
    lines = out.strip().splitlines()
    assert re.fullmatch(r"test reconstruction MSE: 0\.\d{4}", lines[-1])
    assert re.fullmatch(rf"PCA with {code} components: test reconstruction MSE 0\.\d{{4}}", lines[-2])
    assert f"-> (500, {code}); decoder.predict: (500, {code}) ->" in out  # the encoder used on its own
    if "--denoise" in extra:
        assert re.search(r"^noisy test inputs \(stddev 0\.3\): MSE 0\.\d{4} -> denoised 0\.\d{4}$", out, re.M)
    for suffix in ("history", "reconstructions", "codes"):
        assert (tmp_path / f"{name}_{suffix}.png").read_bytes()[:8] == PNG


@needs_mnist
def test_gan_quick_run_trains_saves_and_reloads_its_classifier(tmp_path):
    pytest.importorskip("matplotlib")
    out = run("gan_mnist.py", "--out", str(tmp_path), cwd=tmp_path)
    assert re.search(r"^Epoch 1/1 .*d_loss: \d+\.\d{4} - g_loss: \d+\.\d{4}$", out, re.M)
    lines = out.strip().splitlines()
    assert re.fullmatch(r"generated digits \(500\): confident \(p >= 0\.9\) [01]\.\d{3}, class entropy [01]\.\d{3}",
                        lines[-1])
    counts = re.fullmatch(r"generated digits \(500\) per predicted class: (.*)", lines[-2]).group(1).split()
    assert [c.split(":")[0] for c in counts] == [str(d) for d in range(10)]
    assert sum(int(c.split(":")[1]) for c in counts) == 500
    assert re.fullmatch(r"real test digits \(500\): confident \(p >= 0\.9\) [01]\.\d{3}, class entropy [01]\.\d{3}",
                        lines[-3])
    for f in ("gan_epoch_001.png", "gan_history.png"):
        assert (tmp_path / f).read_bytes()[:8] == PNG
    classifier = tmp_path / "gan_classifier.neuroflow"
    assert classifier.is_file() and (tmp_path / "gan_generator.neuroflow").is_file()
    accuracy = re.search(r"^classifier test accuracy: (0\.\d{4})$", out, re.M).group(1)

    # the DCGAN variant, scored by the classifier saved above (same accuracy: the same weights)
    again = tmp_path / "again"
    out = run("gan_mnist.py", "--dcgan", "--classifier", str(classifier), "--out", str(again), cwd=tmp_path)
    assert f"classifier loaded from {classifier}" in out
    assert f"classifier test accuracy: {accuracy}" in out
    assert (again / "gan_epoch_001.png").is_file() and not (again / "gan_classifier.neuroflow").exists()


@needs_mnist
def test_transfer_learning_quick_run_prints_the_table(tmp_path):
    out = run("transfer_learning.py", "--out", str(tmp_path), cwd=tmp_path)
    assert re.search(r"^pre-training: test accuracy on digits 0-4 [01]\.\d{4} \(\d+\.\d s\)$", out, re.M)
    lines = out.strip().splitlines()
    assert lines[-5] == "digits 5-9, 500 labels (100 per class); test on 500 images"
    assert re.fullmatch(r" +\| test accuracy \| trainable params \| epochs \| time", lines[-4])
    rows = [re.fullmatch(r"(.+?) +\| +([01]\.\d{4}) \| +([\d,]+) \| +1 \| +\d+\.\d s", line) for line in lines[-3:]]
    assert all(rows), lines[-3:]
    names = [r.group(1) for r in rows]
    assert names == ["same network from scratch", "frozen pre-trained base + new head",
                     "then fine-tuned, base unfrozen (lr 0.0001)"]
    params = [int(r.group(3).replace(",", "")) for r in rows]
    assert params[1] == 800 * 5 + 5 and params[0] == params[2] > params[1]  # frozen: only the new head trains
