"""`import neuroflow` loads the engine only; layers, models and saving load on first use, and a model file can be
the first thing a fresh program touches (the registry imports the built-in classes it names)."""
from __future__ import annotations

import ast
import subprocess
import sys

import numpy as np

import neuroflow as nf
from neuroflow import layers


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout


def test_import_loads_the_engine_only():
    out = _run("import sys, neuroflow\n"
               "print(sorted(m for m in sys.modules if m.startswith('neuroflow.') and m.count('.') == 1))")
    loaded = ast.literal_eval(out)  # a printed list of module names
    assert "neuroflow.autograd" in loaded and "neuroflow.ops" in loaded
    for lazy in ("neuroflow.layers", "neuroflow.models", "neuroflow.saving", "neuroflow.optimizers"):
        assert lazy not in loaded


def test_lazy_names_are_the_real_objects():
    from neuroflow.models import Sequential
    from neuroflow.saving import load_model
    assert nf.Sequential is Sequential and nf.load_model is load_model and nf.Input is layers.Input
    assert {"Sequential", "layers", "load_model", "graph_table"} <= set(dir(nf))


def test_a_fresh_process_loads_a_model_file_first(tmp_path):
    model = nf.Sequential([nf.Input(shape=(3,)), layers.Dense(2, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    path = tmp_path / "m.neuroflow"
    model.save(path)
    x = np.ones((1, 3), np.float32)
    out = _run(f"import numpy as np, neuroflow\n"
               f"m = neuroflow.load_model({str(path)!r})\n"
               f"print(float(m.predict(np.ones((1, 3), np.float32), verbose=0)[0, 0]))")
    np.testing.assert_allclose(float(out), model.predict(x, verbose=0)[0, 0], rtol=1e-6)
