"""Element-wise fusion: maximal trees of fusable element-wise instructions become one ``FusedElementwise``.

A member joins the tree of the instruction reading it when its class is in the fusion table
(:mod:`neuroflow.compile.fusable`), it is not random, its value has exactly that one reader and is not an
output, no effect lies between it and the tree's root, and — where ``meta["shapes"]`` knows them — its value
and each of its inputs have the root's shape or a single element (the "same shape or scalar" rule that keeps
every kernel a flat loop; a scalar sub-expression is recomputed per element, which costs less than a pass).
Trees of one member are left alone.

The fused node's forward and gradient equal the members' within ``fused.FORWARD_RTOL``/``GRAD_RTOL``.
"""
from __future__ import annotations

import math

from ..fusable import row_for
from ..fused import FusedElementwise, FusionPlan
from ..ir import Instr, Program, is_effect, is_random


def _shape_fits(shape, root_shape) -> bool:
    return shape is None or root_shape is None or tuple(shape) == tuple(root_shape) or math.prod(shape) == 1


def fuse_elementwise(program: Program) -> Program:
    """A copy of ``program`` with its element-wise chains fused (see the module docstring)."""
    instrs = program.instrs
    shapes = program.meta.get("shapes", {})
    users = program.consumers()
    producer = program.producers()
    outputs = set(program.outputs)
    effects = [i for i, ins in enumerate(instrs) if is_effect(ins.node)]
    rows = [None if is_random(ins.node) or is_effect(ins.node) else row_for(ins.node) for ins in instrs]

    def fits(i, root_shape):
        ins = instrs[i]
        return all(_shape_fits(shapes.get(s), root_shape) for s in (ins.out, *ins.args))

    absorbed, groups = set(), {}
    for r in range(len(instrs) - 1, -1, -1):
        if r in absorbed or rows[r] is None:
            continue
        root_shape = shapes.get(instrs[r].out)
        if not fits(r, root_shape):
            continue
        members, stack = {r}, [r]
        while stack:
            i = stack.pop()
            for a in instrs[i].args:
                p = producer.get(a)
                if (p is None or p in members or p in absorbed or rows[p] is None or a in outputs
                        or users.get(a) != [i] or any(p < e < r for e in effects) or not fits(p, root_shape)):
                    continue
                members.add(p)
                stack.append(p)
        if len(members) >= 2:
            groups[r] = sorted(members)
            absorbed.update(members)

    new_instrs, gone = [], set()
    for i, ins in enumerate(instrs):
        if i in groups:
            new_instrs.append(_fused_instr(program, [instrs[j] for j in groups[i]], [rows[j] for j in groups[i]]))
            gone.update(instrs[j].out for j in groups[i][:-1])
        elif i not in absorbed:
            new_instrs.append(ins)
    return program.replace(instrs=new_instrs, needs_grad=program.needs_grad - gone)


def _fused_instr(program: Program, members, rows) -> Instr:
    """One instruction computing ``members`` (in program order, the last one the root)."""
    position = {ins.out: k for k, ins in enumerate(members)}
    leaves, ops = [], []
    for ins, row in zip(members, rows):
        refs = []
        for a in ins.args:
            if a in position:
                refs.append(("v", position[a]))
            else:
                if a not in leaves:
                    leaves.append(a)
                refs.append(("x", leaves.index(a)))
        ops.append((row, refs))
    plan = FusionPlan(ops, len(leaves), [a in program.needs_grad for a in leaves])
    return Instr(FusedElementwise(plan), leaves, members[-1].out)


__all__ = ["fuse_elementwise"]
