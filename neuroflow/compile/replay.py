"""Replay: run a traced :class:`~.trace.Trace` again on new feeds, without Python op dispatch.

Forward: each instruction is ``slots[out] = node.forward(*slots[args])`` on a slot list kept between runs (no
Tensors, no argument checks, no graph recording); guards are checked as soon as their slot is computed, and a
mismatch raises :class:`GuardFailed` before any side effect (effects run after the whole forward; random
generators are put back), so the caller can run that step eagerly instead. Backward: the nodes in the eager
backward's order, summing gradients in the same order as ``autograd/graph.run_backward``: results are those of an
eager step bit for bit.
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_host
from .ir import is_effect


class GuardFailed(Exception):
    """A value the traced step read on the host (``if tensor > 0``) differs in this run: re-trace."""


def _holds(kind, expected, value) -> bool:
    if kind == "bool":
        return bool(value) == expected
    if kind == "float":
        return float(value) == expected
    if kind == "int":
        return int(value) == expected
    value = to_host(value)  # on a device a counted transfer, as the eager step's read was
    if kind == "item":
        return value.item() == expected
    return value.shape == expected.shape and bool(np.array_equal(value, expected))


def _restoring(node, restore):
    """``node.forward`` preceded by setting back the constructor state its traced run changed."""
    def forward(*arrays):
        for name, value in restore:
            setattr(node, name, value)
        return node.forward(*arrays)
    return forward


class Executable:
    """A trace ready to run. ``forward(feeds) -> list of output arrays``; after it, ``backward()`` puts the
    gradient of the root output into the ``.grad`` of every leaf (variables) it reaches, as ``backward()`` does.
    """

    def __init__(self, trace, program=None, guards=None, plan=None, root=None):
        # ``program``: an optimised form of the trace's, with its ``guards``, backward ``plan`` and ``root`` slot
        # (``optimized.optimized_executable`` makes them); without a plan it runs forward only
        program = trace.program if program is None else program
        self.trace = trace
        self.program = program
        self.slots = [None] * program.n_slots
        for slot, arr in program.consts.items():
            self.slots[slot] = arr
        self.feeds = list(program.feeds)
        self.variables = list(program.variables)
        self.outputs = list(program.outputs)
        guards_at = {}
        for slot, kind, value in (trace.guards if guards is None else guards):
            guards_at.setdefault(slot, []).append((kind, value))
        computed = {ins.out for ins in program.instrs}
        self.start_guards = [(s, g) for s, gs in guards_at.items() if s not in computed for g in gs]
        self.steps, self.effects = [], []
        for ins in program.instrs:
            if is_effect(ins.node):
                self.effects.append((ins.node.forward, ins.args[0]))
            else:
                restore = trace.restores(ins.node)
                forward = _restoring(ins.node, restore) if restore else ins.node.forward
                self.steps.append((forward, ins.args, ins.out, guards_at.get(ins.out)))
        self.guarded = bool(guards_at)
        self.rngs = []
        for ins in program.instrs:
            rng = getattr(ins.node, "rng", None) if getattr(ins.node, "random", False) else None
            if rng is not None and all(rng is not r for r in self.rngs):
                self.rngs.append(rng)
        optimized = program is not trace.program
        self.root = root if optimized else trace.root
        self.plan = plan if optimized else trace.backward

    def forward(self, feeds) -> list:
        """Run the recorded forward on ``feeds`` (arrays, in the traced order); returns the output arrays."""
        slots = self.slots
        for slot, arr in zip(self.feeds, feeds):
            slots[slot] = arr
        for slot, var in self.variables:
            slots[slot] = var.data
        for slot, (kind, value) in self.start_guards:
            if not _holds(kind, value, slots[slot]):
                raise GuardFailed(f"slot {slot}")
        saved = [(r, r.bit_generator.state) for r in self.rngs] if self.guarded and self.rngs else None
        for fwd, args, out, guards in self.steps:
            slots[out] = fwd(*[slots[a] for a in args])
            if guards is not None:
                for kind, value in guards:
                    if not _holds(kind, value, slots[out]):
                        for r, state in saved or ():
                            r.bit_generator.state = state  # the eager re-run draws what this run drew
                        raise GuardFailed(f"slot {out}")
        for fwd, arg in self.effects:
            fwd(slots[arg])
        return [slots[s] for s in self.outputs]

    def backward(self) -> None:
        """Backpropagate from the root output (a scalar: seed 1) as ``graph.run_backward`` does, after
        :meth:`forward`; leaves' ``.grad`` accumulate."""
        slots = self.slots
        root = slots[self.root]
        pending = {self.root: get_array_module(root).ones_like(root)}
        for out, node, inputs in self.plan:
            g = pending.pop(out, None)
            if g is None:
                continue
            grads = node.backward(g)
            for entry, gx in zip(inputs, grads):
                if gx is None or entry is None:
                    continue
                slot, leaf = entry
                if leaf is not None:
                    leaf._accumulate(gx, owned=gx is not g and sum(o is gx for o in grads) == 1)
                else:
                    prev = pending.get(slot)
                    pending[slot] = gx if prev is None else prev + gx

    def release(self) -> None:
        """Drop the arrays of the last run (consts stay)."""
        consts = self.program.consts
        for i in range(len(self.slots)):
            if i not in consts:
                self.slots[i] = None


__all__ = ["Executable", "GuardFailed"]
