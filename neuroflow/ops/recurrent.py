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

from ..autograd.function import is_grad_enabled
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import DTypeError, ShapeError
from ._registry import differentiable
from .index import getitem
from .recurrent_base import _POOL, _Recurrent, _activation, _steps_as_columns
from .recurrent_compiled import CompiledLSTMFn, applies


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
