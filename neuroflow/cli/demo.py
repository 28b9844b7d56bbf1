"""``neuroflow demo``: train a small MLP end to end on data that needs no download, then save and reload it.

Data: scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes) when scikit-learn is installed,
otherwise Gaussian blobs drawn with ``neuroflow.random`` (4 classes in 8 dimensions). Steps: split 80/20, train
``Dense(64, relu) -> Dense(classes, softmax)`` with Adam and the progress bar, print the test accuracy and the
confusion matrix, save ``demo.neuroflow``, reload it and check that its predictions match, and draw the training
curves (``history.png``) and the confusion matrix (``confusion_matrix.png``) when matplotlib is installed.
"""
from __future__ import annotations

import contextlib
import os
import time

import numpy as np

DEFAULT_OUT = "neuroflow-demo"
DEFAULT_EPOCHS = 30
QUICK_EPOCHS = 3


def load_data(seed=0):
    """``(x, y, name)``: features float32 ``(N, D)`` scaled to about [0, 1] or unit variance, labels int ``(N,)``."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        return _blobs(seed) + ("Gaussian blobs (scikit-learn not installed)",)
    digits = load_digits()
    # pixels are 0..16: dividing by 16 puts the inputs in [0, 1], where Adam's defaults train well
    return (digits.data / 16.0).astype("float32"), digits.target.astype("int64"), "8x8 digits (scikit-learn)"


def _blobs(seed, n_per_class=250, classes=4, dims=8):
    from .. import random as nf_random

    rng = nf_random.generator(seed)
    centers = rng.normal(0.0, 2.0, size=(classes, dims))
    y = np.repeat(np.arange(classes), n_per_class)
    x = centers[y] + rng.normal(0.0, 1.0, size=(len(y), dims))
    return x.astype("float32"), y.astype("int64")


def split(x, y, test_fraction=0.2, seed=0):
    """A shuffled train/test split: ``(x_train, y_train, x_test, y_test)``."""
    from .. import random as nf_random

    order = nf_random.generator(seed).permutation(len(x))
    cut = int(round(len(x) * (1 - test_fraction)))
    train, test = order[:cut], order[cut:]
    return x[train], y[train], x[test], y[test]


def build_model(input_dim, classes):
    """The demo MLP: ``(batch, input_dim)`` -> ``(batch, classes)`` probabilities."""
    from ..layers import Dense
    from ..models import Sequential

    model = Sequential([Dense(64, activation="relu", input_dim=input_dim),
                        Dense(classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def confusion(y_true, y_pred, classes):
    """``(classes, classes)`` counts, rows = true class (neuroflow.metrics when present, else NumPy)."""
    try:
        from ..metrics import confusion_matrix
    except ImportError:
        return np.bincount(y_true * classes + y_pred, minlength=classes * classes).reshape(classes, classes)
    from ..ops import convert_to_numpy

    # counts made on a device (as Keras' are) come to the host for the printed table in one explicit copy
    return convert_to_numpy(confusion_matrix(y_true, y_pred, num_classes=classes))


def format_matrix(cm) -> str:
    """The matrix with class ids as row (true) and column (predicted) headers."""
    width = max(3, len(str(cm.max())) + 1)
    head = "true\\pred " + "".join(f"{j:>{width}}" for j in range(cm.shape[1]))
    rows = [f"{i:>9} " + "".join(f"{v:>{width}}" for v in row) for i, row in enumerate(cm)]
    return "\n".join([head] + rows)


def _one_blas_thread():
    # Tiny matrix products run faster on one BLAS thread: thread wake-ups cost more than the arithmetic.
    from .. import backend

    limiter = backend.set_num_threads(1)
    return limiter if limiter is not None else contextlib.nullcontext()


def run(out=DEFAULT_OUT, epochs=None, quick=False, seed=0) -> dict:
    """Run the demo; returns ``{'accuracy', 'confusion_matrix', 'files', 'reload_max_diff', 'seconds'}``."""
    from .. import utils
    from ..saving import load_model

    start = time.perf_counter()
    epochs = int(epochs) if epochs is not None else (QUICK_EPOCHS if quick else DEFAULT_EPOCHS)
    utils.set_random_seed(seed)
    x, y, name = load_data(seed)
    classes = int(y.max()) + 1
    x_train, y_train, x_test, y_test = split(x, y, 0.2, seed)
    print(f"data: {name}: {len(x_train)} training and {len(x_test)} test samples, {x.shape[1]} features, "
          f"{classes} classes")
    os.makedirs(out, exist_ok=True)
    with _one_blas_thread():
        model = build_model(x.shape[1], classes)
        model.summary()
        history = model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=0.1, verbose=1)
        probs = model.predict(x_test, verbose=0)
        y_pred = probs.argmax(axis=1)
        accuracy = float((y_pred == y_test).mean())
        cm = confusion(y_test, y_pred, classes)
        print(f"test accuracy: {accuracy:.4f}")
        print("confusion matrix (rows: true class, columns: predicted class):")
        print(format_matrix(cm))

        files = {"model": os.path.join(out, "demo.neuroflow")}
        model.save(files["model"])
        reloaded = load_model(files["model"])
        diff = float(np.abs(reloaded.predict(x_test, verbose=0) - probs).max())
    if diff > 1e-6:
        raise RuntimeError(f"demo: the reloaded model's predictions differ from the trained model's by {diff}")
    print(f"saved {files['model']}; reloaded: predictions match (max |difference| {diff:.1e})")
    try:
        from ..utils.plotting import plot_confusion_matrix, plot_history

        files["history_plot"] = plot_history(history, os.path.join(out, "history.png"))
        files["confusion_plot"] = plot_confusion_matrix(cm, os.path.join(out, "confusion_matrix.png"))
        print(f"wrote {files['history_plot']} and {files['confusion_plot']}")
    except ImportError:
        print("matplotlib is not installed: no plots written (pip install matplotlib)")
    seconds = time.perf_counter() - start
    print(f"done in {seconds:.1f}s")
    return {"accuracy": accuracy, "confusion_matrix": cm, "files": files, "reload_max_diff": diff,
            "seconds": seconds, "history": history.history}
