"""Theano-style optimisation of a recorded :class:`~neuroflow.compile.ir.Program`.

``optimize(program, level)`` runs the passes in order and returns a new Program (the input is untouched); its
``meta["optimize"]`` is a small report: instructions before and after, and what each pass removed or made.

* level 0: nothing (a copy).
* level 1: dead-node removal, constant folding, common sub-expression elimination, dead-node removal again —
  forward values bit for bit those of the unoptimised program (see each pass for gradients).
* level 2: level 1, then element-wise fusion (``fused(exp∘mul∘add)`` nodes; tolerance in
  :mod:`neuroflow.compile.fused`).

Each pass is ``pass_name(program) -> Program``; it keeps ``feeds``, ``variables`` and what ``outputs`` mean, never
merges, folds or drops a random node, and never drops or reorders across an effect.
"""
from __future__ import annotations

from ...errors import ConfigError
from ..fused import FusedElementwise
from ..ir import Program
from .cse import eliminate_common_subexpressions, node_key
from .dce import eliminate_dead_nodes
from .fold import fold_constants
from .fuse import fuse_elementwise

LEVELS = (0, 1, 2)


def optimize(program: Program, level: int = 1) -> Program:
    """The optimised copy of ``program`` at ``level`` (0, 1 or 2; see the module docstring).

    The report ``result.meta["optimize"]`` is a dict: ``level``, ``instrs_before``, ``instrs_after`` and per
    pass ``dce``/``fold``/``cse`` (instructions removed) and ``fuse`` (``{"groups": n, "members": m}``).
    ``result.meta["unoptimized"]`` is the input program, for before/after tables.
    """
    if level not in LEVELS:
        raise ConfigError(f"optimize: level must be one of {LEVELS}, got {level!r}")
    report = {"level": level, "instrs_before": len(program.instrs)}
    result = program.replace()
    if level >= 1:
        for name, run in (("dce", eliminate_dead_nodes), ("fold", fold_constants),
                          ("cse", eliminate_common_subexpressions), ("dce", eliminate_dead_nodes)):
            before = len(result.instrs)
            result = run(result)
            report[name] = report.get(name, 0) + before - len(result.instrs)
    if level >= 2:
        fused = fuse_elementwise(result)
        groups = [ins for ins in fused.instrs if isinstance(ins.node, FusedElementwise)]
        members = sum(len(ins.node.plan.ops) for ins in groups)
        report["fuse"] = {"groups": len(groups), "members": members}
        result = fused
    report["instrs_after"] = len(result.instrs)
    result.meta["optimize"] = report
    result.meta["unoptimized"] = program
    return result


__all__ = ["optimize", "eliminate_dead_nodes", "fold_constants", "eliminate_common_subexpressions",
           "fuse_elementwise", "node_key", "LEVELS"]
