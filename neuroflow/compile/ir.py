"""The compiled step's intermediate representation: a :class:`Program` of :class:`Instr` over numbered slots.

A Program is a recorded computation flattened into a list: every value lives in a *slot* (an integer); an
:class:`Instr` runs one graph node (a :class:`~neuroflow.autograd.function.Function`) on the arrays of its argument
slots and writes its output slot. Slots are filled from the caller's feeds, from variables (read at every run),
from captured constants, or by an instruction. The backward is not listed: every node carries its own, and the
instructions run in reverse give the gradient (:meth:`Program.run_backward`).

Shapes: whatever the recorded ops had; the IR itself is shape-agnostic.

Contract between the tracer (``compile/trace.py``) and the optimiser (``compile/passes``):

* ``instrs`` are topological (every arg slot is written before it is read) and each slot is written once;
* a pass returns a new Program with the same ``feeds`` and ``variables`` and outputs that mean the same values;
* a node whose class has ``random = True`` redraws randomness each run: never merged, folded or dropped;
* a node whose class has ``effect = True`` (variable assignment) is never dropped or reordered across.
"""
from __future__ import annotations

import numpy as np

from ..autograd.graph import postorder
from ..autograd.inspect import _q, _short, format_table
from ..errors import GraphError


#: consts with at most this many elements are compared by value (CSE merges equal ones; the tracer reads small
#: device consts to the host for that while comparing two traces)
SMALL_CONST = 1024


class Instr:
    """One recorded op: ``slots[out] = node.forward(*slots[args])``.

    Attributes: ``node`` (the op's Function: ``forward(*arrays) -> array``, ``backward(g) -> tuple``), ``args``
    (tuple of slot indices, in the order of the node's inputs), ``out`` (the slot of its output).
    """

    __slots__ = ("node", "args", "out")

    def __init__(self, node, args, out: int):
        self.node = node
        self.args = tuple(int(a) for a in args)
        self.out = int(out)

    def __repr__(self) -> str:
        return f"Instr({op_label(self.node)}, args={self.args}, out={self.out})"


def is_random(node) -> bool:
    """Whether ``node`` draws new randomness each run (class attribute ``random = True``)."""
    return bool(getattr(node, "random", False))


def is_effect(node) -> bool:
    """Whether ``node`` has a side effect (class attribute ``effect = True``, e.g. a variable assignment)."""
    return bool(getattr(node, "effect", False))


def op_label(node) -> str:
    """The op column of graph tables: the node's name and its description, e.g. ``sum(axis=1)``."""
    extra = node.describe()
    return node.name + (f"({extra})" if extra else "")


