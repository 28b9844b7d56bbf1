"""A Deep Belief Network on MNIST: unsupervised pre-training, then supervised fine-tuning, against random init.

1. Pre-train a stack of RBMs (``--hidden``, default 500 500 2000) greedily on ALL 60,000 training images,
   scaled to [0, 1]; no labels are used.
2. Turn the stack into a sigmoid classifier (``DBN.to_classifier``: each RBM's W and hidden bias become a Dense
   layer, topped by a fresh softmax layer) and fine-tune it with Adam (a) on all labels and (b) on a stratified,
   seeded ``--labels-fraction`` of them (default 1%: 600 images).
3. Train the same architecture from random initialisation for the same number of fine-tuning epochs, and print
   the test accuracies and wall times side by side.

Run: ``python examples/dbn_mnist.py [--data DIR] [--hidden 500 500 2000] [--pretrain-epochs N]
[--finetune-epochs N] [--labels-fraction F] [--out filters.png] [--quick]``. The default data folder is
``../shared/data/mnist`` beside the repository, found from any directory. ``--quick`` runs a tiny subset for tests.

Speed: the RBM updates on mini-batches of 10 are many small matrix products, for which a multi-threaded BLAS is
slower than one thread on a busy machine: set ``OMP_NUM_THREADS=1`` there (it was 8x faster on 2 shared cores).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

try:
    import neuroflow as keras
except ImportError:  # run from a source checkout without installing: the package sits one folder up
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import neuroflow as keras
from neuroflow.datasets import mnist
from neuroflow.layers import Dense
from neuroflow.models import Sequential
from neuroflow.models.dbn import DBN

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data", "mnist"))

# --quick: a few hundred images and a small stack, so that a test runs in seconds.
QUICK = {"train": 1000, "test": 500, "hidden": [64, 32], "pretrain_epochs": 2, "finetune_epochs": 2}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="DBN pre-training + fine-tuning on MNIST, against random init.")
    p.add_argument("--data", default=DEFAULT_DATA, help=f"folder with the MNIST IDX files (default: {DEFAULT_DATA})")
    p.add_argument("--hidden", type=int, nargs="+", default=None, help="hidden units per RBM (default: 500 500 2000)")
    p.add_argument("--pretrain-epochs", type=int, default=None, help="epochs per RBM (default: 10)")
    p.add_argument("--finetune-epochs", type=int, default=None, help="fine-tuning epochs (default: 10)")
    p.add_argument("--labels-fraction", type=float, default=0.01, help="labelled fraction for (b) (default: 0.01)")
    p.add_argument("--rbm-batch-size", type=int, default=10, help="RBM mini-batch size (default: 10)")
    p.add_argument("--rbm-learning-rate", type=float, default=0.05, help="RBM learning rate (default: 0.05)")
    p.add_argument("--batch-size", type=int, default=64, help="fine-tuning batch size (default: 64)")
    p.add_argument("--learning-rate", type=float, default=1e-3, help="fine-tuning Adam learning rate (default: 1e-3)")
    p.add_argument("--seed", type=int, default=0, help="seed for everything (default: 0)")
    p.add_argument("--out", default=None, help="save the first RBM's filters as this PNG (needs matplotlib)")
    p.add_argument("--quick", action="store_true", help="a tiny run on a subset, for tests")
    args = p.parse_args(argv)
    if not 0 < args.labels_fraction <= 1:
        p.error(f"--labels-fraction must be in (0, 1], got {args.labels_fraction}")
    defaults = QUICK if args.quick else {"hidden": [500, 500, 2000], "pretrain_epochs": 10, "finetune_epochs": 10}
    for key in ("hidden", "pretrain_epochs", "finetune_epochs"):
        if getattr(args, key) is None:
            setattr(args, key, defaults[key])
    return args


def stratified_subset(y, fraction, seed):
    """Indices of a seeded random ``fraction`` of each class (at least one per class), in random order."""
    rng = np.random.default_rng(seed)
    picked = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        picked.append(rng.choice(members, size=max(1, round(fraction * len(members))), replace=False))
    return rng.permutation(np.concatenate(picked))


def random_init_classifier(n_visible, hidden, n_classes):
    """The classifier architecture of ``DBN.to_classifier`` with Keras' default (Glorot) initialisation."""
    model = Sequential([Dense(units, activation="sigmoid") for units in hidden]
                       + [Dense(n_classes, activation="softmax")])
    model.build((None, n_visible))
    return model


