"""The DBN-on-MNIST example (examples/dbn_mnist.py): a --quick run when the MNIST files are present, skipped
cleanly otherwise."""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "dbn_mnist.py"
DATA = (ROOT / ".." / "shared" / "data" / "mnist").resolve()
FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

pytestmark = pytest.mark.skipif(
    not all((DATA / f).is_file() or (DATA / f"{f}.gz").is_file() for f in FILES),
    reason=f"MNIST IDX files not found in {DATA}")


def load_example():
    spec = importlib.util.spec_from_file_location("dbn_mnist_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_default_data_path_resolves_from_the_script_folder():
    assert Path(load_example().DEFAULT_DATA).resolve() == DATA.resolve()


def test_stratified_subset_is_seeded_and_keeps_every_class():
    example = load_example()
    y = np.repeat(np.arange(10), [100, 90, 80, 70, 60, 50, 40, 30, 20, 10])
    a, b = example.stratified_subset(y, 0.1, 0), example.stratified_subset(y, 0.1, 0)
    np.testing.assert_array_equal(a, b)
    assert len(np.unique(a)) == len(a)
    np.testing.assert_array_equal(np.bincount(y[a]), [10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
    assert not np.array_equal(a, example.stratified_subset(y, 0.1, 1))


def test_quick_run_from_another_directory_prints_the_table(tmp_path):
    pytest.importorskip("matplotlib")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1")
    png = tmp_path / "filters.png"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--out", str(png)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert re.search(r"^RBM 2: reconstruction error \d\.\d{4} -> \d\.\d{4}", out, re.M)
    assert re.search(r"^pre-training: \d+\.\ds \(2 epochs per RBM\)$", out, re.M)
    assert re.search(r"^ +full \(1000\) \| +[01]\.\d{4} \| +[01]\.\d{4} \| +\d+\.\ds / \d+\.\ds$", out, re.M)
    assert re.search(r"^ +1% \(10\) \| +[01]\.\d{4} \| +[01]\.\d{4} \|", out, re.M)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_main_returns_the_four_results(capsys):
    r = load_example().main(["--quick", "--hidden", "16", "--labels-fraction", "0.05"])
    assert r["n_labels"]["full"] == 1000 and 45 <= r["n_labels"]["5%"] <= 55  # 5% of each class, rounded
    assert set(r["results"]) == {(labels, init) for labels in ("full", "5%") for init in ("pretrained", "random")}
    for accuracy, seconds in r["results"].values():
        assert 0.0 <= accuracy <= 1.0 and seconds >= 0
    assert r["dbn"].hidden_units == [16] and r["dbn"].n_visible == 784
    assert f"5% ({r['n_labels']['5%']})" in capsys.readouterr().out
