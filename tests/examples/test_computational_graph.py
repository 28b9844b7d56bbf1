"""The course's computational-graph example: run as a script (printed numbers, written files) and through main()."""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "computational_graph.py"


def load_example():
    spec = importlib.util.spec_from_file_location("computational_graph_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def printed(text, label):
    """The number printed after ``label =`` at the start of a line (first occurrence)."""
    m = re.search(r"^\s*" + re.escape(label) + r"\s*=\s*(-?[\d.]+(?:e-?\d+)?)", text, re.M)
    assert m, f"{label!r} not printed:\n{text}"
    return float(m[1])


def test_script_prints_the_course_numbers_and_writes_the_drawing(tmp_path):
    out = tmp_path / "drawings"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert printed(text, "p = x + y") == 4
    assert printed(text, "g = p * z") == -12
    for label, value in {"dg/dx": -3, "dg/dy": -3, "dg/dz": 4, "dg/dp": -3}.items():
        assert printed(text, label) == value
        assert re.search(re.escape(label) + r"\s*=\s*\S+\s+\(course: " + str(value) + r"\)", text)
    # the node table of part 1: header and one row per tensor
    assert re.search(r"^name\s+op\s+inputs\s+shape\s+value\s+grad$", text, re.M)
    assert re.search(r"^g\s+multiply\s+p, z\s+\(\)\s+-12\s+1$", text, re.M)
    assert re.search(r"^p\s+add\s+x, y\s+\(\)\s+4\s+-3$", text, re.M)
    # the neuron part
    assert abs(printed(text, "f") - 0.731) < 1e-3
    assert abs(printed(text, "df/dx1") - (-0.59)) < 5e-3
    dot = out / "computational_graph.dot"
    assert dot.exists() and dot.read_text().startswith("digraph")
    assert (out / "neuron_graph.dot").exists()
    assert str(dot) in text
    png = out / "computational_graph.png"
    assert (png.exists() and str(png) in text) or "graphviz is not installed" in text


def test_main_returns_the_exact_values(tmp_path, capsys):
    example = load_example()
    result = example.main(["--out", str(tmp_path / "new" / "folder")])
    assert result["simple"] == {"p": 4.0, "g": -12.0, "dg/dx": -3.0, "dg/dy": -3.0, "dg/dz": 4.0, "dg/dp": -3.0}
    assert result["simple"] == example.COURSE_SIMPLE
    # f = sigmoid(1); df/dz = f (1 - f); dw = x df/dz, dx = w df/dz, db = df/dz
    f = 1 / (1 + np.exp(-1.0))
    dz = f * (1 - f)
    expected = {"f": f, "df/dw0": -1 * dz, "df/dw1": -2 * dz, "df/dx0": 2 * dz, "df/dx1": -3 * dz, "df/db": dz}
    for key, value in expected.items():
        assert result["neuron"][key] == pytest.approx(value, rel=1e-6), key
        assert result["neuron"][key] == pytest.approx(example.COURSE_NEURON[key], abs=0.01), key
    assert Path(result["files"]["simple"]["dot"]).exists()
    assert "dg/dz" in capsys.readouterr().out


def test_default_out_folder_is_created_in_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    load_example().main([])
    assert (tmp_path / "out" / "computational_graph.dot").exists()


def test_tensors_carry_the_course_names():
    example = load_example()
    t = example.simple_graph()
    for name in ("x", "y", "z", "p", "g"):
        assert t[name].name == name
    assert t["g"].dtype == np.float32 and t["x"].grad.dtype == np.float32
