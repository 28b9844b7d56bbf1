"""``EinsumDense``: a dense layer whose product with its kernel is an einsum equation (Keras 3's layer).

``equation`` names the input's axes, the kernel's and the output's, e.g. ``"abc,cde->abde"`` projects
``(batch, seq, dim)`` to ``(batch, seq, heads, key_dim)`` with a kernel ``(dim, heads, key_dim)`` — how
``MultiHeadAttention`` projects. An ellipsis stands for axes passed through: ``"...b,bc->...c"`` is ``Dense``.
"""
from __future__ import annotations

import re

import numpy as np

from .. import _validate as check
from .. import activations as nf_activations, constraints as nf_constraints, initializers as nf_initializers
from .. import ops, regularizers as nf_regularizers
from ..errors import ConfigError, ShapeError
from ..registry import register_builtin
from . import lora, quantized
from .base import Layer

_FORMS = (  # (pattern on the equation with '...' written '0', where the ellipsis sits)
    (r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", None),
    (r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", "left"),
    (r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", "right"),
)


def parse_equation(equation: str, who: str):
    """``(input_spec, kernel_spec, output_spec, ellipsis_side)`` of an EinsumDense equation."""
    if not isinstance(equation, str):
        raise check.ArgumentTypeError(f"{who}: equation must be a str such as 'ab,bc->ac', got "
                                      f"{check.describe(equation)}")
    text = equation.replace(" ", "").replace("...", "0")
    for pattern, side in _FORMS:
        match = re.match(pattern, text)
        if match:
            return match.group(1), match.group(2), match.group(3), side
    raise ConfigError(f"{who}: equation must read '[X],[Y]->[Z]', '...[X],[Y]->...[Z]' or '[X]...,[Y]->[Z]...', "
                      f"got {equation!r}")


def einsum_shapes(equation, bias_axes, input_shape, partial_output_shape, who):
    """``(kernel_shape, bias_shape or None, full_output_shape)`` for inputs of ``input_shape`` (batch first).

    ``partial_output_shape`` gives the output's sizes after the batch axis (None where the input decides), not
    counting the axes an ellipsis passes through."""
    in_spec, k_spec, out_spec, side = parse_equation(equation, who)
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (elided and side is None):
        raise ShapeError(f"{who}: equation {equation!r} names {len(in_spec)} input axes, but the inputs have shape "
                         f"{input_shape}")
    out = [input_shape[0]] + list(partial_output_shape)
    if side == "left":
        out[1:1] = list(input_shape[1:elided])
        in_axis = {c: i + elided for i, c in enumerate(in_spec)}
        out_axis = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        if side == "right":
            out += list(input_shape[len(input_shape) - elided:])
        in_axis = {c: i for i, c in enumerate(in_spec)}
        out_axis = {c: i for i, c in enumerate(out_spec)}
    if len(out) != len(out_spec) + elided:
        raise ShapeError(f"{who}: output_shape {tuple(partial_output_shape)} does not fit the equation "
                         f"{equation!r} (its output {out_spec!r} has {len(out_spec)} axes, batch included)")
    for c, i in out_axis.items():  # output sizes an input axis fixes
        if c in in_axis:
            size = input_shape[in_axis[c]]
            if out[i] is not None and size is not None and out[i] != size:
                raise ShapeError(f"{who}: output axis {c!r} has size {out[i]} but the input's axis {c!r} has "
                                 f"size {size} (inputs {input_shape})")
            out[i] = size if out[i] is None else out[i]
        elif c not in k_spec:
            raise ShapeError(f"{who}: output axis {c!r} of {equation!r} is in neither the input nor the kernel")
    kernel_shape = []
    for c in k_spec:
        size = out[out_axis[c]] if c in out_axis else input_shape[in_axis[c]] if c in in_axis else -1
        if size == -1:
            raise ShapeError(f"{who}: kernel axis {c!r} of {equation!r} is in neither the input nor the output")
        if size is None:
            raise ShapeError(f"{who}: kernel axis {c!r} needs a known size; inputs {input_shape}, output_shape "
                             f"{tuple(partial_output_shape)}")
        kernel_shape.append(int(size))
    bias_shape = None
    if bias_axes:
        missing = [c for c in bias_axes if c not in out_spec]
        if missing:
            raise ConfigError(f"{who}: bias_axes {bias_axes!r} name {missing}, which are not in the output "
                              f"{out_spec!r} of {equation!r}")
        offset = elided if side == "left" else 0
        first = min(out_spec.index(c) for c in bias_axes)
        bias_shape = [out[i + offset] if c in bias_axes else 1 for i, c in enumerate(out_spec) if i >= first]
        if side == "right":
            bias_shape += [1] * elided  # broadcast over the trailing passed-through axes
    return kernel_shape, bias_shape, tuple(out)


def _matmul_plan(equation):
    """The number of contracted axes when ``equation`` is a matmul in disguise — the input's last axes contracted
    with the kernel's first, the output the input's other axes then the kernel's other axes (``'abc,cde->abde'``,
    ``'...b,bc->...c'``) — else None."""
    in_spec, k_spec, out_spec, side = parse_equation(equation, "EinsumDense")
    if side == "right":
        return None
    contracted = [c for c in in_spec if c in k_spec and c not in out_spec]
    n = len(contracted)
    if not n or in_spec[len(in_spec) - n:] != "".join(contracted) or k_spec[:n] != "".join(contracted):
        return None
    return n if out_spec == in_spec[:len(in_spec) - n] + k_spec[n:] else None


@register_builtin
class EinsumDense(Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``.

    Shapes: inputs as ``equation``'s first operand -> ``(batch,) + output_shape`` (with the sizes the input
    fixes filled in); kernel: the sizes its letters have in the input/output; bias over ``bias_axes`` (letters of
    the output), broadcast over the output's axes before the first of them.

    Args: ``equation``, ``output_shape`` (an int or a tuple without the batch axis, None where the input
    decides), ``activation``, ``bias_axes`` (None: no bias), the usual kernel/bias initializers, regularizers and
    constraints.
    """

    supports_masking = True

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        who = f"EinsumDense {self.name!r}"
        self.quantization_config = quantized.config_argument(quantization_config, who)
        parse_equation(equation, who)
        self.equation = equation.replace(" ", "")
        if check.is_int(output_shape):
            output_shape = (output_shape,)
        if not isinstance(output_shape, (list, tuple)) or not all(
                s is None or (check.is_int(s) and s > 0) for s in output_shape):
            raise check.ArgumentTypeError(f"{who}: output_shape must be an int or a tuple of positive ints (None "
                                          f"where the input decides), got {check.describe(output_shape)}")
        self.partial_output_shape = tuple(None if s is None else int(s) for s in output_shape)
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise check.ArgumentTypeError(f"{who}: bias_axes must be a str of output letters or None, got "
                                          f"{check.describe(bias_axes)}")
        lora.arguments(self, lora_rank, lora_alpha, who)
        if gptq_unpacked_column_size is not None:  # Keras' GPTQ-quantized kernels only
            raise ConfigError(f"{who}: gptq_unpacked_column_size is for GPTQ quantization, which neuroflow does not "
                              f"support (got {gptq_unpacked_column_size!r}); use None")
        self.bias_axes = bias_axes
        self.activation = check.resolved(nf_activations.get, activation, who, "activation")
        self.kernel_initializer = check.resolved(nf_initializers.get, kernel_initializer, who, "kernel_initializer")
        self.bias_initializer = check.resolved(nf_initializers.get, bias_initializer, who, "bias_initializer")
        self.kernel_regularizer = nf_regularizers.get(kernel_regularizer)
        self.bias_regularizer = nf_regularizers.get(bias_regularizer)
        self._activity_regularizer = nf_regularizers.get(activity_regularizer)
        self.kernel_constraint = nf_constraints.get(kernel_constraint)
        self.bias_constraint = nf_constraints.get(bias_constraint)

    def build(self, input_shape):
        kernel_shape, bias_shape, self.full_output_shape = einsum_shapes(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape, f"EinsumDense {self.name!r}")
        self.kernel = self.add_weight("kernel", kernel_shape, self.kernel_initializer, self.kernel_regularizer,
                                      self.kernel_constraint)
        self.bias = None if bias_shape is None else self.add_weight(
            "bias", bias_shape, self.bias_initializer, self.bias_regularizer, self.bias_constraint)
        self.built = True
        lora.build(self)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze ``kernel`` and train ``lora_kernel_a`` ``(*kernel.shape[:-1], rank)`` @ ``lora_kernel_b``
        ``(rank, kernel.shape[-1])`` scaled by ``lora_alpha / rank`` in its place (:mod:`neuroflow.layers.lora`)."""
        lora.enable(self, rank, lora_alpha, a_initializer, b_initializer)

    def call(self, inputs):
        kernel = lora.weight(self)
        n_free = _matmul_plan(self.equation)
        if n_free is not None:  # a dense-like contraction: one BLAS matmul on reshaped views (einsum has none)
            lead = tuple(inputs.shape[:inputs.ndim - n_free])
            k_in = int(np.prod(kernel.shape[:n_free]))
            x = ops.matmul(ops.reshape(inputs, lead + (k_in,)), ops.reshape(kernel, (k_in, -1)))
            x = ops.reshape(x, lead + tuple(kernel.shape[n_free:]))
        else:
            x = ops.einsum(self.equation, inputs, kernel)
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x)

    def equation_parts(self) -> tuple:
        """``(input letters, kernel letters, output letters, ellipsis side)`` of ``equation``."""
        return parse_equation(self.equation, f"EinsumDense {self.name!r}")

    def quantize(self, mode=None, type_check=True, config=None):
        """Store the kernel in int8 with a ``kernel_scale`` per output channel (``mode="int8"``: Keras' scheme)."""
        quantized.quantize(self, mode, type_check, EinsumDense, config)

    def build_quantized(self):
        quantized.build_quantized(self)

    def quantized_call(self, inputs):
        return quantized.einsum_dense_call(self, inputs)

    def compute_output_shape(self, input_shape):
        return einsum_shapes(self.equation, self.bias_axes, input_shape, self.partial_output_shape,
                             f"EinsumDense {self.name!r}")[2]

    def get_config(self):
        return {**super().get_config(), "equation": self.equation, "output_shape": list(self.partial_output_shape),
                "activation": nf_activations.serialize(self.activation), "bias_axes": self.bias_axes,
                "kernel_initializer": nf_initializers.serialize(self.kernel_initializer),
                "bias_initializer": nf_initializers.serialize(self.bias_initializer),
                "kernel_regularizer": nf_regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": nf_regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": nf_regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": nf_constraints.serialize(self.kernel_constraint),
                "bias_constraint": nf_constraints.serialize(self.bias_constraint), **lora.config(self)}


__all__ = ["EinsumDense", "einsum_shapes", "parse_equation"]
