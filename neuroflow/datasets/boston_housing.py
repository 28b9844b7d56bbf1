"""Boston housing prices (Harrison & Rubinfeld, 1978): 506 samples, 13 features, target in k$."""
from __future__ import annotations

from . import _housing

_CHECKSUM = ("sha256", "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5")


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Load the Boston housing data as Keras does: ``(x_train, y_train), (x_test, y_test)``.

    Shapes: x (N, 13) float64, y (N,) float64, with ``int(506 * (1 - test_split))`` = 404 training rows by
    default, shuffled by ``np.random.RandomState(seed)`` exactly as Keras shuffles them.

    ``path``: a file or a folder holding ``boston_housing.npz``; a bare file name (Keras' default) is looked up
    in the cache folder ``$NEUROFLOW_DATA/boston_housing`` and downloaded there when missing. Raises DataError for
    ``test_split`` outside [0, 1) and, saying where to put the file, when it can be neither found nor downloaded.
    """
    return _housing.load("boston_housing", "boston_housing.npz", _CHECKSUM, path, test_split, seed,
                         "boston_housing.load_data")
