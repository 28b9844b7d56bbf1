"""IMDB movie-review sentiment (Maas et al., 2011): 25,000 training and 25,000 test reviews as word indices."""
from __future__ import annotations

import numpy as np

from ..errors import DataError
from . import _files
from . import _sequences as seq

_CHECKSUM = ("sha256", "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f")
_INDEX_CHECKSUM = ("md5", "bfafd718b763782e994055a2d397834f")


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3):
    """Load IMDB as Keras does: ``(x_train, y_train), (x_test, y_test)``.

    x: 1-D object arrays of Python lists of word indices (ragged); y: int labels (N,), 1 = positive. Each split
    is shuffled by one ``np.random.RandomState(seed)`` (train first, then test). Every review gets ``start_char``
    prepended (unless None) and its indices shifted by ``index_from``; with ``maxlen`` only reviews shorter than
    ``maxlen`` (after that shift) are kept; indices outside ``[skip_top, num_words)`` become ``oov_char`` (dropped
    when it is None); ``num_words=None`` means the largest index present (Keras' rule).

    ``path``: Keras' ``imdb.npz`` (arrays x_train, y_train, x_test, y_test), a folder holding it, or a bare file
    name looked up in the cache folder ``$NEUROFLOW_DATA/imdb`` (downloaded there when missing). The sequences
    are object arrays, stored as pickle streams: they are read with a restricted unpickler that rebuilds NumPy
    arrays and refuses every other class, so a crafted file cannot run code. Raises DataError when no sequence
    survives ``maxlen``, or when the file can be neither found nor downloaded (saying where to put it).
    """
    where = "imdb.load_data"
    file = _files.locate("imdb", ("imdb.npz",), path, where, _files.KERAS_ORIGIN + "imdb.npz", _CHECKSUM)
    a = _files.load_npz(file, where, ("x_train", "y_train", "x_test", "y_test"))
    rng = np.random.RandomState(seed)
    splits = []
    for xk, yk in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = a[xk], np.asarray(a[yk])
        if len(x) != len(y):
            raise DataError(f"{where}: {file} holds {len(x)} {xk} sequences but {len(y)} {yk} labels")
        order = np.arange(len(x))
        rng.shuffle(order)
        flat, lengths = seq.shift(*seq.flatten(x[order], where, f"{file}:{xk}"), start_char, index_from)
        y = y[order]
        if maxlen:
            short = lengths < maxlen
            (flat, lengths), y = seq.keep(flat, lengths, short), y[short]
        splits.append((flat, lengths, y))
    if maxlen and (len(splits[0][1]) == 0 or len(splits[1][1]) == 0):
        raise DataError(f"{where}: no sequence is shorter than maxlen={maxlen} in one of the splits; increase maxlen")
    if not num_words:
        num_words = seq.largest_index(np.concatenate([splits[0][0], splits[1][0]]), where)
    out = []
    for flat, lengths, y in splits:
        flat, lengths = seq.clip_vocabulary(flat, lengths, num_words, skip_top, oov_char)
        out.append((seq.to_object_array(flat, lengths), y))
    return tuple(out)


def get_word_index(path="imdb_word_index.json"):
    """The ``{word: index}`` dict of the IMDB data (index 1 is the most frequent word; add ``index_from`` to match
    ``load_data``'s sequences). ``path``: the JSON file, a folder holding it, or a bare name in the cache folder
    ``$NEUROFLOW_DATA/imdb`` (downloaded there when missing)."""
    return seq.load_word_index("imdb", "imdb_word_index.json", path, "imdb.get_word_index", _INDEX_CHECKSUM)
