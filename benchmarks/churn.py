"""churn: the course's ANN (11 -> 6 relu -> 6 relu -> 1 sigmoid, 'uniform' init), Adam, binary cross-entropy,
batch 10, 50 epochs on 8000 customers; neuroflow's ``model.fit`` vs a plain PyTorch loop. Target <= 0.40x.

Data: 8000 x 11 standard-normal features with labels from a fixed random nonlinear rule (20 % positive, like the
real churn rate), or the real ``Churn_Modelling.csv`` with ``--data`` (encoded and standardized as in the course).
Both sides start from the same weights and report the last epoch's loss and accuracy (as Keras' bar does).

Run: ``python benchmarks/churn.py [--epochs 50] [--data CSV] [--threads 2] [--repeats 3] [--profile 15]``.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import common  # noqa: E402

NAME = "churn"
ROWS = [common.Row("fit", "churn", "s", common.Target("<=", 0.40))]
SMOKE = {"epochs": 1, "samples": 200}
N_FEATURES = 11


def add_arguments(p):
    p.add_argument("--epochs", type=int, default=50, help="training epochs")
    p.add_argument("--batch-size", type=int, default=10)
    p.add_argument("--samples", type=int, default=8000, help="training customers")
    p.add_argument("--data", help="Churn_Modelling.csv instead of generated data")


def generated_data(n: int, seed: int):
    """``(x (n, 11) float32, y (n,) float32)``: standardized normal features, labels from a fixed random
    nonlinear rule (a small tanh network plus an interaction), thresholded so that 20 % are positive."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, N_FEATURES)).astype(np.float32)
    w1, w2 = rng.standard_normal((N_FEATURES, 8)), rng.standard_normal(8)
    score = np.tanh(x @ w1) @ w2 + 0.8 * x[:, 0] * x[:, 1]
    y = (score > np.quantile(score, 0.8)).astype(np.float32)
    return x, y


def csv_data(path: str, n: int, seed: int):
    """The course's preprocessing without pandas: label-encode Gender, one-hot Geography minus one dummy,
    standardize, then ``n`` customers of a seeded shuffle. Returns ``(x (n, 11) float32, y (n,) float32)``."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    geos = sorted({r["Geography"] for r in rows})
    numeric = ["CreditScore", "Age", "Tenure", "Balance", "NumOfProducts", "HasCrCard", "IsActiveMember",
               "EstimatedSalary"]
    x = np.array([[float(r["Geography"] == g) for g in geos[1:]] + [float(r["CreditScore"]),
                  float(r["Gender"] == "Male")] + [float(r[c]) for c in numeric[1:]] for r in rows])
    y = np.array([float(r["Exited"]) for r in rows], dtype=np.float32)
    x = (x - x.mean(0)) / x.std(0)
    keep = np.random.default_rng(seed).permutation(len(x))[:n]
    return x[keep].astype(np.float32), y[keep]


def load_data(args):
    return csv_data(args.data, args.samples, args.seed) if args.data else generated_data(args.samples, args.seed)


def initial_weights(seed: int) -> list:
    """Keras' 'uniform' initializer (U(-0.05, 0.05)) for the kernels, zero biases, in Keras layout."""
    rng = np.random.default_rng(seed + 1)
    shapes = [(N_FEATURES, 6), (6, 6), (6, 1)]
    out = []
    for shape in shapes:
        out += [rng.uniform(-0.05, 0.05, shape).astype(np.float32), np.zeros(shape[1], np.float32)]
    return out


def build_neuroflow(weights):
    """The course's classifier, exactly as its Keras code builds it, starting from ``weights``."""
    from neuroflow.layers import Dense
    from neuroflow.models import Sequential
    model = Sequential()
    model.add(Dense(6, activation="relu", kernel_initializer="uniform", input_dim=N_FEATURES))
    model.add(Dense(6, activation="relu", kernel_initializer="uniform"))
    model.add(Dense(1, activation="sigmoid", kernel_initializer="uniform"))
    model.set_weights(weights)
    return model


def build_torch(weights):
    import torch.nn as nn
    model = nn.Sequential(nn.Linear(N_FEATURES, 6), nn.ReLU(), nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 1),
                          nn.Sigmoid())
    for i, linear in enumerate((model[0], model[2], model[4])):
        common.dense_to_torch(linear, weights[2 * i], weights[2 * i + 1])
    return model


def run_side(side, args) -> dict:
    x, y = load_data(args)
    weights = initial_weights(args.seed)
    info = {}
    if side == "neuroflow":
        def prepare():
            model = build_neuroflow(weights)
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            return model

        def run(model, x=x, y=y, epochs=args.epochs):
            hist = model.fit(x, y, batch_size=args.batch_size, epochs=epochs, verbose=0).history
            info.update(loss=hist["loss"][-1], accuracy=hist["accuracy"][-1])
    else:
        import torch
        xt, yt = torch.from_numpy(x), torch.from_numpy(y[:, None])
        loss_fn = torch.nn.BCELoss()

        def prepare():
            return build_torch(weights)

        def run(model, x=xt, y=yt, epochs=args.epochs):
            info.update(common.torch_train(model, x, y, epochs, args.batch_size, loss_fn,
                                           lambda out, yb: ((out > 0.5) == (yb > 0.5)).sum(), args.seed))
    warm = min(len(x), 500)
    times = common.time_runs(prepare, run, args.repeats, profile=args.profile,
                             warmup=lambda: run(prepare(), x[:warm] if side == "neuroflow" else xt[:warm],
                                                y[:warm] if side == "neuroflow" else yt[:warm], 1))
    print(f"{side}: fit {', '.join(f'{t:.2f}' for t in times)} s; last epoch loss {info['loss']:.4f}, "
          f"accuracy {info['accuracy']:.4f}")
    return {"values": {"fit": times}, "info": info}


if __name__ == "__main__":
    sys.exit(common.main(sys.modules[__name__]))
