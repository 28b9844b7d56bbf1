"""Convolutions: ``conv`` (1-D/2-D/3-D, strided, dilated, grouped), ``conv_transpose`` and ``depthwise_conv``.

Argument names, layouts and output sizes are Keras 3's (``keras.ops``): inputs ``(N, *spatial, C)`` for
``channels_last`` or ``(N, C, *spatial)`` for ``channels_first``, kernels ``(*kernel_size, C_in // groups, C_out)``;
padding ``'same'`` follows TensorFlow (``out = ceil(in / stride)``, the odd pixel of padding goes at the end).

How it computes (everything internally channels-last, so that the GEMMs below need no transposes):

* forward: the padded input is viewed (``as_strided``, no copy) as ``(G, N, *out, *kernel, C/G)`` windows and
  copied once into a column matrix ``(G, N*P, K*C/G)`` (im2col); the output is ONE (batched over groups) GEMM with
  the kernel seen as ``(G, K*C/G, C_out/G)``, which is the Keras kernel layout reshaped, no transpose for G = 1;
* backward: grad wrt the kernel is one GEMM ``cols^T @ grad`` (the columns are kept from forward only when the
  kernel needs a gradient); grad wrt the input is ``grad @ kernel^T`` into columns (one broadcast matmul laid out
  offset-major, see :func:`_input_grad`), then col2im: a loop over the kernel offsets adding strided slices
  (never over samples or pixels); grad wrt the bias is a GEMV with a ones vector;
* a transposed convolution *is* the input-gradient of a forward convolution, so ``conv_transpose`` runs the same
  kernels with the roles swapped (forward = col2im, backward = im2col + GEMM);
* depthwise (one input channel per group, also ``conv`` with ``groups == C_in``) skips im2col: a loop over the
  kernel offsets, each a multiply-add of an output-sized strided slice by that offset's per-channel weights.

The window geometry (:class:`Geometry`, :func:`resolve_padding`) is shared with ``pooling.py``. On float32 NumPy
arrays the passes around the GEMMs run compiled where built (:mod:`neuroflow.ops.conv_native`, bitwise the same):
bias + ReLU in one pass, the ReLU's gradient, col2im (1-D/2-D) as one gather; the im2col copy is split over threads.
"""
from __future__ import annotations

import functools
import itertools
import math
import numbers

from ..autograd.function import Function, is_grad_enabled
from ..autograd.tensor import as_tensor
from ..backend import get_array_module, image_data_format
from ..errors import ConfigError, DTypeError, ShapeError
from . import conv_native
from ._registry import differentiable
from .fused import activate_in_place, check_fusable, through_activation

_FORMATS = ("channels_last", "channels_first")


# --- argument checking (shared with pooling) -------------------------------------------------------------------
def int_tuple(op: str, name: str, value, n: int) -> tuple:
    """``value`` (an int or a sequence of ``n`` ints, all >= 1) as a tuple of ``n`` ints; else a ConfigError."""
    # the common case first, without the (slow) numbers.Integral ABC checks: layers call this on every forward
    if type(value) is tuple and len(value) == n and all(type(v) is int and v >= 1 for v in value):
        return value
    if type(value) is int and value >= 1:
        return (value,) * n
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (int(value),) * n
    try:
        vals = tuple(int(v) for v in value if isinstance(v, numbers.Integral) and not isinstance(v, bool))
        ok = len(vals) == len(value) == n and all(v >= 1 for v in vals)
    except TypeError:
        ok = False
    if not ok:
        raise ConfigError(f"{op}: {name} must be a positive int or a tuple of {n} positive ints "
                          f"(one per spatial axis), got {value!r}")
    return vals


def check_padding(op: str, padding, allowed: tuple) -> str:
    """The padding mode, lower-cased; a ConfigError listing ``allowed`` otherwise."""
    p = padding.lower() if isinstance(padding, str) else padding
    if p not in allowed:
        raise ConfigError(f"{op}: padding must be one of {', '.join(repr(a) for a in allowed)}, got {padding!r}")
    return p


