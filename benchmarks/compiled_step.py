"""compiled_step: CPU time of one training step, eager against the compiled step at optimisation levels 0 and 1,
interleaved in one process (``time.process_time``, one BLAS thread: what other users' load moves least).

Models: the churn MLP (11-6-6-1, Adam, batch 10; benchmarks/churn.py's) and the char-LSTM (Embedding -> LSTM
(return_sequences) -> Dense softmax; benchmarks/char_lstm.py's, smaller by default). Each round trains every mode
from the same seed for ``--epochs`` epochs and keeps its best epoch after the first (which traces); the figures are
the best and the median over rounds, in microseconds per step.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/compiled_step.py [--rounds 5] [--model churn]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import neuroflow as nf  # noqa: E402
from neuroflow import layers  # noqa: E402
from neuroflow.compile.optimized import set_compile_level  # noqa: E402

MODES = (("eager", False, 0), ("compiled L0", "auto", 0), ("compiled L1", "auto", 1))


def churn(args):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.churn_samples, 11)).astype("float32")
    y = (rng.random(args.churn_samples) < 0.2).astype("float32")

    def build():
        return nf.models.Sequential([layers.Input((11,)), layers.Dense(6, activation="relu"),
                                     layers.Dense(6, activation="relu"), layers.Dense(1, activation="sigmoid")])
    return build, x, y, 10, "binary_crossentropy"


def char_lstm(args):
    rng = np.random.default_rng(0)
    windows = rng.integers(0, 65, (args.lstm_steps * 32, args.seq_len + 1))

    def build():
        return nf.models.Sequential([layers.Input((args.seq_len,), dtype="int64"), layers.Embedding(65, 64),
                                     layers.LSTM(args.units, return_sequences=True),
                                     layers.Dense(65, activation="softmax")])
    return build, windows[:, :-1], windows[:, 1:], 32, "sparse_categorical_crossentropy"


def step_times(make, args):
    build, x, y, batch, loss = make(args)
    steps = -(-len(x) // batch)
    times = {name: [] for name, _, _ in MODES}
    for _ in range(args.rounds):
        for name, jit, level in MODES:
            set_compile_level(level)
            nf.random.set_seed(1)
            model = build()
            model.compile("adam", loss, metrics=["accuracy"], jit_compile=jit)
            epochs = []
            for _ in range(args.epochs):
                start = time.process_time()
                model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
                epochs.append((time.process_time() - start) / steps * 1e6)
            times[name].append(min(epochs[1:]))
            if jit:
                assert all(s["eager"] is None for s in model._jit_status()), model._jit_status()
    set_compile_level(None)
    return times


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=("churn", "char_lstm", "both"), default="both")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--epochs", type=int, default=3, help="per round; the first (tracing) is not counted")
    p.add_argument("--churn-samples", type=int, default=8000)
    p.add_argument("--lstm-steps", type=int, default=20, help="char-LSTM batches (of 32) per epoch")
    p.add_argument("--seq-len", type=int, default=50)
    p.add_argument("--units", type=int, default=128)
    args = p.parse_args(argv)
    for name, make in (("churn", churn), ("char_lstm", char_lstm)):
        if args.model in (name, "both"):
            for mode, values in step_times(make, args).items():
                print(f"{name:10s} {mode:12s} best {min(values):9.1f} us/step  median "
                      f"{statistics.median(values):9.1f}")


if __name__ == "__main__":
    main()
