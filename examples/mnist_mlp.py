"""MNIST with a multi-layer perceptron: 784-512-512-10, relu, dropout 0.2 (Keras' mnist_mlp).

    python examples/mnist_mlp.py [--data DIR] [--epochs 20] [--out out/]

Prints per-epoch progress, the test loss and accuracy, and saves training curves and sample predictions.
"""
import argparse
import os
import time

import _common  # noqa: F401  (path setup)
import numpy as np

import neuroflow as keras
from neuroflow import layers


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=_common.shared_data("mnist"), help="folder with the MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--samples", type=int, default=None, help="train on the first N images only (tests)")
    parser.add_argument("--out", default="out", help="folder for the plots")
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data(args.data)
    if args.samples:
        x_train, y_train = x_train[:args.samples], y_train[:args.samples]
        x_test, y_test = x_test[:max(args.samples // 5, 100)], y_test[:max(args.samples // 5, 100)]
    x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
    x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255
    y_train_1h = keras.utils.to_categorical(y_train, 10)
    y_test_1h = keras.utils.to_categorical(y_test, 10)

    model = keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.summary()
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"])
    start = time.time()
    history = model.fit(x_train, y_train_1h, batch_size=args.batch_size, epochs=args.epochs,
                        validation_data=(x_test, y_test_1h), verbose=args.verbose)
    elapsed = time.time() - start
    loss, acc = model.evaluate(x_test, y_test_1h, verbose=0)
    os.makedirs(args.out, exist_ok=True)
    try:
        from neuroflow.utils.plotting import plot_history, plot_image_grid
        plot_history(history, os.path.join(args.out, "mnist_mlp_history.png"))
        pred = model.predict(x_test[:32], verbose=0).argmax(1)
        plot_image_grid(x_test[:32].reshape(-1, 28, 28), os.path.join(args.out, "mnist_mlp_predictions.png"),
                        ncols=8, titles=[f"{p} ({t})" for p, t in zip(pred, y_test[:32])])
    except ImportError as err:
        print(f"plots skipped: {err}")
    print(f"training time: {elapsed:.1f} s")
    print(f"test loss: {loss:.4f}")
    print(f"test accuracy: {acc:.4f}")
    return {"loss": loss, "accuracy": acc, "seconds": elapsed}


if __name__ == "__main__":
    main()
