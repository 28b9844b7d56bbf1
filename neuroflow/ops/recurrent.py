"""Fused recurrent ops: a SimpleRNN, LSTM or GRU run over a whole sequence as ONE graph node.

Forward runs the time loop and saves the activated gates; backward is hand-written backpropagation through time.
Only what is truly sequential happens per step: the input projection ``x @ kernel + bias`` of all steps is one
(batched) GEMM before the loop, each step does one GEMM with the recurrent kernel (forward and backward), and the
weight gradients are one GEMM each after the backward loop, over the stacked per-step gate gradients.

Weights use Keras' layouts, so Keras weights load unchanged: ``kernel`` (D, k*U) and ``recurrent_kernel`` (U, k*U)
hold the k gate blocks side by side, in Keras' order (LSTM: i, f, c, o; GRU: z, r, h).

Recurrent dropout (Gal & Ghahramani 2016): ``recurrent_mask`` (N, U) multiplies h_{t-1} where it enters the
recurrent matmul, with one mask per sequence shared by every step and every gate (Keras' ``implementation=1`` uses
one per gate; its default kernel skips the mask for the GRU). The carried state (LSTM's cell, GRU's ``z * h_{t-1}``
term) and the outputs are not masked.

Masks follow Keras: at a masked step the state is carried over unchanged and the output repeats the previous
output (zeros before the first unmasked step), or is zero with ``zero_output_for_mask=True`` (what Keras'
``Bidirectional`` uses). ``go_backwards`` reads the sequence (and the mask) reversed and returns the outputs in
that processing order, as Keras does.

A node returns one array, so each op packs its results into ``(N, S + n_states, U)``: the S output steps (S = T,
or 1 when only the last output is returned), then each final state; the public functions hand out
differentiable slices of it (``getitem``).

Layout: a step works on transposed, feature-major blocks, the state hT (U, N) and the gates (k*U, N), so that each
gate is one contiguous (U, N) slab: NumPy's element-wise loops are several times slower on the strided (N, U)
column blocks of an (N, k*U) array. Saved arrays are time-major, (T, ..., N).
"""
from __future__ import annotations

import threading

from ..autograd.function import Function, is_grad_enabled
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ConfigError, DTypeError, ShapeError
from ._registry import differentiable
from .index import getitem


# --- activations: apply(z, out) writes act(z); dmul(g, y, out) writes g * act'(z), taken from y = act(z) -----------
def _tanh(xp, z, out):
    return xp.tanh(z, out=out)


def _tanh_dmul(xp, g, y, out):
    t = y * y
    xp.subtract(1, t, out=t)
    return xp.multiply(g, t, out=out)


def _sigmoid(xp, z, out):
    # 0.5 * tanh(z / 2) + 0.5 is exactly the logistic function and cannot overflow, unlike 1 / (1 + exp(-z)).
    xp.multiply(z, 0.5, out=out)
    xp.tanh(out, out=out)
    xp.multiply(out, 0.5, out=out)
    return xp.add(out, 0.5, out=out)


def _sigmoid_dmul(xp, g, y, out):
    t = 1 - y
    t *= y
    return xp.multiply(g, t, out=out)


def _relu(xp, z, out):
    return xp.maximum(z, 0, out=out)


def _relu_dmul(xp, g, y, out):
    return xp.multiply(g, y > 0, out=out)


def _hard_sigmoid(xp, z, out):
    # Keras 3: relu6(x + 3) / 6 == clip(x / 6 + 0.5, 0, 1).
    xp.multiply(z, 1.0 / 6.0, out=out)
    xp.add(out, 0.5, out=out)
    return xp.clip(out, 0, 1, out=out)


def _hard_sigmoid_dmul(xp, g, y, out):
    xp.multiply(g, (y > 0) & (y < 1), out=out)
    return xp.multiply(out, 1.0 / 6.0, out=out)


def _linear(xp, z, out):
    if out is not z:
        out[...] = z
    return out


def _linear_dmul(xp, g, y, out):
    return _linear(xp, g, out)


_ACTIVATIONS = {
    "tanh": (_tanh, _tanh_dmul),
    "sigmoid": (_sigmoid, _sigmoid_dmul),
    "relu": (_relu, _relu_dmul),
    "hard_sigmoid": (_hard_sigmoid, _hard_sigmoid_dmul),
    "linear": (_linear, _linear_dmul),
}


