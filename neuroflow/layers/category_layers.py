"""Preprocessing of categories and text: ``CategoryEncoding`` (ids -> one/multi-hot or counts),
``Discretization`` (numbers -> bin ids, boundaries given or ``adapt``-ed), and ``TextVectorization`` as a Keras
layer (strings -> token ids or bags of tokens, on :class:`neuroflow.data.text.TextVectorization`).

These layers are not differentiable (their outputs are ids or counts) and hold no weights; their state
(boundaries, vocabulary) lives in their config, so saved models keep it.
"""
from __future__ import annotations

import numpy as np

from .. import _validate as check
from ..backend import get_array_module, get_device, is_host, to_host
from ..autograd.tensor import Tensor
from ..data import text as nf_text
from ..errors import ConfigError, DataError
from ..registry import register_builtin
from .base import Layer
from .symbolic import SymbolicTensor

_ENCODINGS = ("one_hot", "multi_hot", "count")


def encode_categorical(ids, output_mode, depth, dtype="float32", count_weights=None, who="encode"):
    """Integer ``ids`` as Keras encodes them: ``'int'`` unchanged; ``'one_hot'`` (a trailing axis of 1 is
    replaced) ``(..., depth)``; ``'multi_hot'`` / ``'count'`` over the last axis: ``(n, k) -> (n, depth)``,
    ``(k,) -> (depth,)``. Ids outside ``[0, depth)`` are refused."""
    xp = get_array_module(ids)
    ids = xp.asarray(ids)
    if output_mode == "int":
        return ids
    if ids.ndim == 0:
        ids = ids[None]
    ids = ids.astype(np.int64)
    check_id_range(ids, depth, who)
    if output_mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids[..., 0]
        check.fits_in_memory(ids.shape + (depth,), who, "the one-hot output")
        # compared against arange, not rows of eye(depth): that would allocate depth**2 for a large vocabulary
        return (ids[..., None] == xp.arange(depth)).astype(dtype)
    flat = ids.reshape(-1, ids.shape[-1]) if ids.ndim > 1 else ids[None]
    check.fits_in_memory((flat.shape[0], depth), who, "the output")
    out = xp.zeros((flat.shape[0], depth), dtype=dtype)
    rows = xp.repeat(xp.arange(flat.shape[0]), flat.shape[1])
    if output_mode == "multi_hot":
        out[rows, flat.ravel()] = 1
    else:
        weights = None if count_weights is None else xp.asarray(_array(count_weights)).astype(dtype).reshape(-1)
        xp.add.at(out, (rows, flat.ravel()), 1 if weights is None else weights)
    return out.reshape(ids.shape[:-1] + (depth,)) if ids.ndim > 1 else out[0]


def check_id_range(ids, depth, who):
    """Refuse host ``ids`` outside ``[0, depth)`` (a :class:`DataError` naming ``who``); device ids are not read
    (each check would cost a transfer). Shapes: any."""
    if is_host(ids) and not isinstance(ids, Tensor):
        ids = np.asarray(ids)
        if ids.size and ids.dtype.kind in "iuf" and (ids.min() < 0 or ids.max() >= depth):  # others: refused later
            raise DataError(f"{who}: ids must be in [0, {depth}), got values from {ids.min()} to {ids.max()}")


def _array(inputs):
    """A Tensor's data, a device array as it is, anything else as a NumPy array."""
    if isinstance(inputs, Tensor):
        return inputs.data
    return np.asarray(inputs) if is_host(inputs) else inputs


