"""What the fused recurrent ops share (``recurrent`` and ``recurrent_compiled``): the activations with their
derivatives taken from the outputs, the pool of step buffers, and ``_Recurrent``, the base Function that runs the
time loop and backpropagation through time (see ``recurrent`` for the layouts and semantics).
"""
from __future__ import annotations

import threading

from ..autograd.function import Function
from ..backend import get_array_module
from ..errors import ConfigError
from .recurrent_reference import recurrence


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

    def reference(self, *inputs):
        """The packed result recomputed from the input Tensors with differentiable ops (``recurrent_reference``):
        what the double backward (``create_graph=True``) differentiates. Shapes as ``forward``."""
        return recurrence(self, inputs)

    def _recurrent_kernel_grad(self, xp, hs, drec):
        """sum over steps of h_{t-1}^T @ drec_t, as one GEMM. hs (U, T*N); drec (k*U, T*N) -> (U, k*U)."""
        return hs @ drec.T

    def _bias_grad(self, xp, db_in, drec):
        return db_in
