"""Transfer learning on MNIST: features learnt on digits 0-4 reused for digits 5-9, where only 500 labels exist.

    python examples/transfer_learning.py [--data DIR] [--pretrain-epochs 3] [--epochs 30] [--finetune-epochs 10]
                                         [--labels-per-class 100] [--out out/] [--quick]

1. Pre-train a small CNN (convolutional base: Conv 16 - pool - Conv 32 - pool - flatten, 800 features; head:
   dropout 0.5 and a Dense(5) softmax layer) on all training images of digits 0-4.
2. Freeze the convolutional base (``base.trainable = False``), replace the head's Dense(5) by a new, randomly
   initialised one, and train only that on 100 labelled images per digit 5-9 (a seeded selection).
3. Train the same architecture from scratch on the same 500 images for the same number of epochs.
4. Fine-tune: unfreeze the base, recompile (the optimizer must see the newly trainable weights) with a low
   learning rate (1e-4) so that the pre-trained features are adjusted rather than overwritten, train again.

Prints the test accuracy on digits 5-9 of each, side by side, and saves the pre-training curves.

Speed: on a machine whose cores are shared, one BLAS thread (``OMP_NUM_THREADS=1``) is far faster than several
(the threads wait on each other); see the README for measured times.
"""
import argparse
import os
import time

import _common  # noqa: F401  (path setup)
import numpy as np

import neuroflow as keras
from neuroflow import layers


def build_base():
    """The convolutional base, a feature extractor: ``(n, 28, 28, 1) -> (n, 800)``."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
    ], name="base")


def with_head(base, name):
    """``base`` topped by a new head (dropout, then a randomly initialised Dense(5) softmax layer):
    ``(n, 28, 28, 1) -> (n, 5)``. The base's layers (and weights) are shared, not copied."""
    inputs = keras.Input(shape=(28, 28, 1))
    features = layers.Dropout(0.5)(base(inputs))  # 500 labels: the head alone could still overfit
    outputs = layers.Dense(5, activation="softmax", name=f"{name}_head")(features)
    return keras.Model(inputs, outputs, name=name)


def labelled_subset(y, per_class, seed):
    """Indices of ``per_class`` seeded random examples of each class in ``y``, shuffled."""
    rng = np.random.default_rng(seed)
    picked = [rng.choice(np.flatnonzero(y == c), size=per_class, replace=False) for c in np.unique(y)]
    return rng.permutation(np.concatenate(picked))


def n_params(variables) -> int:
    return int(sum(v.data.size for v in variables))


