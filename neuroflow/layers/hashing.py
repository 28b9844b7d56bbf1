"""``Hashing``: values -> one of ``num_bins`` hash buckets, bucket ids equal to Keras' (FarmHash64 / SipHash64)."""
from __future__ import annotations

import numpy as np

from .. import _validate as check
from .. import backend
from ..autograd.tensor import Tensor
from ..errors import ConfigError, DataError
from ..registry import register_builtin
from .base import Layer
from .category_layers import encode_categorical
from .farmhash import hash_buckets
from .index_lookup import normalize_salt
from .symbolic import SymbolicTensor

_MODES = ("int", "one_hot", "multi_hot", "count")


def on_device_of(inputs, out):
    """``out`` (a host array) on the device of ``inputs`` when that is a device array or a Tensor holding one."""
    data = inputs.data if isinstance(inputs, Tensor) else inputs
    return out if backend.is_host(data) else backend.to_device(out, backend.device_of(data))


def hashable_values(inputs, who) -> np.ndarray:
    """Strings (str/bytes/object) or numbers as a host array the hashes read; a clear error for anything else.
    The hashes run on the host (FarmHash/SipHash of each value's text): numbers on a device are read back here,
    an explicit transfer. Shapes: any -> same."""
    arr = backend.to_host(inputs)
    if arr.dtype == object:
        flat = [v.decode("utf-8") if isinstance(v, bytes) else v for v in arr.reshape(-1).tolist()]
        if not all(isinstance(v, str) for v in flat):
            raise DataError(f"{who}: expected strings or integers, got an object array of "
                            f"{sorted({type(v).__name__ for v in flat})}")
        arr = np.asarray(flat, dtype=str).reshape(arr.shape)
    if arr.dtype.kind not in "USiufb":
        raise DataError(f"{who}: expected strings or numbers, got an array of dtype {arr.dtype}")
    return arr


@register_builtin
class Hashing(Layer):
    """Each value to a bucket ``hash(value) % num_bins``: FarmHash64 of its text (``tf.strings.to_hash_bucket_fast``)
    or, with ``salt``, SipHash-2-4 keyed by it (``to_hash_bucket_strong``) — the ids Keras gives. Integers hash as
    their decimal text, floats are truncated to integers first. With ``mask_value``, that value gets bin 0 and the
    others the bins ``1..num_bins-1``.

    Shapes: ``'int'`` any -> same (int64); ``'one_hot'`` ``(batch, 1)`` -> ``(batch, num_bins)``; ``'multi_hot'`` /
    ``'count'`` ``(batch, k)`` -> ``(batch, num_bins)`` (float32). Args: ``num_bins``, ``mask_value``, ``salt``
    (one int or two), ``output_mode``, ``sparse`` (False only).
    """

    _accepts_strings = True

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        who = self._who = f"Hashing {self.name!r}"
        self.num_bins = check.positive_int(num_bins, who, "num_bins")
        self.output_mode = check.one_of(output_mode, who, "output_mode", _MODES)
        if check.boolean(sparse, who, "sparse"):
            raise ConfigError(f"{who}: sparse=True is not supported (neuroflow has no sparse tensors); use "
                              f"sparse=False")
        if isinstance(mask_value, bytes):
            mask_value = mask_value.decode("utf-8")
        if mask_value is not None and not isinstance(mask_value, (str, int, np.integer)):
            raise check.ArgumentTypeError(f"{who}: mask_value must be a string, an integer or None, got "
                                          f"{check.describe(mask_value)}")
        self.mask_value = mask_value
        self.salt = normalize_salt(salt, who)
        self.dtype = "int64" if self.output_mode == "int" else backend.floatx()

    def __call__(self, inputs, training=None, **kwargs):
        if isinstance(inputs, SymbolicTensor):
            return super().__call__(inputs, training=training, **kwargs)
        self.built = True
        return self.call(inputs)

    def call(self, inputs, training=None):
        return Tensor(self.hash(inputs))

    def hash(self, inputs):
        """The layer's output for ``inputs``: a NumPy array, or for numbers on a device an array on that device
        (hashed on the host, as the hashes read each value's text)."""
        return on_device_of(inputs, self._hash(hashable_values(inputs, self._who)))

    def _hash(self, values) -> np.ndarray:
        bins = self.num_bins
        masked = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            masked = values == self.mask_value
        ids = hash_buckets(values, bins, self.salt)
        if masked is not None:
            ids = np.where(masked, 0, ids + 1)
        return encode_categorical(ids, self.output_mode, self.num_bins, backend.floatx(), who=self._who)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return shape
        if self.output_mode == "one_hot" and not (len(shape) > 1 and shape[-1] == 1):
            return shape + (self.num_bins,)
        return shape[:-1] + (self.num_bins,)

    def get_config(self):
        mask = int(self.mask_value) if isinstance(self.mask_value, np.integer) else self.mask_value
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt, "mask_value": mask,
                "output_mode": self.output_mode, "sparse": False}


__all__ = ["Hashing", "hashable_values", "on_device_of"]