@register_builtin
class CategoryEncoding(Layer):
    """Integer ids ``[0, num_tokens)`` to dense encodings. Shapes: ``(batch, k)`` -> ``(batch, num_tokens)``
    (``'multi_hot'``, ``'count'``); ``'one_hot'``: ``(batch,)`` or ``(batch, 1)`` -> ``(batch, num_tokens)``.

    Args: ``num_tokens``, ``output_mode`` (``'multi_hot'`` default, ``'one_hot'``, ``'count'``; ``'binary'`` is
    multi_hot), ``sparse`` (False only). Call: ``layer(ids, count_weights=None)`` (weights per id, ``'count'``).
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        who = self._who = f"CategoryEncoding {self.name!r}"
        if num_tokens is None:
            raise ConfigError(f"{who}: num_tokens must be set (use IntegerLookup when the ids are not known)")
        self.num_tokens = check.positive_int(num_tokens, who, "num_tokens")
        self.output_mode = check.one_of("multi_hot" if output_mode == "binary" else output_mode, who,
                                        "output_mode", _ENCODINGS)
        if check.boolean(sparse, who, "sparse"):
            raise ConfigError(f"{who}: sparse=True is not supported (neuroflow has no sparse tensors)")

    def __call__(self, inputs, count_weights=None, **kwargs):
        if count_weights is not None and self.output_mode != "count":
            raise ConfigError(f"{self._who}: count_weights needs output_mode='count', got {self.output_mode!r}")
        if get_device() != "cpu" and not isinstance(inputs, SymbolicTensor):
            check_id_range(inputs, self.num_tokens, self._who)  # host ids: read here, before they go to the device
        return super().__call__(inputs, count_weights=count_weights, **kwargs)

    def call(self, inputs, count_weights=None):
        return Tensor(encode_categorical(_array(inputs), self.output_mode, self.num_tokens, self.dtype,
                                         count_weights, self._who))

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "one_hot" and (len(shape) == 1 or shape[-1] != 1):
            return shape + (self.num_tokens,)
        return shape[:-1] + (self.num_tokens,)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode}


@register_builtin
class Discretization(Layer):
    """Numbers to bin ids: ``bin_boundaries`` ``[b0, b1, ...]`` give bins ``(-inf, b0), [b0, b1), ...``; or
    ``num_bins`` and ``adapt(data)`` picks the boundaries at the data's quantiles.

    Shapes: any -> same (``'int'``, int64 ids), or encoded as :class:`CategoryEncoding` with ``len(boundaries) + 1``
    tokens. Args: ``bin_boundaries``, ``num_bins``, ``epsilon`` (accepted; quantiles here are exact),
    ``output_mode`` (``'int'``, ``'one_hot'``, ``'multi_hot'``, ``'count'``), ``sparse`` (False only).
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False, **kwargs):
        super().__init__(**kwargs)
        who = self._who = f"Discretization {self.name!r}"
        if (bin_boundaries is None) == (num_bins is None):
            raise ConfigError(f"{who}: set exactly one of bin_boundaries and num_bins, got bin_boundaries="
                              f"{bin_boundaries!r}, num_bins={num_bins!r}")
        self.num_bins = check.non_negative_int(num_bins, who, "num_bins", allow_none=True)
        if bin_boundaries is not None:
            bounds = np.asarray(bin_boundaries)
            if bounds.ndim != 1 or bounds.dtype.kind not in "iuf" or np.any(np.diff(bounds) < 0):
                raise ConfigError(f"{who}: bin_boundaries must be a sorted list of numbers, got {bin_boundaries!r}")
            bin_boundaries = [float(b) for b in bounds]
        self.bin_boundaries = bin_boundaries
        self.epsilon = check.positive_float(epsilon, who, "epsilon")
        self.output_mode = check.one_of(output_mode, who, "output_mode", ("int",) + _ENCODINGS)
        if check.boolean(sparse, who, "sparse"):
            raise ConfigError(f"{who}: sparse=True is not supported (neuroflow has no sparse tensors)")

    def adapt(self, data, steps=None):
        """Boundaries at the ``1/num_bins, 2/num_bins, ...`` quantiles of ``data`` (an array, or an iterable of
        batches: at most ``steps`` of them). Device data is read on the host once: the boundaries are config."""
        if self.num_bins is None:
            raise ConfigError(f"{self._who}: adapt needs num_bins (this layer was given bin_boundaries)")
        if isinstance(data, (np.ndarray, list, tuple, Tensor)) or not is_host(data):
            values = to_host(data).ravel()
        else:
            batches = [b for i, b in enumerate(data) if steps is None or i < steps]
            values = np.concatenate([to_host(b).ravel() for b in batches]) if batches else np.zeros(0)
        values = values.astype(np.float64)
        if not values.size:
            raise DataError(f"{self._who}: adapt got no data")
        quantiles = np.arange(1, self.num_bins) / self.num_bins
        self.bin_boundaries = [float(b) for b in np.quantile(values, quantiles)]

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ConfigError(f"{self._who}: call adapt(data) first, or give bin_boundaries")
        values = _array(inputs)
        xp = get_array_module(values)
        ids = xp.digitize(values, xp.asarray(self.bin_boundaries, dtype=np.float64)).astype(np.int64)
        encoded = encode_categorical(ids, self.output_mode, len(self.bin_boundaries) + 1, self.dtype, who=self._who)
        return Tensor(encoded)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        if self.output_mode == "one_hot" and not (len(shape) > 1 and shape[-1] == 1):
            return shape + (depth,)
        return shape[:-1] + (depth,)

    def get_config(self):
        return {**super().get_config(), "bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        num_bins = config.pop("num_bins", None) if config.get("bin_boundaries") is not None else None
        layer = cls(**config)  # an adapted layer: its boundaries, and num_bins kept for a later adapt
        if num_bins is not None:
            layer.num_bins = num_bins
        return layer


@register_builtin
class TextVectorization(Layer):
    """Strings to token ids (``'int'``: ``(batch, length)``, 0 padding, 1 out-of-vocabulary) or to bags of tokens
    (``'multi_hot'``, ``'count'``: ``(batch, vocabulary_size)``), as ``keras.layers.TextVectorization``.

    ``adapt(texts)`` builds the vocabulary (by frequency); ``get_vocabulary``, ``set_vocabulary``,
    ``vocabulary_size``. Args: ``max_tokens``, ``standardize``, ``split``, ``ngrams``, ``output_mode``,
    ``output_sequence_length``, ``pad_to_max_tokens``, ``vocabulary``, ``encoding`` (see
    :class:`neuroflow.data.text.TextVectorization`); ``idf_weights`` (``'tf_idf'``), ``sparse`` and ``ragged``
    are accepted at Keras' defaults only (neuroflow has no tf_idf mode, sparse or ragged tensors). Called on
    strings (a list or array, ``(batch,)`` or ``(batch, 1)``) outside a model's graph: its output feeds a model
    (``Input(shape=(length,), dtype='int64')``). The vocabulary is part of the config, so a saved model keeps it.
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        who = f"TextVectorization {self.name!r}"
        for arg, value, default in (("idf_weights", idf_weights, None), ("sparse", sparse, False),
                                    ("ragged", ragged, False)):
            if (value is not None) if default is None else bool(value):
                raise ConfigError(f"{who}: {arg}={value!r} is not supported by neuroflow (no tf_idf mode, sparse "
                                  f"or ragged tensors); use {arg}={default!r}")
        max_tokens = check.positive_int(max_tokens, who, "max_tokens", allow_none=True)
        output_sequence_length = check.positive_int(output_sequence_length, who, "output_sequence_length",
                                                    allow_none=True)
        try:
            self._vectorizer = nf_text.TextVectorization(max_tokens, standardize, split, output_mode,
                                                         output_sequence_length, vocabulary, ngrams,
                                                         pad_to_max_tokens, encoding)
        except ConfigError as err:
            raise type(err)(f"{who}: {err}") from None

    def __getattr__(self, name):  # the vectorizer's settings read as the layer's (max_tokens, output_mode...)
        if name.startswith("_") or "_vectorizer" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["_vectorizer"], name)

    def adapt(self, data, batch_size=None, steps=None):
        """Build the vocabulary from strings (or an iterable of batches of strings)."""
        self._vectorizer.adapt(data)

    def get_vocabulary(self, include_special_tokens=True):
        return self._vectorizer.get_vocabulary(include_special_tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        if idf_weights is not None:
            raise ConfigError("TextVectorization: idf_weights (output_mode='tf_idf') is not supported")
        self._vectorizer.set_vocabulary(vocabulary)

    def vocabulary_size(self):
        return self._vectorizer.vocabulary_size()

    _accepts_strings = True  # reads strings itself, also inside a model after Input(dtype='string')

    def __call__(self, inputs, training=None, **kwargs):
        if isinstance(inputs, SymbolicTensor):
            return super().__call__(inputs, training=training, **kwargs)
        self.built = True
        out = self._vectorizer(inputs.data if isinstance(inputs, Tensor) else inputs)
        return Tensor(out)

    def compute_output_shape(self, input_shape):
        if self._vectorizer.output_mode == "int":
            return (input_shape[0], self._vectorizer.output_sequence_length)
        v = self._vectorizer
        width = max(v.vocabulary_size(), v.max_tokens) if v.pad_to_max_tokens else v.vocabulary_size()
        return (input_shape[0], width)

    def get_config(self):
        return {**super().get_config(), **self._vectorizer.get_config()}


__all__ = ["CategoryEncoding", "Discretization", "TextVectorization", "encode_categorical"]
