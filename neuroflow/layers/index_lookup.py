"""``IndexLookup``: the shared base of ``StringLookup`` and ``IntegerLookup`` (Keras 3's semantics).

A vocabulary of tokens maps to ids laid out as Keras lays them out: ``[mask] + [oov] * num_oov_indices + tokens``
(the mask slot only in ``'int'`` output). Lookups are vectorised: the vocabulary is kept sorted once, and a batch
is looked up with one ``np.searchsorted``; out-of-vocabulary values go to the OOV ids (one: the single OOV id;
several: ``value % num_oov_indices`` for integers, a FarmHash/SipHash bucket for strings, as Keras), and only the
distinct OOV values are hashed. ``invert=True`` maps ids back to tokens. Integer ids on a device are looked up
there (:mod:`neuroflow.layers.lookup_on_device`).

The layers hold no weights: the vocabulary (and the ``tf_idf`` weights) live in the config, so a saved model keeps
them; ``adapt`` orders tokens by count, ties by the token itself, highest first (Keras' order).
"""
from __future__ import annotations

import numpy as np

from .. import _validate as check
from .. import backend
from ..autograd.tensor import Tensor
from ..errors import ConfigError, DataError
from .base import Layer
from .category_layers import encode_categorical
from .farmhash import hash_buckets
from .lookup_on_device import lookup_on_device, vocabulary_table
from .symbolic import SymbolicTensor

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def normalize_salt(salt, who):
    """Keras' ``salt``: None, one int (used for both key words) or two ints -> None or ``[k0, k1]``."""
    if salt is None:
        return None
    if isinstance(salt, (list, tuple)) and len(salt) == 2 and all(isinstance(s, (int, np.integer)) for s in salt):
        return [int(s) for s in salt]
    if isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
        return [int(salt), int(salt)]
    raise ConfigError(f"{who}: salt must be one integer or a tuple of 2 integers, got {salt!r}")


def as_string_array(values, encoding="utf-8", who="layer") -> np.ndarray:
    """Strings (str, bytes, or an object array of them; any shape) as a NumPy unicode array. Bytes are decoded
    with ``encoding``, each distinct value once."""
    arr = backend.to_host(values)  # device data (adapt's batches, a vocabulary): read once
    if arr.dtype.kind == "U":
        return arr
    if arr.dtype.kind == "S":
        unique, inverse = np.unique(arr, return_inverse=True)
        decoded = np.asarray([u.decode(encoding) for u in unique.tolist()] or [""], dtype=str)
        return decoded[inverse].reshape(arr.shape) if arr.size else arr.astype(str)
    if arr.dtype == object:
        flat = [v.decode(encoding) if isinstance(v, bytes) else v for v in arr.reshape(-1).tolist()]
        bad = next((v for v in flat if not isinstance(v, str)), None)
        if bad is not None:
            raise DataError(f"{who}: expected strings, got a {type(bad).__name__} ({bad!r}) among them")
        return np.asarray(flat, dtype=str).reshape(arr.shape)
    raise DataError(f"{who}: expected strings, got an array of dtype {arr.dtype}")


def as_integer_array(values, who="layer") -> np.ndarray:
    """Integer ids (ints, or floats holding whole numbers) as a NumPy int64 array; strings and fractions are
    refused."""
    arr = backend.to_host(values)  # device data (adapt's batches, a vocabulary): read once
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        return arr.astype(np.int64)
    kind = "strings" if arr.dtype.kind in "USO" else f"dtype {arr.dtype}"
    raise DataError(f"{who}: expected integers, got {kind} (e.g. {arr.reshape(-1)[:1].tolist()})")


def batches_of(data, steps):
    """``adapt``'s data: one array (a list, an ndarray, a Tensor) or an iterable of batches (at most ``steps``)."""
    if isinstance(data, (list, tuple, np.ndarray, Tensor)) or np.isscalar(data) or not backend.is_host(data):
        return [data]
    batches = []
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        batches.append(batch[0] if isinstance(batch, tuple) else batch)  # (x, y) batches: adapt reads x
    return batches


