"""A traced step's program run through the optimiser (``passes.optimize``) with a backward plan for it.

Level 1 (dead nodes, constant folding, common sub-expressions) keeps every differentiable node the eager backward
visits except those CSE merged, so the plan is the eager walk's own order (:attr:`Trace.backward`) with merged
nodes dropped and their survivor visited at the latest of their places, after every reader of either has given
its gradient: bit for bit eager's gradients where nothing was merged, and ``f'(x) (g1 + g2)`` instead of ``f'(x) g1
+ f'(x) g2`` where something was (equal up to rounding). Level 2 also fuses element-wise chains into nodes the
eager walk never saw: its plan is the optimised program's instructions in reverse (as ``Program.run_backward``),
within fusion's tolerance (:mod:`neuroflow.compile.fused`).
"""
from __future__ import annotations

import os

from ..errors import ConfigError
from .replay import Executable

#: the optimisation level of compiled training steps (``compile(jit_compile="auto" | True)``); see set_compile_level
_level = [None]


def compile_level() -> int:
    """The optimisation level compiled training steps use: :func:`set_compile_level`'s, else the environment's
    ``NEUROFLOW_COMPILE_LEVEL``, else 1."""
    if _level[0] is not None:
        return _level[0]
    raw = os.environ.get("NEUROFLOW_COMPILE_LEVEL", "1")
    if raw not in ("0", "1", "2"):
        raise ConfigError(f"NEUROFLOW_COMPILE_LEVEL must be 0, 1 or 2, got {raw!r}")
    return int(raw)


def set_compile_level(level) -> None:
    """Optimise compiled training steps at ``level``: 0 (as recorded), 1 (default: dead nodes, constant folding,
    common sub-expressions; eager's results bit for bit unless CSE merged nodes), 2 (1 plus element-wise fusion,
    within its stated tolerance); ``None`` goes back to the environment's default. Takes effect for steps traced
    afterwards (``model.compile`` again drops existing programs)."""
    if level is not None and (level not in (0, 1, 2) or isinstance(level, bool)):
        raise ConfigError(f"set_compile_level: level must be 0, 1, 2 or None, got {level!r}")
    _level[0] = level


def optimized_executable(trace, level: int) -> Executable:
    """``trace`` ready to replay, its program optimised at ``level`` (guarded slots and the backward's root kept as
    outputs so that no pass drops them); with a backward plan when the trace has one."""
    if not level:
        return Executable(trace)
    from .passes import optimize  # the optimiser loads only when asked for (compile/ imports nothing upward)
    program = trace.program
    n = len(program.outputs)
    keep = [s for s, _, _ in trace.guards] + ([] if trace.root is None else [trace.root])
    optimized = optimize(program.replace(outputs=list(program.outputs) + keep), level)
    kept = optimized.outputs[n:]
    guards = [(s, kind, value) for s, (_, kind, value) in zip(kept, trace.guards)]
    root = kept[-1] if trace.root is not None else None
    optimized = optimized.replace(outputs=optimized.outputs[:n])
    plan = None
    if trace.backward is not None:
        plan = _eager_order_plan(trace.backward, optimized)
        if plan is None:
            plan = _reverse_plan(optimized)
    return Executable(trace, optimized, guards, plan=plan, root=root)


def _eager_order_plan(plan, program):
    """The eager walk's plan for ``program`` when it holds every node of the plan but those CSE merged (levels
    0-1); None when some other node is gone (fusion replaced it)."""
    by_node = {id(ins.node): ins for ins in program.instrs}
    merged = program.meta.get("merged", {})
    survivor_of = {}
    for slot in merged:
        target = slot
        while target in merged:
            target = merged[target]
        survivor_of[slot] = target
    out_slot = {ins.out for ins in program.instrs}
    last = {}  # survivor's out slot -> the last plan position of it or any node merged into it
    for i, (out, node, _) in enumerate(plan):
        if id(node) in by_node:
            last[out] = max(last.get(out, -1), i)
        elif out in survivor_of and survivor_of[out] in out_slot:
            target = survivor_of[out]
            last[target] = max(last.get(target, -1), i)
        else:
            return None
    placed = []
    for out, node, inputs in plan:
        ins = by_node.get(id(node))
        if ins is None:
            continue
        entries = tuple(None if e is None else (a, e[1]) for e, a in zip(inputs, ins.args))
        placed.append((last[out], ins.out, node, entries))
    placed.sort(key=lambda p: p[0])  # stable: nodes not merged keep the eager order
    return [(out, node, entries) for _, out, node, entries in placed]


def _reverse_plan(program):
    """The optimised program's differentiable instructions in reverse (as ``Program.run_backward``)."""
    leaves = {s: v for s, v in program.variables if v.requires_grad}
    needs = program.needs_grad
    return [(ins.out, ins.node, tuple((a, leaves.get(a)) if a in needs else None for a in ins.args))
            for ins in reversed(program.instrs) if ins.out in needs]


__all__ = ["compile_level", "set_compile_level", "optimized_executable"]
