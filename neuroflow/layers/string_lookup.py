"""``StringLookup``: strings -> integer ids (or encodings), and back with ``invert=True`` (Keras 3's layer)."""
from __future__ import annotations

import numpy as np

from .. import _validate as check
from ..registry import register_builtin
from .index_lookup import IndexLookup, as_string_array


@register_builtin
class StringLookup(IndexLookup):
    """Strings to ids from a vocabulary: ``vocabulary=`` (a list, an array or a text file with a token a line) or
    ``adapt(data)``. Ids: ``[mask_token] + [oov_token] * num_oov_indices + vocabulary`` (the mask slot only when
    ``mask_token`` is set and ``output_mode='int'``).

    Shapes: ``'int'`` any -> same, int64; ``'one_hot'`` ``(batch, 1)`` -> ``(batch, depth)``; ``'multi_hot'`` /
    ``'count'`` / ``'tf_idf'`` ``(batch, k)`` -> ``(batch, depth)``, float32. ``invert=True``: ids -> strings
    (a NumPy array). Inputs: ``str``, ``bytes`` (decoded with ``encoding``) or object arrays of them, e.g. from
    ``Input(shape=(1,), dtype='string')``.

    Args: ``max_tokens``, ``num_oov_indices`` (1), ``mask_token`` (None), ``oov_token`` ('[UNK]'), ``vocabulary``,
    ``idf_weights``, ``invert``, ``output_mode`` (``'int'``, ``'one_hot'``, ``'multi_hot'``, ``'count'``,
    ``'tf_idf'``), ``pad_to_max_tokens``, ``sparse`` (False only), ``encoding``, ``salt`` (SipHash key of the OOV
    buckets when ``num_oov_indices > 1``).
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        self.encoding = check.one_of(encoding, "StringLookup", "encoding", ("utf-8", "utf8", "ascii", "latin-1"))
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary_dtype="string", vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method="farmhash", name=name, salt=salt, **kwargs)

    def _values(self, data) -> np.ndarray:
        return as_string_array(data, self.encoding, self._who)

    def _token(self, token, argument):
        if token is None or isinstance(token, str):
            return token
        if isinstance(token, bytes):
            return token.decode(self.encoding)
        raise check.ArgumentTypeError(f"{self._who}: {argument} must be a string or None, got "
                                      f"{check.describe(token)}")

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"], config["oov_method"]  # fixed for strings (Keras leaves them out too)
        return {**config, "encoding": self.encoding}


__all__ = ["StringLookup"]