def _activation(op, arg, value):
    """Resolve an activation given as a name, None (linear) or a function named like a supported one."""
    name = "linear" if value is None else value if isinstance(value, str) else getattr(value, "__name__", None)
    if name not in _ACTIVATIONS:
        raise ConfigError(f"{op}: {arg}={value!r} is not supported by the fused recurrent kernel; supported: "
                          f"{', '.join(sorted(_ACTIVATIONS))} (their derivatives are cheap to take from the output)")
    return _ACTIVATIONS[name]


# --- reuse of the big work arrays -------------------------------------------------------------------------------------
class _BufferPool:
    """Big work arrays kept for the next call, keyed by size and dtype.

    Why: the allocator hands blocks of tens of MB back to the OS when they are freed, and the next step pays a
    page fault for every 4 KiB of the fresh block (measured: ~15% of an LSTM training step). Only arrays the op
    owns go here (gates, states, gate gradients): never an array that a caller can still see.
    """

    def __init__(self, min_bytes=1 << 20, max_bytes=512 << 20):
        self.min_bytes, self.max_bytes = min_bytes, max_bytes
        self._free = []
        self._lock = threading.Lock()

    def take(self, xp, shape, dtype):
        """An uninitialised array of ``shape`` and ``dtype``, reused when one of that size was given back."""
        size = 1
        for n in shape:
            size *= n
        with self._lock:
            for i in range(len(self._free) - 1, -1, -1):
                a = self._free[i]
                if a.size == size and a.dtype == dtype and isinstance(a, xp.ndarray):
                    del self._free[i]
                    return a.reshape(shape)
        return xp.empty(shape, dtype)

    def give(self, *arrays):
        """Hand back arrays that nothing references any more (the oldest are dropped beyond ``max_bytes``)."""
        with self._lock:
            for a in arrays:
                if a is not None and a.nbytes >= self.min_bytes and a.flags.c_contiguous:
                    self._free.append(a.reshape(-1))
            while sum(a.nbytes for a in self._free) > self.max_bytes:
                self._free.pop(0)


_POOL = _BufferPool()


def _permute_blocks(w, order, inverse=False):
    """Reorder the len(order) equal column blocks of ``w``: block j of the result is block order[j] of ``w``."""
    if order is None:
        return w
    if inverse:
        order = sorted(range(len(order)), key=order.__getitem__)
    u = w.shape[-1] // len(order)
    return get_array_module(w).concatenate([w[..., b * u:(b + 1) * u] for b in order], axis=-1)


def _steps_as_columns(xp, a):
    """(T, F, N) -> (F, T*N): every step's (F, N) block side by side (a copy, in a pooled array)."""
    T, F, N = a.shape
    out = _POOL.take(xp, (F, T, N), a.dtype)
    out[...] = xp.transpose(a, (1, 0, 2))
    return out.reshape(F, T * N)


