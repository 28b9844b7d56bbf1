"""examples/churn_gridsearch.py: the course's churn ANN in GridSearchCV through SKLearnClassifier (--quick run)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "churn_gridsearch.py"
DATA = (ROOT / ".." / "shared" / "data" / "churn" / "Churn_Modelling.csv").resolve()

pytestmark = pytest.mark.skipif(not DATA.is_file(), reason=f"churn data not found at {DATA}")


def test_quick_search_from_another_directory(tmp_path):
    pytest.importorskip("pandas")
    pytest.importorskip("sklearn")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "8 settings x 2 folds on 2000 customers" in out
    rows = re.findall(r"^  (adam|rmsprop)\s+batch\s+(25|32) epochs\s+([12]): accuracy (0\.\d{4}) \+/- ", out, re.M)
    assert len(rows) == 8 and len(set(rows)) == 8
    m = re.search(r"^best parameters: \{'optimizer': '(adam|rmsprop)', 'batch_size': (25|32), 'epochs': ([12])\}$",
                  out, re.M)
    assert m
    best_cv = float(re.search(r"^best cross-validation accuracy: (0\.\d{4})$", out, re.M)[1])
    assert best_cv == max(float(r[3]) for r in rows)
    assert re.search(r"^time: \d+\.\d s \(16 fits \+ the refit\)$", out, re.M)
    last = re.fullmatch(r"test accuracy: (0\.\d{4})", out.strip().splitlines()[-1])
    assert last and float(last[1]) > 0.7   # at least the majority class (0.7975 of the test customers)
