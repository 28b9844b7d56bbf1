"""Seeded fuzzing of the loader: every damaged or hostile variant of a real model file loads as a model or fails
with a SavingError — never another exception, a hang, or unbounded memory.

The variants and the per-load watchdog and memory limit live in ``benchmarks/fuzz_loader.py`` (which also prints
the figures quoted in the README); this test runs it in a subprocess, so that a crash or runaway allocation
cannot take the test session with it. ``NEUROFLOW_FUZZ_N=10000`` runs more variants (default 2,000).
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_fuzzed_files_load_or_raise_saving_error():
    n = int(os.environ.get("NEUROFLOW_FUZZ_N", 2000))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": ROOT}
    # Watchdogs, not speed assertions: each load gets 20 s before it counts as a hang; the whole run a generous
    # budget proportional to n (a hang would otherwise stall the suite).
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "fuzz_loader.py"), "--n", str(n),
                           "--seed", "0", "--timeout", "20", "--memory-gib", "4", "--json"],
                          capture_output=True, text=True, env=env, timeout=120 + n)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sum(report["outcomes"].values()) == n
    assert report["failures"] == [], report["failures"]
    assert set(report["outcomes"]) <= {"model", "SavingError"}
    assert report["outcomes"].get("SavingError", 0) > n // 2  # the variants really are damaged
    assert report["worst_peak_mib"] < 512  # bounded by the (small) models, not by what a file declares
