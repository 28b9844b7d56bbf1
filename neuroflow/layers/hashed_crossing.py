"""``HashedCrossing``: the cross of scalar categorical features, hashed into ``num_bins`` (Keras 3's layer)."""
from __future__ import annotations

import numpy as np

from .. import _validate as check
from .. import backend
from ..autograd.tensor import Tensor
from ..errors import ConfigError, DataError, ShapeError
from ..registry import register_builtin
from .base import Layer
from .category_layers import encode_categorical
from .farmhash import CROSS_HASH_KEY, fingerprint64
from .hashing import hashable_values, on_device_of
from .symbolic import SymbolicTensor

_MUL = np.uint64(0xC6A4A7935BD1E995)
_47 = np.uint64(47)


def _cat64(fp1: np.ndarray, fp2: np.ndarray) -> np.ndarray:
    """TensorFlow's ``FingerprintCat64`` over arrays of uint64 (NumPy's uint64 arithmetic wraps as C's does)."""
    with np.errstate(over="ignore"):  # wrapping is the arithmetic here (NumPy warns only on 0-d operands)
        result = fp1 ^ _MUL
        mixed = fp2 * _MUL
        result ^= (mixed ^ (mixed >> _47)) * _MUL
        result *= _MUL
        result = (result ^ (result >> _47)) * _MUL
        return result ^ (result >> _47)


def _feature_fingerprints(values: np.ndarray) -> np.ndarray:
    """What ``tf.sparse.cross_hashed`` mixes in per feature: FarmHash64 of a string, an integer's own bits."""
    if values.dtype.kind in "US":
        unique, inverse = np.unique(values.reshape(-1), return_inverse=True)
        prints = np.asarray([fingerprint64(v.encode("utf-8") if isinstance(v, str) else bytes(v))
                             for v in unique.tolist()], dtype=np.uint64)
        return prints[inverse].reshape(values.shape)
    return values.astype(np.int64).view(np.uint64)


@register_builtin
class HashedCrossing(Layer):
    """Crosses two or more scalar features (integers or strings) into ``num_bins`` buckets with TensorFlow's
    ``cross_hashed`` (FarmHash64 of strings, integers as they are, chained by ``FingerprintCat64`` from its
    default key), so bucket ids equal Keras'.

    Shapes: each feature ``()``, ``(batch,)`` or ``(batch, 1)`` (all alike) -> the same shape of int64 ids
    (``'int'``) or ``(batch, num_bins)`` float32 (``'one_hot'``). Called on a list or tuple of features.
    Args: ``num_bins``, ``output_mode`` (``'int'``, ``'one_hot'``), ``sparse`` (False only).
    """

    _accepts_strings = True

    def __init__(self, num_bins, output_mode="int", sparse=False, **kwargs):
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        who = self._who = f"HashedCrossing {self.name!r}"
        self.num_bins = check.positive_int(num_bins, who, "num_bins")
        self.output_mode = check.one_of(output_mode, who, "output_mode", ("int", "one_hot"))
        if check.boolean(sparse, who, "sparse"):
            raise ConfigError(f"{who}: sparse=True is not supported (neuroflow has no sparse tensors); use "
                              f"sparse=False")
        self.dtype = "int64" if self.output_mode == "int" else backend.floatx()

    def __call__(self, inputs, training=None, **kwargs):
        if isinstance(inputs, (list, tuple)) and any(isinstance(t, SymbolicTensor) for t in inputs):
            return super().__call__(list(inputs), training=training, **kwargs)
        self.built = True
        return self.call(inputs)

    def _check_features(self, shapes):
        if not isinstance(shapes, (list, tuple)) or len(shapes) < 2:
            raise ShapeError(f"{self._who}: call it on a list or tuple of at least 2 features, got "
                             f"{check.describe(shapes)}")
        first = tuple(shapes[0])
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ShapeError(f"{self._who}: each feature must have shape (), (batch,) or (batch, 1), got {first}")
        if any(tuple(s)[1:] != first[1:] or len(s) != len(first) for s in shapes[1:]):
            raise ShapeError(f"{self._who}: all features must have the same shape, got {[tuple(s) for s in shapes]}")

    def call(self, inputs, training=None):
        if not isinstance(inputs, (list, tuple)):
            raise ShapeError(f"{self._who}: call it on a list or tuple of at least 2 features, got "
                             f"{check.describe(inputs)}")
        features = [hashable_values(x, self._who) for x in inputs]
        self._check_features([f.shape for f in features])
        if any(f.dtype.kind in "fb" for f in features):
            raise DataError(f"{self._who}: features must be integers or strings, got dtypes "
                            f"{[str(f.dtype) for f in features]}")
        if len({f.shape for f in features}) > 1:
            raise ShapeError(f"{self._who}: all features must have the same shape, got "
                             f"{[f.shape for f in features]}")
        hashed = np.full(features[0].shape, CROSS_HASH_KEY, dtype=np.uint64)
        for feature in features:
            hashed = _cat64(hashed, _feature_fingerprints(feature))
        ids = (hashed % np.uint64(self.num_bins)).astype(np.int64)
        if self.output_mode == "one_hot":
            ids = encode_categorical(ids, "one_hot", self.num_bins, backend.floatx(), who=self._who)
        return Tensor(on_device_of(inputs[0], ids))  # integer features read from a device go back there

    def compute_output_shape(self, input_shape):
        self._check_features(input_shape)
        shape = tuple(input_shape[0])
        if self.output_mode == "int":
            return shape
        if len(shape) > 1 and shape[-1] == 1:
            return shape[:-1] + (self.num_bins,)
        return shape + (self.num_bins,)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": False}


__all__ = ["HashedCrossing"]
