"""Keras' simple MNIST convnet trained data-parallel on 2 MPI ranks, against the same training on 1 rank.

    python examples/mnist_mpi.py [--ranks 2] [--epochs 3] [--quick] [--data DIR]

It runs itself under ``mpiexec -n 1`` and ``mpiexec -n <ranks>`` (one thread per rank) and prints each run's test
accuracy and training time. The training script is examples/mnist_cnn.py's model plus one line::

    keras.distribution.set_distribution(keras.distribution.DataParallel())

``batch_size=128`` is the global batch, as in Keras: on 2 ranks each computes on 64 samples a step and the
gradients are averaged, so both runs train the same model (dropout masks aside) and the accuracy should agree.
Run one side by hand with ``mpiexec -n 2 python examples/mnist_mpi.py --worker`` (as root in a container add
``--allow-run-as-root``, or set ``OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1``).
``--quick``: 2,000 training images, 1 epoch (a smoke test).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import _common  # noqa: F401  (path setup)

import neuroflow as keras
from mnist_cnn import build
from neuroflow.distribution.launch import mpiexec_command, mpiexec_env

MARK = "MNIST_MPI "


def worker(args):
    keras.distribution.set_distribution(keras.distribution.DataParallel())  # the one added line
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data(args.data)
    if args.quick:
        x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], y_test[:500]
    x_train = (x_train.astype("float32") / 255)[..., None]
    x_test = (x_test.astype("float32") / 255)[..., None]
    model = build(augment=False)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=128, epochs=1 if args.quick else args.epochs,
              verbose=1 if args.verbose else 0)  # the progress bar: rank 0 only
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=500, verbose=0)  # each rank evaluates its part
    if keras.distribution.is_chief():
        print(MARK + json.dumps({"ranks": keras.distribution.get_device_count(), "seconds": seconds,
                                 "test_accuracy": float(accuracy), "test_loss": float(loss)}), flush=True)


def launch(ranks, args):
    """Run this script's training under ``mpiexec -n ranks`` (one thread per rank); returns rank 0's report."""
    cmd = mpiexec_command(ranks, [sys.executable, os.path.abspath(__file__), "--worker", "--data", args.data,
                                  "--epochs", args.epochs] + (["--quick"] if args.quick else []))
    out = subprocess.run(cmd, env=mpiexec_env(threads=1), capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    raise SystemExit(f"the {ranks}-rank run failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=_common.shared_data("mnist"), help="folder with the MNIST IDX files")
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2,000 images, 1 epoch")
    parser.add_argument("--worker", action="store_true", help="train in this process (run under mpiexec)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    results = [launch(1, args), launch(args.ranks, args)]
    for r in results:
        print(f"{r['ranks']} rank(s): test accuracy {r['test_accuracy']:.4f}, loss {r['test_loss']:.4f}, "
              f"training {r['seconds']:.1f} s ({results[0]['seconds'] / r['seconds']:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
