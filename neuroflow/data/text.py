"""Text to integers: a ``TextVectorization`` vocabulary (Keras semantics) and ``text_dataset_from_directory``.

Splitting strings is Python work per document (as it is in any pure-Python tokenizer); counting uses
``collections.Counter`` and the padding into a (N, L) matrix is one vectorised scatter.
"""
from __future__ import annotations

import collections
import os
import re

import numpy as np

from .._validate import ArgumentTypeError, describe
from ..errors import ConfigError, DataError
from .dataset import Dataset
from .directory import check_split, labelled_files, split_and_batch

#: Keras' ``DEFAULT_STRIP_REGEX``: the ASCII punctuation removed by ``standardize="lower_and_strip_punctuation"``.
_STRIP_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_MODES = ("int", "multi_hot", "count")
PAD, OOV = "", "[UNK]"


def _as_texts(texts, where, encoding="utf-8"):
    """Strings as a flat list; accepts a str, a list/array of str (N,) or a column (N, 1); bytes are decoded with
    ``encoding``."""
    if isinstance(texts, (str, bytes)):
        return [texts.decode(encoding) if isinstance(texts, bytes) else texts], True
    arr = np.asarray(texts, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:  # Keras models often carry text as (N, 1)
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(f"{where}: expected a list of strings, shape (N,) or (N, 1); got shape {arr.shape}")
    return [t.decode(encoding) if isinstance(t, bytes) else t for t in arr.tolist()], False


class TextVectorization:
    """Map strings to token indices (Keras' ``TextVectorization`` for ``output_mode`` int / multi_hot / count).

    ``adapt(texts)`` builds the vocabulary: tokens sorted by frequency (ties: reverse alphabetical, as Keras),
    at most ``max_tokens`` entries *including* the special ones. In ``"int"`` mode index 0 is padding (``''``)
    and 1 is the out-of-vocabulary token ``'[UNK]'``; in ``"multi_hot"``/``"count"`` mode index 0 is ``'[UNK]'``.

    ``standardize``: ``"lower_and_strip_punctuation"`` (default), ``"lower"``, ``"strip_punctuation"``, None, or a
    callable str -> str. ``split``: ``"whitespace"`` (default), ``"character"``, None (whole string is one token),
    or a callable str -> list of str. ``ngrams``: None, an int n (the 1- to n-grams) or a tuple of sizes: the
    tokens become, for each size in turn, every run of that many consecutive tokens joined by a space (as Keras'
    ``tf.strings.ngrams``). ``pad_to_max_tokens`` (``"multi_hot"``/``"count"``): the output has ``max_tokens``
    columns however small the vocabulary. ``encoding``: how bytes inputs are decoded.

    Calling it on N strings returns, for ``"int"``, an int64 array (N, L) padded with 0 at the end, where
    ``L = output_sequence_length`` (longer texts are cut) or the longest text in the call; for ``"multi_hot"`` /
    ``"count"``, a float32 array (N, vocabulary_size).
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 output_mode="int", output_sequence_length=None, vocabulary=None, ngrams=None,
                 pad_to_max_tokens=False, encoding="utf-8"):
        if standardize is not None and not callable(standardize) and standardize not in _STANDARDIZE:
            raise ConfigError(f"TextVectorization: standardize must be one of {_STANDARDIZE}, None or a callable; "
                              f"got {standardize!r}")
        if split is not None and not callable(split) and split not in _SPLIT:
            raise ConfigError(f"TextVectorization: split must be one of {_SPLIT}, None or a callable; got {split!r}")
        if output_mode not in _MODES:
            raise ConfigError(f"TextVectorization: output_mode must be one of {_MODES}; got {output_mode!r}")
        if output_sequence_length is not None and output_mode != "int":
            raise ConfigError("TextVectorization: output_sequence_length only applies to output_mode='int'; got "
                              f"output_mode={output_mode!r}")
        if output_sequence_length is not None and int(output_sequence_length) < 1:
            raise ConfigError(f"TextVectorization: output_sequence_length must be >= 1; got {output_sequence_length}")
        sizes = [ngrams] if isinstance(ngrams, int) else list(ngrams) if isinstance(ngrams, (tuple, list)) else None
        if ngrams is not None and not (sizes and all(type(n) is int and n >= 1 for n in sizes)):
            raise ConfigError(f"TextVectorization: ngrams must be None, a positive integer or a tuple of positive "
                              f"integers; got {ngrams!r}")
        if pad_to_max_tokens and max_tokens is None:
            raise ConfigError("TextVectorization: pad_to_max_tokens=True needs max_tokens to be set")
        try:
            "".encode(encoding)
        except (LookupError, TypeError):
            raise ConfigError(f"TextVectorization: encoding must name a text encoding; got {encoding!r}") from None
        self.ngrams = tuple(ngrams) if isinstance(ngrams, list) else ngrams
        self._widths = None if ngrams is None else tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) \
            else tuple(ngrams)
        self.pad_to_max_tokens, self.encoding = bool(pad_to_max_tokens), encoding
        self.max_tokens = max_tokens
        self.standardize, self.split, self.output_mode = standardize, split, output_mode
        self.output_sequence_length = None if output_sequence_length is None else int(output_sequence_length)
        self._specials = [PAD, OOV] if output_mode == "int" else [OOV]
        if max_tokens is not None and int(max_tokens) <= len(self._specials):
            raise ConfigError(f"TextVectorization: max_tokens counts the special tokens {self._specials}, so it must "
                              f"be > {len(self._specials)}; got {max_tokens}")
        self._vocab = list(self._specials)
        self._index = {}
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # -- tokenizing
    def _tokens(self, text):
        if self.standardize in ("lower_and_strip_punctuation", "lower"):
            text = text.lower()
        if self.standardize in ("lower_and_strip_punctuation", "strip_punctuation"):
            text = _STRIP_PUNCTUATION.sub("", text)
        elif callable(self.standardize):
            text = self.standardize(text)
        if self.split == "whitespace":
            tokens = text.split()
        elif self.split == "character":
            tokens = list(text)
        elif self.split is None:
            tokens = [text]
        else:
            tokens = list(self.split(text))
        if self._widths is None:
            return tokens
        return [" ".join(tokens[i:i + n]) for n in self._widths for i in range(len(tokens) - n + 1)]

    # -- vocabulary
    def adapt(self, data):
        """Build the vocabulary from ``data``: a list/array of strings, or an iterable (e.g. a Dataset) of such
        batches. Replaces any previous vocabulary."""
        counts = collections.Counter()
        if isinstance(data, Dataset) or (not isinstance(data, (str, bytes, list, tuple, np.ndarray))
                                         and hasattr(data, "__iter__")):
            for batch in data:
                if isinstance(batch, tuple):
                    raise DataError("TextVectorization.adapt: got (text, label) batches; adapt on the texts only, "
                                    "e.g. adapt(ds.map(lambda x, y: x))")
                for t in _as_texts(batch, "TextVectorization.adapt", self.encoding)[0]:
                    counts.update(self._tokens(t))
        else:
            for t in _as_texts(data, "TextVectorization.adapt", self.encoding)[0]:
                counts.update(self._tokens(t))
        for special in self._specials:
            counts.pop(special, None)
        # Keras' order: by count, descending; ties by token, descending (np.lexsort(...)[::-1]).
        tokens = [t for t, _ in sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)]
        if self.max_tokens is not None:
            tokens = tokens[:int(self.max_tokens) - len(self._specials)]
        self._set(tokens)
        return self

    def set_vocabulary(self, vocabulary):
        """Use a fixed vocabulary (a list of tokens; leading special tokens, if present, are recognised)."""
        if isinstance(vocabulary, (str, os.PathLike)):  # Keras: a text file, one token a line
            if not os.path.isfile(vocabulary):
                raise ConfigError(f"vocabulary {os.fspath(vocabulary)!r:.200} is not a file; give "
                                  f"a list of tokens or the path of a text file with one token a line")
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = f.read().splitlines()
        if not hasattr(vocabulary, "__iter__") or isinstance(vocabulary, bytes):
            raise ArgumentTypeError(f"vocabulary must be a list of tokens or a file path, got "
                                    f"{describe(vocabulary)}")
        vocab = [str(t) for t in vocabulary]
        if vocab[:len(self._specials)] == self._specials:
            vocab = vocab[len(self._specials):]
        repeated = [t for t, c in collections.Counter(vocab).items() if c > 1]
        if repeated:
            raise ConfigError(f"TextVectorization.set_vocabulary: tokens must be unique; repeated: {repeated[:5]}")
        if any(t in self._specials for t in vocab):
            raise ConfigError(f"TextVectorization.set_vocabulary: the special tokens {self._specials} may only come "
                              f"first")
        self._set(vocab)

    def _set(self, tokens):
        self._vocab = self._specials + list(tokens)
        self._index = {t: i for i, t in enumerate(self._vocab)}

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, index order: ``['', '[UNK]', most frequent, ...]`` in ``"int"`` mode."""
        return list(self._vocab) if include_special_tokens else self._vocab[len(self._specials):]

    def vocabulary_size(self):
        """Number of indices, special tokens included."""
        return len(self._vocab)

    def get_config(self):
        """The constructor arguments (with the vocabulary), as a JSON-able dict."""
        if callable(self.standardize) or callable(self.split):
            raise ConfigError("TextVectorization.get_config: a callable standardize/split cannot be serialised")
        return {"max_tokens": self.max_tokens, "standardize": self.standardize, "split": self.split,
                "output_mode": self.output_mode, "output_sequence_length": self.output_sequence_length,
                "vocabulary": self.get_vocabulary(include_special_tokens=False), "ngrams": self.ngrams,
                "pad_to_max_tokens": self.pad_to_max_tokens, "encoding": self.encoding}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # -- encoding
    def __call__(self, texts):
        """Encode strings; shapes as in the class docstring (a single str gives (L,) or (vocabulary_size,))."""
        texts, scalar = _as_texts(texts, "TextVectorization", self.encoding)
        oov = self._index[OOV]
        token_lists = [self._tokens(t) for t in texts]
        lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
        index = self._index
        ids = np.fromiter((index.get(tok, oov) for toks in token_lists for tok in toks), dtype=np.int64,
                          count=int(lengths.sum()))
        n = len(texts)
        if self.output_mode == "int":
            L = self.output_sequence_length
            if L is None:
                L = int(lengths.max()) if n else 0
            kept = np.minimum(lengths, L)
            rows = np.repeat(np.arange(n), kept)
            cols = np.arange(int(kept.sum())) - np.repeat(np.cumsum(kept) - kept, kept)
            starts = np.cumsum(lengths) - lengths
            out = np.zeros((n, L), dtype=np.int64)  # 0 is the padding index
            out[rows, cols] = ids[np.repeat(starts, kept) + cols]  # keep the first L tokens, as Keras
        else:
            width = max(len(self._vocab), int(self.max_tokens)) if self.pad_to_max_tokens else len(self._vocab)
            out = np.zeros((n, width), dtype=np.float32)
            rows = np.repeat(np.arange(n), lengths)
            if self.output_mode == "multi_hot":
                out[rows, ids] = 1.0
            else:
                np.add.at(out, (rows, ids), 1.0)
        return out[0] if scalar else out


# --- loading a folder of text files ------------------------------------------------------------------------------
def _read(path, max_length, encoding):
    try:
        with open(path, encoding=encoding, newline="") as f:  # newline="": the text exactly as stored
            text = f.read()
    except UnicodeDecodeError as e:
        raise DataError(f"text_dataset_from_directory: {path} is not valid {encoding} ({e}); pass encoding=...") \
            from None
    return text if max_length is None else text[:max_length]


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, encoding="utf-8"):
    """A :class:`~neuroflow.data.Dataset` of ``(texts, labels)`` batches from a folder of ``.txt`` files (Keras
    semantics).

    With ``labels="inferred"``, each subfolder of ``directory`` is a class (sorted names give the class indices,
    or ``class_names`` picks and orders them) and its ``.txt`` files (searched recursively) are the samples.
    ``labels`` may also be a list of labels, one per ``.txt`` file of the whole tree in sorted path order, or None.

    Yields ``(texts, labels)``: ``texts`` a list of ``batch_size`` str, ``labels`` int32 (batch,) for
    ``label_mode="int"``, float32 (batch, num_classes) for ``"categorical"``, float32 (batch, 1) for ``"binary"``
    (two classes); only ``texts`` when ``labels`` or ``label_mode`` is None. ``batch_size=None`` yields single
    samples. The returned dataset has ``class_names``.

    ``validation_split`` (in (0, 1)) with ``subset="training"``, ``"validation"`` or ``"both"`` (returns a pair)
    splits off the last fraction of the files after a seeded shuffle; with ``shuffle=True`` a ``seed`` is required
    so that both calls see the same split. ``max_length`` cuts each text to that many characters. Files are read
    once, when the dataset is made.
    """
    where = "text_dataset_from_directory"
    check_split(validation_split, subset, shuffle, seed, label_mode, where)
    paths, y, names = labelled_files(directory, labels, label_mode, class_names, (".txt",), follow_links, where)
    texts = np.empty(len(paths), dtype=object)
    texts[:] = [_read(p, max_length, encoding) for p in paths]
    return split_and_batch(texts, y, names, label_mode, batch_size, shuffle, seed, validation_split, subset,
                           batch_map=lambda a: a.tolist())
