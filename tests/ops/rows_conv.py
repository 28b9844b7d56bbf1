"""Op-table rows for convolutions and pooling, and the PyTorch oracles they (and test_conv_extra.py) use.

PyTorch is channels-first with kernels (C_out, C_in/groups, *k) and symmetric padding; the oracles transpose
Keras layouts and apply TensorFlow's asymmetric 'same' padding explicitly with F.pad. torch is imported inside
the oracles only, so this module loads without it.
"""
from __future__ import annotations

from neuroflow.ops.conv import conv, conv_transpose, depthwise_conv
from neuroflow.ops.pooling import average_pool, max_pool

from .harness import case, distinct, uniform


# --- PyTorch oracles (Keras semantics) ---------------------------------------------------------------------------
def _tup(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def _to_first(x, n):
    return x.permute((0, n + 1) + tuple(range(1, n + 1)))


def _to_last(x, n):
    return x.permute((0,) + tuple(range(2, n + 2)) + (1,))


def _kernel_to_torch(w, n):
    """Keras (*k, A, B) -> torch (B, A, *k)."""
    return w.permute((n + 1, n) + tuple(range(n)))


def tf_pads(padding, in_shape, kernel, strides, dilation):
    """(before, after) per spatial axis, TensorFlow's rule (independent of neuroflow's code)."""
    pads = []
    for i, k, s, d in zip(in_shape, kernel, strides, dilation):
        eff = d * (k - 1) + 1
        if padding == "valid":
            pads.append((0, 0))
        elif padding == "same":
            out = -(-i // s)
            total = max((out - 1) * s + eff - i, 0)
            pads.append((total // 2, total - total // 2))
        else:  # causal
            pads.append((eff - 1, 0))
    return pads


def _pad(x, pads, value=0.0):
    import torch.nn.functional as F
    flat = []
    for before, after in reversed(pads):
        flat += [before, after]
    return F.pad(x, flat, value=value) if any(flat) else x


def torch_conv(x, w, b=None, strides=1, padding="valid", data_format="channels_last", dilation_rate=1, groups=1):
    import torch.nn.functional as F
    n = x.ndim - 2
    strides, dil = _tup(strides, n), _tup(dilation_rate, n)
    cf = data_format == "channels_first"
    xt = x if cf else _to_first(x, n)
    xt = _pad(xt, tf_pads(padding, xt.shape[2:], tuple(w.shape[:n]), strides, dil))
    y = getattr(F, f"conv{n}d")(xt, _kernel_to_torch(w, n), b, stride=strides, dilation=dil, groups=groups)
    return y if cf else _to_last(y, n)


def torch_depthwise_conv(x, w, b=None, strides=1, padding="valid", data_format="channels_last", dilation_rate=1):
    c, m = w.shape[-2:]
    w2 = w.reshape(tuple(w.shape[:-2]) + (1, c * m))  # (*k, C, M) -> (*k, 1, C*M): channel c*M + m
    return torch_conv(x, w2, b, strides, padding, data_format, dilation_rate, groups=c)


def keras_deconv_length(n, k, padding, output_padding, s, d):
    """Keras' ``deconv_output_length`` (keras/src/utils/... operation_utils), copied for the oracle."""
    k = k + (k - 1) * (d - 1)
    if output_padding is None:
        return n * s + max(k - s, 0) if padding == "valid" else n * s
    pad = k // 2 if padding == "same" else 0
    return (n - 1) * s + k - 2 * pad + output_padding


def torch_conv_transpose(x, w, b=None, strides=1, padding="valid", output_padding=None,
                         data_format="channels_last", dilation_rate=1):
    """Full transposed conv (no padding) in torch, then TensorFlow's crop: output[j] = full[j + pad_before]."""
    import torch.nn.functional as F
    n = x.ndim - 2
    strides, dil = _tup(strides, n), _tup(dilation_rate, n)
    opad = None if output_padding is None else _tup(output_padding, n)
    cf = data_format == "channels_first"
    xt = x if cf else _to_first(x, n)
    full = getattr(F, f"conv_transpose{n}d")(xt, _kernel_to_torch(w, n), None, stride=strides, dilation=dil)
    index, extra = [], []
    for i in range(n):
        length = keras_deconv_length(xt.shape[2 + i], w.shape[i], padding, None if opad is None else opad[i],
                                     strides[i], dil[i])
        eff = dil[i] * (w.shape[i] - 1) + 1
        before = 0 if padding == "valid" else max((xt.shape[2 + i] - 1) * strides[i] + eff - length, 0) // 2
        extra.append((0, max(before + length - full.shape[2 + i], 0)))
        index.append(slice(before, before + length))
    y = _pad(full, extra)[(slice(None), slice(None)) + tuple(index)]
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * n)
    return y if cf else _to_last(y, n)


def torch_max_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    import torch.nn.functional as F
    n = x.ndim - 2
    pool = _tup(pool_size, n)
    strides = pool if strides is None else _tup(strides, n)
    cf = data_format == "channels_first"
    xt = x if cf else _to_first(x, n)
    xt = _pad(xt, tf_pads(padding, xt.shape[2:], pool, strides, (1,) * n), value=float("-inf"))
    y = getattr(F, f"max_pool{n}d")(xt, pool, strides)
    return y if cf else _to_last(y, n)


def torch_average_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    """Zero-padded mean divided by the mean of a padded ones tensor = mean over the real elements only."""
    import torch
    import torch.nn.functional as F
    n = x.ndim - 2
    pool = _tup(pool_size, n)
    strides = pool if strides is None else _tup(strides, n)
    cf = data_format == "channels_first"
    xt = x if cf else _to_first(x, n)
    pads = tf_pads(padding, xt.shape[2:], pool, strides, (1,) * n)
    pool_fn = getattr(F, f"avg_pool{n}d")
    y = pool_fn(_pad(xt, pads), pool, strides) / pool_fn(_pad(torch.ones_like(xt[:1, :1]), pads), pool, strides)
    return y if cf else _to_last(y, n)


# --- rows (small shapes: finite differences visit every input element) --------------------------------------------
def _torch_act(name, y):
    import torch
    return getattr(torch, name)(y)


def _row(op, nf_fn, torch_fn, inputs, id, **kw):
    def call(*t):  # a third input is the bias: keyword-only in neuroflow (Keras' third positional is strides)
        return nf_fn(t[0], t[1], bias=t[2], **kw) if len(t) == 3 else nf_fn(*t, **kw)
    return case(op, call, inputs, lambda *t: torch_fn(*t, **kw), id=id)


ROWS = [
    _row("conv", conv, torch_conv, [(2, 7, 3), (3, 3, 4)], "1d-valid"),
    _row("conv", conv, torch_conv, [(2, 7, 2), (3, 2, 3), (3,)], "1d-causal-dil2-bias", padding="causal",
         dilation_rate=2),
    _row("conv", conv, torch_conv, [(1, 5, 6, 2), (3, 2, 2, 3), (3,)], "2d-same-s2-bias", strides=2,
         padding="same"),
    _row("conv", conv, torch_conv, [(2, 4, 5, 5), (3, 3, 2, 4)], "2d-cf-groups2-dil2-same", padding="same",
         dilation_rate=2, groups=2, data_format="channels_first"),
    _row("conv", conv, torch_conv, [(1, 4, 3, 4, 2), (2, 2, 2, 2, 2)], "3d-valid"),
    # fused activations (the depthwise route applies its activation as a separate node)
    case("conv", lambda x, w, b: conv(x, w, bias=b, padding="same", activation="relu"),
         [(2, 5, 4, 3), (3, 3, 3, 4), (4,)], lambda x, w, b: _torch_act("relu", torch_conv(x, w, b, padding="same")),
         id="2d-relu"),
    case("conv", lambda x, w, b: conv(x, w, bias=b, activation="sigmoid", data_format="channels_first"),
         [(2, 3, 5, 4), (2, 2, 3, 2), (2,)],
         lambda x, w, b: _torch_act("sigmoid", torch_conv(x, w, b, data_format="channels_first")), id="2d-cf-sigmoid"),
    case("conv", lambda x, w: conv(x, w, groups=3, activation="tanh"), [(2, 6, 3), (3, 1, 6)],
         lambda x, w: _torch_act("tanh", torch_conv(x, w, groups=3)), id="1d-depthwise-route-tanh"),
    _row("conv_transpose", conv_transpose, torch_conv_transpose, [(2, 4, 3), (3, 2, 3), (2,)], "1d-valid-s2-bias",
         strides=2),
    _row("conv_transpose", conv_transpose, torch_conv_transpose, [(1, 3, 4, 2), (3, 3, 2, 2)],
         "2d-same-s2-outpad1", strides=2, padding="same", output_padding=1),
    _row("conv_transpose", conv_transpose, torch_conv_transpose, [(1, 2, 3, 3), (2, 4, 2, 2)],
         "2d-cf-same-even-kernel", strides=(2, 1), padding="same", data_format="channels_first"),
    _row("depthwise_conv", depthwise_conv, torch_depthwise_conv, [(2, 6, 5, 3), (3, 2, 3, 2), (6,)],
         "2d-same-mult2-bias", padding="same"),
    _row("depthwise_conv", depthwise_conv, torch_depthwise_conv, [(2, 3, 9), (3, 3, 1)], "1d-cf-dil2",
         dilation_rate=2, data_format="channels_first"),
    _row("max_pool", max_pool, torch_max_pool, [distinct(2, 6, 6, 3)], "2d-valid", pool_size=2),
    _row("max_pool", max_pool, torch_max_pool, [distinct(2, 3, 5, 5)], "2d-cf-same-3s2", pool_size=3, strides=2,
         padding="same", data_format="channels_first"),
    _row("max_pool", max_pool, torch_max_pool, [distinct(2, 9, 3)], "1d-same-overlap", pool_size=3, strides=1,
         padding="same"),
    _row("average_pool", average_pool, torch_average_pool, [uniform(2, 5, 5, 3)], "2d-same", pool_size=2,
         padding="same"),
    _row("average_pool", average_pool, torch_average_pool, [uniform(2, 3, 8)], "1d-cf-valid-3s2", pool_size=3,
         strides=2, data_format="channels_first"),
]