# --- the shared part of the three ops --------------------------------------------------------------------------------
class _Recurrent(Function):
    """Base of the fused recurrent Functions: input layout, packing of results, output gradients, final GEMMs.

    Inputs, in order: ``x`` (N, T, D), ``kernel`` (D, k*U), ``recurrent_kernel`` (U, k*U), then those named in
    ``self.optional`` (bias, initial states). Subclasses implement the time loops:

    * ``_run(xp, G, a)``: G (T, k*U, N) holds every step's input projection (bias included) and is turned into the
      activated gates in place; ``a`` maps the optional names to arrays. Returns the final states, each (U, N),
      after filling ``self.H`` (T+1, U, N), the states (H[0] the initial one).
    * ``_bptt(xp, dh, out_grads)``: ``dh`` lists the gradients (U, N) of the final states, ``out_grads`` yields
      (t, gradient from the outputs into h_t). Returns the gradient (k*U, T, N) with respect to each step's
      input pre-activations, the one with respect to its recurrent term h_{t-1} @ recurrent_kernel (the same
      array except for GRU's reset_after) and a dict with the gradients (U, N) of the initial states.

    ``_pooled`` names the saved arrays that go back to the buffer pool once the node is released.
    """

    __slots__ = ("act", "ract", "seq", "backwards", "zero_masked", "keep", "optional", "mask", "rmask", "xa", "wa",
                 "rk", "H", "dtypes")
    n_gates = 1
    n_states = 1
    #: Internal block j holds Keras' gate block gate_order[j] (None: Keras' order), so that one call activates
    #: every gate that shares an activation.
    gate_order = None
    _pooled = ("H",)

    def __init__(self, optional, mask, recurrent_mask, go_backwards, return_sequences, activation,
                 recurrent_activation, zero_output_for_mask, keep):
        self.optional = optional
        self.mask = mask  # bool (N, T) or None; becomes a float (T, 1, N) multiplier in forward
        self.rmask = recurrent_mask  # (N, U) multipliers or None; becomes (U, N) in forward
        self.backwards = go_backwards
        self.seq = return_sequences
        self.act = activation
        self.ract = recurrent_activation
        self.zero_masked = zero_output_for_mask
        self.keep = keep  # whether backward will run (else the work arrays go back to the pool at once)

    def _input_bias(self, xp, a, size, dtype):
        b = a.get("bias")
        return xp.zeros(size, dtype) if b is None else b

    def _initial(self, xp, a, name, out):
        """Write the initial state ``name`` transposed to (U, N) into ``out``, or zeros."""
        s = a.get(name)
        out[...] = 0 if s is None else s.T

    def forward(self, *arrays):
        x, kernel, rk = arrays[:3]
        xp = get_array_module(x)
        dt = x.dtype
        self.dtypes = [arr.dtype for arr in arrays]
        a = {name: arr.astype(dt, copy=False) for name, arr in zip(self.optional, arrays[3:])}
        N, T, D = x.shape
        U = rk.shape[0]
        kU = self.n_gates * U
        # x as (T, D + 1, N) in processing order; the row of ones carries the input bias through the GEMM that
        # projects every step, and later gives the bias gradient out of the kernel-gradient GEMM.
        xa = xp.empty((T, D + 1, N), dt)
        xa[:, :D] = xp.transpose(x[:, ::-1] if self.backwards else x, (1, 2, 0))
        xa[:, D] = 1
        self.xa = xa
        bias = self._input_bias(xp, a, kU, dt)[None]
        self.wa = _permute_blocks(xp.concatenate([kernel.astype(dt, copy=False), bias]), self.gate_order)
        self.rk = _permute_blocks(rk.astype(dt, copy=False), self.gate_order)
        if self.mask is not None:
            m = self.mask[:, ::-1] if self.backwards else self.mask
            self.mask = xp.transpose(m, (1, 0))[:, None, :].astype(dt)
        if self.rmask is not None:
            self.rmask = xp.ascontiguousarray(self.rmask.T, dtype=dt)
        G = xp.matmul(self.wa.T, xa, out=_POOL.take(xp, (T, kU, N), dt))  # one batched GEMM, time-major
        self.H = _POOL.take(xp, (T + 1, U, N), dt)
        finals = self._run(xp, G, a)
        outs = self.H[1:] if self.mask is None else self._masked_outputs(xp, self.H[1:])
        if not self.seq:
            outs = outs[-1:]
        S = outs.shape[0]
        packed = xp.empty((N, S + len(finals), U), dt)
        for t in range(S):  # step by step: NumPy's copy of the whole (T, U, N) -> (N, T, U) transpose is ~6x slower
            packed[:, t] = outs[t].T
        for k, state in enumerate(finals):
            packed[:, S + k] = state.T
        if not self.keep:
            self.release()
        return packed

    def release(self):
        _POOL.give(*(getattr(self, name, None) for name in self._pooled))
        super().release()

    def _recurrent_input(self, xp, h, out):
        """h_{t-1} (U, N) as the recurrent matmul sees it: times the recurrent dropout mask, if any (into ``out``)."""
        return h if self.rmask is None else xp.multiply(h, self.rmask, out=out)

    def _through_recurrent_mask(self, d):
        """The gradient (U, N) w.r.t. the masked h_{t-1}, carried back to h_{t-1} itself (in place)."""
        if self.rmask is not None:
            d *= self.rmask
        return d

    def _masked_outputs(self, xp, hs):
        """Outputs (T, U, N) of states ``hs`` under the mask: zero, or the previous output, where masked."""
        if self.zero_masked:
            return hs * self.mask
        out = xp.empty_like(hs)
        prev = xp.zeros_like(hs[0])
        for t in range(hs.shape[0]):
            prev = out[t] = xp.where(self.mask[t] > 0, hs[t], prev)
        return out

    def _output_grads(self, g):
        """Yield ``(t, d)`` for t = T-1 ... 0: the gradient (U, N) that the outputs send to h_t, or None.

        ``g`` is the packed gradient (N, S + n_states, U). Under a mask a masked step's output is a copy of an
        earlier one (or zero), so its gradient is carried back to the last unmasked step.
        """
        T = self.xa.shape[0]
        carry = None
        for t in range(T - 1, -1, -1):
            d = g[:, t].T if self.seq else (g[:, 0].T if t == T - 1 else None)
            if self.mask is None:
                yield t, d
                continue
            m = self.mask[t]
            if self.zero_masked:
                yield t, None if d is None else d * m
                continue
            if carry is not None:
                d = carry if d is None else d + carry
            if d is None:
                yield t, None
                continue
            yield t, d * m
            carry = d * (1 - m)

    def _split_mask(self, t, d):
        """At step t, split a state gradient into the part that reaches the new state and the part carried over."""
        m = self.mask[t]
        return d * m, d * (1 - m)

    def backward(self, g):
        xp = get_array_module(g)
        S = g.shape[1] - self.n_states
        dfinal = [xp.array(g[:, S + k].T, order="C") for k in range(self.n_states)]  # copies: updated in place
        dz, drec, dinit = self._bptt(xp, dfinal, self._output_grads(g))
        T, D1, N = self.xa.shape
        needs = [t.requires_grad for t in self.inputs]
        grads = [None] * len(self.inputs)
        dzf, drecf = dz.reshape(-1, T * N), drec.reshape(-1, T * N)  # every step's block side by side
        if needs[0]:
            dx = (self.wa[:-1] @ dzf).reshape(D1 - 1, T, N)
            grads[0] = xp.transpose(dx[:, ::-1] if self.backwards else dx, (2, 1, 0))
        if needs[1] or any(needs[i] for i, name in enumerate(self.optional, 3) if name == "bias"):
            xs = _steps_as_columns(xp, self.xa)
            dwa = xs @ dzf.T  # (D + 1, k*U): kernel rows, then the input bias
            _POOL.give(xs)
            dwa = _permute_blocks(dwa, self.gate_order, inverse=True)
            grads[1] = dwa[:-1]
        if needs[2]:
            hs = _steps_as_columns(xp, self.H[:-1])  # h_{t-1} of every step
            if self.rmask is not None:  # as the recurrent matmul saw them
                hs.reshape(hs.shape[0], T, N)[...] *= self.rmask[:, None, :]
            grads[2] = _permute_blocks(self._recurrent_kernel_grad(xp, hs, drecf), self.gate_order, inverse=True)
            _POOL.give(hs)
        for i, name in enumerate(self.optional, 3):
            if needs[i]:
                grads[i] = self._bias_grad(xp, dwa[-1], drecf) if name == "bias" else dinit[name].T
        _POOL.give(dz, None if drec is dz else drec)
        return tuple(None if gr is None else gr.astype(dt, copy=False) for gr, dt in zip(grads, self.dtypes))

    def _recurrent_kernel_grad(self, xp, hs, drec):
        """sum over steps of h_{t-1}^T @ drec_t, as one GEMM. hs (U, T*N); drec (k*U, T*N) -> (U, k*U)."""
        return hs @ drec.T

    def _bias_grad(self, xp, db_in, drec):
        return db_in


