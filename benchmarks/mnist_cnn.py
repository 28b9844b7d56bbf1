"""mnist_cnn: Keras' simple MNIST convnet (Conv2D 32 3x3 relu, MaxPooling 2, Conv2D 64 3x3 relu, MaxPooling 2,
Flatten, Dropout 0.5, Dense 10 softmax), Adam, batch 128, 1 epoch; ``model.fit`` vs a plain PyTorch loop.
Target <= 1.50x.

Each side in its native layout: neuroflow channels-last ``(n, 28, 28, 1)`` as Keras, torch ``(n, 1, 28, 28)``
(the same bytes, as there is one channel). Same initial weights (the Dense kernel's rows are permuted from
Keras' (h, w, c) flattening order to torch's (c, h, w)). Data as in mnist_mlp (random, or ``--data DIR``).

Run: ``python benchmarks/mnist_cnn.py [--samples 60000] [--data /work/shared/data/mnist] [--threads 2]``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import common  # noqa: E402
from benchmarks.mnist_mlp import mnist_images  # noqa: E402

NAME = "mnist_cnn"
ROWS = [common.Row("fit", "mnist_cnn", "s", common.Target("<=", 1.50))]
SMOKE = {"samples": 64, "batch_size": 32}


def add_arguments(p):
    p.add_argument("--samples", type=int, default=60000, help="training images (one epoch)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--data", help="MNIST folder (IDX files or mnist.npz) instead of random images")


def initial_weights(seed: int) -> list:
    """Glorot-uniform kernels (fans as Keras counts them: receptive field x channels), zero biases."""
    rng = np.random.default_rng(seed + 1)
    return [common.glorot_uniform(rng, (3, 3, 1, 32), 9 * 1, 9 * 32), np.zeros(32, np.float32),
            common.glorot_uniform(rng, (3, 3, 32, 64), 9 * 32, 9 * 64), np.zeros(64, np.float32),
            common.glorot_uniform(rng, (1600, 10), 1600, 10), np.zeros(10, np.float32)]


def build_neuroflow(weights):
    import neuroflow
    from neuroflow.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
    from neuroflow.models import Sequential
    model = Sequential([neuroflow.Input((28, 28, 1)), Conv2D(32, (3, 3), activation="relu"),
                        MaxPooling2D((2, 2)), Conv2D(64, (3, 3), activation="relu"), MaxPooling2D((2, 2)),
                        Flatten(), Dropout(0.5), Dense(10, activation="softmax")])
    model.set_weights(weights)
    return model


def build_torch(weights):
    import torch.nn as nn
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
    common.conv2d_to_torch(model[0], weights[0], weights[1])
    common.conv2d_to_torch(model[3], weights[2], weights[3])
    kernel = weights[4].reshape(5, 5, 64, 10).transpose(2, 0, 1, 3).reshape(1600, 10)  # (h,w,c) -> (c,h,w) rows
    common.dense_to_torch(model[8], kernel, weights[5])
    return model


def run_side(side, args) -> dict:
    x, y = mnist_images(args)
    weights = initial_weights(args.seed)
    info = {}
    if side == "neuroflow":
        x = x[..., None]

        def prepare():
            model = build_neuroflow(weights)
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            return model

        def run(model, x=x, y=y):
            hist = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, verbose=0).history
            info.update(loss=hist["loss"][-1], accuracy=hist["accuracy"][-1])
    else:
        import torch
        x, y = torch.from_numpy(x[:, None]), torch.from_numpy(y)
        loss_fn = torch.nn.CrossEntropyLoss()

        def prepare():
            return build_torch(weights)

        def run(model, x=x, y=y):
            info.update(common.torch_train(model, x, y, args.epochs, args.batch_size, loss_fn,
                                           lambda out, yb: (out.argmax(1) == yb).sum(), args.seed))
    warm = min(len(x), 2 * args.batch_size)  # a few steps: first-call costs, not a whole epoch
    times = common.time_runs(prepare, run, args.repeats, profile=args.profile,
                             warmup=lambda: run(prepare(), x[:warm], y[:warm]))
    print(f"{side}: fit {', '.join(f'{t:.2f}' for t in times)} s; loss {info['loss']:.4f}, "
          f"accuracy {info['accuracy']:.4f}")
    return {"values": {"fit": times}, "info": info}


if __name__ == "__main__":
    sys.exit(common.main(sys.modules[__name__]))
