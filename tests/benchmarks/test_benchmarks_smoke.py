"""The benchmarks cannot rot: every workload runs in its tiny ``--smoke`` configuration on both sides (in this
process, so torch is imported once), both sides build the same model from the same weights, and one end-to-end
run of ``run_all.py`` goes through the parent/child protocol and writes a report. The torch side is skipped when
torch is missing."""
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import (char_lstm, churn, common, import_time, install_size, mnist_cnn, mnist_mlp,
                        predict)

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = [churn, mnist_mlp, mnist_cnn, char_lstm, predict, import_time, install_size]
LAST_LINE = re.compile(r"^[\w ]+(?: \[worst of \d+: [^\]]+\])?: neuroflow \S+ \S+, torch (?:\S+ \S+|n/a.*), "
                       r"ratio (?:\d+\.\d\dx|n/a) \(target [<>]= [\d.]+ ?\S*\)$")


def has_lstm():
    try:
        from neuroflow.layers import LSTM  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("side", common.SIDES)
@pytest.mark.parametrize("bench", WORKLOADS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_each_workload_runs_its_smoke_configuration(bench, side, capsys):
    if side == "torch":
        pytest.importorskip("torch")
    _, args = common.parse_args(bench, ["--smoke", "--side", side])
    result = bench.run_side(side, args)
    if bench is char_lstm and side == "neuroflow" and not has_lstm():
        assert result == {"skipped": "neuroflow.layers.LSTM not available"}
        return
    assert set(result["values"]) == {row.key for row in bench.ROWS}
    for key, values in result["values"].items():
        assert len(values) == args.repeats and all(math.isfinite(v) and v > 0 for v in values), (key, values)
    assert capsys.readouterr().out.strip()  # each side says what it measured


@pytest.mark.parametrize("bench", [churn, mnist_mlp, mnist_cnn], ids=["churn", "mnist_mlp", "mnist_cnn"])
def test_both_sides_build_the_same_model_from_the_same_weights(bench):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).random((3, 28, 28), dtype=np.float32)
    weights = bench.initial_weights(0)
    if bench is churn:
        x_nf = x_torch = x.reshape(3, -1)[:, :churn.N_FEATURES]
    elif bench is mnist_mlp:
        x_nf = x_torch = x.reshape(3, -1)
    else:
        x_nf, x_torch = x[..., None], x[:, None]
    ours = bench.build_neuroflow(weights).predict(x_nf, verbose=0)
    with torch.no_grad():
        theirs = bench.build_torch(weights).eval()(torch.from_numpy(x_torch))
    if bench is not churn:  # torch keeps logits for CrossEntropyLoss; neuroflow's Dense ends in softmax
        theirs = torch.softmax(theirs, dim=-1)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-4, atol=1e-6)


def test_char_lstm_sides_agree_when_neuroflow_has_an_lstm():
    torch = pytest.importorskip("torch")
    if not has_lstm():
        pytest.skip("neuroflow.layers.LSTM not available yet")
    _, args = common.parse_args(char_lstm, ["--smoke"])
    weights = char_lstm.initial_weights(0, args.vocab, args.embed, args.units)
    info = {}
    model = char_lstm.build_neuroflow(args, args.vocab, weights, info)
    if info["weights"] != "shared":
        pytest.skip(f"neuroflow's LSTM does not take Keras-layout weights: {info['weights']}")
    x = np.random.default_rng(2).integers(0, args.vocab, (2, args.seq_len))
    with torch.no_grad():
        theirs = torch.softmax(char_lstm.build_torch(args, args.vocab, weights)(torch.from_numpy(x)), -1)
    np.testing.assert_allclose(model.predict(x, verbose=0), theirs.numpy(), rtol=1e-4, atol=1e-5)


def test_summary_lines_ratios_targets_and_the_worst_figure():
    results = {"neuroflow": {"values": {k: [2.0, 1.0, 9.0] for k in ("churn_1", "churn_1024", "cnn_1", "cnn_1024")}},
               "torch": {"values": {"churn_1": [1.0], "churn_1024": [4.0], "cnn_1": [2.0], "cnn_1024": [2.0]}}}
    rows = common.summarize(predict, results)
    assert [r["ratio"] for r in rows] == [2.0, 0.5, 1.0, 1.0]
    assert [r["passed"] for r in rows] == [False, True, True, True]
    line = common.row_line("predict", rows[0])
    assert line == "predict: neuroflow 2.00 s, torch 1.00 s, ratio 2.00x (target <= 1.00x)"
    assert LAST_LINE.match(line)
    throughput = common.summarize(char_lstm, {"neuroflow": {"values": {"tokens_per_s": [900.0]}},
                                              "torch": {"values": {"tokens_per_s": [1000.0]}}})[0]
    assert throughput["passed"] and throughput["ratio"] == pytest.approx(0.9)
    size = common.summarize(install_size, {"neuroflow": {"values": {"size": [120.0]}}, "torch": {"skipped": "x"}})
    assert size[0]["passed"] is False and size[0]["ratio"] is None
    assert common.fmt(6.1, "s") == "6.10 s" and common.fmt(0.0119, "s") == "11.9 ms"


def test_run_all_smoke_goes_through_the_child_processes_and_writes_the_report(tmp_path):
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "--smoke", "--only", "churn",
                           "--threads", "1", "--output", str(out)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    churn_line = next(l for l in lines if l.startswith("churn: "))
    assert LAST_LINE.match(churn_line), churn_line
    report = out.read_text()
    assert "| churn | churn |" in report and "**Threads**: 1" in report and "Load average" in report