class IndexLookup(Layer):
    """Tokens <-> integer ids from a vocabulary; the base of ``StringLookup`` / ``IntegerLookup``.

    Shapes: ``'int'`` any -> same (int64 ids; with ``invert=True`` ids -> tokens); ``'one_hot'`` ``(..., 1)`` or
    ``(...)`` -> ``(..., depth)``; ``'multi_hot'``/``'count'``/``'tf_idf'`` ``(batch, k)`` -> ``(batch, depth)``
    (float32), where ``depth`` is ``vocabulary_size()`` or ``max_tokens`` with ``pad_to_max_tokens``.
    """

    _accepts_strings = True  # the layer itself reads its input (strings or ids), never as a float Tensor

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", name=None, salt=None, **kwargs):
        kwargs.pop("dtype", None)  # the output dtype follows from output_mode and invert
        kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        super().__init__(name=name, **kwargs)
        who = self._who = f"{type(self).__name__} {self.name!r}"
        self.max_tokens = check.positive_int(max_tokens, who, "max_tokens", allow_none=True)
        if self.max_tokens is not None and self.max_tokens <= 1:
            raise ConfigError(f"{who}: max_tokens must be greater than 1 when set, got {max_tokens}")
        self.num_oov_indices = check.non_negative_int(num_oov_indices, who, "num_oov_indices")
        self.invert = check.boolean(invert, who, "invert")
        if isinstance(output_mode, str):  # Keras 2's names
            output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        self.output_mode = check.one_of(output_mode, who, "output_mode", _OUTPUT_MODES)
        self.pad_to_max_tokens = check.boolean(pad_to_max_tokens, who, "pad_to_max_tokens")
        if self.pad_to_max_tokens and self.max_tokens is None:
            raise ConfigError(f"{who}: pad_to_max_tokens=True needs max_tokens, got max_tokens=None")
        if check.boolean(sparse, who, "sparse"):
            raise ConfigError(f"{who}: sparse=True is not supported (neuroflow has no sparse tensors); "
                              f"use sparse=False")
        if self.invert and self.output_mode != "int":
            raise ConfigError(f"{who}: invert=True needs output_mode='int', got {self.output_mode!r}")
        if idf_weights is not None and self.output_mode != "tf_idf":
            raise ConfigError(f"{who}: idf_weights is only for output_mode='tf_idf', got {self.output_mode!r}")
        self.oov_method = check.one_of(oov_method, who, "oov_method", ("floormod", "farmhash"))
        self.salt = normalize_salt(salt, who)
        self.vocabulary_dtype = vocabulary_dtype
        self.mask_token = self._token(mask_token, "mask_token")
        self.oov_token = self._token(oov_token, "oov_token")
        self.dtype = self._output_dtype()
        self._tokens = None  # the learned tokens, in id order (no mask/OOV entries)
        self.idf_weights = None
        self._has_input_vocabulary = bool(has_input_vocabulary)
        if isinstance(vocabulary, str):
            vocabulary = self._read_vocabulary_file(vocabulary)
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        elif self.output_mode == "tf_idf" and idf_weights is not None:
            raise ConfigError(f"{who}: idf_weights needs a vocabulary of the same length")

    # --- the token type (StringLookup: strings, IntegerLookup: ints) -------------------------------------------
    def _values(self, data) -> np.ndarray:
        raise NotImplementedError

    def _token(self, token, argument):
        return token

    def _output_dtype(self) -> str:
        if self.invert:
            return "string" if self.vocabulary_dtype == "string" else "int64"
        return "int64" if self.output_mode == "int" else backend.floatx()

    def _read_vocabulary_file(self, path):
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as err:
            raise ConfigError(f"{self._who}: cannot read the vocabulary file {path!r}: {err}") from None
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    # --- the vocabulary -----------------------------------------------------------------------------------------
    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The number of ids: mask and OOV slots plus the tokens (0 tokens before a vocabulary is set)."""
        return self._token_start_index() + (0 if self._tokens is None else len(self._tokens))

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The token of every id in order (mask and OOV tokens first unless ``include_special_tokens=False``)."""
        tokens = [] if self._tokens is None else self._tokens.tolist()
        if not include_special_tokens:
            return tokens
        specials = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        return specials + tokens

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Replace the vocabulary: a list/array of tokens (special tokens at its front are recognised and
        dropped), or a path to a text file with one token a line. ``idf_weights`` (``'tf_idf'`` only): one
        weight per token."""
        who = self._who
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ConfigError(f"{who}: output_mode='tf_idf' needs idf_weights with the vocabulary")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ConfigError(f"{who}: idf_weights is only for output_mode='tf_idf', got {self.output_mode!r}")
        if isinstance(vocabulary, str):
            vocabulary = self._read_vocabulary_file(vocabulary)
        vocab = self._values(vocabulary).reshape(-1)
        if vocab.size == 0:
            raise ConfigError(f"{who}: cannot set an empty vocabulary")
        start = self._token_start_index()
        specials = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        found_specials = len(vocab) >= start and vocab[:start].tolist() == specials
        tokens = vocab[start:] if found_specials else vocab
        unique, counts = np.unique(tokens, return_counts=True)
        if (counts > 1).any():
            raise ConfigError(f"{who}: the vocabulary repeats {unique[counts > 1].tolist()[:10]}; each token may "
                              f"appear once")
        for token, name, when in ((self.mask_token, "mask_token", True), (self.oov_token, "oov_token", self.invert)):
            if token is not None and when and (tokens == token).any():
                raise ConfigError(f"{who}: the vocabulary holds the {name} {token!r} among its tokens; give the "
                                  f"special tokens only at its front, in this order: {specials}, or not at all")
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ConfigError(f"{who}: a vocabulary of {start + len(tokens)} ids (with {start} special) exceeds "
                              f"max_tokens={self.max_tokens}")
        self._set_tokens(tokens)
        if idf_weights is not None:
            weights = np.asarray(idf_weights, dtype=np.float64).reshape(-1)
            if len(weights) != len(vocab):
                raise ConfigError(f"{who}: idf_weights must have one weight per vocabulary entry ({len(vocab)}), "
                                  f"got {len(weights)}")
            front = 0 if found_specials else start
            self._set_idf(weights, front, float(np.mean(weights)) if front else 0.0)

    def _set_tokens(self, tokens):
        self._tokens = np.asarray(tokens)
        self._order = np.argsort(self._tokens, kind="stable")
        self._sorted = self._tokens[self._order]
        self.__dict__["_device_constants"] = {}  # stale device copies (backend.kept_on_device)

    def _set_idf(self, weights, front, front_value):
        back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
        self.idf_weights = np.pad(weights, (front, max(back, 0)), constant_values=(front_value, 0.0)).astype(
            backend.floatx())
        self.__dict__["_device_constants"] = {}

    def adapt(self, data, steps=None):
        """Learn the vocabulary from ``data`` (an array or list, or an iterable of batches): the most frequent
        tokens first (ties: the greater token first), at most ``max_tokens`` ids; ``'tf_idf'`` also learns
        ``log(1 + documents / (1 + documents holding the token))``."""
        if self._has_input_vocabulary:
            raise ConfigError(f"{self._who}: cannot adapt a layer whose vocabulary was given (vocabulary= or "
                              f"set_vocabulary)")
        uniques, counts, doc_uniques, doc_counts, documents = [], [], [], [], 0
        for batch in batches_of(data, steps):
            values = self._values(batch)
            values = values.reshape(1, -1) if values.ndim <= 1 else values.reshape(len(values), -1)
            u, c = np.unique(values, return_counts=True)
            uniques.append(u)
            counts.append(c)
            if self.output_mode == "tf_idf":  # in how many rows (documents) each token appears
                u_all, inv = np.unique(values, return_inverse=True)
                rows = np.repeat(np.arange(len(values)), values.shape[1])
                pairs = np.unique(np.stack([rows, inv.reshape(-1)]), axis=1)
                doc_uniques.append(u_all)
                doc_counts.append(np.bincount(pairs[1], minlength=len(u_all)))
                documents += len(values)
        if not uniques:
            raise DataError(f"{self._who}: adapt got no data")
        tokens, counts = _merge_counts(uniques, counts)
        keep = np.ones(len(tokens), bool)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                keep &= tokens != special
        tokens, counts = tokens[keep], counts[keep]
        order = np.lexsort((tokens, counts))[::-1]  # count, then token, both descending (Keras' order)
        if self.max_tokens is not None:
            order = order[:self.max_tokens - self._token_start_index()]
        self._set_tokens(tokens[order])
        if self.output_mode == "tf_idf":
            doc_tokens, doc_freq = _merge_counts(doc_uniques, doc_counts)
            freq = doc_freq[np.searchsorted(doc_tokens, self._tokens)]
            idf = np.log(1 + documents / (1 + freq))
            self._set_idf(idf, self._token_start_index(), float(np.mean(idf)) if len(idf) else 0.0)

    # --- calling ------------------------------------------------------------------------------------------------
    def __call__(self, inputs, training=None, **kwargs):
        if isinstance(inputs, SymbolicTensor):
            return super().__call__(inputs, training=training, **kwargs)
        self.built = True
        out = self.lookup(inputs)
        return out if out.dtype.kind in "USO" else Tensor(out)

    def call(self, inputs, training=None):
        out = self.lookup(inputs)
        return out if out.dtype.kind in "USO" else Tensor(out)

    def lookup(self, inputs):
        """The layer's output for ``inputs`` (ids, encodings, or tokens with ``invert``): a NumPy array for host
        inputs; for integer ids on a device, an array on that device (strings are host data by nature)."""
        if self._tokens is None:
            raise ConfigError(f"{self._who}: the vocabulary is not set; pass vocabulary= or call adapt(data) "
                              f"before calling the layer")
        data = inputs.data if isinstance(inputs, Tensor) else inputs
        if not backend.is_host(data):
            return lookup_on_device(self, data)
        if self.invert:
            return self._invert(as_integer_array(inputs, self._who))
        values = self._values(inputs)
        return self._encode(values, self._ids(values))

    def _encode(self, values, ids):
        """``ids`` (int64, the shape of ``values``) in the output mode, computed with their array module."""
        if self.output_mode == "int":
            return ids
        xp = backend.get_array_module(ids)
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        masked = None if self.mask_token is None else values == self.mask_token
        if masked is not None and (xp is not np or masked.any()):  # a device mask is not read: always applied
            ids = xp.where(masked, depth, ids)  # an extra column, cut off below: the mask token counts nowhere
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        encoded = encode_categorical(ids, mode, depth + (masked is not None), backend.floatx(), who=self._who)
        if masked is not None:
            encoded = encoded[..., :depth]
        if self.output_mode == "tf_idf":
            encoded = encoded * vocabulary_table(self, "idf", ids)[:depth]
        return encoded

    def _ids(self, values) -> np.ndarray:
        n = len(self._sorted)
        pos = np.searchsorted(self._sorted, values)
        clipped = np.minimum(pos, n - 1)
        found = (pos < n) & (self._sorted[clipped] == values)
        ids = np.where(found, self._order[clipped] + self._token_start_index(), -1).astype(np.int64)
        if self.mask_token is not None:
            ids[values == self.mask_token] = 0
        oov = ids < 0
        if oov.any():
            ids[oov] = self._oov_ids(values[oov])
        return ids

    def _oov_ids(self, values) -> np.ndarray:
        if self.num_oov_indices == 0:
            raise DataError(f"{self._who}: with num_oov_indices=0 every input must be in the vocabulary; found "
                            f"{np.unique(values)[:10].tolist()}; set num_oov_indices=1 to map them to an OOV id")
        start = self._oov_start_index()
        if self.num_oov_indices == 1:
            return np.full(values.shape, start, np.int64)
        if values.dtype.kind in "iu" and self.oov_method != "farmhash":
            return np.mod(values, self.num_oov_indices) + start
        return hash_buckets(values, self.num_oov_indices, self.salt) + start

    def _invert(self, ids):
        xp = backend.get_array_module(ids)
        table = vocabulary_table(self, "vocabulary", ids)  # wide enough for the OOV token
        inside = (ids >= 0) & (ids < len(table))  # ids outside the vocabulary read as the OOV token (Keras)
        oov = table[0] if self.oov_token is None else xp.asarray(self.oov_token, dtype=table.dtype)
        return xp.where(inside, table[xp.clip(ids, 0, len(table) - 1)], oov)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return shape
        depth = self.max_tokens if self.pad_to_max_tokens else (
            self.vocabulary_size() if self._tokens is not None else None)
        if self.output_mode == "one_hot" and not (len(shape) > 1 and shape[-1] == 1):
            return shape + (depth,)
        return shape[:-1] + (depth,)

    def get_config(self):
        config = {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                  "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                  "mask_token": self.mask_token, "output_mode": self.output_mode, "sparse": False,
                  "pad_to_max_tokens": self.pad_to_max_tokens, "vocabulary_dtype": self.vocabulary_dtype,
                  "oov_method": self.oov_method, "salt": self.salt,
                  "vocabulary": None if self._tokens is None else self._tokens.tolist(),
                  "idf_weights": None, "vocabulary_size": self.vocabulary_size()}
        if self.idf_weights is not None:  # the special tokens' weights too: the vocabulary then starts with them
            config["vocabulary"] = self.get_vocabulary(include_special_tokens=True)
            config["idf_weights"] = self.idf_weights[:self.vocabulary_size()].tolist()
        if not self._has_input_vocabulary:
            config["has_input_vocabulary"] = False  # an adapted vocabulary: the loaded layer may adapt again
        return config


def _merge_counts(uniques, counts):
    """Per-batch ``(unique values, counts)`` merged into one sorted table."""
    if len(uniques) == 1:
        return uniques[0], counts[0]
    tokens, inverse = np.unique(np.concatenate(uniques), return_inverse=True)
    total = np.zeros(len(tokens), np.int64)
    np.add.at(total, inverse.reshape(-1), np.concatenate(counts))
    return tokens, total


__all__ = ["IndexLookup", "as_string_array", "as_integer_array", "normalize_salt", "batches_of"]
