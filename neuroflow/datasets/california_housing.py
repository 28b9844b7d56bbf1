"""California housing prices (Pace & Barry, 1997): 20,640 districts, 8 features, median house value in $."""
from __future__ import annotations

from ..errors import DataError
from . import _housing

_CHECKSUM = ("sha256", "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f")


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Load the California housing data as Keras does: ``(x_train, y_train), (x_test, y_test)``.

    ``version``: ``"large"`` (all 20,640 rows) or ``"small"`` (the first 600, for quick experiments). Shapes:
    x (N, 8) float32, y (N,) float32; rows shuffled by ``np.random.RandomState(seed)`` after the ``small`` cut,
    the first ``int(N * (1 - test_split))`` train.

    ``path``: a file or a folder holding ``california_housing.npz``; a bare file name (Keras' default) is looked
    up in the cache folder ``$NEUROFLOW_DATA/california_housing`` and downloaded there when missing. Raises
    DataError for an unknown ``version``, ``test_split`` outside [0, 1), or a file that can be neither found nor
    downloaded (saying where to put it).
    """
    where = "california_housing.load_data"
    if version not in ("small", "large"):
        raise DataError(f"{where}: version must be 'small' or 'large'; got {version!r}")
    return _housing.load("california_housing", "california_housing.npz", _CHECKSUM, path, test_split, seed, where,
                         limit=600 if version == "small" else None)
