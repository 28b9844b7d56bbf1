"""The MNIST examples run end to end on a small subset (the full runs live in examples/, figures in the README)."""
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(os.path.dirname(REPO), "shared", "data", "mnist")

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(DATA, "t10k-images-idx3-ubyte.gz")),
                                reason="MNIST files not found in ../shared/data/mnist")


@pytest.mark.parametrize("script, extra", [("mnist_mlp.py", []), ("mnist_cnn.py", ["--augment"])])
def test_example_runs_on_a_subset(script, extra, tmp_path):
    out = subprocess.run([sys.executable, os.path.join(REPO, "examples", script), "--samples", "600",
                          "--epochs", "1", "--verbose", "2", "--out", str(tmp_path)] + extra,
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("test accuracy: ")
    assert float(last.split(": ")[1]) > 0.2  # better than chance after one small epoch
    assert "Epoch 1/1" in out.stdout
