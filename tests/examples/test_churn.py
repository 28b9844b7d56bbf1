"""The course's churn ANN (examples/churn.py): a short run when the data is present, skipped cleanly otherwise."""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "churn.py"
DATA = (ROOT / ".." / "shared" / "data" / "churn" / "Churn_Modelling.csv").resolve()

pytestmark = pytest.mark.skipif(not DATA.is_file(), reason=f"churn data not found at {DATA}")


def load_example():
    pytest.importorskip("pandas")
    pytest.importorskip("sklearn")
    spec = importlib.util.spec_from_file_location("churn_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_default_data_path_resolves_from_the_script_folder():
    assert Path(load_example().DEFAULT_DATA).resolve() == DATA.resolve()


def test_two_epochs_from_another_directory_prints_the_course_output(tmp_path):
    pytest.importorskip("pandas")
    pytest.importorskip("sklearn")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--epochs", "2"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert re.search(r"^Epoch 2/2 - .*loss: \d\.\d{4} - accuracy: \d\.\d{4}$", out, re.M)
    m = re.search(r"^new customer .*probability of leaving (\d\.\d{4}), leaves: (True|False)$", out, re.M)
    assert m and 0 <= float(m[1]) <= 1 and (m[2] == "True") == (float(m[1]) > 0.5)
    assert re.search(r"^\[\[\s*\d+\s+\d+\]\n \[\s*\d+\s+\d+\]\]$", out, re.M)
    last = out.strip().splitlines()[-1]
    m = re.fullmatch(r"test accuracy: (0\.\d{4})", last)
    assert m, last
    assert float(m[1]) > 0.75


def test_main_returns_the_confusion_matrix_of_the_2000_test_customers(capsys):
    r = load_example().main(["--data", str(DATA), "--epochs", "1"])
    assert r["n_features"] == 11
    cm = r["confusion_matrix"]
    assert cm.shape == (2, 2) and cm.sum() == 2000
    assert cm[1].sum() == 405  # churned customers in the course's split (random_state=0)
    assert r["accuracy"] == pytest.approx((cm[0, 0] + cm[1, 1]) / 2000)
    assert 0 <= r["new_customer_probability"] <= 1
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("test accuracy: ")
