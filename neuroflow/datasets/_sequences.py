"""Keras' word-index sequence conventions for imdb and reuters, done on one flat array per split.

A split is held as ``(flat, lengths)``: every sequence's word indices concatenated, and each one's length. The
steps follow Keras' loaders exactly: prepend ``start_char`` and shift indices by ``index_from``; drop sequences of
``maxlen`` words or more (Keras keeps ``len < maxlen``); then map words outside ``[skip_top, num_words)`` to
``oov_char`` (or drop them when it is None). As in Keras, ``num_words=None`` means "the largest index seen", which
is itself outside ``[skip_top, num_words)``.
"""
from __future__ import annotations

import json

import numpy as np

from ..errors import DataError
from . import _files


def flatten(seqs, where, source):
    """``(flat int64, lengths int64)`` from an object array of word-index lists (or a 2-D int array)."""
    try:
        lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
        flat = (np.concatenate([np.asarray(s, dtype=np.int64) for s in seqs]) if len(seqs)
                else np.zeros(0, np.int64))
    except (TypeError, ValueError) as e:
        raise DataError(f"{where}: {source} should hold sequences of word indices ({e})") from None
    return flat, lengths


def shift(flat, lengths, start_char, index_from):
    """Prepend ``start_char`` to every sequence (unless None) and add ``index_from`` to every word index."""
    flat = flat + index_from
    if start_char is None:
        return flat, lengths
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if len(lengths) else lengths
    return np.insert(flat, starts, start_char), lengths + 1


def keep(flat, lengths, mask):
    """The sequences where ``mask`` is True."""
    return flat[np.repeat(mask, lengths)], lengths[mask]


def clip_vocabulary(flat, lengths, num_words, skip_top, oov_char):
    """Words outside ``[skip_top, num_words)`` become ``oov_char``, or are removed when it is None."""
    inside = (flat >= skip_top) & (flat < num_words)
    if oov_char is not None:
        return np.where(inside, flat, oov_char), lengths
    owner = np.repeat(np.arange(len(lengths)), lengths)
    return flat[inside], np.bincount(owner[inside], minlength=len(lengths)).astype(np.int64)


def to_object_array(flat, lengths):
    """Keras' return form: a 1-D object array whose items are Python lists of ints."""
    out = np.empty(len(lengths), dtype=object)
    out[:] = [piece.tolist() for piece in np.split(flat, np.cumsum(lengths)[:-1])] if len(lengths) else []
    return out


def largest_index(flat, where):
    """Keras' default ``num_words``: the largest word index present."""
    if flat.size == 0:
        raise DataError(f"{where}: no words are left to take num_words from; pass num_words")
    return int(flat.max())


def load_word_index(name, filename, path, where, checksum):
    """A ``{word: index}`` dict from Keras' JSON word index (``path`` a file, a folder, or a bare cache name)."""
    file = _files.locate(name, (filename,), path, where, _files.KERAS_ORIGIN + filename, checksum)
    try:
        with open(file, encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        raise DataError(f"{where}: {file} is not a readable JSON word index ({e})") from None
    if not isinstance(index, dict):
        raise DataError(f"{where}: {file} should hold a JSON object {{word: index}}; got {type(index).__name__}")
    return index
