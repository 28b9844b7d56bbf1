"""Units: the weights an optimizer updates together, each with its state, scratch and gradient arrays.

A :class:`VariableUnit` is one registered variable, updated on its own array. A :class:`FlatUnit` is every
registered variable of one dtype packed into one flat buffer (flat mode): each variable's storage is rebound
(:meth:`~neuroflow.Variable.rebind`) to a view of the buffer, as are its slots, average, gradient accumulator and
scratch arrays, so that one kernel call updates all of them. A packed variable keeps its VariableUnit, whose arrays
are then views of its FlatUnit's buffers: an update where only some variables of a group have a gradient updates
those one by one on their views.

An update's gradients travel beside the units as ``(unit, gradient)`` pairs; units hold no gradient of the
caller's after an update. :func:`gather` and :func:`gather_flat` turn the collected gradients into those pairs,
applying the per-gradient scales (loss scale, norm clipping) and ``clipvalue`` on the way, in one pass each.
"""
from __future__ import annotations

import numpy


class VariableUnit:
    """One registered variable and its optimizer state.

    Fields (arrays shaped like the variable, of its dtype): ``weights`` (the variable's array, read at each use),
    ``slots`` (the optimizer's own state, in ``_slot_specs`` order), ``average`` (the moving average of the
    weights with ``use_ema``, else None), ``accumulator`` (summed gradients with ``gradient_accumulation_steps``,
    else None), ``scratch`` (kernel temporaries, shared by the variables of one shape and dtype), ``buffer``
    (scaled/clipped gradient, made on first need). Others: ``variable``, ``index`` (registration order, the
    number in state keys), ``decay`` (whether weight decay applies); when packed, ``view`` and ``grad_view``, its
    slices of the FlatUnit's weight and gradient buffers.
    """
    __slots__ = ("variable", "index", "slots", "average", "accumulator", "scratch", "decay", "buffer", "view",
                 "grad_view")

    def __init__(self, variable, index: int, slots: tuple, average, accumulator, scratch: tuple, decay: bool):
        self.variable, self.index = variable, index
        self.slots, self.average, self.accumulator, self.scratch = slots, average, accumulator, scratch
        self.decay = decay
        self.buffer = self.view = self.grad_view = None

    @property
    def weights(self):
        return self.variable.data

    def state_arrays(self) -> tuple:
        """The arrays saved per variable: the slots, then the average and the accumulator where present."""
        return self.slots + tuple(a for a in (self.average, self.accumulator) if a is not None)


class FlatUnit:
    """The variables of one dtype packed into flat (1-D) buffers.

    Fields: ``members`` (their VariableUnits, in registration order), ``weights``, ``grads`` (the gradients are
    copied in here), ``slots``, ``average``, ``accumulator``, ``scratch`` (flat buffers, or None like the members'),
    ``decay`` (True when every member decays, else the list of the decaying members' weight views).
    """
    __slots__ = ("members", "weights", "grads", "slots", "average", "accumulator", "scratch", "decay")


def rebind(variable, view) -> None:
    """Make ``view`` the storage of ``variable`` (a Variable, or any Tensor), copying its current values in."""
    if hasattr(variable, "rebind"):
        variable.rebind(view)
    else:
        view[...] = variable.data
        variable.data = view


def pack(units: list, n_scratch: int, xp) -> list:
    """Pack the variables of ``units``, one FlatUnit per dtype: their weights and state move into flat buffers
    (values kept) and each VariableUnit's arrays become views of them. Returns the FlatUnits."""
    by_dtype: dict = {}
    for u in units:
        by_dtype.setdefault(u.weights.dtype.str, []).append(u)
    flats = []
    for members in by_dtype.values():
        dtype = members[0].weights.dtype
        n = sum(u.weights.size for u in members)
        f = FlatUnit()
        f.members = members
        f.weights = xp.empty(n, dtype=dtype)
        f.grads = xp.zeros(n, dtype=dtype)
        f.slots = tuple(xp.empty(n, dtype=dtype) for _ in members[0].slots)
        f.average = None if members[0].average is None else xp.empty(n, dtype=dtype)
        f.accumulator = None if members[0].accumulator is None else xp.empty(n, dtype=dtype)
        f.scratch = tuple(xp.empty(n, dtype=dtype) for _ in range(n_scratch))
        off = 0
        for u in members:
            shape, size = u.weights.shape, u.weights.size

            def view(flat, values=None):
                part = flat[off:off + size].reshape(shape)
                if values is not None:
                    part[...] = values
                return part

            u.view = view(f.weights)
            rebind(u.variable, u.view)
            u.grad_view = view(f.grads)
            u.slots = tuple(view(dst, src) for dst, src in zip(f.slots, u.slots))
            if f.average is not None:
                u.average = view(f.average, u.average)
            if f.accumulator is not None:
                u.accumulator = view(f.accumulator, u.accumulator)
            u.scratch = tuple(view(s) for s in f.scratch)
            u.buffer = None
            off += size
        flats.append(f)
    refresh_decay(flats)
    return flats


def refresh_decay(flats: list) -> None:
    """Recompute each FlatUnit's ``decay`` from its members' (after weight-decay exclusions change)."""
    for f in flats:
        f.decay = True if all(u.decay for u in f.members) else [u.view for u in f.members if u.decay]


def gather(pairs: list, scales, clipvalue, xp) -> list:
    """Per-variable mode: ``(unit, gradient)`` pairs with each gradient multiplied by its scale and clipped to
    ``[-clipvalue, clipvalue]`` (into the unit's buffer, never into the caller's array)."""
    if scales is None:
        return pairs
    out = []
    for (u, g), s in zip(pairs, scales):
        w = u.weights
        buf = u.buffer
        if buf is None or buf.shape != w.shape:
            buf = u.buffer = xp.empty_like(w)
        if xp is not numpy or s != 1.0:  # a device scale is not read to compare it
            xp.multiply(g, s, out=buf)
            g = buf
        if clipvalue:
            xp.clip(g, -clipvalue, clipvalue, out=buf)
            g = buf
        out.append((u, g))
    return out


def gather_flat(flats: list, pairs: list, scales, clipvalue, xp) -> list:
    """Flat mode: copy (times its scale) each gradient into its FlatUnit's gradient buffer; a FlatUnit whose
    members all have a gradient is one pair, the members of the others are a pair each, on their views."""
    grads = dict(pairs)  # unit -> gradient (units hash by identity)
    scale_of = None if scales is None else {u: s for (u, _), s in zip(pairs, scales)}
    out = []
    for f in flats:
        present = []
        for u in f.members:
            if u.variable.data is not u.view:
                # The variable's storage was replaced from outside: take its values back into the buffer.
                rebind(u.variable, u.view)
            g = grads.get(u)
            if g is None:
                continue
            present.append(u)
            s = 1.0 if scale_of is None else scale_of[u]
            if (xp is not numpy and scale_of is not None) or s != 1.0:
                xp.multiply(g, s, out=u.grad_view)
            elif g is not u.grad_view:
                xp.copyto(u.grad_view, g)
        if len(present) == len(f.members):
            if clipvalue:
                xp.clip(f.grads, -clipvalue, clipvalue, out=f.grads)
            out.append((f, f.grads))
            continue
        for u in present:
            if clipvalue:
                xp.clip(u.grad_view, -clipvalue, clipvalue, out=u.grad_view)
            out.append((u, u.grad_view))
    return out
