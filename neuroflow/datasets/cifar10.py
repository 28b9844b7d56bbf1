"""CIFAR-10 (Krizhevsky, 2009): 50,000 training and 10,000 test 32x32 colour images in 10 classes."""
from __future__ import annotations

from . import _cifar

#: Label index -> class name.
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_CHECKSUM = ("sha256", "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce")


def load_data(path=None):
    """Load CIFAR-10 as Keras does: ``(x_train, y_train), (x_test, y_test)``.

    Shapes: x_train (50000, 32, 32, 3) uint8, y_train (50000, 1) uint8, x_test (10000, 32, 32, 3) uint8, y_test
    (10000, 1) uint8 (class indices, see :data:`CLASS_NAMES`); images are (N, 3, 32, 32) when
    ``image_data_format()`` is ``"channels_first"``.

    ``path`` (neuroflow's addition; Keras' takes none): ``cifar-10-python.tar.gz``, the extracted
    ``cifar-10-batches-py`` folder, or a folder holding either. With None, the cache folder
    ``$NEUROFLOW_DATA/cifar10`` (default ``~/.neuroflow/datasets/cifar10``) is used, downloading the tarball into
    it (checksum-verified) when it holds neither. The batches are pickles, read with an unpickler that only
    rebuilds NumPy arrays. Raises DataError, saying where to put the files, when nothing can be found or
    downloaded.
    """
    return _cifar.load("cifar10", "cifar-10-python.tar.gz", "cifar-10-batches-py",
                       [f"data_batch_{i}" for i in range(1, 6)], ["test_batch"], "labels", _URL, _CHECKSUM, path,
                       "cifar10.load_data")