# --- SimpleRNN -------------------------------------------------------------------------------------------------------
class SimpleRNNFn(_Recurrent):
    """h_t = act(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias). Saves the states; backward takes act' from them."""

    __slots__ = ()

    def _run(self, xp, G, a):
        T, U, N = G.shape
        H = self.H
        self._initial(xp, a, "initial_h", H[0])
        rkT, act = self.rk.T, self.act[0]
        rec, hm = xp.empty((U, N), G.dtype), xp.empty((U, N), G.dtype)
        for t in range(T):
            z = G[t]
            z += xp.matmul(rkT, self._recurrent_input(xp, H[t], hm), out=rec)
            act(xp, z, out=H[t + 1])
            if self.mask is not None:
                H[t + 1] = xp.where(self.mask[t] > 0, H[t + 1], H[t])
        _POOL.give(G)  # the states are all that backward needs
        return [H[-1]]

    def _bptt(self, xp, dfinal, out_grads):
        H = self.H
        U, N = H.shape[1:]
        (dh,) = dfinal
        dz = _POOL.take(xp, (U, H.shape[0] - 1, N), H.dtype)
        dzt = xp.empty((U, N), H.dtype)
        dmul = self.act[1]
        for t, d in out_grads:
            if d is not None:
                dh += d
            if self.mask is not None:
                dh, keep = self._split_mask(t, dh)
            dmul(xp, dh, H[t + 1], out=dzt)  # at masked steps H[t+1] is the carried state, but dh is 0 there
            dz[:, t] = dzt
            dh = self._through_recurrent_mask(self.rk @ dzt)
            if self.mask is not None:
                dh += keep
        return dz, dz, {"initial_h": dh}


