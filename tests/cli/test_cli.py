"""The ``neuroflow`` command line (``info``, ``demo``) and the plotting helpers the demo uses."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neuroflow.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_info_reports_versions_blas_dtype_and_optional_packages(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    import neuroflow
    assert re.search(r"^neuroflow:\s+" + re.escape(neuroflow.__version__) + "$", out, re.M)
    assert re.search(r"^numpy:\s+" + re.escape(np.__version__) + "$", out, re.M)
    assert re.search(r"^python:\s+\d+\.\d+\.\d+", out, re.M)
    assert re.search(r"^blas:\s+.+, threads: (\d+|unknown)$", out, re.M)
    assert re.search(r"^floatx:\s+float32$", out, re.M)
    from neuroflow import _native
    expected = "compiled" if _native.library() is not None else "NumPy only"
    assert re.search(r"^kernels:\s+" + expected, out, re.M)
    with _native.disabled():
        assert main(["info"]) == 0
    assert re.search(r"^kernels:\s+NumPy only", capsys.readouterr().out, re.M)
    for name in ("safetensors", "tqdm", "matplotlib", "pandas", "sklearn", "graphviz"):
        assert re.search(r"^\s+" + name + r"\s+\S", out, re.M), name
    assert re.search(r"^\s+safetensors\s+\d", out, re.M)  # a required dependency: always installed


def test_info_marks_a_missing_package(monkeypatch):
    from neuroflow.cli import info
    monkeypatch.setitem(sys.modules, "graphviz", None)  # a None entry makes the import fail
    report = info.collect()
    assert report["optional"]["graphviz"] is None
    assert re.search(r"graphviz\s+not installed", info.format_info(report))


def test_info_runs_as_a_module_in_a_subprocess():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "neuroflow.cli.main", "info"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "neuroflow:" in proc.stdout and "floatx:" in proc.stdout
    assert "RuntimeWarning" not in proc.stderr


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["0", "-3", "x"])
def test_demo_rejects_bad_epochs(bad, capsys):
    with pytest.raises(SystemExit) as e:
        main(["demo", "--epochs", bad])
    assert e.value.code == 2
    assert "--epochs" in capsys.readouterr().err


def test_demo_quick_trains_saves_reloads_and_plots(tmp_path, capsys):
    out_dir = tmp_path / "demo out"
    assert main(["demo", "--quick", "--out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    m = re.search(r"^test accuracy: (0\.\d{4}|1\.0000)$", out, re.M)
    assert m, out
    assert float(m[1]) > 0.5  # 3 epochs: far above chance (0.1), not yet the full run's >= 0.95
    assert "confusion matrix" in out and re.search(r"^true\\pred(\s+\d+)+$", out, re.M)
    assert "predictions match" in out
    model_file = out_dir / "demo.neuroflow"
    assert model_file.is_file()
    from neuroflow.models import load_model
    model = load_model(model_file)
    x = np.random.default_rng(0).random((5, model.layers[0].get_weights()[0].shape[0]), dtype=np.float32)
    probs = model.predict(x, verbose=0)
    assert probs.shape[0] == 5 and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    if _has("matplotlib"):
        assert (out_dir / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (out_dir / "confusion_matrix.png").is_file()


def test_demo_run_returns_results_and_is_reproducible(tmp_path, capsys):
    from neuroflow.cli import demo
    a = demo.run(out=str(tmp_path / "a"), epochs=2, seed=3)
    b = demo.run(out=str(tmp_path / "b"), epochs=2, seed=3)
    assert a["accuracy"] == b["accuracy"]
    assert np.array_equal(a["confusion_matrix"], b["confusion_matrix"])
    assert a["confusion_matrix"].sum() == round(0.2 * 1797) if _has("sklearn") else True
    assert a["reload_max_diff"] <= 1e-6
    assert len(a["history"]["loss"]) == 2


def test_demo_blobs_fallback_without_scikit_learn(monkeypatch):
    from neuroflow.cli import demo
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    x, y, name = demo.load_data(seed=1)
    assert "blobs" in name and x.dtype == np.float32 and x.shape == (1000, 8)
    assert sorted(np.unique(y).tolist()) == [0, 1, 2, 3]


def test_confusion_and_format_matrix():
    from neuroflow.cli.demo import confusion, format_matrix
    cm = confusion(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 1]), 3)
    assert cm.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
    assert format_matrix(cm).splitlines()[1].split() == ["0", "1", "0", "0"]


def _has(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False


# --- neuroflow.utils.plotting -----------------------------------------------------------------------------------

def test_plot_history_from_a_dict(tmp_path):
    pytest.importorskip("matplotlib")
    from neuroflow.utils.plotting import plot_history
    path = plot_history({"loss": [1.0, 0.5, 0.3], "accuracy": [0.5, 0.7, 0.8], "val_loss": [1.1, 0.7, 0.5]},
                        tmp_path / "sub" / "h.png")
    assert Path(path).read_bytes()[:4] == b"\x89PNG"


def test_plot_image_grid_and_confusion_matrix(tmp_path):
    pytest.importorskip("matplotlib")
    from neuroflow.utils.plotting import plot_confusion_matrix, plot_image_grid
    images = np.random.default_rng(0).random((5, 8, 8, 1), dtype=np.float32)
    assert Path(plot_image_grid(images, tmp_path / "g.png", ncols=3, titles=list("abcde"))).is_file()
    rgb = (np.random.default_rng(1).random((2, 4, 4, 3)) * 255).astype(np.uint8)
    assert Path(plot_image_grid(rgb, tmp_path / "rgb.png", ncols=4)).is_file()
    assert Path(plot_confusion_matrix(np.array([[5, 1], [2, 7]]), tmp_path / "cm.png",
                                      labels=["stay", "leave"])).is_file()
    # Tensors and the metrics' counts, which live on the current device (a GPU too), are read explicitly
    import neuroflow as nf
    assert Path(plot_image_grid(nf.Tensor(images), tmp_path / "t.png", ncols=3)).is_file()
    counts = nf.metrics.confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0]), num_classes=2)
    assert Path(plot_confusion_matrix(counts, tmp_path / "counts.png")).is_file()


def test_plotting_errors_name_the_shapes(tmp_path):
    pytest.importorskip("matplotlib")
    from neuroflow.errors import ShapeError
    from neuroflow.utils.plotting import plot_confusion_matrix, plot_history, plot_image_grid
    with pytest.raises(ShapeError, match=r"\(N, H, W\)"):
        plot_image_grid(np.zeros((4, 4)), tmp_path / "x.png")
    with pytest.raises(ShapeError, match="2 titles for 3 images"):
        plot_image_grid(np.zeros((3, 4, 4)), tmp_path / "x.png", titles=["a", "b"])
    with pytest.raises(ShapeError, match="square"):
        plot_confusion_matrix(np.zeros((2, 3)), tmp_path / "x.png")
    with pytest.raises(ShapeError, match="no values"):
        plot_history({}, tmp_path / "x.png")


def test_importing_plotting_does_not_import_matplotlib():
    code = "import neuroflow.utils.plotting, sys; print('matplotlib' in sys.modules)"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