class Program:
    """A recorded computation over numbered slots (see the module docstring).

    Attributes:
        feeds: slots the caller fills each run (input batch, targets, sample weights ...), in call order.
        variables: ``(slot, variable)`` pairs; the slot reads ``variable.data`` at every run.
        consts: ``{slot: array}`` captured arrays that depend on no feed and no variable.
        instrs: the forward, in execution order.
        outputs: the slots the caller wants (loss, model outputs ...).
        n_slots: number of slots (every slot index is below it).
        needs_grad: slots whose gradient backward must produce (on a path from a trainable variable).
        meta: free-form; ``meta["names"]`` (``{slot: str}``) labels slots in tables and drawings;
            ``meta["shapes"]`` (``{slot: shape}``, the shapes seen when recording) lets fusion check shapes.
    """

    __slots__ = ("feeds", "variables", "consts", "instrs", "outputs", "n_slots", "needs_grad", "meta")

    def __init__(self, feeds=(), variables=(), consts=None, instrs=(), outputs=(), n_slots: int = 0,
                 needs_grad=(), meta=None):
        self.feeds = list(feeds)
        self.variables = list(variables)
        self.consts = dict(consts or {})
        self.instrs = list(instrs)
        self.outputs = list(outputs)
        self.n_slots = int(n_slots)
        self.needs_grad = set(needs_grad)
        self.meta = dict(meta or {})

    def replace(self, **changes) -> "Program":
        """A shallow copy with some attributes replaced (what a pass returns); ``meta`` is copied one level."""
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields["meta"] = dict(self.meta)
        fields.update(changes)
        return Program(**fields)

    # --- structure ---------------------------------------------------------------------------------------------
    def producers(self) -> dict:
        """``{slot: index into instrs}`` of the instruction writing each computed slot."""
        return {ins.out: i for i, ins in enumerate(self.instrs)}

    def consumers(self) -> dict:
        """``{slot: [index into instrs, ...]}``: the instructions reading each slot (once per read), in order."""
        users: dict = {}
        for i, ins in enumerate(self.instrs):
            for a in ins.args:
                users.setdefault(a, []).append(i)
        return users

    def name(self, slot: int) -> str:
        """The label of ``slot`` in tables: ``meta["names"]`` or ``s<slot>``."""
        return self.meta.get("names", {}).get(slot) or f"s{slot}"

    def check(self) -> None:
        """Raise :class:`GraphError` unless every arg is defined before use and every slot is written once."""
        defined = set(self.feeds) | {s for s, _ in self.variables} | set(self.consts)
        if len(defined) != len(self.feeds) + len(self.variables) + len(self.consts):
            raise GraphError("Program: a slot is both a feed, a variable or a const")
        for ins in self.instrs:
            missing = [a for a in ins.args if a not in defined]
            if missing:
                raise GraphError(f"Program: instruction {ins!r} reads slots {missing} before they are written")
            if ins.out in defined:
                raise GraphError(f"Program: instruction {ins!r} writes slot {ins.out}, which is already defined")
            defined.add(ins.out)
        missing = [s for s in self.outputs if s not in defined]
        if missing:
            raise GraphError(f"Program: outputs {missing} are never written")

    # --- a simple executor (the reference for tests; compile/replay.py is the fast one) -----------------------
    def evaluate(self, feeds) -> list:
        """Run the forward; returns every slot's array (``None`` for slots never written).

        ``feeds``: a sequence of arrays in the order of ``self.feeds``, or a ``{slot: array}`` dict.
        """
        env = [None] * self.n_slots
        if isinstance(feeds, dict):
            items = feeds.items()
        else:
            feeds = list(feeds)
            if len(feeds) != len(self.feeds):
                raise GraphError(f"Program.evaluate: expected {len(self.feeds)} feed arrays, got {len(feeds)}")
            items = zip(self.feeds, feeds)
        for slot, arr in items:
            env[slot] = arr
        for slot, var in self.variables:
            env[slot] = var.data
        for slot, arr in self.consts.items():
            env[slot] = arr
        for ins in self.instrs:
            env[ins.out] = ins.node.forward(*[env[a] for a in ins.args])
        return env

    def run_forward(self, feeds) -> list:
        """Run the forward and return the arrays of ``outputs``, in order (feeds as in :meth:`evaluate`)."""
        env = self.evaluate(feeds)
        return [env[s] for s in self.outputs]

    def run_backward(self, output_grads) -> dict:
        """Backpropagate after a forward run: ``output_grads`` is one array (or ``None``) per output; returns
        ``{slot: gradient}`` for every slot in ``needs_grad`` that received one (variables included).

        Nodes run their own ``backward`` in reverse instruction order; gradients of a slot read by several
        instructions are summed in that order, as the eager backward does.
        """
        pending: dict = {}
        for slot, g in zip(self.outputs, output_grads):
            if g is not None:
                pending[slot] = g if slot not in pending else pending[slot] + g
        for ins in reversed(self.instrs):
            g = pending.get(ins.out)
            if g is None or ins.out not in self.needs_grad:
                continue
            grads = ins.node.backward(g)
            for a, ga in zip(ins.args, grads):
                if ga is None or a not in self.needs_grad:
                    continue
                prev = pending.get(a)
                pending[a] = ga if prev is None else prev + ga
        return {s: g for s, g in pending.items() if s in self.needs_grad}

    # --- inspection ----------------------------------------------------------------------------------------------
    def _source(self, slot: int, producers: dict) -> str:
        if slot in producers:
            return op_label(self.instrs[producers[slot]].node)
        if slot in self.consts:
            return "const"
        if slot in {s for s, _ in self.variables}:
            return "variable"
        return "feed" if slot in self.feeds else "?"

    def _slot_order(self) -> list:
        leaves = list(self.feeds) + [s for s, _ in self.variables] + sorted(self.consts)
        return leaves + [ins.out for ins in self.instrs]

    def graph_table(self, env=None) -> str:
        """A table of the program, one row per slot (feeds, variables, consts, then instructions in order): its
        name, op (``fused(exp∘mul∘add)`` for a fused chain), input slots, shape and value. ``env`` (from
        :meth:`evaluate`) fills shape and value; without it, shapes come from ``meta["shapes"]`` and only consts
        show a value. Returns the text."""
        producers = self.producers()
        outputs = set(self.outputs)
        rows = [("slot", "name", "op", "inputs", "shape", "value", "role")]
        for s in self._slot_order():
            ins = self.instrs[producers[s]] if s in producers else None
            value = env[s] if env is not None else self.consts.get(s)
            recorded = self.meta.get("shapes", {}).get(s)
            shape = str(tuple(value.shape) if hasattr(value, "shape") else np.shape(value)) if value is not None \
                else ("" if recorded is None else str(tuple(recorded)))
            rows.append((str(s), self.name(s), self._source(s, producers),
                         "" if ins is None else ", ".join(self.name(a) for a in ins.args),
                         shape, "" if value is None else _short(value),
                         ("output " if s in outputs else "") + ("grad" if s in self.needs_grad else "")))
        return format_table(rows)

    def to_dot(self) -> str:
        """Graphviz DOT text of the program: slots as boxes (feeds/variables/consts filled), instructions as
        ellipses. Needs nothing installed."""
        producers = self.producers()
        out = ["digraph program {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
        for s in self._slot_order():
            label = _q(f"{self.name(s)} [{s}]")
            style = "" if s in producers else ', style=filled, fillcolor="#dbe9f6"'
            if s in self.outputs:
                style += ", peripheries=2"
            out.append(f'  "s{s}" [shape=box, label="{label}\\n{_q(self._source(s, producers))}"{style}];')
        for i, ins in enumerate(self.instrs):
            out.append(f'  "op{i}" [shape=ellipse, label="{_q(op_label(ins.node))}"];')
            for a in ins.args:
                out.append(f'  "s{a}" -> "op{i}";')
            out.append(f'  "op{i}" -> "s{ins.out}";')
        out.append("}")
        return "\n".join(out) + "\n"

    def __repr__(self) -> str:
        return (f"<Program {len(self.instrs)} instrs, {len(self.feeds)} feeds, {len(self.variables)} variables, "
                f"{len(self.consts)} consts, outputs {self.outputs}>")


def program_from_tensors(outputs, feeds=(), variables=()) -> Program:
    """Build a Program from a graph recorded eagerly (before its backward, or with ``retain_graph=True``).

    ``outputs``: a Tensor or list of Tensors; ``feeds``: leaf Tensors the caller will fill (in order);
    ``variables``: leaf Tensors (usually Variables) read at every run. Every other leaf becomes a const (its
    current array). The instructions reuse the recorded nodes in topological order (the order the eager backward
    reverses), so replaying them gives the eager values bit for bit. ``needs_grad`` holds the slots that depend
    on a variable requiring grad.
    """
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    order = postorder(outputs, include_leaves=True)
    slot_of = {id(t): i for i, t in enumerate(order)}
    feed_slots, var_slots = [], []
    for kind, given, target in (("feed", feeds, feed_slots), ("variable", variables, var_slots)):
        for t in given:
            if id(t) not in slot_of:  # not used by the outputs: still a slot, so the caller's signature holds
                slot_of[id(t)] = len(order)
                order.append(t)
            if t._node is not None:
                raise GraphError(f"program_from_tensors: a {kind} must be a leaf tensor; {t.name or 'tensor'!r} "
                                 f"was produced by {t._node.name}")
            target.append(slot_of[id(t)])
    declared = set(feed_slots) | set(var_slots)
    consts, instrs, needs, names = {}, [], set(), {}
    shapes = {i: tuple(t.shape) for i, t in enumerate(order)}
    grad_vars = {slot_of[id(v)] for v in variables if v.requires_grad}
    for i, t in enumerate(order):
        if t.name:
            names[i] = t.name
        if t._node is None:
            if i not in declared:
                consts[i] = t.data
            if i in grad_vars:
                needs.add(i)
            continue
        args = tuple(slot_of[id(x)] for x in t._node.inputs)
        instrs.append(Instr(t._node, args, i))
        if any(a in needs for a in args):
            needs.add(i)
    return Program(feeds=feed_slots, variables=[(s, v) for s, v in zip(var_slots, variables)], consts=consts,
                   instrs=instrs, outputs=[slot_of[id(t)] for t in outputs], n_slots=len(order),
                   needs_grad=needs, meta={"names": names, "shapes": shapes})


__all__ = ["Instr", "Program", "program_from_tensors", "is_random", "is_effect", "op_label"]
