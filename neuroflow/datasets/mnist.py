"""MNIST handwritten digits (LeCun, Cortes, Burges): 60,000 training and 10,000 test images, 28x28 grayscale."""
from __future__ import annotations

from . import _cache

_KERAS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
# Sources tried in order: Keras' mnist.npz (sha256 as Keras pins it), then the original IDX files (published md5s).
_SOURCES = [
    ([_KERAS], {"mnist.npz": ("sha256", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")}),
    (["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"], {
        "train-images-idx3-ubyte.gz": ("md5", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        "train-labels-idx1-ubyte.gz": ("md5", "d53e105ee54ea40749a09fcbcd1e9432"),
        "t10k-images-idx3-ubyte.gz": ("md5", "9fb629c4189551a2d022fa330f9573f3"),
        "t10k-labels-idx1-ubyte.gz": ("md5", "ec29112dd5afa0611ce80d1b7f02629c"),
    }),
]


def load_data(path=None):
    """Load MNIST as Keras does: ``(x_train, y_train), (x_test, y_test)``.

    Shapes: x_train (60000, 28, 28) uint8, y_train (60000,) uint8, x_test (10000, 28, 28) uint8, y_test (10000,)
    uint8 (digits 0-9).

    ``path``: a folder holding the four IDX files (``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, gzipped or not), a folder holding Keras'
    ``mnist.npz``, or the path of that ``.npz``. With None, the cache folder ``$NEUROFLOW_DATA/mnist`` (default
    ``~/.neuroflow/datasets/mnist``) is used, then Keras' own ``~/.keras/datasets/mnist.npz``, and failing both
    the data is downloaded into the cache (checksum-verified). Raises DataError, saying where to put the files,
    when nothing can be found or downloaded.
    """
    return _cache.load_or_download("mnist", "MNIST", "mnist.npz", _SOURCES, path, "mnist.load_data",
                                   extra_npz=("~/.keras/datasets/mnist.npz",))
