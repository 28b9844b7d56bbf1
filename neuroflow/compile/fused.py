"""``FusedElementwise``: one graph node standing for a chain (or tree) of element-wise nodes.

The fusion pass (:mod:`neuroflow.compile.passes.fuse`) builds a :class:`FusionPlan` — the member ops in
evaluation order, each reading inputs (``("x", i)``) or earlier members (``("v", j)``) — and replaces the members
by one instruction. Its forward evaluates the whole expression per element in one pass of a generated C kernel
(:mod:`neuroflow.compile.fusion_c`); its backward recomputes the members from the saved inputs and applies the
chain rule per element, in one more pass. Where no kernel is available (no compiler, ``NEUROFLOW_NATIVE=0``,
dtypes other than one shared float32/float64) the NumPy twin runs the same ops with ufuncs, reusing dead
intermediates as ``out=`` buffers. On a device (CuPy, the strict stand-in) the same twin is written with the
device's array module and fused by that module's ``fuse`` (CuPy: one generated elementwise kernel forward, one
backward; the stand-in runs it as written, NumPy's values); where the device's fusion cannot express a member
the ops run one by one on the device. The C kernels serve NumPy arrays only.

Shapes: inputs are each either the output's shape or a single value (others are broadcast and copied); the
output has the broadcast shape. Tolerance against the unfused nodes: see ``FORWARD_RTOL``.
"""
from __future__ import annotations

import ctypes

import numpy as np

from ..autograd.function import Function, enable_grad, sum_to
from ..autograd.higher_order import sum_to_graph
from ..backend import get_array_module
from . import fusion_c

_CTYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}

#: Relative tolerance of a fused forward against the unfused nodes, per dtype, per member op: libm's exp/log/
#: tanh and NumPy's SIMD ones may each differ by a few ulps (float32 ulp 1.2e-7). Gradients: ``GRAD_RTOL``.
FORWARD_RTOL = {np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-13}
GRAD_RTOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}


class FusionPlan:
    """What a fused node computes: ``ops`` (``[(Elementwise row, operand refs)]`` in evaluation order, the last
    one the output), ``n_inputs``, ``needs`` (per input: does backward return its gradient), ``wants`` (per
    member: does a needed input lie below it) and ``label`` (``fused(exp∘mul∘add)``, outermost first)."""

    __slots__ = ("ops", "n_inputs", "needs", "wants", "label", "_kernels")

    def __init__(self, ops, n_inputs: int, needs):
        self.ops = tuple((row, tuple(refs)) for row, refs in ops)
        self.n_inputs = int(n_inputs)
        self.needs = tuple(bool(n) for n in needs)
        wants = []
        for row, refs in self.ops:
            wants.append(any(self.needs[i] if kind == "x" else wants[i] for kind, i in refs))
        self.wants = tuple(wants)
        self.label = "fused(" + "∘".join(row.short for row, _ in reversed(self.ops)) + ")"
        self._kernels = {}

    def kernel(self, dtype, scalar: tuple):
        """The compiled kernel for this dtype and input layout, or None (then the NumPy twin runs)."""
        key = (dtype, scalar)
        if key not in self._kernels or (self._kernels[key] is None and fusion_c.native_enabled()):
            self._kernels[key] = fusion_c.load(fusion_c.kernel_source(self, _CTYPES[dtype], scalar))
        return self._kernels[key] if fusion_c.native_enabled() else None

    def device_kernel(self, xp, direction: str):
        """The twin for device module ``xp`` fused by ``xp.fuse`` (made once per module): ``"forward"``:
        ``(*xs) -> out``; ``"backward"``: ``(g, *xs) -> tuple`` of the needed inputs' full-shaped gradients."""
        key = (direction, xp)
        if key not in self._kernels:
            if direction == "forward":
                def plain(*xs):
                    return self.values_xp(xp, xs, reuse=False)[-1]
            else:
                def plain(g, *xs):
                    return tuple(d for d in self.backward_xp(xp, xs, g) if d is not None)
            self._kernels[key] = _DeviceKernel(xp, plain)
        return self._kernels[key]

    # --- the array-module twin ---------------------------------------------------------------------------------
    def values_xp(self, xp, xs, reuse: bool = True) -> list:
        """Every member's value, computed with ``xp``'s ufuncs (NumPy, CuPy, the strict stand-in); with ``reuse``,
        into (``out=``) the NumPy buffers of members already consumed where shape and dtype allow (their values are
        then overwritten; device arrays are never reused)."""
        vals, free = [], []
        for row, refs in self.ops:
            operands = [xs[i] if kind == "x" else vals[i] for kind, i in refs]
            out = None
            if free and all(isinstance(o, np.ndarray) for o in operands):
                shape = np.broadcast_shapes(*(o.shape for o in operands))
                dtype = np.result_type(*operands)
                for k, buf in enumerate(free):
                    if buf.shape == shape and buf.dtype == dtype:
                        out = free.pop(k)
                        break
            vals.append(row.np_fwd(xp, *operands, out=out))
            # members have one consumer each: their buffers are free once read (the output is never freed)
            if reuse:
                free.extend(vals[i] for kind, i in refs if kind == "v" and isinstance(vals[i], np.ndarray))
        return vals

    def backward_xp(self, xp, xs, g) -> list:
        """Per-input gradients (full-shaped, before ``sum_to``; None where not needed), written with ``xp``."""
        vals = self.values_xp(xp, xs, reuse=False)  # the backward reads every member's value
        adj = [None] * len(self.ops)
        adj[-1] = g
        dx = [None] * self.n_inputs
        for j in range(len(self.ops) - 1, -1, -1):
            if not self.wants[j]:
                continue
            row, refs = self.ops[j]
            operands = [xs[i] if kind == "x" else vals[i] for kind, i in refs]
            terms = row.np_grads(xp, adj[j], operands, vals[j])
            for (kind, i), term in zip(refs, terms):
                if kind == "v":
                    adj[i] = term if self.wants[i] else None
                elif self.needs[i]:
                    dx[i] = term if dx[i] is None else dx[i] + term
        return dx


