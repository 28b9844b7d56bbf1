"""CIFAR-100 (Krizhevsky, 2009): 50,000 training and 10,000 test 32x32 colour images in 100 classes (20
superclasses)."""
from __future__ import annotations

from ..errors import DataError
from . import _cifar

_URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
_CHECKSUM = ("sha256", "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7")


def load_data(label_mode="fine", path=None):
    """Load CIFAR-100 as Keras does: ``(x_train, y_train), (x_test, y_test)``.

    ``label_mode``: ``"fine"`` (100 classes) or ``"coarse"`` (20 superclasses). Shapes: x_train (50000, 32, 32, 3)
    uint8, y_train (50000, 1) uint8, x_test (10000, 32, 32, 3) uint8, y_test (10000, 1) uint8; images are
    (N, 3, 32, 32) when ``image_data_format()`` is ``"channels_first"``.

    ``path`` (neuroflow's addition): ``cifar-100-python.tar.gz``, the extracted ``cifar-100-python`` folder, or
    a folder holding either; with None the cache folder ``$NEUROFLOW_DATA/cifar100``, downloading the tarball into
    it when empty. Raises DataError for another ``label_mode`` and, saying where to put the files, when nothing
    can be found or downloaded.
    """
    where = "cifar100.load_data"
    if label_mode not in ("fine", "coarse"):
        raise DataError(f"{where}: label_mode must be 'fine' or 'coarse'; got {label_mode!r}")
    return _cifar.load("cifar100", "cifar-100-python.tar.gz", "cifar-100-python", ["train"], ["test"],
                       f"{label_mode}_labels", _URL, _CHECKSUM, path, where)
