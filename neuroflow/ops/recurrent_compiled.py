"""The LSTM op with each step's gate arithmetic in one compiled call (neuroflow/_native), batch-major.

``recurrent.lstm`` runs this Function instead of ``LSTMFn`` when the compiled kernels are loaded and the call is
the common one: float32 NumPy arrays, the default activations (tanh, sigmoid), no mask and no recurrent dropout.
Same inputs, outputs and gradients as ``LSTMFn``; only the layout and the element-wise engine differ.

Why batch-major (every step's arrays (N, F), as PyTorch keeps them) here and feature-major in ``LSTMFn``: NumPy's
ufuncs are slow on the (N, U) column blocks of an (N, 4U) array, a compiled loop is not. Batch-major lets every
per-step write land in one contiguous block and every weight gradient be one GEMM over the saved arrays as they
lie, ``(T*N, F)``, with no transposing copy; the strided per-step writes of the feature-major layout touch a
memory page per row, which measured 2-3x slower than the arithmetic itself.

Saved arrays, time-major: ``xa`` (T, N, D + 1) the inputs with a ones column (it carries the bias through the
projection GEMM and yields the bias gradient from the kernel-gradient GEMM), ``G`` (T, N, 4U) the activated gates
in Keras' order i, f, c, o, ``H``/``C`` (T+1, N, U) the states (index 0: the initial ones), ``TC`` (T, N, U)
tanh(c_t).
"""
from __future__ import annotations

import numpy as np

from .. import _native
from .recurrent_base import _ACTIVATIONS, _POOL, _Recurrent


class CompiledLSTMFn(_Recurrent):
    """Keras' LSTM over a whole sequence (see ``recurrent.lstm``), each step one GEMM and one compiled call."""

    __slots__ = ("G", "C", "TC", "lib")
    n_gates = 4
    n_states = 2
    _pooled = ("H", "G", "C", "TC")

    def forward(self, *arrays):
        x, kernel, rk = arrays[:3]
        f32 = np.float32
        self.dtypes = [arr.dtype for arr in arrays]
        a = {name: arr.astype(f32, copy=False) for name, arr in zip(self.optional, arrays[3:])}
        N, T, D = x.shape
        U = rk.shape[0]
        xs = np.empty((T, N, D + 1), f32)
        xs[..., :D] = np.transpose(x[:, ::-1] if self.backwards else x, (1, 0, 2))
        xs[..., D] = 1
        self.xa = xs
        self.wa = np.concatenate([kernel.astype(f32, copy=False), self._input_bias(np, a, 4 * U, f32)[None]])
        self.rk = np.ascontiguousarray(rk, dtype=f32)
        G = _POOL.take(np, (T, N, 4 * U), f32)
        np.matmul(xs.reshape(T * N, D + 1), self.wa, out=G.reshape(T * N, 4 * U))  # every step's x W + b
        H, C = _POOL.take(np, (T + 1, N, U), f32), _POOL.take(np, (T + 1, N, U), f32)
        TC = _POOL.take(np, (T, N, U), f32)
        H[0] = a.get("initial_h", 0)
        C[0] = a.get("initial_c", 0)
        self.H, self.G, self.C, self.TC = H, G, C, TC
        rec = np.empty((N, 4 * U), f32)
        self.lib = _native.library()  # kept: backward must find it even if the kernels are disabled meanwhile
        step = self.lib.nf_lstm_forward_step
        ad, rk, sg, ss = _native.address, self.rk, G[0].nbytes, H[0].nbytes
        g0, h0, c0, tc0, r = ad(G), ad(H), ad(C), ad(TC), ad(rec)
        for t in range(T):
            np.matmul(H[t], rk, out=rec)
            step(g0 + t * sg, r, c0 + t * ss, c0 + (t + 1) * ss, tc0 + t * ss, h0 + (t + 1) * ss, N, U)
        S = T if self.seq else 1
        packed = np.empty((N, S + 2, U), f32)
        packed[:, :S] = np.transpose(H[1:] if self.seq else H[T:], (1, 0, 2))
        packed[:, S], packed[:, S + 1] = H[T], C[T]
        if not self.keep:
            self.release()
        return packed

    def backward(self, g):
        g = np.ascontiguousarray(g, dtype=np.float32)
        G, H, C, TC, xs = self.G, self.H, self.C, self.TC, self.xa
        T, N, U4 = G.shape
        U, S = U4 // 4, g.shape[1] - 2
        dh, dc = np.array(g[:, S]), np.array(g[:, S + 1])  # copies: updated in place
        dz = _POOL.take(np, (T, N, U4), np.float32)
        step = self.lib.nf_lstm_backward_step
        # a contiguous copy of rk^T: the step GEMM runs ~20% faster than on the transposed view
        ad, rkT, sg, ss = _native.address, np.ascontiguousarray(self.rk.T), G[0].nbytes, H[0].nbytes
        g0, c0, tc0, dz0, gout = ad(G), ad(C), ad(TC), ad(dz), ad(g)
        for t in range(T - 1, -1, -1):
            # the gradient from the step's output: row stride S + 2 rows of U (the packed layout)
            dout = gout + t * U * 4 if self.seq else (gout if t == T - 1 else None)
            step(g0 + t * sg, c0 + t * ss, tc0 + t * ss, ad(dh), dout, (S + 2) * U, ad(dc), dz0 + t * sg, N, U)
            np.matmul(dz[t], rkT, out=dh)  # into h_{t-1}; after step 0, the initial state's gradient
        dzf = dz.reshape(T * N, U4)
        needs = [t.requires_grad for t in self.inputs]
        grads = [None] * len(self.inputs)
        if needs[0]:
            dx = (dzf @ self.wa[:-1].T).reshape(T, N, -1)
            grads[0] = np.transpose(dx[::-1] if self.backwards else dx, (1, 0, 2))
        if needs[1] or "bias" in self.optional:
            dwa = xs.reshape(T * N, -1).T @ dzf  # (D + 1, 4U): kernel rows, then the bias
            grads[1] = dwa[:-1]
        if needs[2]:
            grads[2] = H[:-1].reshape(T * N, U).T @ dzf
        for i, name in enumerate(self.optional, 3):
            if needs[i]:
                grads[i] = dwa[-1] if name == "bias" else dh if name == "initial_h" else dc
        _POOL.give(dz)
        return tuple(None if gr is None else gr.astype(dt, copy=False) for gr, dt in zip(grads, self.dtypes))


def applies(tensors, mask, recurrent_mask, activation, recurrent_activation) -> bool:
    """Whether ``recurrent.lstm`` can run :class:`CompiledLSTMFn` for this call."""
    return (mask is None and recurrent_mask is None and activation is _ACTIVATIONS["tanh"]
            and recurrent_activation is _ACTIVATIONS["sigmoid"] and _native.library() is not None
            and all(type(t.data) is np.ndarray and t.dtype == np.float32 for t in tensors))
