"""The sequence examples (char_rnn.py, timeseries_lstm.py) run end to end in tiny configurations.

The full runs and their figures are in the README; here only the output format and basic sanity are checked.
"""
import importlib.util
import math
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(os.path.dirname(REPO), "shared", "data")
SHAKESPEARE = os.path.join(DATA, "tinyshakespeare", "input.txt")
SERIES = os.path.join(DATA, "timeseries")


def run_example(script, args, cwd):
    out = subprocess.run([sys.executable, os.path.join(REPO, "examples", script), "--out", str(cwd)] + args,
                         capture_output=True, text=True, cwd=cwd, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()


@pytest.mark.skipif(not os.path.exists(SHAKESPEARE), reason="tinyshakespeare/input.txt not found in ../shared/data")
def test_char_rnn_tiny(tmp_path):
    lines = run_example("char_rnn.py", ["--max-chars", "30000", "--epochs", "2", "--steps-per-epoch", "15",
                                        "--units", "64", "--seq-len", "50", "--batch-size", "32",
                                        "--sample-length", "40", "--seed-text", "First", "--verbose", "0"], tmp_path)
    m = re.fullmatch(r"validation loss: (\S+) nats/char \((\S+) bits/char\)", lines[-1])
    assert m, lines[-1]
    curve = [float(re.fullmatch(r"epoch \d+: val_loss (\S+) nats/char", ln).group(1))
             for ln in lines if ln.startswith("epoch ")]
    assert len(curve) == 2 and all(math.isfinite(v) for v in curve)
    assert curve[1] < curve[0] < math.log(65)  # learning: below the uniform guess, and still going down
    assert float(m.group(1)) == pytest.approx(curve[-1], abs=1e-4)
    sample = (tmp_path / "char_rnn_sample.txt").read_text()
    assert sample.startswith("First") and len(sample.rstrip("\n")) == len("First") + 40


@pytest.mark.skipif(not os.path.exists(os.path.join(SERIES, "airline-passengers.csv")),
                    reason="timeseries CSV files not found in ../shared/data")
@pytest.mark.parametrize("dataset, epochs", [("airline", "3"), ("temperatures", "1")])
def test_timeseries_lstm_tiny(dataset, epochs, tmp_path):
    pytest.importorskip("pandas")
    lines = run_example("timeseries_lstm.py", ["--dataset", dataset, "--epochs", epochs, "--units", "16"], tmp_path)
    m = re.fullmatch(r"test RMSE: (\S+) \(naive last-value: (\S+)\)", lines[-1])
    assert m, lines[-1]
    rmse, naive = float(m.group(1)), float(m.group(2))
    assert math.isfinite(rmse) and rmse > 0
    assert naive == pytest.approx({"airline": 50.30, "temperatures": 2.65}[dataset], abs=0.01)
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / "timeseries_forecast.png").stat().st_size > 0
