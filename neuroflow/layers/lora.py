"""LoRA (low-rank adaptation) for Dense, EinsumDense and Embedding, as Keras 3 does it.

``enable_lora(rank)`` freezes the layer's base weight ``w`` (``kernel`` or ``embeddings``) and adds two trainable
float32 weights ``a`` ``(*w.shape[:-1], rank)`` (``he_uniform``) and ``b`` ``(rank, w.shape[-1])`` (zeros), named
``lora_kernel_a``/``lora_kernel_b`` (Embedding: ``lora_embeddings_a``/``_b``); the layer then computes with
``w + (lora_alpha / rank) * (a @ b)``, so it starts out unchanged. The regularizer of ``w`` applies to ``a`` and
``b``; a constraint on ``w`` is refused (Keras' rule).
"""
from __future__ import annotations

from .. import _validate as check
from .. import initializers as nf_initializers, ops
from ..errors import ConfigError, GraphError

# layer class -> (base weight attribute, LoRA weight prefix, the attributes holding its regularizer, constraint)
_ROLES = {"Embedding": ("embeddings", "lora_embeddings", "embeddings_regularizer", "embeddings_constraint")}
_KERNEL = ("kernel", "lora_kernel", "kernel_regularizer", "kernel_constraint")


def _roles(layer) -> tuple:
    for cls in type(layer).__mro__:
        if cls.__name__ in _ROLES:
            return _ROLES[cls.__name__]
    return _KERNEL


def _alpha(value, who):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{who}: lora_alpha must be a positive number or None, got {value!r}")
    return value


def arguments(layer, lora_rank, lora_alpha, who: str) -> None:
    """Keep the constructor's ``lora_rank`` (positive int or None) and ``lora_alpha`` (default: the rank)."""
    layer.lora_rank = check.positive_int(lora_rank, who, "lora_rank", allow_none=True)
    alpha = _alpha(lora_alpha, who)
    layer.lora_alpha = alpha if alpha is not None else layer.lora_rank
    layer.lora_enabled = False


def build(layer) -> None:
    """At the end of ``build``: enable LoRA when the constructor asked for it."""
    if layer.lora_rank and not layer.lora_enabled:
        enable(layer, layer.lora_rank, layer.lora_alpha)


def enable(layer, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros") -> None:
    """``layer.enable_lora``: freeze the base weight, add the trainable low-rank pair (module docstring)."""
    who = f"{type(layer).__name__} {layer.name!r}"
    attr, prefix, reg_attr, constraint_attr = _roles(layer)
    rank = check.positive_int(rank, who, "rank")
    if getattr(layer, constraint_attr, None) is not None:
        raise ConfigError(f"{who}: LoRA cannot be enabled with a {constraint_attr} (Keras' rule); remove it")
    if not layer.built:
        raise GraphError(f"{who}: cannot enable LoRA before the layer is built; build it (or call it) first")
    if layer.lora_enabled:
        raise ConfigError(f"{who}: LoRA is already enabled; it can be enabled once per layer")
    weight = getattr(layer, attr)
    regularizer = getattr(layer, reg_attr, None)
    layer.__dict__[f"{prefix}_a"] = layer.add_weight(
        f"{prefix}_a", tuple(weight.shape[:-1]) + (rank,), nf_initializers.get(a_initializer), regularizer,
        dtype="float32")
    layer.__dict__[f"{prefix}_b"] = layer.add_weight(
        f"{prefix}_b", (rank, weight.shape[-1]), nf_initializers.get(b_initializer), regularizer, dtype="float32")
    weight.trainable = False
    layer.__dict__.pop("_kernels", None)  # the cached forward plans read the base weight alone
    layer.lora_enabled, layer.lora_rank = True, rank
    alpha = _alpha(lora_alpha, who)
    layer.lora_alpha = alpha if alpha is not None else rank


def weight(layer):
    """The weight the layer computes with: the base weight, plus ``(alpha / rank) * a @ b`` once LoRA is on.
    Shapes: the base weight's."""
    attr, prefix, _, _ = _roles(layer)
    w = getattr(layer, attr)
    if not layer.__dict__.get("lora_enabled"):
        return w
    delta = ops.matmul(layer.__dict__[f"{prefix}_a"], layer.__dict__[f"{prefix}_b"])
    return w + ops.cast(delta * (layer.lora_alpha / layer.lora_rank), w.dtype)


def add_to_int8(layer, inputs, outputs, ids=None):
    """An int8 layer's ``outputs`` plus the LoRA term, as Keras adds it after the quantized product (the int8 base
    weight stays as it is): ``(alpha / rank) * product(inputs, a @ b)`` (Embedding: the rows ``ids`` of ``a @ b``).
    Shapes: ``outputs``'."""
    if not layer.__dict__.get("lora_enabled"):
        return outputs
    _, prefix, _, _ = _roles(layer)
    a, b = layer.__dict__[f"{prefix}_a"], layer.__dict__[f"{prefix}_b"]
    scale = layer.lora_alpha / layer.lora_rank
    if ids is not None:
        return outputs + ops.cast(ops.take(ops.matmul(a, b), ids, axis=0) * scale, outputs.dtype)
    if hasattr(layer, "equation"):
        delta = ops.einsum(layer.equation, inputs, ops.cast(ops.matmul(a, b), inputs.dtype))
    else:
        delta = ops.matmul(ops.matmul(inputs, ops.cast(a, inputs.dtype)), ops.cast(b, inputs.dtype))
    return outputs + delta * scale


def config(layer) -> dict:
    """The LoRA entries of ``get_config`` (Keras writes them only when a rank is set)."""
    return {"lora_rank": layer.lora_rank, "lora_alpha": layer.lora_alpha} if layer.lora_rank else {}
