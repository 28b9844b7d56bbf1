"""Standard datasets, loaded as Keras loads them: ``(x_train, y_train), (x_test, y_test)`` NumPy arrays.

``neuroflow.datasets.mnist.load_data()`` and ``neuroflow.datasets.fashion_mnist.load_data()`` read the cache
folder (``$NEUROFLOW_DATA`` or ``~/.neuroflow/datasets``), download into it when needed, or load from an explicit
``path=`` (a folder of IDX files or an ``.npz``). :func:`read_idx` reads any IDX file. ``cifar10``, ``cifar100``,
``imdb``, ``reuters``, ``boston_housing`` and ``california_housing`` read Keras' own files the same way (``path=``
first, then the cache, then a download); pickled content goes through an unpickler that only rebuilds NumPy arrays.
"""
from . import boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters
from ._cache import cache_root
from ._idx import read_idx

__all__ = ["mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters", "boston_housing", "california_housing",
           "read_idx", "cache_root"]
