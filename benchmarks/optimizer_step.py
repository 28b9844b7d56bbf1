"""Time one optimizer update: the MNIST MLP's weights (784-512-512-10, 669,706) and the churn model's (11-6-6-1).

Each optimizer is built as ``fit`` builds it (``build(variables, owns_storage=True)``: the churn model's small
weights are packed into one flat buffer, the MLP's are updated per variable, in slices over threads), then
``step`` runs with fixed gradients; the figures are the median and the minimum of ``--repeat`` timed steps after
a warm-up (20); on a shared machine the minimum is the steadier one.

    python benchmarks/optimizer_step.py [--threads N] [--repeat 200]

``NEUROFLOW_NATIVE=0`` times the NumPy form of Adam instead of the compiled kernel.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

MODELS = {"mnist-mlp": [(784, 512), (512,), (512, 512), (512,), (512, 10), (10,)],
          "churn": [(11, 6), (6,), (6, 6), (6,), (6, 1), (1,)]}
OPTIMIZERS = {"Adam": {}, "SGD-momentum": {"momentum": 0.9}, "RMSprop": {}}


def time_step(nf, name, kwargs, shapes, repeat):
    rng = np.random.default_rng(0)
    vs = [nf.Variable((rng.standard_normal(s) * 0.05).astype(np.float32)) for s in shapes]
    grads = [(rng.standard_normal(s) * 0.01).astype(np.float32) for s in shapes]
    cls = getattr(nf.optimizers, name.split("-")[0])
    opt = cls(learning_rate=1e-4, **kwargs)
    opt.build(vs, owns_storage=True)
    warmup, times = min(20, repeat), []
    for i in range(warmup + repeat):
        for v, g in zip(vs, grads):
            v.grad = g
        start = time.perf_counter()
        opt.step(vs)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), repr(opt)


def main(argv=None) -> list:
    """Print one line per model and optimizer; returns ``(model, optimizer, median seconds, repr)`` rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="NEUROFLOW_NUM_THREADS (default: as set)")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    if args.threads is not None:
        os.environ["NEUROFLOW_NUM_THREADS"] = str(args.threads)
    import neuroflow as nf
    from neuroflow import _native
    print(f"neuroflow from {os.path.dirname(nf.__file__)}; compiled kernels: "
          f"{_native.library() is not None}; threads: {os.environ.get('NEUROFLOW_NUM_THREADS', 'default')}")
    rows = []
    for model, shapes in MODELS.items():
        for name, kwargs in OPTIMIZERS.items():
            median, fastest, desc = time_step(nf, name, kwargs, shapes, args.repeat)
            print(f"{model:10s} {name:13s} median {median * 1e6:8.1f} us, min {fastest * 1e6:8.1f} us   {desc}")
            rows.append((model, name, median, desc))
    return rows


if __name__ == "__main__":
    main()
