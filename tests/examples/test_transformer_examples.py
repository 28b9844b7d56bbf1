"""The Transformer examples (transformer_text.py, char_transformer.py) run end to end with --quick.

Their full runs and figures are in the README; here the output format and basic sanity are checked."""
import math
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHAKESPEARE = os.path.join(os.path.dirname(REPO), "shared", "data", "tinyshakespeare", "input.txt")

pytestmark = pytest.mark.skipif(not os.path.exists(SHAKESPEARE),
                                reason="tinyshakespeare/input.txt not found in ../shared/data")


def run_example(script, args, cwd):
    out = subprocess.run([sys.executable, os.path.join(REPO, "examples", script)] + args, capture_output=True,
                         text=True, cwd=cwd, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()


def test_transformer_text_quick(tmp_path):
    lines = run_example("transformer_text.py", ["--quick"], tmp_path)
    m = re.fullmatch(r"test accuracy: (\S+) \(majority class: (\S+)\)", lines[-1])
    assert m, lines[-1]
    accuracy, majority = float(m.group(1)), float(m.group(2))
    assert 0.0 <= majority <= 1.0 and accuracy > majority  # it learned something in two epochs
    assert lines[0].startswith("721 speeches by GLOUCESTER")


def test_char_transformer_quick(tmp_path):
    lines = run_example("char_transformer.py", ["--quick", "--seconds", "2"], tmp_path)
    scores = {}
    for line in lines[1:]:
        m = re.fullmatch(r"(\w+): (\d+) parameters, (\d+) steps, validation loss (\S+) nats/char \((\S+) bits/char\)",
                         line)
        assert m, line
        scores[m.group(1)] = float(m.group(4))
        assert int(m.group(3)) >= 1
    assert set(scores) == {"transformer", "lstm"}
    assert all(math.isfinite(v) and v < math.log(58) + 0.5 for v in scores.values())
