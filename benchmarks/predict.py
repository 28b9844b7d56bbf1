"""predict: inference latency, 1 sample and a batch of 1024, on the churn model and the MNIST CNN; neuroflow's
``model.predict(x, batch_size=len(x))`` vs torch's ``model.eval()`` forward under ``no_grad`` (NumPy in, NumPy
out on both sides). Target <= 1.00x on each of the four figures.

Same models and weights as churn.py and mnist_cnn.py (untrained: the cost does not depend on the values). Each
figure is the time of one call, from enough calls to fill ``--min-time`` seconds per repetition.

Run: ``python benchmarks/predict.py [--min-time 0.5] [--threads 2] [--repeats 3]``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import churn, common, mnist_cnn  # noqa: E402

NAME = "predict"
CASES = [("churn", 1), ("churn", 1024), ("cnn", 1), ("cnn", 1024)]
ROWS = [common.Row(f"{m}_{n}", f"{m}, {'1 sample' if n == 1 else f'batch {n}'}", "s", common.Target("<=", 1.00))
        for m, n in CASES]
SMOKE = {"min_time": 0.005, "max_batch": 64}


def add_arguments(p):
    p.add_argument("--min-time", type=float, default=0.5, help="seconds of calls per repetition")
    p.add_argument("--max-batch", type=int, default=1024, help="the big batch's size (the label keeps 1024)")


def inputs(model: str, n: int, seed: int, side: str):
    """``n`` random inputs: churn (n, 11); CNN (n, 28, 28, 1) for neuroflow, (n, 1, 28, 28) for torch."""
    rng = np.random.default_rng(seed)
    if model == "churn":
        return rng.standard_normal((n, churn.N_FEATURES)).astype(np.float32)
    x = rng.random((n, 28, 28), dtype=np.float32)
    return x[..., None] if side == "neuroflow" else x[:, None]


def run_side(side, args) -> dict:
    models = {}
    for name, mod in (("churn", churn), ("cnn", mnist_cnn)):
        weights = mod.initial_weights(args.seed)
        models[name] = mod.build_neuroflow(weights) if side == "neuroflow" else mod.build_torch(weights).eval()
    if side == "torch":
        import torch
    values, calls_used = {}, {}
    for name, n in CASES:
        x = inputs(name, min(n, args.max_batch), args.seed, side)
        model = models[name]
        if side == "neuroflow":
            def call(model=model, x=x):
                return model.predict(x, batch_size=len(x), verbose=0)
        else:
            def call(model=model, x=x):
                with torch.no_grad():
                    return model(torch.from_numpy(x)).numpy()
        calls, run = common.per_call(call, args.min_time)  # calibrating doubles as the warm-up
        times = common.time_runs(lambda: None, run, args.repeats, profile=args.profile)
        values[f"{name}_{n}"] = [t / calls for t in times]
        calls_used[f"{name}_{n}"] = calls
        print(f"{side}: {name} x{len(x)}: {', '.join(common.fmt(t / calls, 's') for t in times)} per call "
              f"({calls} calls)")
    return {"values": values, "info": {"calls": calls_used}}


if __name__ == "__main__":
    sys.exit(common.main(sys.modules[__name__]))