def check_format(op: str, data_format) -> bool:
    """True for ``'channels_first'``; ``None`` means the global ``keras.config.image_data_format()``
    (``'channels_last'`` unless changed), as in Keras."""
    fmt = image_data_format() if data_format is None else data_format
    if fmt not in _FORMATS:
        raise ConfigError(f"{op}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    return fmt == "channels_first"


def float_tensors(op: str, inputs, **others):
    """``inputs`` and the named extra operands as Tensors of one floating dtype (arrays take ``inputs``' dtype)."""
    x = as_tensor(inputs)
    if x.dtype.kind != "f":
        raise DTypeError(f"{op}: inputs must be a floating tensor, got dtype {x.dtype}; cast it first "
                         f"(e.g. ops.cast(x, 'float32'))")
    out = [x]
    for name, t in others.items():
        if t is None:
            out.append(None)
            continue
        t = as_tensor(t, like=x)
        if t.dtype != x.dtype:
            raise DTypeError(f"{op}: {name} has dtype {t.dtype} but inputs have dtype {x.dtype}; "
                             f"they must match")
        out.append(t)
    return out


def spatial_rank(op: str, inputs_ndim: int, n: int | None = None) -> int:
    """The number of spatial axes (1 to 3) of a batched input of rank ``inputs_ndim``."""
    if n is None:
        n = inputs_ndim - 2
    if not 1 <= n <= 3 or inputs_ndim != n + 2:
        raise ShapeError(f"{op}: expected inputs of rank {n + 2} (batch, {n} spatial axes, channels) with 1 to 3 "
                         f"spatial axes, got rank {inputs_ndim}")
    return n


def resolve_padding(padding: str, in_shape, kernel, strides, dilation):
    """Per spatial axis, the padding before the input and the output length, as Keras/TensorFlow compute them.

    ``valid``: no padding, ``out = (in - eff) // stride + 1`` with ``eff = dilation * (k - 1) + 1``;
    ``same``: ``out = ceil(in / stride)``, total padding ``max((out - 1) * stride + eff - in, 0)``, the smaller
    half before (TensorFlow's rule: the odd pixel goes at the end); ``causal``: ``eff - 1`` before, none after.
    Returns ``(pad_before, out_shape)``, two tuples.
    """
    before, out = [], []
    for n, k, s, d in zip(in_shape, kernel, strides, dilation):
        eff = d * (k - 1) + 1
        if padding == "valid":
            before.append(0)
            out.append((n - eff) // s + 1 if n >= eff else 0)
        elif padding == "same":
            o = -(-n // s)
            before.append(max((o - 1) * s + eff - n, 0) // 2)
            out.append(o)
        else:  # causal
            before.append(eff - 1)
            out.append((n - 1) // s + 1)
    return tuple(before), tuple(out)


class Geometry:
    """Where the windows of a sliding-window op (convolution or pooling) fall, per spatial axis.

    ``in_shape``: the input's spatial shape; ``kernel``/``strides``/``dilation``: per-axis window size, step and
    spacing; ``pad_before``: implicit padding before the input; ``out_shape``: number of windows. Output position
    ``o`` reads padded positions ``o * stride + j * dilation`` for ``j < kernel``. ``padded_shape`` covers the
    input and every window (trailing input a window never reaches is kept, so that a gradient can be cropped).
    """

    __slots__ = ("in_shape", "kernel", "strides", "dilation", "pad_before", "out_shape", "padded_shape", "groups")

    def __init__(self, in_shape, kernel, strides, dilation, pad_before, out_shape, groups=1):
        self.in_shape, self.kernel, self.strides = tuple(in_shape), tuple(kernel), tuple(strides)
        self.dilation, self.pad_before, self.out_shape = tuple(dilation), tuple(pad_before), tuple(out_shape)
        self.groups = groups
        self.padded_shape = tuple(max(pb + n, (o - 1) * s + d * (k - 1) + 1) for pb, n, o, s, d, k in
                                  zip(pad_before, in_shape, out_shape, strides, dilation, kernel))

    @property
    def is_padded(self) -> bool:
        return self.padded_shape != self.in_shape

    def pad(self, x, value=0):
        """Pad channels-last ``x`` (N, *in, C) to (N, *padded, C) with ``value`` (no copy when none is needed)."""
        if not self.is_padded:
            return x
        widths = [(0, 0)] + [(pb, p - pb - n) for pb, p, n in zip(self.pad_before, self.padded_shape, self.in_shape)]
        return get_array_module(x).pad(x, widths + [(0, 0)], constant_values=value)

    def crop(self, xp_):
        """The inverse of :meth:`pad`: (N, *padded, C) -> the view (N, *in, C)."""
        if not self.is_padded:
            return xp_
        return xp_[(slice(None),) + tuple(slice(pb, pb + n) for pb, n in zip(self.pad_before, self.in_shape))]

    def offsets(self):
        """For each kernel offset ``j``: ``(j, slices)``, where ``padded[(:, *slices)]`` is what ``j`` reads for
        every output position (shape (N, *out, C)). Loops over these run kernel-size times, never per pixel."""
        for j in itertools.product(*(range(k) for k in self.kernel)):
            yield j, tuple(slice(o * d, o * d + (m - 1) * s + 1, s) for o, d, s, m in
                           zip(j, self.dilation, self.strides, self.out_shape))

    def describe(self) -> str:
        return f"kernel={self.kernel} strides={self.strides} dilation={self.dilation} out={self.out_shape}"


def to_last(x, channels_first: bool):
    """Channels-first (N, C, *S) as a channels-last view (N, *S, C); channels-last unchanged."""
    return get_array_module(x).moveaxis(x, 1, -1) if channels_first else x


def from_last(y, channels_first: bool):
    """Channels-last (N, *S, C) back to the caller's layout, as a contiguous array."""
    xp = get_array_module(y)
    return xp.ascontiguousarray(xp.moveaxis(y, -1, 1) if channels_first else y)


# --- the numerical kernels: im2col, GEMMs, col2im ----------------------------------------------------------------
def _windows(xpd, g: Geometry, out_shape=None, strides=None):
    """Strided view (N, *out, *kernel, C) of padded channels-last ``xpd``: every window, nothing copied.

    ``out_shape``/``strides`` default to ``g``'s (the depthwise input gradient reads other windows).
    """
    st, n = xpd.strides, len(g.kernel)
    out_shape = g.out_shape if out_shape is None else out_shape
    strides = g.strides if strides is None else strides
    shape = (xpd.shape[0],) + tuple(out_shape) + g.kernel + (xpd.shape[-1],)
    view_strides = ((st[0],) + tuple(st[1 + i] * strides[i] for i in range(n))
                    + tuple(st[1 + i] * g.dilation[i] for i in range(n)) + (st[-1],))
    return get_array_module(xpd).lib.stride_tricks.as_strided(xpd, shape, view_strides)


def _im2col(xpd, g: Geometry):
    """Column matrix (G, N*P, K*Cg) of padded channels-last ``xpd``: the window view, copied once.

    Column order (kernel offsets, then the group's channels) is the Keras kernel's ``(*k, Cg, Cout)`` order, so
    the kernel needs only a reshape to multiply it.
    """
    view = _windows(xpd, g)
    # sizes spelled out, not -1: NumPy cannot infer a -1 beside an empty batch's zero rows
    rows, cg = xpd.shape[0] * math.prod(g.out_shape), xpd.shape[-1] // g.groups
    if g.groups == 1:
        cols = conv_native.copy_rows(view)  # the one copy, split over the threads
        return (view if cols is None else cols).reshape(1, rows, math.prod(g.kernel) * cg)
    view = view.reshape(view.shape[:-1] + (g.groups, cg))  # (N, *out, *k, G, Cg), still a view
    view = get_array_module(xpd).moveaxis(view, -2, 0)
    return view.reshape(g.groups, rows, math.prod(g.kernel) * cg)  # the one copy


def _col2im(gcols, g: Geometry, n_batch: int, c: int):
    """Adjoint of :func:`_im2col`: columns (G, N*P, K*Cg) summed back into a (N, *in, C) channels-last array.

    One strided in-place add per kernel offset; overlapping windows accumulate.
    """
    xp = get_array_module(gcols)
    n = len(g.kernel)
    cg = c // g.groups
    cols = gcols.reshape((g.groups, n_batch) + g.out_shape + g.kernel + (cg,))
    cols = xp.moveaxis(cols, 0, -2)  # (N, *out, *k, G, Cg): a view whose last two axes match gx's channels
    gx = xp.zeros((n_batch,) + g.padded_shape + (g.groups, cg), dtype=gcols.dtype)
    lead = (slice(None),) * (1 + n)
    for j, sl in g.offsets():
        dst = gx[(slice(None),) + sl]
        dst += cols[lead + j]  # in place on the view: `gx[...] += ...` would copy the slice back once more
    return g.crop(gx.reshape((n_batch,) + g.padded_shape + (c,)))


def _input_grad(gm, w, g: Geometry, n_batch: int, c: int):
    """Gradient (G, N*P, Cog) of the output -> gradient (N, *in, C) of the (channels-last) input.

    Without groups, one broadcast matmul gives each kernel offset its own contiguous (N*P, C) block, so col2im
    adds long contiguous rows (measured 1.3-2x faster than one GEMM into (N*P, K*C) and adding 4*C-byte runs),
    except for C = 1, where the per-offset GEMMs degenerate to matrix-vector products.
    """
    xp = get_array_module(gm)
    k, cg = math.prod(g.kernel), c // g.groups
    if g.groups > 1 or c == 1:
        return _col2im(_matmul(gm, _kernel_matrix(w, k, cg, g.groups).transpose(0, 2, 1)), g, n_batch, c)
    wt = w.reshape(k, c, -1).transpose(0, 2, 1)  # (K, Cout, C)
    # (1, NP, Cout) @ (K, Cout, C) -> (K, NP, C); with one output channel an outer product, which a broadcast
    # multiply does faster than matmul's size-1 inner loop
    cols = gm * wt if wt.shape[1] == 1 else xp.matmul(gm, wt)
    cols = cols.reshape((k, n_batch) + g.out_shape + (c,))
    gx = conv_native.col2im(cols, g)  # the adds below as one gather pass, bitwise the same; None: not 1-D/2-D
    if gx is not None:
        return g.crop(gx)
    gx = xp.zeros((n_batch,) + g.padded_shape + (c,), dtype=cols.dtype)
    for i, (_, sl) in enumerate(g.offsets()):
        dst = gx[(slice(None),) + sl]
        dst += cols[i]
    return g.crop(gx)


def _kernel_matrix(w, k: int, cg: int, groups: int):
    """Kernel (*k, Cg, G*Cog) (or depthwise (*k, C, M)) as (G, K*Cg, Cog) matrices matching the columns."""
    cog = w.size // (k * cg * groups)
    return w.reshape(k, cg, groups, cog).transpose(2, 0, 1, 3).reshape(groups, k * cg, cog)


def _kernel_from_matrix(wm, shape, k: int, cg: int):
    """Inverse of :func:`_kernel_matrix`: (G, K*Cg, Cog) -> the kernel's own ``shape``."""
    groups, _, cog = wm.shape
    return wm.reshape(groups, k, cg, cog).transpose(1, 2, 0, 3).reshape(shape)


def _matmul(a, b):
    """Batched (G, m, k) @ (G, k, n); the common G = 1 as one plain 2-D GEMM."""
    xp = get_array_module(a)
    if a.shape[0] == 1:
        a, b = a[0], b[0]
        # NumPy gives a product to BLAS only when both operands' strides suit it, and a size-1 axis left by a
        # reshape or transpose can carry a stride that does not: its fallback loop made Conv2D(filters=1) ~20x
        # slower than filters=2. Such an operand is a vector; copying it costs nothing in comparison.
        if 1 in a.shape:
            a = xp.ascontiguousarray(a)
        if 1 in b.shape:
            b = xp.ascontiguousarray(b)
        return (a @ b)[None]
    return xp.matmul(a, b)


def _cols_times_kernel(cols, wm, n_batch: int, out_shape):
    """(G, N*P, K*Cg) @ (G, K*Cg, Cog) -> channels-last output (N, *out, G*Cog)."""
    y = _matmul(cols, wm)
    if y.shape[0] != 1:
        y = y.transpose(1, 0, 2)  # group-major -> channel index g * Cog + o, as Keras orders grouped outputs
    return y.reshape((n_batch,) + tuple(out_shape) + (wm.shape[0] * wm.shape[-1],))  # not -1: n_batch may be 0


def _grad_matrix(gy, groups: int):
    """Channels-last (N, *out, G*Cog) as (G, N*P, Cog)."""
    return gy.reshape(-1, groups, gy.shape[-1] // groups).transpose(1, 0, 2)


def _sum_bias(gm):
    """Bias gradient from the (G, N*P, Cog) output-gradient matrix: a GEMV (3-4x faster than ``sum`` over axes)."""
    ones = get_array_module(gm).ones(gm.shape[1], dtype=gm.dtype)
    return (ones @ gm).reshape(-1)


# --- conv -------------------------------------------------------------------------------------------------------
#: Columns plus output elements per chunk of an inference convolution (4 MB of float32; 2^18 to 2^22 measured
#: alike at batch 1024, 2^16 slower, no chunking slowest).
_CHUNK_ELEMENTS = 1 << 20


class Conv(Function):
    """Convolution of channels-last-or-first input with a (*k, C/G, C_out) kernel, optional fused bias and fused
    activation (one of ``FUSABLE_ACTIVATIONS``; its derivative is taken from the saved output)."""

    label = "conv"
    __slots__ = ("geom", "channels_first", "keep_cols", "act", "w", "cols", "x_shape", "y")

    def __init__(self, geom: Geometry, channels_first: bool, keep_cols: bool, act: str = "linear"):
        self.geom, self.channels_first, self.keep_cols, self.act = geom, channels_first, keep_cols, act

    def forward(self, x, w, b=None):
        g = self.geom
        x = to_last(x, self.channels_first)
        xpd = g.pad(x)
        k = math.prod(g.kernel)
        wm = _kernel_matrix(w, k, x.shape[-1] // g.groups, g.groups)
        self.w, self.x_shape = w, x.shape
        if self.keep_cols:  # the kernel gradient needs the columns of the whole batch
            self.cols = _im2col(xpd, g)
            y = self._output(self.cols, wm, b)
        else:
            y = self._by_chunks(xpd, wm, b)
        self.y = None if self.act == "linear" else y
        return from_last(y, self.channels_first)

    def _output(self, cols, wm, b):
        """The channels-last output (N, *out, C_out) of columns ``cols`` (G, N*P, K*Cg) (all samples or a chunk of
        them): one GEMM, then bias and activation in place."""
        g = self.geom
        y = _cols_times_kernel(cols, wm, cols.shape[1] // math.prod(g.out_shape), g.out_shape)
        if self.act == "relu" and conv_native.bias_relu(y, b):  # one pass instead of two
            return y
        if b is not None:
            y += b
        return activate_in_place(get_array_module(y), self.act, y)

    def _by_chunks(self, xpd, wm, b):
        """The output, a few samples at a time, when no columns need keeping (inference): each chunk's columns,
        output, bias and activation stay in cache, instead of passes over arrays of hundreds of MB (measured:
        predict of the MNIST convnet at batch 1024, 146 -> 134 ms)."""
        g = self.geom
        n = xpd.shape[0]
        per_sample = math.prod(g.out_shape) * (wm.shape[0] * wm.shape[1] + wm.shape[0] * wm.shape[2])
        step = max(1, _CHUNK_ELEMENTS // per_sample)
        if step >= n:
            return self._output(_im2col(xpd, g), wm, b)
        xp = get_array_module(xpd)
        y = xp.empty((n,) + g.out_shape + (wm.shape[0] * wm.shape[2],), dtype=xpd.dtype)
        for start in range(0, n, step):
            y[start:start + step] = self._output(_im2col(xpd[start:start + step], g), wm, b)
        return y

    def backward(self, gy):
        g, cf = self.geom, self.channels_first
        gy = to_last(gy, cf)
        gy_relu = conv_native.relu_grad(gy, self.y) if self.act == "relu" else None
        gy = through_activation(self.act, gy, self.y) if gy_relu is None else gy_relu
        ins = self.inputs
        n_batch, c = self.x_shape[0], self.x_shape[-1]
        k, cg = math.prod(g.kernel), c // g.groups
        gm = _grad_matrix(gy, g.groups)
        gx = gw = None
        if ins[0].requires_grad:
            gx = from_last(_input_grad(gm, self.w, g, n_batch, c), cf)
        if ins[1].requires_grad:
            gw = _kernel_from_matrix(_matmul(self.cols.transpose(0, 2, 1), gm), self.w.shape, k, cg)
        if len(ins) == 2:
            return gx, gw
        return gx, gw, (_sum_bias(gm) if ins[2].requires_grad else None)

    def describe(self) -> str:
        return self.geom.describe() + (f" groups={self.geom.groups}" if self.geom.groups > 1 else "")


def _depthwise_subscripts(n: int, multiplier: bool):
    """einsum subscripts: windows 'n<out><kernel>c', kernel '<kernel>c[m]', output 'n<out>c[m]'."""
    out, ker = "opq"[:n], "ijk"[:n]
    m = "m" if multiplier else ""
    return f"n{out}{ker}c", f"{ker}c{m}", f"n{out}c{m}"


class DepthwiseConv(Function):
    """Depthwise convolution as einsum contractions over the strided window view (no im2col copy).

    With one input channel per group the im2col + batched-GEMM route degenerates (element-by-element column
    copies, C matrix-vector products): measured 10x slower on MobileNet shapes. einsum reads each window from
    the view and accumulates in registers: forward, the kernel gradient, and the input gradient (as the
    correlation of the zero-stuffed, padded output gradient with the flipped kernel) are one contraction each.
    """

    label = "depthwise_conv"
    __slots__ = ("geom", "channels_first", "keep_input", "xpd", "w", "x_shape")

    def __init__(self, geom: Geometry, channels_first: bool, keep_input: bool):
        self.geom, self.channels_first, self.keep_input = geom, channels_first, keep_input

    def _kernel(self, w, c):
        """(*k, C, M) view of the kernel, or (*k, C) for multiplier 1 (a size-1 axis makes einsum's loops slow)."""
        wk = w.reshape(self.geom.kernel + (c, -1))
        return wk[..., 0] if wk.shape[-1] == 1 else wk

    def forward(self, x, w, b=None):
        xp = get_array_module(x)
        g = self.geom
        x = to_last(x, self.channels_first)
        wk = self._kernel(w, x.shape[-1])
        xpd = g.pad(x)
        sub_x, sub_w, sub_y = _depthwise_subscripts(len(g.kernel), wk.ndim > len(g.kernel) + 1)
        y = xp.einsum(f"{sub_x},{sub_w}->{sub_y}", _windows(xpd, g), wk)
        y = y.reshape((x.shape[0],) + g.out_shape + (w.shape[-2] * w.shape[-1],))  # channel c * M + m
        if b is not None:
            y += b
        self.w, self.x_shape = w, x.shape
        self.xpd = xpd if self.keep_input else None  # only the kernel gradient reads the input again
        return from_last(y, self.channels_first)

    def backward(self, gy):
        xp = get_array_module(gy)
        g, cf = self.geom, self.channels_first
        ins = self.inputs
        n_batch, c = self.x_shape[0], self.x_shape[-1]
        n = len(g.kernel)
        wk = self._kernel(self.w, c)
        mult = wk.ndim > n + 1
        gy = to_last(gy, cf)
        gyc = gy.reshape(gy.shape[:-1] + (c, -1)) if mult else gy  # (N, *out, C[, M])
        sub_x, sub_w, sub_y = _depthwise_subscripts(n, mult)
        gx = gw = gb = None
        if ins[0].requires_grad:
            # gx_padded[q] = sum_j gy[o] w[j] over o*s + j*d = q: the output gradient stuffed with s-1 zeros
            # between its elements and padded by eff-1 on both sides, correlated (stride 1) with the flipped kernel.
            eff = tuple(d * (k - 1) + 1 for k, d in zip(g.kernel, g.dilation))
            stuffed = tuple((m - 1) * s + 1 + 2 * (e - 1) for m, s, e in zip(g.out_shape, g.strides, eff))
            gz = xp.zeros((n_batch,) + stuffed + gyc.shape[n + 1:], dtype=gy.dtype)
            gz[(slice(None),) + tuple(slice(e - 1, e - 1 + (m - 1) * s + 1, s)
                                      for m, s, e in zip(g.out_shape, g.strides, eff))] = gyc
            flip = wk[(slice(None, None, -1),) * n]
            core = tuple((m - 1) * s + e for m, s, e in zip(g.out_shape, g.strides, eff))
            wins = _windows(gz.reshape(gz.shape[:n + 1] + (-1,)), g, core, (1,) * n)
            wins = wins.reshape(wins.shape[:-1] + gyc.shape[n + 1:])
            gx = xp.einsum(f"{sub_x}{'m' if mult else ''},{sub_w}->{sub_x[:n + 1]}c", wins, flip)
            if gx.shape[1:-1] != g.padded_shape:  # input a window never reaches: gradient 0
                gx = xp.pad(gx, [(0, 0)] + [(0, p - q) for p, q in zip(g.padded_shape, gx.shape[1:-1])] + [(0, 0)])
            gx = from_last(g.crop(gx), cf)
        if ins[1].requires_grad:
            gw = xp.einsum(f"{sub_x},{sub_y}->{sub_w}", _windows(self.xpd, g), gyc).reshape(self.w.shape)
        if len(ins) == 3 and ins[2].requires_grad:
            gb = _sum_bias(xp.ascontiguousarray(gy).reshape(1, -1, gy.shape[-1]))
        return (gx, gw) if len(ins) == 2 else (gx, gw, gb)

    def reference(self, x, w, b=None):
        """The same convolution as a grouped :class:`Conv` node (groups = C; kernel (*k, C, M) read as
        (*k, 1, C*M)), whose backward is differentiable: the double backward differentiates it."""
        wg = w.reshape(w.shape[:-2] + (1, -1))
        return Conv(self.geom, self.channels_first, keep_cols=True).apply(*((x, wg) if b is None else (x, wg, b)))

    def describe(self) -> str:
        return self.geom.describe()


def _conv_inputs(op, inputs, kernel, bias, kernel_tail: str):
    x, w, b = float_tensors(op, inputs, kernel=kernel, bias=bias)
    if w.ndim != x.ndim:
        raise ShapeError(f"{op}: kernel of rank {w.ndim} (shape {w.shape}) does not fit inputs of rank {x.ndim} "
                         f"(shape {x.shape}); a {x.ndim - 2}-D convolution takes a kernel of shape "
                         f"(*kernel_size, {kernel_tail}) of rank {x.ndim}")
    return x, w, b


def _check_bias(op, b_shape, c_out):
    """A ShapeError unless the bias shape ``b_shape`` (None: no bias) is ``(c_out,)``."""
    if b_shape is not None and tuple(b_shape) != (c_out,):
        raise ShapeError(f"{op}: bias must have shape ({c_out},) (one value per output channel), got {b_shape}")


def _out_or_raise(op, padding, in_shape, kernel, strides, dilation):
    pad_before, out = resolve_padding(padding, in_shape, kernel, strides, dilation)
    if min(out) < 1:
        eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        raise ShapeError(f"{op}: input spatial shape {tuple(in_shape)} is smaller than the (dilated) kernel {eff} "
                         f"with padding='{padding}'; use padding='same' or a larger input")
    return pad_before, out


@differentiable
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, *, bias=None, groups=1,
         activation=None):
    """N-D convolution (1-D, 2-D or 3-D), Keras' ``ops.conv`` with an optional fused bias and explicit groups.

    Args:
        inputs: (N, *spatial, C_in) for ``channels_last`` or (N, C_in, *spatial) for ``channels_first``.
        kernel: (*kernel_size, C_in // groups, C_out) (Keras layout).
        bias: optional (C_out,), added to every output position.
        strides, dilation_rate: int or one int per spatial axis.
        padding: ``'valid'``, ``'same'`` (TensorFlow's rule: ``out = ceil(in / stride)``, odd padding at the end)
            or ``'causal'`` (1-D only: ``dilation * (k - 1)`` zeros before the input).
        data_format: ``'channels_last'`` or ``'channels_first'``; ``None``: ``keras.config.image_data_format()``.
        bias, groups, activation: keyword-only (neuroflow's fused extras; the positional order is Keras').
        groups: split input and output channels into ``groups`` independent convolutions (C_in and C_out must be
            divisible by it); output channel ``g * C_out/groups + o`` belongs to group ``g``.
        activation: (neuroflow) ``None``/``'linear'``, ``'relu'``, ``'sigmoid'`` or ``'tanh'``, applied in the same
            node (one graph node and one pass fewer than a separate activation).

    Returns: (N, *out_spatial, C_out) (or channels-first), ``out = (in - dilation*(k-1) - 1) // stride + 1`` for
    ``'valid'`` and ``ceil(in / stride)`` for ``'same'``/``'causal'``. Same dtype as ``inputs``.
    """
    op = "conv"
    x, w, b = _conv_inputs(op, inputs, kernel, bias, "C_in // groups, C_out")
    act = check_fusable(op, activation)
    geom, cf, depthwise = cached_plan(_conv_plan, x.shape, w.shape, None if b is None else b.shape, strides,
                                      padding, data_format, dilation_rate, groups)
    inputs = (x, w) if b is None else (x, w, b)
    if not depthwise:
        return Conv(geom, cf, keep_cols=w.requires_grad and is_grad_enabled(), act=act).apply(*inputs)
    # one channel per group: the depthwise loop is the fast route (its activation a separate node)
    y = DepthwiseConv(geom, cf, keep_input=w.requires_grad and is_grad_enabled()).apply(*inputs)
    if act == "linear":
        return y
    from . import activation as activations
    return getattr(activations, act)(y)


def conv_array_fn(x_shape, kernel_shape, has_bias: bool, strides=1, padding="valid", data_format="channels_last",
                  dilation_rate=1, groups=1, activation=None):
    """:func:`conv` for graph-free inference: ``f(x, kernel, bias) -> array`` on arrays of these shapes (any batch
    size), no Tensor and no node, the checks and the plan done here once. ``None`` for the depthwise case (one
    channel per group), whose activation is a node of its own. Raises what :func:`conv` raises on bad shapes."""
    act = check_fusable("conv", activation)
    geom, cf, depthwise = cached_plan(_conv_plan, tuple(x_shape), tuple(kernel_shape),
                                      (kernel_shape[-1],) if has_bias else None, strides, padding, data_format,
                                      dilation_rate, groups)
    if depthwise:
        return None
    # a fresh node per call: one kept across calls would hold the last output alive between predictions
    return lambda x, w, b=None: Conv(geom, cf, False, act).forward(x, w, b)


def cached_plan(plan, *args):
    """``plan(*args)``, memoised: a layer calls its op with the same shapes and arguments every step, and the
    checks and geometry cost more than a one-sample convolution. Lists (unhashable) bypass the cache."""
    try:
        return _plan_cached(plan, *args)
    except TypeError:  # an unhashable argument, e.g. strides=[2, 2]
        return plan(*args)


@functools.lru_cache(maxsize=512)
def _plan_cached(plan, *args):
    return plan(*args)


def _conv_plan(x_shape, w_shape, b_shape, strides, padding, data_format, dilation_rate, groups):
    """Check the arguments of :func:`conv` against the shapes; return ``(geometry, channels_first, depthwise)``."""
    op = "conv"
    ndim = len(x_shape)
    n = spatial_rank(op, ndim)
    cf = check_format(op, data_format)
    pad_mode = check_padding(op, padding, ("valid", "same", "causal"))
    if pad_mode == "causal" and n != 1:
        raise ConfigError(f"{op}: padding='causal' is only for 1-D convolutions, got a {n}-D one")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise ConfigError(f"{op}: groups must be a positive int, got {groups!r}")
    groups = int(groups)
    strides = int_tuple(op, "strides", strides, n)
    dilation = int_tuple(op, "dilation_rate", dilation_rate, n)
    c_in = x_shape[1] if cf else x_shape[-1]
    in_shape = x_shape[2:] if cf else x_shape[1:-1]
    kernel_size, (k_in, c_out) = w_shape[:-2], w_shape[-2:]
    if c_in % groups:
        raise ConfigError(f"{op}: groups={groups} does not divide the {c_in} input channels")
    if c_out % groups:
        raise ConfigError(f"{op}: groups={groups} does not divide the kernel's {c_out} output channels")
    if k_in != c_in // groups:
        hint = f"; for a grouped convolution pass groups={c_in // k_in}" if k_in and c_in % k_in == 0 else ""
        raise ShapeError(f"{op}: kernel {w_shape} has {k_in} input channels but inputs {x_shape} have {c_in} "
                         f"channels{f' / groups={groups}' if groups > 1 else ''} = {c_in // groups} "
                         f"(data_format={'channels_first' if cf else 'channels_last'}){hint}")
    _check_bias(op, b_shape, c_out)
    pad_before, out = _out_or_raise(op, pad_mode, in_shape, kernel_size, strides, dilation)
    geom = Geometry(in_shape, kernel_size, strides, dilation, pad_before, out, groups)
    return geom, cf, groups > 1 and groups == c_in


@differentiable
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, *, bias=None):
    """Depthwise convolution (Keras' ``ops.depthwise_conv``): each input channel convolved on its own.

    Args:
        inputs: (N, *spatial, C) or (N, C, *spatial); 1-D, 2-D or 3-D.
        kernel: (*kernel_size, C, depth_multiplier).
        bias: optional (C * depth_multiplier,).
        strides, padding (``'valid'``/``'same'``), data_format, dilation_rate: as :func:`conv`.

    Returns: (N, *out_spatial, C * depth_multiplier); output channel ``c * depth_multiplier + m`` is input
    channel ``c`` under ``kernel[..., c, m]`` (Keras/TensorFlow order).
    """
    op = "depthwise_conv"
    x, w, b = _conv_inputs(op, inputs, kernel, bias, "C, depth_multiplier")
    n = spatial_rank(op, x.ndim)
    cf = check_format(op, data_format)
    pad_mode = check_padding(op, padding, ("valid", "same"))
    strides = int_tuple(op, "strides", strides, n)
    dilation = int_tuple(op, "dilation_rate", dilation_rate, n)
    c_in = x.shape[1] if cf else x.shape[-1]
    in_shape = x.shape[2:] if cf else x.shape[1:-1]
    kernel_size, (k_in, mult) = w.shape[:-2], w.shape[-2:]
    if k_in != c_in:
        raise ShapeError(f"{op}: kernel {w.shape} has {k_in} input channels but inputs {x.shape} have {c_in} "
                         f"channels (data_format={'channels_first' if cf else 'channels_last'})")
    _check_bias(op, None if b is None else b.shape, c_in * mult)
    pad_before, out = _out_or_raise(op, pad_mode, in_shape, kernel_size, strides, dilation)
    geom = Geometry(in_shape, kernel_size, strides, dilation, pad_before, out, groups=c_in)
    fn = DepthwiseConv(geom, cf, keep_input=w.requires_grad and is_grad_enabled())
    return fn.apply(x, w) if b is None else fn.apply(x, w, b)


# --- conv_transpose ------------------------------------------------------------------------------------------------
class ConvTranspose(Function):
    """Transposed convolution: the input-gradient of the forward convolution described by ``geom``.

    In that forward view the transposed conv's *output* z (N, *L, C_out) is the convolution's input and its
    input x (N, *in, C_in) the convolution's output, with the (*k, C_out, C_in) kernel in forward-conv layout.
    """

    label = "conv_transpose"
    __slots__ = ("geom", "channels_first", "x", "w")

    def __init__(self, geom: Geometry, channels_first: bool):
        self.geom, self.channels_first = geom, channels_first

    def forward(self, x, w, b=None):
        g = self.geom
        x = to_last(x, self.channels_first)
        y = _input_grad(x.reshape(1, -1, w.shape[-1]), w, g, x.shape[0], w.shape[-2])
        if b is not None:
            y = y + b  # also makes the cropped view contiguous
        self.x, self.w = x, w
        return from_last(y, self.channels_first)

    def backward(self, gy):
        g, cf = self.geom, self.channels_first
        gy = to_last(gy, cf)
        ins = self.inputs
        k, c_out, c_in = math.prod(g.kernel), self.w.shape[-2], self.w.shape[-1]
        cols = _im2col(g.pad(gy), g)  # one im2col of the gradient serves both GEMMs
        gx = gw = gb = None
        if len(ins) == 3 and ins[2].requires_grad:
            gb = _sum_bias(gy.reshape(1, -1, c_out))
        if ins[0].requires_grad:
            gx = from_last(_cols_times_kernel(cols, _kernel_matrix(self.w, k, c_out, 1), gy.shape[0], g.out_shape),
                           cf)
        if ins[1].requires_grad:
            gw = _kernel_from_matrix(_matmul(cols.transpose(0, 2, 1), self.x.reshape(1, -1, c_in)), self.w.shape,
                                     k, c_out)
        return (gx, gw) if len(ins) == 2 else (gx, gw, gb)

    def describe(self) -> str:
        return self.geom.describe()


def conv_transpose_geometry(in_shape, kernel, strides, dilation, padding: str, output_padding):
    """Output shape and forward-view padding of a transposed convolution, as Keras computes them.

    Output length (Keras' ``deconv_output_length``): without ``output_padding``, ``in * s + max(eff - s, 0)``
    ('valid') or ``in * s`` ('same'); with it, ``(in - 1) * s + eff - 2 * pad + output_padding`` where ``pad``
    is 0 ('valid') or ``eff // 2`` ('same'). Padding before, in the forward view: ``eff - 1 - left``, with
    ``left`` the left padding of Keras' dilated-input formulation (``_convert_conv_transpose_padding_args``).
    Returns ``(pad_before, out_shape)``.
    """
    before, out = [], []
    for i, (n, k, s, d) in enumerate(zip(in_shape, kernel, strides, dilation)):
        eff = d * (k - 1) + 1
        op_ = None if output_padding is None else output_padding[i]
        if padding == "valid":
            length = n * s + max(eff - s, 0) if op_ is None else (n - 1) * s + eff + op_
            left = eff - 1
        else:
            length = n * s if op_ is None else (n - 1) * s + eff % 2 + op_
            pad_len = s + eff - 2 if op_ is None else eff + eff % 2 - 2 + op_
            left = min(pad_len // 2 + pad_len % 2, eff - 1)
        before.append(eff - 1 - left)
        out.append(length)
    return tuple(before), tuple(out)


@differentiable
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1, *, bias=None):
    """Transposed convolution (1-D, 2-D or 3-D), Keras' ``ops.conv_transpose`` with an optional fused bias.

    Args:
        inputs: (N, *spatial, C_in) or (N, C_in, *spatial).
        kernel: (*kernel_size, C_out, C_in) (Keras' ``Conv2DTranspose`` layout).
        bias: optional (C_out,).
        strides, dilation_rate: int or one int per spatial axis.
        padding: ``'valid'`` or ``'same'``.
        output_padding: ``None`` or a non-negative int (or one per axis): extra length at the end of each axis.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Returns: (N, *out_spatial, C_out) (or channels-first); per axis ``in * stride + max(eff - stride, 0)``
    ('valid') or ``in * stride`` ('same') without ``output_padding``, else
    ``(in - 1) * stride + eff - 2 * pad + output_padding`` (``pad`` = 0 or ``eff // 2``), ``eff`` the dilated
    kernel size: exactly Keras' output shape.
    """
    op = "conv_transpose"
    x, w, b = _conv_inputs(op, inputs, kernel, bias, "C_out, C_in")
    n = spatial_rank(op, x.ndim)
    cf = check_format(op, data_format)
    pad_mode = check_padding(op, padding, ("valid", "same"))
    strides = int_tuple(op, "strides", strides, n)
    dilation = int_tuple(op, "dilation_rate", dilation_rate, n)
    if output_padding is not None:
        op_pad = (output_padding,) * n if isinstance(output_padding, numbers.Integral) else tuple(output_padding)
        if len(op_pad) != n or not all(isinstance(v, numbers.Integral) and v >= 0 for v in op_pad):
            raise ConfigError(f"{op}: output_padding must be None, a non-negative int or {n} of them, "
                              f"got {output_padding!r}")
        output_padding = op_pad
    c_in = x.shape[1] if cf else x.shape[-1]
    in_shape = x.shape[2:] if cf else x.shape[1:-1]
    kernel_size, (c_out, k_in) = w.shape[:-2], w.shape[-2:]
    if k_in != c_in:
        raise ShapeError(f"{op}: kernel {w.shape} (layout (*kernel_size, C_out, C_in)) has {k_in} input channels "
                         f"but inputs {x.shape} have {c_in} channels "
                         f"(data_format={'channels_first' if cf else 'channels_last'})")
    _check_bias(op, None if b is None else b.shape, c_out)
    pad_before, out = conv_transpose_geometry(in_shape, kernel_size, strides, dilation, pad_mode, output_padding)
    if min(out) < 1:
        raise ShapeError(f"{op}: output_padding={output_padding} gives an empty output {out}")
    # The forward view: a convolution from the output (spatial `out`) to the input (spatial `in_shape`).
    geom = Geometry(out, kernel_size, strides, dilation, pad_before, in_shape)
    fn = ConvTranspose(geom, cf)
    return fn.apply(x, w) if b is None else fn.apply(x, w, b)
