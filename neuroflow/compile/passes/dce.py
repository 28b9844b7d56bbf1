"""Dead-node removal: drop instructions whose value reaches no output (and consts nobody reads).

Kept whatever the outputs: effects (variable assignments) and random nodes (their draws advance the generator,
so dropping one would change every later draw). Forward values and gradients are unchanged, bit for bit.
"""
from __future__ import annotations

from ..ir import Program, is_effect, is_random


def eliminate_dead_nodes(program: Program) -> Program:
    """A copy of ``program`` without the instructions and consts that no output, effect or random node uses."""
    live = set(program.outputs)
    kept = []
    for ins in reversed(program.instrs):
        if ins.out in live or is_effect(ins.node) or is_random(ins.node):
            kept.append(ins)
            live.update(ins.args)
    kept.reverse()
    consts = {s: a for s, a in program.consts.items() if s in live}
    defined = live | {s for s, _ in program.variables} | set(program.feeds)
    result = program.replace(instrs=kept, consts=consts, needs_grad={s for s in program.needs_grad if s in defined})
    return result


__all__ = ["eliminate_dead_nodes"]
