"""mpi_scaling: data-parallel throughput on 1 and 2 MPI ranks (one thread each) for the MNIST MLP and CNN.

Weak scaling, as Horovod reports it: every rank computes on 128 samples a step, so 2 ranks train with a global
batch of 256; throughput is training samples per second of ``model.fit`` over ``--steps`` steps (after one
warm-up epoch of 3 steps). Target: 2 ranks >= 1.8x one rank's throughput. Also reported per step: the time spent
in collectives (the Allreduce plus any wait for the slower rank) and, separately, one Allreduce of the gradient
buffer timed alone (median of 20).

    python benchmarks/mpi_scaling.py [--steps 60] [--workloads mlp cnn] [--data /work/shared/data/mnist]

It launches itself with ``mpiexec -n 1`` and ``-n 2`` (``--oversubscribe``; as root the run-as-root variables
are set for the child only) with OMP_NUM_THREADS=1, and prints a table. Real MNIST images when ``--data`` has them,
random images otherwise (the cost does not depend on the pixels).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MARK = "MPI_SCALING "
PER_RANK_BATCH = 128


def _images(data_dir, n):
    try:
        sys.path.insert(0, str(ROOT))
        from neuroflow.datasets import mnist
        (x, y), _ = mnist.load_data(data_dir)
        reps = -(-n // len(x))
        x, y = np.concatenate([x] * reps)[:n], np.concatenate([y] * reps)[:n]
        return x.astype(np.float32) / 255.0, y.astype(np.int64)
    except Exception:  # no local MNIST: random images cost the same
        rng = np.random.default_rng(0)
        return rng.random((n, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


def _model(workload):
    import neuroflow as keras
    from neuroflow import layers
    keras.random.set_seed(0)
    if workload == "mlp":
        stack = [keras.Input((28, 28)), layers.Flatten(), layers.Dense(512, activation="relu"), layers.Dropout(0.2),
                 layers.Dense(512, activation="relu"), layers.Dropout(0.2), layers.Dense(10, activation="softmax")]
        optimizer = "rmsprop"
    else:
        stack = [keras.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                 layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
                 layers.Dropout(0.5), layers.Dense(10, activation="softmax")]
        optimizer = "adam"
    model = keras.Sequential(stack)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def worker(args):
    """One rank: warm up, time ``fit`` over ``steps`` global batches, time the Allreduce alone."""
    import neuroflow as keras
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    group = keras.distribution.distribution().group
    ranks = group.size
    global_batch = PER_RANK_BATCH * ranks
    n = global_batch * args.steps
    x, y = _images(args.data, n)
    if args.worker == "cnn":
        x = x[..., None]
    model = _model(args.worker)
    model.fit(x[:3 * global_batch], y[:3 * global_batch], batch_size=global_batch, epochs=1, verbose=0)
    group.barrier()
    group.wait_seconds = 0.0
    start = time.perf_counter()
    model.fit(x, y, batch_size=global_batch, epochs=1, verbose=0, shuffle=True)
    seconds = time.perf_counter() - start
    in_collectives = group.wait_seconds / args.steps
    weights = sum(w.size for w in model.trainable_weights)
    buf = np.ones(weights + len(model.trainable_weights) + 2, dtype=np.float32)
    times = []
    for _ in range(20):
        group.barrier()
        t = time.perf_counter()
        group.allreduce_sum(buf)
        times.append(time.perf_counter() - t)
    if group.rank == 0:
        print(MARK + json.dumps({"workload": args.worker, "ranks": ranks, "samples": n, "seconds": seconds,
                                 "samples_per_s": n / seconds, "collective_ms_per_step": 1e3 * in_collectives,
                                 "allreduce_ms": 1e3 * float(np.median(times)), "gradient_bytes": 4 * weights,
                                 "step_ms": 1e3 * seconds / args.steps}), flush=True)


def _launch(workload, ranks, args):
    sys.path.insert(0, str(ROOT))
    from neuroflow.distribution.launch import mpiexec_command, mpiexec_env
    cmd = mpiexec_command(ranks, [sys.executable, __file__, "--worker", workload, "--steps", args.steps,
                                  "--data", args.data])
    out = subprocess.run(cmd, env=mpiexec_env(threads=1), capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    raise SystemExit(f"{workload} on {ranks} rank(s) failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60, help="timed steps (global batches) per run")
    parser.add_argument("--workloads", nargs="+", default=["mlp", "cnn"], choices=["mlp", "cnn"])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    parser.add_argument("--worker", choices=["mlp", "cnn"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    print(f"weak scaling, {PER_RANK_BATCH} samples per rank per step, {args.steps} steps, 1 thread per rank; "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| workload | ranks | samples/s | speed-up | step ms | collectives ms/step | one Allreduce ms | "
          "gradient MB |")
    print("|---|---|---|---|---|---|---|---|")
    for workload in args.workloads:
        one = _launch(workload, 1, args)
        two = _launch(workload, 2, args)
        for r in (one, two):
            print(f"| {workload} | {r['ranks']} | {r['samples_per_s']:,.0f} | "
                  f"{r['samples_per_s'] / one['samples_per_s']:.2f}x | {r['step_ms']:.1f} | "
                  f"{r['collective_ms_per_step']:.2f} | {r['allreduce_ms']:.3f} | {r['gradient_bytes'] / 1e6:.2f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
