"""Tracing: run a step eagerly once inside a :class:`Recorder`, then turn what it saw into a :class:`Trace`.

While a recorder is installed (``autograd.function._recorder``), every ``Function.apply`` is recorded with its
input and output Tensors and the node's constructor state, every ``Variable.assign`` as an effect, and every host
read of a value (``bool``, ``float``, ``int``, ``item``, ``numpy()``, ``np.asarray``) as a guard. The random
generators handed to it are checked at the end: every draw must belong to a random node (``random = True``, which
redraws when replayed); any other draw makes the trace *unsafe*, and that step stays eager.

A Tensor that is neither produced by a recorded op nor a feed nor a variable becomes a constant. A feed that NumPy
reshaped or cast outside the graph (``y[:, None]``, ``labels.astype(float32)``) is recognised by memory or value
and re-derived at every run (:class:`~.effects.FeedView`). What the recorder cannot see — a Python decision on
``tensor.data``, an array computed with NumPy from a value — shows up as a constant that differs between two
traces: :meth:`Trace.same_as` compares two traces of one signature, and only a pair that agrees is compiled.
"""
from __future__ import annotations

import threading

import numpy as np

from .. import backend
from ..autograd import function as _function
from ..autograd.function import Function, run_node
from ..autograd.graph import topological_order
from ..autograd.tensor import Tensor
from ..autograd.variable import Variable
from ..random import SeedGenerator
from .device_values import host_copy, read_on_device, values_equal
from .effects import Assign, FeedView
from .ir import SMALL_CONST, Instr, Program


class Recorder:
    """Records one eagerly run step (a context manager). ``feeds``: the caller's arrays, in order;
    ``generators``: NumPy Generators and SeedGenerators whose draws must all come from random nodes."""

    def __init__(self, feeds, generators=()):
        self.feeds = list(feeds)
        self.generators = _unique(generators)
        self.records = []   # (node, inputs, output Tensor, constructor state)
        self.reads = []     # (tensor, kind, value)
        self.effects = []   # (number of records before it, variable, value, mode)
        self.thread = threading.get_ident()
        self.backward_called = False  # a backward inside the step is not recorded (its updates happen outside)
        self._start_states = None

    def __enter__(self):
        self.active = _function._recorder is None  # another thread tracing now: this step just runs eagerly
        if self.active:
            self._start_states = [_state(g) for g in self.generators]
            _function._recorder = self
        return self

    def __exit__(self, *exc):
        if self.active:
            _function._recorder = None
        return False

    # --- the hooks (autograd calls them while this recorder is installed) ----------------------------------------
    def apply(self, node, inputs):
        if threading.get_ident() != self.thread:  # another thread's ops are not part of this step
            return run_node(node, inputs)
        before = tuple(getattr(node, s, None) for s in node._saved)
        out = run_node(node, inputs)
        self.records.append((node, inputs, out, before))
        return out

    def read(self, tensor, kind):
        if threading.get_ident() == self.thread:
            data = tensor.data
            # a host read: on a device the eager code reads the value too (one counted transfer), so does this
            value = {"bool": bool, "float": float, "int": int}.get(kind, host_copy)(data)
            self.reads.append((tensor, kind, value))

    def backward(self):
        if threading.get_ident() == self.thread:
            self.backward_called = True

    def assign(self, variable, value, mode):
        if threading.get_ident() == self.thread:
            self.effects.append((len(self.records), variable, value, mode))

    def finish(self, outputs, root=None) -> "Trace":
        """The trace of this step: ``outputs`` (Tensors the caller wants back), ``root`` (a scalar Tensor whose
        backward the replay will run, or None for a forward-only step)."""
        if not self.active:
            return Skipped("another step was being traced at the same time")
        return Trace(self, list(outputs), root)


class Skipped:
    """Stands for a trace that could not be made this time (the step ran eagerly): try again at the next call."""

    def __init__(self, reason):
        self.unsafe, self.retry = reason, True