class _DeviceKernel:
    """``plain`` (a function of device arrays) fused by the device module's ``fuse``; should fusing fail (an op the
    device's fusion cannot express), ``plain`` runs unfused, op by op on the device, from then on."""

    __slots__ = ("plain", "fused")

    def __init__(self, xp, plain):
        self.plain = plain
        fuse = getattr(xp, "fuse", None)
        self.fused = None if fuse is None else fuse(plain)

    def __call__(self, *arrays):
        if self.fused is not None:
            try:
                return self.fused(*arrays)
            except Exception:  # noqa: BLE001 - CuPy's fusion raises several types for what it cannot compile
                self.fused = None
        return self.plain(*arrays)


def _layout(plan, xs):
    """(dtype, output shape, scalar flags, contiguous inputs) for the C path, or None when only the twin fits."""
    if not xs or not all(isinstance(x, np.ndarray) for x in xs):
        return None
    dtype = xs[0].dtype
    if dtype not in _CTYPES or any(x.dtype != dtype for x in xs):
        return None
    shape = np.broadcast_shapes(*(x.shape for x in xs))
    size = int(np.prod(shape))
    if size == 0:
        return None
    scalar, ready = [], []
    for x in xs:
        if x.size == 1 and size != 1:
            scalar.append(True)
            ready.append(np.ascontiguousarray(x).reshape(1))
        else:
            scalar.append(False)
            full = x if x.shape == shape else np.broadcast_to(x, shape)  # a broadcast input is copied once
            ready.append(np.ascontiguousarray(full))
    return dtype, shape, tuple(scalar), ready


def _pointers(arrays):
    return (ctypes.c_void_p * len(arrays))(*[a.__array_interface__["data"][0] for a in arrays])


class FusedElementwise(Function):
    """A fused chain of element-wise nodes (see the module docstring). ``forward(*inputs) -> array``,
    ``backward(g) -> tuple`` (one gradient per input, shaped like it; None where ``plan.needs`` is false)."""

    __slots__ = ("plan", "xs")

    def __init__(self, plan: FusionPlan):
        self.plan = plan

    @property
    def name(self) -> str:
        return self.plan.label

    def release(self):
        """Drop the saved inputs but keep the plan (it is the node's configuration, not saved state)."""
        self.inputs = None
        self.xs = None

    def backward_graph(self, g):
        """The gradient as graph nodes (``create_graph=True``): the members re-applied as ops on the inputs and
        their gradient formulas written with ops, so it can be differentiated again. ``g``: a Tensor."""
        plan, inputs = self.plan, self.inputs
        with enable_grad():
            vals = []
            for row, refs in plan.ops:
                vals.append(row.tensor_fn(*[inputs[i] if kind == "x" else vals[i] for kind, i in refs]))
            adj = [None] * len(plan.ops)
            adj[-1] = g
            dx = [None] * plan.n_inputs
            for j in range(len(plan.ops) - 1, -1, -1):
                if not plan.wants[j]:
                    continue
                row, refs = plan.ops[j]
                terms = row.graph_grads(adj[j], [inputs[i] if kind == "x" else vals[i] for kind, i in refs], vals[j])
                for (kind, i), term in zip(refs, terms):
                    if kind == "v":
                        adj[i] = term if plan.wants[i] else None
                    elif plan.needs[i]:
                        dx[i] = term if dx[i] is None else dx[i] + term
            return tuple(None if d is None else sum_to_graph(d, x.shape) for d, x in zip(dx, inputs))

    def forward(self, *xs):
        self.xs = xs
        plan = self.plan
        xp = get_array_module(*xs)
        if xp is not np:  # a device: its own fusion (the C kernels read host memory)
            return plan.device_kernel(xp, "forward")(*xs)
        layout = _layout(plan, xs)
        lib = None if layout is None else plan.kernel(layout[0], layout[2])
        if lib is None:
            return plan.values_xp(np, xs)[-1]
        dtype, shape, _, ready = layout
        out = np.empty(shape, dtype)
        arrays = [*ready, out]
        lib.nf_forward(_pointers(arrays), out.size)
        return out

    def backward(self, g):
        plan, xs = self.plan, self.xs
        xp = get_array_module(g, *xs)
        if xp is not np:
            got = iter(plan.device_kernel(xp, "backward")(g, *xs))
            dx = [next(got) if need else None for need in plan.needs]
            return tuple(None if d is None else sum_to(d, x.shape) for d, x in zip(dx, xs))
        layout = _layout(plan, xs)
        lib = None
        if layout is not None and isinstance(g, np.ndarray) and g.dtype == layout[0] and g.shape == layout[1]:
            lib = plan.kernel(layout[0], layout[2])
        if lib is None:
            dx = plan.backward_xp(np, xs, g)
        else:
            dtype, shape, _, ready = layout
            dx = [np.empty(shape, dtype) if need else None for need in plan.needs]
            arrays = [*ready, np.ascontiguousarray(g), *[d for d in dx if d is not None]]  # alive during the call
            lib.nf_backward(_pointers(arrays), int(np.prod(shape)))
        return tuple(None if d is None else sum_to(np.asarray(d), np.shape(x)) for d, x in zip(dx, xs))


__all__ = ["FusedElementwise", "FusionPlan", "FORWARD_RTOL", "GRAD_RTOL"]