def fine_tune(model, x, y, x_test, y_test, args):
    """Compile, fit for ``args.finetune_epochs`` and return (test accuracy, seconds)."""
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, epochs=args.finetune_epochs, batch_size=args.batch_size, verbose=2 if not args.quick else 0)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    return float(accuracy), seconds


def main(argv=None):
    """Run the experiment. Returns ``{'pretrain_seconds', 'results': {(labels, init): (accuracy, seconds)}}``."""
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = mnist.load_data(args.data)
    if args.quick:
        x_train, y_train = x_train[:QUICK["train"]], y_train[:QUICK["train"]]
        x_test, y_test = x_test[:QUICK["test"]], y_test[:QUICK["test"]]
    x_train = x_train.reshape(len(x_train), -1).astype(np.float32) / 255.0
    x_test = x_test.reshape(len(x_test), -1).astype(np.float32) / 255.0
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    n_visible, n_classes = x_train.shape[1], 10
    print(f"MNIST: {len(x_train)} training and {len(x_test)} test images; DBN {n_visible} -> "
          f"{' -> '.join(map(str, args.hidden))}")

    # 1. Unsupervised pre-training on all training images.
    dbn = DBN(args.hidden, learning_rate=args.rbm_learning_rate, batch_size=args.rbm_batch_size, seed=args.seed)
    start = time.perf_counter()
    dbn.pretrain(x_train, epochs=args.pretrain_epochs, verbose=0 if args.quick else 2)
    pretrain_seconds = time.perf_counter() - start
    for i, h in enumerate(dbn.history):
        print(f"RBM {i + 1}: reconstruction error {h['reconstruction_error'][0]:.4f} -> "
              f"{h['reconstruction_error'][-1]:.4f} ({h['seconds']:.1f}s)")
    if args.out:
        dbn.rbms[0].plot_filters(args.out, shape=(28, 28))
        print(f"filters of RBM 1 saved to {args.out}")

    # 2./3. Fine-tuning from the DBN and from random initialisation, on all labels and on a few.
    subset = stratified_subset(y_train, args.labels_fraction, args.seed)
    label_sets = {"full": (x_train, y_train), f"{args.labels_fraction:.0%}": (x_train[subset], y_train[subset])}
    results = {}
    for labels, (x, y) in label_sets.items():
        for init in ("pretrained", "random"):
            keras.utils.set_random_seed(args.seed)  # the same output-layer init and shuffling for both
            model = (dbn.to_classifier(n_classes) if init == "pretrained"
                     else random_init_classifier(n_visible, args.hidden, n_classes))
            print(f"fine-tuning ({init} init) on {len(x)} labels")
            results[(labels, init)] = fine_tune(model, x, y, x_test, y_test, args)

    print(f"\npre-training: {pretrain_seconds:.1f}s ({args.pretrain_epochs} epochs per RBM)")
    print(f"{'labels':>14} | {'pretrained':>10} | {'random init':>11} | {'time (pre / rand)':>17}")
    for labels, (x, _) in label_sets.items():
        (acc_p, sec_p), (acc_r, sec_r) = results[(labels, "pretrained")], results[(labels, "random")]
        print(f"{labels + f' ({len(x)})':>14} | {acc_p:>10.4f} | {acc_r:>11.4f} | "
              f"{f'{sec_p:.1f}s / {sec_r:.1f}s':>17}")
    return {"pretrain_seconds": pretrain_seconds, "results": results, "dbn": dbn,
            "n_labels": {k: len(x) for k, (x, _) in label_sets.items()}}


if __name__ == "__main__":
    main()