# --- LSTM ------------------------------------------------------------------------------------------------------------
class LSTMFn(_Recurrent):
    """Keras' LSTM cell: gates i, f, c, o; c_t = f*c_{t-1} + i*act(.); h_t = o * act(c_t).

    Internal gate order i, f, o, c (the three recurrent-activation gates side by side). Saves the activated gates
    G (T, 4U, N), the cell states C (T+1, U, N) and act(c_t) (T, U, N).
    """

    __slots__ = ("G", "C", "TC")
    n_gates = 4
    n_states = 2
    gate_order = (0, 1, 3, 2)
    _pooled = ("H", "G", "C", "TC")

    def _run(self, xp, G, a):
        T, U4, N = G.shape
        U = U4 // 4
        H = self.H
        C = _POOL.take(xp, H.shape, H.dtype)
        TC = _POOL.take(xp, (T, U, N), H.dtype)
        self._initial(xp, a, "initial_h", H[0])
        self._initial(xp, a, "initial_c", C[0])
        act, ract = self.act[0], self.ract[0]
        rkT = self.rk.T
        rec, hm = xp.empty((U4, N), G.dtype), xp.empty((U, N), G.dtype)
        for t in range(T):
            z = G[t]
            z += xp.matmul(rkT, self._recurrent_input(xp, H[t], hm), out=rec)
            ract(xp, z[:3 * U], out=z[:3 * U])
            act(xp, z[3 * U:], out=z[3 * U:])
            i, f, o, c = z[:U], z[U:2 * U], z[2 * U:3 * U], z[3 * U:]
            xp.multiply(f, C[t], out=C[t + 1])
            C[t + 1] += i * c
            act(xp, C[t + 1], out=TC[t])
            xp.multiply(o, TC[t], out=H[t + 1])
            if self.mask is not None:
                keep = self.mask[t] > 0
                H[t + 1] = xp.where(keep, H[t + 1], H[t])
                C[t + 1] = xp.where(keep, C[t + 1], C[t])
        self.G, self.C, self.TC = G, C, TC
        return [H[-1], C[-1]]

    def _bptt(self, xp, dfinal, out_grads):
        dh, dc = dfinal
        G, C, TC = self.G, self.C, self.TC
        T, U4, N = G.shape
        U = U4 // 4
        dz = _POOL.take(xp, (U4, T, N), G.dtype)
        dzt = xp.empty((U4, N), G.dtype)
        di, df, do, dcand = dzt[:U], dzt[U:2 * U], dzt[2 * U:3 * U], dzt[3 * U:]
        dmul, rdmul = self.act[1], self.ract[1]
        for t, d in out_grads:
            if d is not None:
                dh += d
            if self.mask is not None:
                dh, keep_h = self._split_mask(t, dh)
                dc, keep_c = self._split_mask(t, dc)
            z = G[t]
            i, f, o, c = z[:U], z[U:2 * U], z[2 * U:3 * U], z[3 * U:]
            # h_t = o * act(c_t): into c_t (through act) and into o
            xp.multiply(dh, o, out=do)
            dc += dmul(xp, do, TC[t], out=do)
            xp.multiply(dh, TC[t], out=do)
            # c_t = f * c_{t-1} + i * cand
            xp.multiply(dc, c, out=di)
            xp.multiply(dc, C[t], out=df)
            xp.multiply(dc, i, out=dcand)
            rdmul(xp, dzt[:3 * U], z[:3 * U], out=dzt[:3 * U])  # through the activations, to pre-activations
            dmul(xp, dcand, c, out=dcand)
            dz[:, t] = dzt
            dc = dc * f
            dh = self._through_recurrent_mask(self.rk @ dzt)
            if self.mask is not None:
                dh += keep_h
                dc += keep_c
        return dz, dz, {"initial_h": dh, "initial_c": dc}


