"""``fused_elementwise(fn, *inputs)``: run an element-wise function of tensors as one fused node.

``fn`` is traced once on the inputs, the recorded chain is fused (:mod:`neuroflow.compile.passes.fuse`) and the
result is applied as a single :class:`~neuroflow.compile.fused.FusedElementwise` node: one C kernel pass forward,
one backward. It is what the fusion pass does inside a compiled step, offered for direct use (and for the op
table's finite-difference and PyTorch checks).
"""
from __future__ import annotations

from ..autograd.function import enable_grad
from ..autograd.tensor import Tensor, as_tensor
from ..errors import ConfigError
from ..ops._registry import differentiable
from .fused import FusedElementwise
from .ir import op_label, program_from_tensors
from .passes.fuse import fuse_elementwise


@differentiable
def fused_elementwise(fn, *inputs):
    """``fn(*inputs)`` computed by one fused element-wise node.

    ``fn`` must be a chain of fusable element-wise ops (``compile.fusable``: add, multiply, exp, tanh, ...) of
    its arguments and Python scalars. Shapes: every input has the output's shape or a single element.
    Raises ``ConfigError`` naming the first op that cannot be fused.
    """
    inputs = [as_tensor(x) for x in inputs]
    probes = [Tensor(x.data, requires_grad=True, dtype=x.data.dtype) for x in inputs]
    with enable_grad():
        out = fn(*probes)
    program = fuse_elementwise(program_from_tensors(out, variables=probes))
    if len(program.instrs) != 1 or not isinstance(program.instrs[0].node, FusedElementwise):
        unfused = [op_label(ins.node) for ins in program.instrs if not isinstance(ins.node, FusedElementwise)]
        raise ConfigError(f"fused_elementwise: fn must be one chain of fusable element-wise ops; these did not "
                          f"fuse: {unfused or [op_label(i.node) for i in program.instrs]}")
    ins = program.instrs[0]
    by_slot = {slot: x for (slot, _), x in zip(program.variables, inputs)}
    args = [by_slot[a] if a in by_slot else Tensor._from_op(program.consts[a], None) for a in ins.args]
    return FusedElementwise(ins.node.plan).apply(*args)


__all__ = ["fused_elementwise"]
