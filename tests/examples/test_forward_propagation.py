"""The course's hand-computed forward passes: exact values from main(), printed next to the course's numbers."""
import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "forward_propagation.py"


def load_example():
    spec = importlib.util.spec_from_file_location("forward_propagation_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_main_returns_the_course_values_exactly(capsys):
    r = load_example().main()
    assert r["linear"] == {"hidden": [5.0, 1.0], "output": 9.0}
    assert r["relu"] == {"hidden": [5.0, 1.0], "output": 9.0}
    assert r["two_layer"] == {"hidden_0": [26.0, 0.0], "hidden_1": [0.0, 26.0], "output": 182.0}
    # tanh runs in float32: equal to the float64 value up to float32 rounding
    assert r["tanh"]["hidden"] == pytest.approx([math.tanh(5), math.tanh(1)], rel=1e-6)
    assert r["tanh"]["output"] == pytest.approx(2 * math.tanh(5) - math.tanh(1), rel=1e-6)
    assert r["tanh"]["output"] == pytest.approx(1.2382242525694254, rel=1e-6)
    out = capsys.readouterr().out
    assert "output    = 182" in out and "course: 182" in out


def test_numpy_reference_matches_the_course():
    ex = load_example()
    assert ex.numpy_network_1("linear") == ([5.0, 1.0], 9.0)
    assert ex.numpy_network_2() == ([26.0, 0.0], [0.0, 26.0], 182.0)


def test_kernel_columns_are_the_nodes_weights():
    ex = load_example()
    kernel = ex.network_1("linear").layers[0].get_weights()[0]
    assert kernel.shape == (2, 2)
    assert kernel[:, 0].tolist() == [1, 1] and kernel[:, 1].tolist() == [-1, 1]


def test_script_runs_from_any_directory(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(SCRIPT)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "(numpy: 9, course: 9)" in proc.stdout
    assert "(numpy: 182, course: 182)" in proc.stdout
