"""MNIST with Keras' "simple MNIST convnet": Conv2D 32 3x3 relu, MaxPooling 2, Conv2D 64 3x3 relu, MaxPooling 2,
Flatten, Dropout 0.5, Dense 10 softmax; adam, batch 128.

    python examples/mnist_cnn.py [--data DIR] [--epochs 15] [--augment] [--out out/]

``--augment`` adds RandomTranslation/RandomRotation in front of the network (active only while training).
"""
import argparse
import os
import time

import _common  # noqa: F401  (path setup)
import numpy as np

import neuroflow as keras
from neuroflow import layers


def build(augment: bool):
    stack = [keras.Input(shape=(28, 28, 1))]
    if augment:
        stack += [layers.RandomTranslation(0.1, 0.1, fill_mode="constant"), layers.RandomRotation(0.05, fill_mode="constant")]
    stack += [
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ]
    return keras.Sequential(stack)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=_common.shared_data("mnist"), help="folder with the MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--augment", action="store_true")
    parser.add_argument("--samples", type=int, default=None, help="train on the first N images only (tests)")
    parser.add_argument("--out", default="out")
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data(args.data)
    if args.samples:
        x_train, y_train = x_train[:args.samples], y_train[:args.samples]
        x_test, y_test = x_test[:max(args.samples // 5, 100)], y_test[:max(args.samples // 5, 100)]
    x_train = (x_train.astype("float32") / 255)[..., None]
    x_test = (x_test.astype("float32") / 255)[..., None]
    y_train_1h = keras.utils.to_categorical(y_train, 10)
    y_test_1h = keras.utils.to_categorical(y_test, 10)

    model = build(args.augment)
    model.summary()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    start = time.time()
    history = model.fit(x_train, y_train_1h, batch_size=args.batch_size, epochs=args.epochs,
                        validation_split=0.1, verbose=args.verbose)
    elapsed = time.time() - start
    loss, acc = model.evaluate(x_test, y_test_1h, verbose=0)
    os.makedirs(args.out, exist_ok=True)
    try:
        from neuroflow.utils.plotting import plot_history, plot_image_grid
        plot_history(history, os.path.join(args.out, "mnist_cnn_history.png"))
        pred = model.predict(x_test[:32], verbose=0).argmax(1)
        plot_image_grid(x_test[:32, ..., 0], os.path.join(args.out, "mnist_cnn_predictions.png"), ncols=8,
                        titles=[f"{p} ({t})" for p, t in zip(pred, y_test[:32])])
    except ImportError as err:
        print(f"plots skipped: {err}")
    print(f"training time: {elapsed:.1f} s")
    print(f"test loss: {loss:.4f}")
    print(f"test accuracy: {acc:.4f}")
    return {"loss": loss, "accuracy": acc, "seconds": elapsed}


if __name__ == "__main__":
    main()
