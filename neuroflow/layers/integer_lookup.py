"""``IntegerLookup``: integer values -> contiguous ids (or encodings), and back with ``invert=True``."""
from __future__ import annotations

import numpy as np

from .. import _validate as check
from ..errors import ConfigError
from ..registry import register_builtin
from .index_lookup import IndexLookup, as_integer_array


@register_builtin
class IntegerLookup(IndexLookup):
    """Integer values (e.g. raw category codes) to ids from a vocabulary: ``vocabulary=`` or ``adapt(data)``.
    Ids: ``[mask_token] + [oov_token] * num_oov_indices + vocabulary`` (the mask slot only when ``mask_token``
    is set and ``output_mode='int'``).

    Shapes: ``'int'`` any -> same, int64; ``'one_hot'`` ``(batch, 1)`` -> ``(batch, depth)``; ``'multi_hot'`` /
    ``'count'`` / ``'tf_idf'`` ``(batch, k)`` -> ``(batch, depth)``, float32; ``invert=True``: ids -> values.

    Args: ``max_tokens``, ``num_oov_indices`` (1), ``mask_token`` (None), ``oov_token`` (-1), ``vocabulary``,
    ``vocabulary_dtype`` ('int64' only), ``idf_weights``, ``invert``, ``output_mode``, ``sparse`` (False only),
    ``pad_to_max_tokens``, ``oov_method`` (``'floormod'``: ``value % num_oov_indices``; ``'farmhash'``: a hash
    bucket of the value's decimal text), ``salt`` (SipHash key, with ``'farmhash'``).
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ConfigError(f"IntegerLookup: only vocabulary_dtype='int64' is supported, got {vocabulary_dtype!r}")
        if salt is not None and oov_method != "farmhash":
            raise ConfigError(f"IntegerLookup: salt needs oov_method='farmhash', got oov_method={oov_method!r}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary_dtype="int64", vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method, name=name, salt=salt, **kwargs)

    def _values(self, data) -> np.ndarray:
        if isinstance(data, list) and data and all(isinstance(v, str) for v in data):  # a vocabulary file's lines
            data = [int(v) for v in data]
        return as_integer_array(data, self._who)

    def _token(self, token, argument):
        if token is None:
            return None
        if isinstance(token, (int, np.integer)) and not isinstance(token, bool):
            return int(token)
        raise check.ArgumentTypeError(f"IntegerLookup: {argument} must be an integer or None, got "
                                      f"{check.describe(token)}")


__all__ = ["IntegerLookup"]
