"""examples/mnist_mpi.py's training side on 2 ranks (``--worker --quick``), when MNIST and MPI are present."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from neuroflow.distribution.launch import mpiexec_command

from .test_two_ranks import _env, pytestmark  # noqa: F401  (the same skip reason)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "mnist_mpi.py"
DATA = (ROOT / ".." / "shared" / "data" / "mnist").resolve()


@pytest.mark.skipif(not DATA.is_dir(), reason=f"MNIST not found at {DATA}")
def test_quick_run_on_two_ranks_reports_once(tmp_path):
    import subprocess
    cmd = mpiexec_command(2, [sys.executable, "-W", "ignore", SCRIPT, "--worker", "--quick", "--data", DATA])
    result = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [l for l in result.stdout.splitlines() if l.startswith("MNIST_MPI ")]
    assert len(lines) == 1  # rank 0 reports; rank 1 stays silent
    report = json.loads(lines[0].split(" ", 1)[1])
    assert report["ranks"] == 2 and 0.3 < report["test_accuracy"] <= 1.0
