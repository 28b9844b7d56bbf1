"""Constant folding: an instruction whose inputs are all consts runs once, now, and its value becomes a const.

Never folded: random nodes (a fresh draw each run) and effects. A const has no gradient, so a folded node's
backward is never needed. The value is the node's own forward on the same arrays, hence bit for bit the same.
"""
from __future__ import annotations

from ..ir import Program, is_effect, is_random


def fold_constants(program: Program) -> Program:
    """A copy of ``program`` where every instruction computable from consts alone is replaced by its value."""
    consts = dict(program.consts)
    kept = []
    for ins in program.instrs:
        node = ins.node
        if all(a in consts for a in ins.args) and not is_random(node) and not is_effect(node):
            consts[ins.out] = node.forward(*[consts[a] for a in ins.args])
        else:
            kept.append(ins)
    result = program.replace(instrs=kept, consts=consts,
                             needs_grad={s for s in program.needs_grad if s not in consts})
    return result


__all__ = ["fold_constants"]
