"""mnist_mlp: 784-512-512-10 MLP (relu, dropout 0.2, softmax), Adam, sparse categorical cross-entropy, batch 128,
1 epoch on 60000 images; neuroflow's ``model.fit`` vs a plain PyTorch loop. Target <= 1.00x.

Data: 60000 random images in [0, 1) with random labels (the cost does not depend on the pixels), or real MNIST
with ``--data DIR`` (``neuroflow.datasets.mnist.load_data(DIR)``, scaled to [0, 1]). Same initial weights
(Glorot-uniform kernels, zero biases) on both sides; torch takes the logits into ``CrossEntropyLoss``, which is
what neuroflow's fused softmax + cross-entropy computes.

Run: ``python benchmarks/mnist_mlp.py [--samples 60000] [--data /work/shared/data/mnist] [--threads 2]``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import common  # noqa: E402

NAME = "mnist_mlp"
ROWS = [common.Row("fit", "mnist_mlp", "s", common.Target("<=", 1.00))]
SMOKE = {"samples": 64, "batch_size": 32}
SIZES = (784, 512, 512, 10)


def add_arguments(p):
    p.add_argument("--samples", type=int, default=60000, help="training images (one epoch)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--data", help="MNIST folder (IDX files or mnist.npz) instead of random images")


def mnist_images(args):
    """``(x (n, 28, 28) float32 in [0, 1], y (n,) int64)``: real MNIST with ``--data``, else random."""
    if args.data:
        from neuroflow.datasets import mnist
        (x, y), _ = mnist.load_data(args.data)
        return (x[:args.samples].astype(np.float32) / 255.0), y[:args.samples].astype(np.int64)
    rng = np.random.default_rng(args.seed)
    return rng.random((args.samples, 28, 28), dtype=np.float32), rng.integers(0, 10, args.samples)


def initial_weights(seed: int) -> list:
    rng = np.random.default_rng(seed + 1)
    out = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        out += [common.glorot_uniform(rng, (fan_in, fan_out), fan_in, fan_out), np.zeros(fan_out, np.float32)]
    return out


def build_neuroflow(weights):
    from neuroflow.layers import Dense, Dropout
    from neuroflow.models import Sequential
    model = Sequential([Dense(512, activation="relu", input_shape=(784,)), Dropout(0.2),
                        Dense(512, activation="relu"), Dropout(0.2), Dense(10, activation="softmax")])
    model.set_weights(weights)
    return model


def build_torch(weights):
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 512), nn.ReLU(),
                          nn.Dropout(0.2), nn.Linear(512, 10))
    for i, linear in enumerate((model[0], model[3], model[6])):
        common.dense_to_torch(linear, weights[2 * i], weights[2 * i + 1])
    return model


def run_side(side, args) -> dict:
    x, y = mnist_images(args)
    x = x.reshape(len(x), 784)
    weights = initial_weights(args.seed)
    info = {}
    if side == "neuroflow":
        def prepare():
            model = build_neuroflow(weights)
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            return model

        def run(model, x=x, y=y):
            hist = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, verbose=0).history
            info.update(loss=hist["loss"][-1], accuracy=hist["accuracy"][-1])
        xw, yw = x, y
    else:
        import torch
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        loss_fn = torch.nn.CrossEntropyLoss()

        def prepare():
            return build_torch(weights)

        def run(model, x=xt, y=yt):
            info.update(common.torch_train(model, x, y, args.epochs, args.batch_size, loss_fn,
                                           lambda out, yb: (out.argmax(1) == yb).sum(), args.seed))
        xw, yw = xt, yt
    warm = min(len(x), 4 * args.batch_size)  # a few steps: first-call costs, not a whole epoch
    times = common.time_runs(prepare, run, args.repeats, profile=args.profile,
                             warmup=lambda: run(prepare(), xw[:warm], yw[:warm]))
    print(f"{side}: fit {', '.join(f'{t:.2f}' for t in times)} s; loss {info['loss']:.4f}, "
          f"accuracy {info['accuracy']:.4f}")
    return {"values": {"fit": times}, "info": info}


if __name__ == "__main__":
    sys.exit(common.main(sys.modules[__name__]))
