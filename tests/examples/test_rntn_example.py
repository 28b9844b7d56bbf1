"""The RNTN example runs end to end on a tiny generated treebank."""
import os
import subprocess
import sys

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "rntn_sentiment.py")


def test_rntn_example_quick():
    out = subprocess.run([sys.executable, EXAMPLE, "--quick"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    for name in ("RNTN", "recursive net", "bag-of-words", "LSTM"):
        assert name in out.stdout