# --- GRU -------------------------------------------------------------------------------------------------------------
class GRUFn(_Recurrent):
    """Keras' GRU cell: gates z, r, h; h_t = z * h_{t-1} + (1 - z) * hh.

    reset_after=True (bias (2, 3U): input and recurrent bias): hh = act(x W_h + b_h + r * (h U_h + b_rh)).
    reset_after=False (bias (3U,)): hh = act(x W_h + b_h + (r * h) U_h).
    Saves the activated gates G (T, 3U, N) and each step's recurrent term of the candidate R (T, U, N):
    h U_h + b_rh (reset_after) or r * h (reset before).
    """

    __slots__ = ("reset_after", "G", "R")
    n_gates = 3
    _pooled = ("H", "G", "R")

    def __init__(self, reset_after, *args):
        super().__init__(*args)
        self.reset_after = reset_after

    def _input_bias(self, xp, a, size, dtype):
        b = a.get("bias")
        return xp.zeros(size, dtype) if b is None else b[0] if self.reset_after else b

    def _run(self, xp, G, a):
        T, U3, N = G.shape
        U = U3 // 3
        H = self.H
        R = _POOL.take(xp, (T, U, N), H.dtype)
        self._initial(xp, a, "initial_h", H[0])
        brec = a["bias"][1][:, None] if self.reset_after and "bias" in a else None
        act, ract = self.act[0], self.ract[0]
        rkT = self.rk.T
        inner, hm = xp.empty((U3, N), G.dtype), xp.empty((U, N), G.dtype)
        for t in range(T):
            z, h = G[t], H[t]
            hr = self._recurrent_input(xp, h, hm)  # h_{t-1} in the recurrent matmul; h itself in z * h
            u, r, hh = z[:U], z[U:2 * U], z[2 * U:]
            if self.reset_after:
                xp.matmul(rkT, hr, out=inner)
                if brec is not None:
                    inner += brec
                z[:2 * U] += inner[:2 * U]
                ract(xp, z[:2 * U], out=z[:2 * U])
                R[t] = inner[2 * U:]
                hh += r * R[t]
            else:
                z[:2 * U] += rkT[:2 * U] @ hr
                ract(xp, z[:2 * U], out=z[:2 * U])
                xp.multiply(r, hr, out=R[t])
                hh += rkT[2 * U:] @ R[t]
            act(xp, hh, out=hh)
            # h_t = hh + u * (h_{t-1} - hh)
            xp.subtract(h, hh, out=H[t + 1])
            H[t + 1] *= u
            H[t + 1] += hh
            if self.mask is not None:
                H[t + 1] = xp.where(self.mask[t] > 0, H[t + 1], h)
        self.G, self.R = G, R
        return [H[-1]]

    def _bptt(self, xp, dfinal, out_grads):
        (dh,) = dfinal
        G, R, H = self.G, self.R, self.H
        T, U3, N = G.shape
        U = U3 // 3
        dz = _POOL.take(xp, (U3, T, N), G.dtype)  # w.r.t. the input pre-activations x W + b
        # w.r.t. h U (+ b_rh): differs from dz in the candidate block only, and only with reset_after
        drec = _POOL.take(xp, (U3, T, N), G.dtype) if self.reset_after else dz
        dzt, hm = xp.empty((U3, N), G.dtype), xp.empty((U, N), G.dtype)
        du, dr, dhh = dzt[:U], dzt[U:2 * U], dzt[2 * U:]
        dmul, rdmul = self.act[1], self.ract[1]
        rk = self.rk
        for t, d in out_grads:
            if d is not None:
                dh += d
            if self.mask is not None:
                dh, keep = self._split_mask(t, dh)
            z = G[t]
            u, r, hh = z[:U], z[U:2 * U], z[2 * U:]
            xp.subtract(H[t], hh, out=du)
            du *= dh
            xp.multiply(dh, 1 - u, out=dhh)
            dmul(xp, dhh, hh, out=dhh)
            dh_prev = dh * u
            if self.reset_after:
                xp.multiply(dhh, R[t], out=dr)
                rdmul(xp, dzt[:2 * U], z[:2 * U], out=dzt[:2 * U])
                dz[:, t] = dzt
                dhh *= r  # now the gradient w.r.t. the recurrent term h U_h + b_rh
                drec[:, t] = dzt
                dh_prev += self._through_recurrent_mask(rk @ dzt)
            else:
                drh = rk[:, 2 * U:] @ dhh  # gradient w.r.t. r * h (h as masked for the recurrent matmul)
                xp.multiply(drh, self._recurrent_input(xp, H[t], hm), out=dr)
                dhr = drh * r
                rdmul(xp, dzt[:2 * U], z[:2 * U], out=dzt[:2 * U])
                dz[:, t] = dzt
                dhr += rk[:, :2 * U] @ dzt[:2 * U]
                dh_prev += self._through_recurrent_mask(dhr)
            dh = dh_prev
            if self.mask is not None:
                dh += keep
        return dz, drec, {"initial_h": dh}

    def _recurrent_kernel_grad(self, xp, hs, drec):
        if self.reset_after:
            return hs @ drec.T
        U = hs.shape[0]
        rs = _steps_as_columns(xp, self.R)  # r * h_{t-1} of every step
        du = xp.concatenate([hs @ drec[:2 * U].T, rs @ drec[2 * U:].T], axis=1)
        _POOL.give(rs)
        return du

    def _bias_grad(self, xp, db_in, drec):
        if self.reset_after:
            return xp.stack([db_in, drec.sum(axis=1)])
        return db_in


