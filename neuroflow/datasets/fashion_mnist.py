"""Fashion-MNIST (Zalando Research): 60,000 training and 10,000 test images of clothing, 28x28 grayscale.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.
"""
from __future__ import annotations

from . import _cache

#: Label index -> class name.
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")

_FILES = {  # md5s published by Zalando Research
    "train-images-idx3-ubyte.gz": ("md5", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    "train-labels-idx1-ubyte.gz": ("md5", "25c81989df183df01b3e8a0aad5dffbe"),
    "t10k-images-idx3-ubyte.gz": ("md5", "bef4ecab320f06d8554ea6380940ec79"),
    "t10k-labels-idx1-ubyte.gz": ("md5", "bb300cfdad3c16e7a12a480ee83cd310"),
}
_SOURCES = [(["https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
              "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"], _FILES)]


def load_data(path=None):
    """Load Fashion-MNIST as Keras does: ``(x_train, y_train), (x_test, y_test)``.

    Shapes: x_train (60000, 28, 28) uint8, y_train (60000,) uint8, x_test (10000, 28, 28) uint8, y_test (10000,)
    uint8 (class indices, see :data:`CLASS_NAMES`).

    ``path``: a folder holding the four IDX files (same names as MNIST's, gzipped or not), a folder holding
    ``fashion_mnist.npz`` (arrays x_train, y_train, x_test, y_test), or the path of such an ``.npz``. With None,
    the cache folder ``$NEUROFLOW_DATA/fashion-mnist`` (default ``~/.neuroflow/datasets/fashion-mnist``) is used,
    downloading into it (checksum-verified) when empty. Raises DataError, saying where to put the files, when
    nothing can be found or downloaded.
    """
    return _cache.load_or_download("fashion-mnist", "Fashion-MNIST", "fashion_mnist.npz", _SOURCES, path,
                                   "fashion_mnist.load_data")
