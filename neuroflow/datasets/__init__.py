"""Standard datasets, loaded as Keras loads them: ``(x_train, y_train), (x_test, y_test)`` NumPy arrays.

``neuroflow.datasets.mnist.load_data()`` and ``neuroflow.datasets.fashion_mnist.load_data()`` read the cache
folder (``$NEUROFLOW_DATA`` or ``~/.neuroflow/datasets``), download into it when needed, or load from an explicit
``path=`` (a folder of IDX files or an ``.npz``). :func:`read_idx` reads any IDX file.
"""
from . import fashion_mnist, mnist
from ._cache import cache_root
from ._idx import read_idx

__all__ = ["mnist", "fashion_mnist", "read_idx", "cache_root"]
