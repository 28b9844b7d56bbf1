"""A representative part of the suite, the engine's tests (``tests/autograd``), run under the strict stand-in
device in a subprocess (``NEUROFLOW_DEVICE=strict``): every test passes there or is skipped as host-only with its
reason (``tests/conftest.py``: ``HOST_ONLY``). The whole suite's command and counts are in the README's
"GPU (CuPy) and devices" section."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.skipif(os.environ.get("NEUROFLOW_DEVICE", "cpu").strip() not in ("", "cpu"),
                    reason="already running on a device: the subprocess would repeat this run")
def test_autograd_suite_passes_on_the_strict_device():
    env = dict(os.environ, NEUROFLOW_DEVICE="strict", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                          "tests/autograd"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout.splitlines()[-1]