# --- input checks and the public functions ----------------------------------------------------------------------------
def _prepare(op, gates, inputs, kernel, recurrent_kernel, bias, bias_shape, states, mask, recurrent_mask):
    """Check shapes and dtypes; return the tensors in Function input order, the optional names, the mask and the
    recurrent dropout mask."""
    x = as_tensor(inputs)
    if x.dtype.kind != "f":
        raise DTypeError(f"{op}: inputs must be floating point, got dtype {x.dtype}")
    if x.ndim != 3 or x.shape[1] == 0:
        raise ShapeError(f"{op}: inputs must have shape (batch, timesteps >= 1, features), got {x.shape}")
    N, T, D = x.shape
    k, rk = as_tensor(kernel, like=x), as_tensor(recurrent_kernel, like=x)
    if rk.ndim != 2 or rk.shape[1] != gates * rk.shape[0]:
        raise ShapeError(f"{op}: recurrent_kernel must have shape (units, {gates} * units), got {rk.shape}")
    U = rk.shape[0]
    if k.shape != (D, gates * U):
        raise ShapeError(f"{op}: kernel must have shape (features, {gates} * units) = {(D, gates * U)} for inputs "
                         f"{x.shape} and recurrent_kernel {rk.shape}, got {k.shape}")
    tensors, optional = [x, k, rk], []
    if bias is not None:
        b = as_tensor(bias, like=x)
        if b.shape != bias_shape(U):
            raise ShapeError(f"{op}: bias must have shape {bias_shape(U)} for {U} units, got {b.shape}")
        tensors.append(b)
        optional.append("bias")
    for name, s in states.items():
        if s is not None:
            s = as_tensor(s, like=x)
            if s.shape != (N, U):
                raise ShapeError(f"{op}: {name} must have shape (batch, units) = {(N, U)}, got {s.shape}")
            tensors.append(s)
            optional.append(name)
    if mask is not None:
        mask = mask.data if isinstance(mask, Tensor) else get_array_module().asarray(mask)
        if mask.shape != (N, T):
            raise ShapeError(f"{op}: mask must have shape (batch, timesteps) = {(N, T)}, got {mask.shape}")
        mask = mask.astype(bool, copy=False)
    if recurrent_mask is not None:
        recurrent_mask = recurrent_mask.data if isinstance(recurrent_mask, Tensor) \
            else get_array_module().asarray(recurrent_mask)
        if recurrent_mask.shape != (N, U):
            raise ShapeError(f"{op}: recurrent_mask must have shape (batch, units) = {(N, U)}, got "
                             f"{recurrent_mask.shape}")
    return tensors, tuple(optional), mask, recurrent_mask


def _apply(fn_cls, extra, tensors, optional, mask, recurrent_mask, go_backwards, return_sequences, activation,
           recurrent_activation, zero_output_for_mask):
    """Run the op's Function and split its packed result into (outputs, *final_states)."""
    keep = is_grad_enabled() and any(t.requires_grad for t in tensors)
    fn = fn_cls(*extra, optional, mask, recurrent_mask, go_backwards, return_sequences, activation,
                recurrent_activation, zero_output_for_mask, keep)
    packed = fn.apply(*tensors)
    T = tensors[0].shape[1]
    S = T if return_sequences else 1
    outputs = getitem(packed, (slice(None), slice(0, T) if return_sequences else 0))
    return (outputs,) + tuple(getitem(packed, (slice(None), S + k)) for k in range(fn_cls.n_states))


