"""conv_kernels: the compiled convnet kernels (neuroflow/ops/conv_native.py) against their NumPy twins, per op and
per MNIST-convnet training step, in CPU time (``time.process_time``: meaningful on a shared machine, where wall
time is not), both forms in one process. Not part of ``run_all.py``.

Per op, on the MNIST convnet's shapes at batch 128: max-pool forward (with argmax) and backward, a convolution's
bias + ReLU and ReLU gradient, the second convolution's input gradient (col2im). Per step: ``model.fit`` on random
images with every kernel of conv_native on, then replaced by its NumPy twin, and mnist_cnn.py's PyTorch model on
the same images, alternating (torch with ``torch.set_num_threads`` left to OMP_NUM_THREADS).

Run: ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/conv_kernels.py [--steps 20] [--repeats 3]``
(one thread: with more, OpenBLAS's waiting threads count as CPU time).
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

conv = importlib.import_module("neuroflow.ops.conv")
pooling = importlib.import_module("neuroflow.ops.pooling")
conv_native = importlib.import_module("neuroflow.ops.conv_native")
KERNELS = ("max_pool2d", "max_pool2d_grad", "relu_grad", "col2im", "copy_rows", "bias_relu")


def cpu_ms(fn, repeats=30) -> float:
    """Median CPU time of ``fn()`` in ms, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return float(np.median(times)) * 1e3


class numpy_twins:
    """Inside the block every conv_native function declines, so the NumPy forms run."""

    def __enter__(self):
        self.saved = {name: getattr(conv_native, name) for name in KERNELS}
        for name in KERNELS:
            setattr(conv_native, name, (lambda *a: False) if name == "bias_relu" else (lambda *a: None))

    def __exit__(self, *exc):
        for name, fn in self.saved.items():
            setattr(conv_native, name, fn)


def per_op(rng) -> list:
    rows = []
    for name, (h, c) in {"pool 1 (128,26,26,32)": (26, 32), "pool 2 (128,11,11,64)": (11, 64)}.items():
        x = np.maximum(rng.standard_normal((128, h, h, c), dtype=np.float32), 0)  # ReLU output: ties
        geom, _ = pooling._pool_geometry("max_pool", x.shape, 2, None, "valid", "channels_last")
        fn = pooling.MaxPool(geom, False, True)
        gy = rng.random(fn.forward(x).shape, dtype=np.float32)
        rows.append((f"max-pool forward, {name}", lambda fn=fn, x=x: fn.forward(x)))
        rows.append((f"max-pool backward, {name}", lambda fn=fn, gy=gy: fn.backward(gy)))
    for name, shape in {"conv 1 (128,26,26,32)": (128, 26, 26, 32), "conv 2 (128,11,11,64)": (128, 11, 11, 64)}.items():
        y0 = rng.standard_normal(shape, dtype=np.float32)
        b = rng.standard_normal(shape[-1:], dtype=np.float32)
        g = rng.standard_normal(shape, dtype=np.float32)
        rows.append((f"bias + ReLU (with a copy), {name}", lambda y0=y0, b=b: _bias_relu(y0.copy(), b)))
        rows.append((f"ReLU gradient, {name}", lambda g=g, y0=y0: _relu_grad(g, y0)))
    x = rng.random((128, 13, 13, 32), dtype=np.float32)
    w = rng.random((3, 3, 32, 64), dtype=np.float32)
    geom = conv.cached_plan(conv._conv_plan, x.shape, w.shape, None, 1, "valid", "channels_last", 1, 1)[0]
    gm = rng.random((1, 128 * 121, 64), dtype=np.float32)
    rows.append(("input gradient (GEMM + col2im), conv 2", lambda: conv._input_grad(gm, w, geom, 128, 32)))
    out = []
    for label, fn in rows:
        compiled = cpu_ms(fn)
        with numpy_twins():
            plain = cpu_ms(fn)
        out.append((label, compiled, plain))
    return out


def _bias_relu(y, b):
    if not conv_native.bias_relu(y, b):
        y += b
        np.maximum(y, 0, out=y)
    return y


def _relu_grad(g, y):
    out = conv_native.relu_grad(g, y)
    return g * (y > 0) if out is None else out


def per_step(rng, steps: int, repeats: int) -> dict:
    from benchmarks.mnist_cnn import build_neuroflow, initial_weights
    n = 128 * steps
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, n)
    model = build_neuroflow(initial_weights(0))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0)
    torch_steps = _torch_steps(x, y, steps)
    torch_steps()  # warm-up
    result = {"compiled": [], "numpy": [], "torch": []}
    for _ in range(repeats):
        for mode in ("numpy", "compiled", "torch"):
            start = time.process_time()
            if mode == "numpy":
                with numpy_twins():
                    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
            elif mode == "compiled":
                model.fit(x, y, batch_size=128, epochs=1, verbose=0)
            else:
                torch_steps()
            result[mode].append((time.process_time() - start) / steps * 1e3)
    return result


def _torch_steps(x, y, steps: int):
    """``steps`` training steps of mnist_cnn.py's torch model (Adam, batch 128) on the same images."""
    import torch
    from benchmarks.mnist_cnn import build_torch, initial_weights
    model = build_torch(initial_weights(0))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))), torch.from_numpy(y)

    def run():
        for i in range(steps):
            xb, yb = xt[i * 128:(i + 1) * 128], yt[i * 128:(i + 1) * 128]
            opt.zero_grad()
            out = model(xb)
            loss_fn(out, yb).backward()
            opt.step()
            (out.argmax(1) == yb).sum().item()  # as the accuracy metric
    return run


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=20, help="training steps per timed fit")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"{'op (CPU ms, median of 30)':52s} {'compiled':>9s} {'NumPy':>9s}")
    for label, compiled, plain in per_op(rng):
        print(f"{label:52s} {compiled:9.2f} {plain:9.2f}")
    steps = per_step(rng, args.steps, args.repeats)
    for mode, values in steps.items():
        print(f"training step, {mode:9s} CPU ms: {', '.join(f'{v:.1f}' for v in values)} "
              f"(median {np.median(values):.1f}; / torch {np.median(values) / np.median(steps['torch']):.2f}x)")


if __name__ == "__main__":
    main()
