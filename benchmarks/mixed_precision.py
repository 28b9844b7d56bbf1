"""Mixed precision on CPU NumPy: a training step of an MLP under float32, mixed_float16 and mixed_bfloat16, and
the raw float16 matmul that mixed precision avoids (NumPy has no float16 BLAS).

    python -m benchmarks.mixed_precision [--repeats 20]

Prints milliseconds per step (median of repeats) and each policy's ratio to float32. All steps run eagerly
(``jit_compile=False``): under mixed_float16 the loss-scale optimizer keeps the step eager anyway.
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def _median_ms(fn, repeats):
    fn()  # warm-up: builds, caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    import neuroflow as nf
    from neuroflow import config, layers

    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 512)).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, 256)]
    a, b = x.astype("float16"), rng.normal(size=(512, 512)).astype("float16")
    print(f"matmul 256x512 @ 512x512: float32 {_median_ms(lambda: x @ b.astype('float32'), args.repeats):.2f} ms, "
          f"float16 {_median_ms(lambda: a @ b, 3):.1f} ms")
    results = {}
    for policy in ("float32", "mixed_float16", "mixed_bfloat16"):
        config.set_dtype_policy(policy)
        try:
            model = nf.Sequential([layers.Input((512,)), layers.Dense(512, activation="relu"),
                                   layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")])
            # eager steps for all three: a loss-scaled step (mixed_float16) always runs eagerly
            model.compile("adam", "categorical_crossentropy", jit_compile=False)
            results[policy] = _median_ms(lambda: model.train_on_batch(x, y), args.repeats)
        finally:
            config.set_dtype_policy("float32")
    for policy, ms in results.items():
        print(f"{policy:15s} train step (batch 256, 512-512-512-10 MLP): {ms:7.2f} ms  "
              f"({ms / results['float32']:.2f}x float32)")


if __name__ == "__main__":
    main()