@differentiable
def simple_rnn(inputs, kernel, recurrent_kernel, bias=None, initial_h=None, mask=None, go_backwards=False,
               return_sequences=True, activation="tanh", zero_output_for_mask=False, recurrent_mask=None):
    """A Keras SimpleRNN over a whole sequence: ``h_t = act(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``.

    Shapes: inputs (N, T, D); kernel (D, U); recurrent_kernel (U, U); bias (U,); initial_h (N, U) (default
    zeros); mask bool (N, T); recurrent_mask (N, U) recurrent dropout multipliers (see the module docstring).
    Returns ``(outputs, h_last)``: outputs (N, T, U) in processing order if ``return_sequences`` else the last
    output (N, U); h_last (N, U).
    """
    prepared = _prepare("simple_rnn", 1, inputs, kernel, recurrent_kernel, bias, lambda u: (u,),
                        {"initial_h": initial_h}, mask, recurrent_mask)
    return _apply(SimpleRNNFn, (), *prepared, go_backwards, return_sequences,
                  _activation("simple_rnn", "activation", activation), None, zero_output_for_mask)


@differentiable
def lstm(inputs, kernel, recurrent_kernel, bias=None, initial_h=None, initial_c=None, mask=None, go_backwards=False,
         return_sequences=True, activation="tanh", recurrent_activation="sigmoid", zero_output_for_mask=False,
         recurrent_mask=None):
    """A Keras LSTM over a whole sequence (gate blocks i, f, c, o).

    ``i, f, o = recurrent_activation(.)``, ``cand = activation(.)`` of ``x_t @ kernel + h_{t-1} @ recurrent_kernel
    + bias``; ``c_t = f * c_{t-1} + i * cand``; ``h_t = o * activation(c_t)``.

    Shapes: inputs (N, T, D); kernel (D, 4U); recurrent_kernel (U, 4U); bias (4U,); initial_h, initial_c (N, U)
    (default zeros); mask bool (N, T); recurrent_mask (N, U) recurrent dropout multipliers. Returns ``(outputs,
    h_last, c_last)``: outputs (N, T, U) in processing order if ``return_sequences`` else the last output (N, U);
    h_last, c_last (N, U).
    """
    from .recurrent_compiled import CompiledLSTMFn, applies  # here: that module imports this one
    prepared = _prepare("lstm", 4, inputs, kernel, recurrent_kernel, bias, lambda u: (4 * u,),
                        {"initial_h": initial_h, "initial_c": initial_c}, mask, recurrent_mask)
    act = _activation("lstm", "activation", activation)
    ract = _activation("lstm", "recurrent_activation", recurrent_activation)
    fn_cls = CompiledLSTMFn if applies(prepared[0], *prepared[2:], act, ract) else LSTMFn
    return _apply(fn_cls, (), *prepared, go_backwards, return_sequences, act, ract, zero_output_for_mask)


@differentiable
def gru(inputs, kernel, recurrent_kernel, bias=None, initial_h=None, mask=None, go_backwards=False,
        return_sequences=True, reset_after=True, activation="tanh", recurrent_activation="sigmoid",
        zero_output_for_mask=False, recurrent_mask=None):
    """A Keras GRU over a whole sequence (gate blocks z, r, h): ``h_t = z * h_{t-1} + (1 - z) * hh``.

    ``reset_after=True`` (Keras' default, cuDNN-compatible): ``hh = act(x W_h + b_h + r * (h U_h + b_rh))``,
    bias (2, 3U) = (input bias, recurrent bias). ``reset_after=False``: ``hh = act(x W_h + b_h + (r * h) U_h)``,
    bias (3U,).

    Shapes: inputs (N, T, D); kernel (D, 3U); recurrent_kernel (U, 3U); initial_h (N, U) (default zeros); mask
    bool (N, T); recurrent_mask (N, U) recurrent dropout multipliers. Returns ``(outputs, h_last)``: outputs
    (N, T, U) in processing order if ``return_sequences`` else the last output (N, U); h_last (N, U).
    """
    shape = (lambda u: (2, 3 * u)) if reset_after else (lambda u: (3 * u,))
    prepared = _prepare("gru", 3, inputs, kernel, recurrent_kernel, bias, shape, {"initial_h": initial_h}, mask,
                        recurrent_mask)
    return _apply(GRUFn, (reset_after,), *prepared, go_backwards, return_sequences,
                  _activation("gru", "activation", activation),
                  _activation("gru", "recurrent_activation", recurrent_activation), zero_output_for_mask)


__all__ = ["simple_rnn", "lstm", "gru"]