class Trace:
    """A recorded step turned into a :class:`Program` with its guards and backward plan.

    Attributes: ``program``; ``guards`` ``[(slot, kind, value)]``; ``backward`` (the eager backward's visiting
    order as ``[(out slot, node, ((slot, leaf or None) or None per input))]``, or None); ``root`` (its slot);
    ``unsafe`` (why this step must stay eager, or None; with ``retry`` only this time); ``shape`` (what :meth:`same_as` compares).
    """

    def __init__(self, rec: Recorder, outputs, root):
        self.unsafe = None
        self.retry = False  # unsafe this time only: trace again at the next call
        self.slot_of, self.feed_ids = {}, {id(a): i for i, a in enumerate(rec.feeds)}
        self.feeds = rec.feeds
        self.feed_slots = [None] * len(rec.feeds)
        self.variables, self.consts, self.instrs, self.names = [], {}, [], {}
        self.shape = []        # the structure two traces must share
        self.const_list = []   # consts in order of appearance (compared by value)
        self.views = {}
        self.constructed = {}  # id(node) -> its slots' values before its forward (what a replay may restore)
        self.n = 0
        self._random_nodes = []
        node_index = {id(rec.records[i][0]): i for i in range(len(rec.records))}
        effects = list(rec.effects)
        assigned = {}
        for i, (node, inputs, out, before) in enumerate(rec.records):
            while effects and effects[0][0] <= i:
                self._effect(effects.pop(0), assigned)
            args = tuple(self._leaf(t) if id(t) not in self.slot_of else self.slot_of[id(t)] for t in inputs)
            for t in inputs:
                if isinstance(t, Variable) and id(t) in assigned:
                    self._unsafe(f"variable {t.path or t.name!r} is read after being assigned in the same step")
            if any(self._batch_shaped(a) for v in before for a in (v if isinstance(v, (tuple, list)) else (v,))):
                self._unsafe(f"op {node.name!r} holds an array shaped like the batch in its configuration (indices "
                             f"or a mask taken from the data): a replay would reuse the traced one")
            out_slot = self._new(out)
            self.instrs.append(Instr(node, args, out_slot))
            self.constructed[id(node)] = before
            if getattr(node, "random", False):
                self._random_nodes.append(node)
            self.shape.append((type(node), args, _normalize(before, node_index)))
        for effect in effects:
            self._effect(effect, assigned)
        out_slots = [self.slot_of[id(t)] if id(t) in self.slot_of else self._leaf(t) for t in outputs]
        self.guards = []
        for tensor, kind, value in rec.reads:
            slot = self.slot_of[id(tensor)] if id(tensor) in self.slot_of else self._leaf(tensor)
            self.guards.append((slot, kind, value))
            self.shape.append(("guard", slot, kind))
        self.root = None if root is None else self.slot_of.get(id(root))
        self.backward = self._backward_plan(root) if root is not None else None
        needs = {s for s, v in self.variables if v.requires_grad}
        for ins in self.instrs:
            if any(a in needs for a in ins.args):
                needs.add(ins.out)
        self.program = Program(feeds=self.feed_slots_filled(), variables=self.variables, consts=self.consts,
                               instrs=self.instrs, outputs=out_slots, n_slots=self.n, needs_grad=needs,
                               meta={"names": self.names, "random": [i for i, ins in enumerate(self.instrs)
                                                                     if getattr(ins.node, "random", False)]})
        self._check_random(rec)

    # --- slots ---------------------------------------------------------------------------------------------------
    def _new(self, tensor) -> int:
        slot = self.n
        self.n += 1
        if tensor is not None:
            self.slot_of[id(tensor)] = slot
            if tensor.name:
                self.names[slot] = tensor.name
        return slot

    def feed_slots_filled(self):
        for i, s in enumerate(self.feed_slots):
            if s is None:  # a feed the step never read still takes a slot: the caller's signature holds
                self.feed_slots[i] = self._new(None)
        return self.feed_slots

    def _feed_slot(self, i) -> int:
        if self.feed_slots[i] is None:
            self.feed_slots[i] = self._new(None)
            self.names.setdefault(self.feed_slots[i], f"feed{i}")
        return self.feed_slots[i]

    def _leaf(self, t) -> int:
        """The slot of a Tensor no recorded op produced: variable, feed, a view of a feed, or a constant."""
        if t._node is not None:
            self._unsafe("the step uses a tensor computed before it (a graph kept from an earlier call)")
        data = t.data
        if isinstance(t, Variable) or t.requires_grad:
            slot = self._new(t)
            self.variables.append((slot, t))
            self.shape.append(("variable", id(t)))
            return slot
        i = self.feed_ids.get(id(data))
        if i is not None:
            slot = self._feed_slot(i)
            self.slot_of[id(t)] = slot
            return slot
        i, device = self._view_of_feed(data)
        if i is not None:
            key = (i, data.shape, data.dtype.str, device)
            if key not in self.views:
                slot = self._new(None)
                self.instrs.append(Instr(FeedView(data.shape, data.dtype, device), (self._feed_slot(i),), slot))
                self.views[key] = slot
                self.shape.append(("view",) + key)
            self.slot_of[id(t)] = self.views[key]
            return self.views[key]
        if self._batch_shaped(data):
            self._unsafe(f"an array shaped like the batch {tuple(data.shape)} is computed outside the graph (NumPy on "
                         f"tensor.data, a mask?): as a constant it would be replayed for every batch")
        slot = self._new(t)
        self.consts[slot] = data
        self.const_list.append(data)
        self.shape.append(("const", tuple(getattr(data, "shape", ())), getattr(data, "dtype", None)))
        return slot

    def _batch_shaped(self, data) -> bool:
        """Whether ``data`` has the batch's leading size (the first feed's): such an array almost always depends on
        the batch (two traces that happen to agree would not show it), so it is never taken for a constant."""
        first = self.feeds[0] if self.feeds else None
        return (backend.is_array(data) and data.ndim >= 1 and data.size > 1 and backend.is_array(first)
                and first.ndim >= 1 and first.shape[0] > 1 and data.shape[0] == first.shape[0])

    def _view_of_feed(self, data):
        """``(index, device)``: the feed ``data`` is a reshaped/cast form of (sharing its memory, or equal by value)
        and, for a host feed the step copied to a device, that device (else None); ``(None, None)`` if none."""
        if not backend.is_array(data) or data.ndim == 0:
            return None, None  # a 0-d array is a scalar of the code, never taken for a batch
        xp = backend.get_array_module(data)
        for i, feed in enumerate(self.feeds):
            if not backend.is_array(feed) or feed.size != data.size or feed.ndim == 0 or data.shape[0] != feed.shape[0]:
                continue
            source = backend.get_array_module(feed)
            try:  # on a device one transfer (the comparison's result), at tracing time only
                if source is xp:
                    if xp.shares_memory(data, feed) or \
                            bool(xp.array_equal(feed.reshape(data.shape).astype(data.dtype, copy=False), data)):
                        return i, None
                elif source is np and np.array_equal(feed.reshape(data.shape).astype(data.dtype, copy=False),
                                                     backend.to_host(data)):
                    return i, backend.device_of(data)  # a host feed copied to the device (Tensor(feed))
            except (TypeError, ValueError):
                continue
        return None, None

    def _effect(self, effect, assigned):
        _, variable, value, mode = effect
        if isinstance(value, Tensor):
            arg = self.slot_of[id(value)] if id(value) in self.slot_of else self._leaf(value)
        else:
            arr = value if backend.is_array(value) else np.asarray(value)
            arg = self._new(None)
            self.consts[arg] = arr
            self.const_list.append(arr)
            self.shape.append(("const", arr.shape, arr.dtype))
        var_slot = self._new(None)
        self.instrs.append(Instr(Assign(variable, mode), (arg,), var_slot))
        assigned[id(variable)] = True
        self.shape.append(("assign", id(variable), arg, mode))

    def _unsafe(self, reason):
        if self.unsafe is None:
            self.unsafe = reason

    # --- backward ------------------------------------------------------------------------------------------------
    def _backward_plan(self, root):
        """The eager backward's order (``graph.run_backward``) in slots, so that replay sums alike, bit for bit."""
        if root._node is None:
            return []
        plan = []
        for t in topological_order(root):
            node = t._node
            if id(t) not in self.slot_of:
                self._unsafe(f"op {node.name!r} of the backward was not recorded in the step")
                return []
            ins = []
            for x in node.inputs:
                if not x.requires_grad:
                    ins.append(None)
                else:
                    ins.append((self.slot_of[id(x)], x if x._node is None else None))
            plan.append((self.slot_of[id(t)], node, tuple(ins)))
        return plan

    # --- random draws --------------------------------------------------------------------------------------------
    def _check_random(self, rec):
        known = {id(g): k for k, g in enumerate(rec.generators)}
        expected = [_copy(g, s) for g, s in zip(rec.generators, rec._start_states)]
        for node in self._random_nodes:
            k = known.get(id(node.rng))
            if k is None:  # perhaps a layer's generator made at its first call: the next trace may see it
                self.retry = True
                self._unsafe(f"random op {node.name!r} draws from a generator made during the step (a seed "
                             f"argument, or a generator the layer does not keep)")
                return
            node.draw(expected[k])
        for g, want, start in zip(rec.generators, expected, rec._start_states):
            if isinstance(g, SeedGenerator):
                changed = not np.array_equal(g.state, start)
            else:
                changed = g.bit_generator.state != want.bit_generator.state
            if changed:  # the likeliest cause of any other finding too (noise is batch-shaped): said first
                self.unsafe = None
                self._unsafe("a random draw outside a graph node (noise or a mask drawn with NumPy, or a "
                             "SeedGenerator used in the step): it would be replayed as a constant")
                return

    def restores(self, node):
        """``[(slot name, value)]`` of the constructor state ``node`` changed in its step (a recurrent node
        transposes its mask in forward, or releases itself when nothing will differentiate it): set back before
        each replayed forward. Call it after the traced step has finished."""
        before = self.constructed.get(id(node))
        if before is None:
            return []
        return [(name, value) for name, value in zip(node._saved, before)
                if value is not None and getattr(node, name, None) is not value]

    # --- comparison ----------------------------------------------------------------------------------------------
    def same_as(self, other: "Trace") -> bool:
        """Whether two traces of one signature recorded the same computation (ops, wiring, constructor state,
        constants): if not, the step depends on values through code the recorder cannot see."""
        if len(self.shape) != len(other.shape) or len(self.const_list) != len(other.const_list):
            return False
        on_device = []  # device array pairs, compared together at the end: one transfer, not one per array
        for a, b in zip(self.shape, other.shape):
            if not values_equal(a, b, on_device):
                return False
        if not all(values_equal(a, b, on_device) for a, b in zip(self.const_list, other.const_list)):
            return False
        if not on_device:
            return True
        # the same transfer brings the small device consts over, for CSE to compare by value (passes/cse.py)
        small = [(s, a) for s, a in other.consts.items() if not backend.is_host(a) and a.size <= SMALL_CONST]
        equal, copies = read_on_device(on_device, [a for _, a in small])
        if equal:
            other.program.meta["host_consts"] = {s: c for (s, _), c in zip(small, copies)}
        return equal


def _normalize(values, node_index):
    """A node's constructor state, comparable between traces: nodes by position, generators by identity."""
    out = []
    for v in values:
        if isinstance(v, Function):
            out.append(("node", node_index.get(id(v))))
        elif isinstance(v, np.random.Generator):
            out.append(("rng", id(v)))
        else:
            out.append(v)
    return tuple(out)


def _unique(generators):
    seen, out = set(), []
    for g in generators:
        if g is not None and id(g) not in seen and isinstance(g, (np.random.Generator, SeedGenerator)):
            seen.add(id(g))
            out.append(g)
    return out


def _state(g):
    return g.state.copy() if isinstance(g, SeedGenerator) else g.bit_generator.state


def _copy(g, state):
    if isinstance(g, SeedGenerator):
        return None
    copy = np.random.Generator(type(g.bit_generator)())
    copy.bit_generator.state = state
    return copy


__all__ = ["Recorder", "Trace", "Skipped"]