def train(model, x, y, epochs, batch_size, learning_rate, verbose, x_test, y_test):
    """Compile (again: freezing or unfreezing changes what the optimizer must update), fit, and return
    ``(test accuracy, seconds, trainable parameter count)``."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.time()
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose)
    seconds = time.time() - start
    accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
    return float(accuracy), seconds, n_params(model.trainable_weights), history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=_common.shared_data("mnist"), help="folder with the MNIST IDX files")
    parser.add_argument("--pretrain-epochs", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs on the 500 labels (default 30)")
    parser.add_argument("--finetune-epochs", type=int, default=None, help="default 10 (1 with --quick)")
    parser.add_argument("--finetune-lr", type=float, default=1e-4)
    parser.add_argument("--labels-per-class", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=32, help="for the 500 labels (pre-training: 128)")
    parser.add_argument("--samples", type=int, default=None, help="pre-train on the first N images only (tests)")
    parser.add_argument("--quick", action="store_true", help="1000 pre-training images, 1 epoch each (tests)")
    parser.add_argument("--out", default="out", help="folder for the figures")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)
    if args.quick:
        args.samples = args.samples or 1000
    pretrain_epochs = args.pretrain_epochs or (1 if args.quick else 3)
    epochs = args.epochs or (1 if args.quick else 30)
    finetune_epochs = args.finetune_epochs or (1 if args.quick else 10)

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data(args.data)
    x_train = (x_train.astype("float32") / 255)[..., None]
    x_test = (x_test.astype("float32") / 255)[..., None]
    y_train, y_test = y_train.astype("int64"), y_test.astype("int64")
    old, new = y_train < 5, y_train >= 5
    x_old, y_old = x_train[old], y_train[old]                 # digits 0-4, labels 0-4
    x_new, y_new = x_train[new], y_train[new] - 5             # digits 5-9, labels 0-4
    x_old_test, y_old_test = x_test[y_test < 5], y_test[y_test < 5]
    x_new_test, y_new_test = x_test[y_test >= 5], y_test[y_test >= 5] - 5
    if args.samples:
        x_old, y_old = x_old[:args.samples], y_old[:args.samples]
        cut = max(args.samples // 2, 200)
        x_old_test, y_old_test, x_new_test, y_new_test = (x_old_test[:cut], y_old_test[:cut], x_new_test[:cut],
                                                          y_new_test[:cut])
    few = labelled_subset(y_new, args.labels_per_class, args.seed)
    x_few, y_few = x_new[few], y_new[few]
    print(f"pre-training on {len(x_old)} images of digits 0-4; transfer to {len(x_few)} labelled images of "
          f"digits 5-9 ({args.labels_per_class} per class); testing on {len(x_new_test)} images of digits 5-9")

    # 1. pre-train base + head on digits 0-4
    base = build_base()
    pretrained = with_head(base, "pretrained")
    pretrained.summary()
    pre_acc, pre_seconds, _, pre_history = train(pretrained, x_old, y_old, pretrain_epochs, 128, 1e-3,
                                                 args.verbose, x_old_test, y_old_test)
    print(f"pre-training: test accuracy on digits 0-4 {pre_acc:.4f} ({pre_seconds:.1f} s)")

    # 2. freeze the base, new head, train the head on the 500 labels
    base.trainable = False
    transfer = with_head(base, "transfer")
    rows = {}
    rows["frozen pre-trained base + new head"] = train(transfer, x_few, y_few, epochs, args.batch_size, 1e-3,
                                                       args.verbose, x_new_test, y_new_test)[:3] + (epochs,)
    # 3. the same network from scratch (random initialisation, everything trainable) on the same labels
    scratch = with_head(build_base(), "scratch")
    rows["same network from scratch"] = train(scratch, x_few, y_few, epochs, args.batch_size, 1e-3, args.verbose,
                                              x_new_test, y_new_test)[:3] + (epochs,)
    # 4. unfreeze and fine-tune everything, gently
    base.trainable = True
    rows[f"then fine-tuned, base unfrozen (lr {args.finetune_lr:g})"] = train(
        transfer, x_few, y_few, finetune_epochs, args.batch_size, args.finetune_lr, args.verbose, x_new_test,
        y_new_test)[:3] + (finetune_epochs,)

    os.makedirs(args.out, exist_ok=True)
    try:
        from neuroflow.utils.plotting import plot_history
        plot_history(pre_history, os.path.join(args.out, "transfer_pretraining_history.png"))
    except ImportError as err:
        print(f"plots skipped: {err}")
    order = ["same network from scratch", "frozen pre-trained base + new head",
             f"then fine-tuned, base unfrozen (lr {args.finetune_lr:g})"]
    width = max(len(k) for k in order)
    print(f"\ndigits 5-9, {len(x_few)} labels ({args.labels_per_class} per class); test on {len(x_new_test)} images")
    print(f"{'':{width}} | test accuracy | trainable params | epochs | time")
    for name in order:
        accuracy, seconds, params, n_epochs = rows[name]
        print(f"{name:{width}} | {accuracy:13.4f} | {params:16,d} | {n_epochs:6d} | {seconds:5.1f} s")
    return {"pretrain_accuracy": pre_acc, "rows": rows}


if __name__ == "__main__":
    main()
