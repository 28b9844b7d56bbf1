"""``Embedding``: integer ids -> rows of a trainable table (the gradient scatter-adds into the used rows)."""
from __future__ import annotations

import numpy as np

from .. import _validate as check, backend
from .. import constraints as nf_constraints, initializers as nf_initializers, ops
from .. import regularizers as nf_regularizers
from ..autograd.tensor import Tensor
from ..backend import is_host
from ..errors import ConfigError, DataError, DTypeError, IndexOutOfRangeError
from ..ops.index import gather_rows
from ..registry import register_builtin
from . import lora, quantized
from .base import Layer


@register_builtin
class Embedding(Layer):
    """Look up a ``output_dim``-vector for each integer id in ``[0, input_dim)``.

    Shapes: ids ``(batch, ...)`` (integers, or floats holding whole numbers) -> ``(batch, ..., output_dim)``;
    weight ``embeddings`` ``(input_dim, output_dim)``. An id outside ``[0, input_dim)`` raises
    ``IndexOutOfRangeError`` naming the layer, ``input_dim`` and the id.

    Args: ``input_dim`` (vocabulary size), ``output_dim``, ``embeddings_initializer`` (``'uniform'``: U(-0.05,
    0.05)), ``embeddings_regularizer``, ``embeddings_constraint``, ``activity_regularizer``, ``mask_zero`` (id 0
    is padding: :meth:`compute_mask` returns ``ids != 0`` for layers that consume masks), ``input_length`` (Keras
    2: fixes the input shape to ``(batch, input_length)``), ``weights`` (the initial ``(input_dim, output_dim)``
    matrix, e.g. pretrained vectors, or a one-element list of it).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, activity_regularizer=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, weights=None, **kwargs):
        if input_length is not None and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = tuple(input_length) if isinstance(input_length, (list, tuple)) \
                else (input_length,)
        super().__init__(**kwargs)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"Embedding {self.name!r}: {arg} must be a positive integer, got {value!r}")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = nf_initializers.get(embeddings_initializer)
        self.embeddings_regularizer = nf_regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = nf_constraints.get(embeddings_constraint)
        self._activity_regularizer = nf_regularizers.get(activity_regularizer)
        self.mask_zero = check.boolean(mask_zero, f"Embedding {self.name!r}", "mask_zero")
        self.quantization_config = quantized.config_argument(quantization_config, f"Embedding {self.name!r}")
        lora.arguments(self, lora_rank, lora_alpha, f"{type(self).__name__} {self.name!r}")
        self.input_length = list(input_length) if isinstance(input_length, (list, tuple)) else input_length
        if weights is not None:  # Keras' initial matrix (pretrained vectors): built now, shape checked by set_weights
            self.build(None)
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1 else [weights])

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          self.embeddings_initializer, self.embeddings_regularizer,
                                          self.embeddings_constraint)
        self.built = True
        lora.build(self)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze ``embeddings`` and train ``lora_embeddings_a`` ``(input_dim, rank)`` @ ``lora_embeddings_b``
        ``(rank, output_dim)`` scaled by ``lora_alpha / rank`` in its place (:mod:`neuroflow.layers.lora`)."""
        lora.enable(self, rank, lora_alpha, a_initializer, b_initializer)

    def _ids(self, inputs, check_range=True):
        """The ids as an integer array, checked to lie in ``[0, input_dim)`` (host ids only: on a device the check
        would read the ids back every step, so there an out-of-range id follows the device library's rule, as in
        CuPy and PyTorch)."""
        ids = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
        if ids.dtype.kind == "f":
            as_int = ids.astype(np.int64)
            if is_host(ids) and not (as_int == ids).all():
                bad = ids[as_int != ids].flat[0]
                raise DataError(f"Embedding {self.name!r}: ids must be whole numbers, got {bad!r}")
            ids = as_int
        elif ids.dtype.kind not in "iu":
            raise DTypeError(f"Embedding {self.name!r}: expected integer ids, got dtype {ids.dtype}")
        if check_range and ids.size and is_host(ids):
            out = (ids < 0) | (ids >= self.input_dim)
            if out.any():
                raise IndexOutOfRangeError(
                    f"Embedding {self.name!r}: id {int(ids[out].flat[0])} is out of range for input_dim="
                    f"{self.input_dim} (ids must lie in [0, {self.input_dim}); {int(out.sum())} id(s) out of "
                    f"range). Raise input_dim to the vocabulary size (+1 when 0 is padding).")
        return ids

    def __call__(self, inputs, *args, **kwargs):
        if backend.get_device() != "cpu" and self._looks_up() and not isinstance(inputs, Tensor) \
                and is_host(inputs) and not backend.is_keras_tensor(inputs):
            # host ids are copied to the device next, where reading them back would cost a transfer: check their
            # values here, where reading is free (on the CPU the lookup node checks them; strings are refused next)
            ids = np.asarray(inputs)
            if ids.dtype.kind in "iuf":
                self._ids(ids)
        return super().__call__(inputs, *args, **kwargs)

    def _looks_up(self) -> bool:
        """Whether the call in progress takes ids (ReversibleEmbedding's reverse call takes vectors)."""
        return True

    def call(self, inputs):
        # the ids are an input of the lookup node (the inputs' own Tensor when already integers), not its
        # configuration, so that a compiled step reads them from the batch; the node checks their range
        ids = self._ids(inputs, check_range=False)
        if isinstance(inputs, Tensor) and inputs.data is ids:
            ids = inputs
        return gather_rows(lora.weight(self), ids, owner=f"Embedding {self.name!r}")

    def quantize(self, mode=None, type_check=True, config=None):
        """Store the table in int8 with one ``embeddings_scale`` per row (``mode="int8"``: Keras' scheme)."""
        quantized.quantize(self, mode, type_check, Embedding, config)

    def build_quantized(self):
        quantized.build_quantized(self)

    def quantized_call(self, inputs):
        return quantized.embedding_call(self, inputs)

    def compute_mask(self, inputs, mask=None):
        """``ids != 0`` as a bool array of the ids' shape when ``mask_zero``, else ``None``."""
        if not self.mask_zero:
            return None
        ids = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
        return ids != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": nf_initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": nf_regularizers.serialize(self.embeddings_regularizer),
                "embeddings_constraint": nf_constraints.serialize(self.embeddings_constraint),
                "activity_regularizer": nf_regularizers.serialize(self._activity_regularizer),
                "mask_zero": self.mask_zero, "input_length": self.input_length, **lora.config(self)}
