"""Common sub-expression elimination: two instructions with the same node class, equal configuration and the
same argument slots compute the same value, so the later one is dropped and its readers read the first.

A node's *configuration* is what its constructor sets (``node_key``); what ``forward`` saves for backward is a
function of the arguments and the configuration, so it need not be compared. Never merged: random nodes,
effects, nodes whose configuration holds an array (a mask drawn or built at construction), and classes whose
constructor cannot be read (their configuration is unknown); nothing is merged across an effect (an assignment
changes what a variable's slot holds). Small consts on one device with equal dtype, shape and bytes are merged first, so
``x * 2`` recorded twice shares one ``2``.

Forward values are unchanged bit for bit. Gradients of a merged value are summed before its backward instead of
after (``f'(x) (g1 + g2)`` rather than ``f'(x) g1 + f'(x) g2``): equal up to rounding.
"""
from __future__ import annotations

import ast
import inspect
import textwrap

import numpy as np

from ... import backend
from ..ir import SMALL_CONST, Instr, Program, is_effect, is_random

_config_slots_cache: dict = {}


def _assigned_in_init(cls):
    """Names ``__init__`` of ``cls`` and its bases assigns on ``self``; None if unknown (no source, or the
    constructor calls methods or ``setattr`` that could set more)."""
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
        except (OSError, TypeError, SyntaxError):
            return None
        for sub in ast.walk(tree):
            if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
                if isinstance(sub.ctx, ast.Store):
                    names.add(sub.attr)
                elif isinstance(sub.ctx, ast.Load):
                    return None  # self.method(...) or reading back: may set attributes we cannot see
            elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "setattr":
                return None
    return names


def config_slots(cls):
    """The attributes that make up the configuration of node class ``cls`` (cached), or None if unknown."""
    if cls not in _config_slots_cache:
        _config_slots_cache[cls] = _assigned_in_init(cls)
    return _config_slots_cache[cls]


class _Unmergeable(Exception):
    pass


def _freeze(value):
    """A hashable stand-in for a configuration value; raises ``_Unmergeable`` for arrays."""
    if value is None or isinstance(value, (bool, str, bytes, np.dtype, type)):
        return value
    if isinstance(value, (int, float, complex, np.generic)):
        return (type(value).__name__, value)
    if isinstance(value, np.ndarray) or hasattr(value, "__array_interface__") or backend.is_array(value):
        raise _Unmergeable
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(_freeze(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), _freeze(v)) for k, v in value.items())))
    return ("id", id(value))  # any other object: only the very same object is equal


def node_key(node):
    """A hashable key equal for two nodes that compute the same function of the same arguments: the class and
    its configuration values. None when the node must never be merged (random, effect, array or unknown
    configuration)."""
    if is_random(node) or is_effect(node):
        return None
    names = config_slots(type(node))
    if names is None:
        return None
    try:
        return (type(node),) + tuple((n, _freeze(getattr(node, n, None))) for n in sorted(names))
    except _Unmergeable:
        return None


def _const_key(arr):
    arr = np.asarray(arr)
    if arr.size > SMALL_CONST:
        return None
    return (arr.dtype.str, arr.shape, arr.tobytes())


def eliminate_common_subexpressions(program: Program) -> Program:
    """A copy of ``program`` where each value is computed once (see the module docstring)."""
    rename: dict = {}
    consts, seen_consts = {}, {}
    # a device const is compared by the host copy the tracer read while comparing two traces (meta["host_consts"]);
    # one without (a folded one, say) is never merged by value, so that optimising costs no transfer
    copies = program.meta.get("host_consts", {})
    for slot, arr in program.consts.items():
        host = arr if backend.is_host(arr) else copies.get(slot)
        value = None if host is None else _const_key(host)
        # the device is part of the key: a host const and a device one with the same bytes are not one value
        key = None if value is None else (backend.device_of(arr), value)
        if key is not None and key in seen_consts:
            rename[slot] = seen_consts[key]
            continue
        if key is not None:
            seen_consts[key] = slot
        consts[slot] = arr
    seen, kept = {}, []
    for ins in program.instrs:
        args = tuple(rename.get(a, a) for a in ins.args)
        if is_effect(ins.node):
            seen.clear()  # an assignment changes what a variable slot holds: nothing is merged across it
        key = node_key(ins.node)
        if key is not None:
            key = (key, args)
            if key in seen:
                rename[ins.out] = seen[key]
                continue
            seen[key] = ins.out
        kept.append(ins if args == ins.args else Instr(ins.node, args, ins.out))
    merged = dict(program.meta.get("merged", {}))  # dropped instruction's out slot -> the slot kept for it
    merged.update((s, t) for s, t in rename.items() if s not in program.consts)
    result = program.replace(instrs=kept, consts=consts, outputs=[rename.get(s, s) for s in program.outputs],
                             needs_grad={s for s in program.needs_grad if s not in rename})
    result.meta["merged"] = merged
    return result


__all__ = ["eliminate_common_subexpressions", "node_key", "config_slots"]
