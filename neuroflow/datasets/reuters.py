"""Reuters-21578 newswires (the Keras selection): 11,228 newswires over 46 topics, as word indices."""
from __future__ import annotations

import numpy as np

from ..errors import DataError
from . import _files
from . import _sequences as seq

_CHECKSUM = ("sha256", "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916")
_INDEX_CHECKSUM = ("md5", "4d44cc38712099c9e383dc6e5f11a921")

#: Topic index -> name, in Keras' order.
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee", "sugar",
    "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
    "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi", "iron-steel",
    "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog",
    "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """Load the Reuters newswires as Keras does: ``(x_train, y_train), (x_test, y_test)``.

    x: 1-D object arrays of Python lists of word indices (ragged); y: topic indices (N,) (see
    :func:`get_label_names`). All newswires are shuffled by ``np.random.RandomState(seed)``, then shifted and
    filtered as in :func:`neuroflow.datasets.imdb.load_data` (``start_char``, ``index_from``, ``maxlen``: keep
    ``len < maxlen``; ``[skip_top, num_words)`` else ``oov_char``); the first ``int(N * (1 - test_split))``
    train.

    ``path``: Keras' ``reuters.npz`` (object arrays x, y), a folder holding it, or a bare file name looked up in
    the cache folder ``$NEUROFLOW_DATA/reuters`` (downloaded there when missing). The object arrays are read with
    a restricted unpickler that rebuilds NumPy arrays and refuses everything else. Raises DataError for a bad
    ``test_split`` and when the file can be neither found nor downloaded (saying where to put it).
    """
    where = "reuters.load_data"
    _files.check_test_split(test_split, where)
    file = _files.locate("reuters", ("reuters.npz",), path, where, _files.KERAS_ORIGIN + "reuters.npz", _CHECKSUM)
    a = _files.load_npz(file, where, ("x", "y"))
    x, y = a["x"], np.asarray(a["y"])
    if len(x) != len(y):
        raise DataError(f"{where}: {file} holds {len(x)} sequences but {len(y)} labels")
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    flat, lengths = seq.shift(*seq.flatten(x[order], where, f"{file}:x"), start_char, index_from)
    y = y[order]
    if maxlen:
        short = lengths < maxlen
        (flat, lengths), y = seq.keep(flat, lengths, short), y[short]
    if not num_words:
        num_words = seq.largest_index(flat, where)
    flat, lengths = seq.clip_vocabulary(flat, lengths, num_words, skip_top, oov_char)
    xs = seq.to_object_array(flat, lengths)
    cut = int(len(xs) * (1 - test_split))
    return (xs[:cut], y[:cut]), (xs[cut:], y[cut:])


def get_word_index(path="reuters_word_index.json"):
    """The ``{word: index}`` dict of the Reuters data (add ``index_from`` to match ``load_data``'s sequences).
    ``path``: the JSON file, a folder holding it, or a bare name in the cache folder ``$NEUROFLOW_DATA/reuters``
    (downloaded there when missing)."""
    return seq.load_word_index("reuters", "reuters_word_index.json", path, "reuters.get_word_index",
                               _INDEX_CHECKSUM)


def get_label_names():
    """The 46 topic names, indexed like ``y`` (a tuple of str, Keras' order)."""
    return LABEL_NAMES
