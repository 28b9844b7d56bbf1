"""benchmarks/gpu.py's dry run: every row's neuroflow side on the strict stand-in, in a subprocess (behaviour only:
the figures of a dry run are no GPU's and are not checked)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_dry_run_trains_every_row_on_the_strict_device(tmp_path):
    out = tmp_path / "figures.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    env.pop("NEUROFLOW_DEVICE", None)
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu.py"), "--device", "strict", "--samples",
                           "256", "--repeats", "1", "--json", str(out)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    names = ["mlp_step_ops", "mnist_mlp_epoch", "mnist_cnn_epoch", "char_lstm_tokens_per_s"]
    assert [line.split(":")[0] for line in lines] == names
    assert all("dry run, not a GPU figure" in line and "FAILED" not in line for line in lines)
    figures = json.loads(out.read_text())
    assert figures["device"] == "strict" and figures["dry_run"] is True
    for name in names[1:]:
        assert figures[name]["neuroflow"] > 0 and "torch" not in figures[name]
        assert figures[name]["replayed_steps"] > 0, f"{name}: fit ran the compiled step on the device"


def test_without_a_gpu_the_real_run_says_so_and_exits_2():
    from neuroflow.backends import cupy as cupy_backend
    if cupy_backend.available():
        pytest.skip("a GPU machine: the real run times for minutes (run benchmarks/gpu.py by hand)")
    env = {k: v for k, v in os.environ.items() if k != "NEUROFLOW_DEVICE"}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu.py")], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "no GPU run here" in done.stdout
