"""Convolution and pooling beyond the op table: every padding/stride/dilation/groups/format combination against
PyTorch (Keras semantics), Keras' output shapes, argument errors, dtypes and a speed sanity check."""
from __future__ import annotations

import importlib
import itertools

import numpy as np
import pytest

from tests.call_count import count_python_calls

from neuroflow.autograd.function import no_grad
from neuroflow.autograd.tensor import Tensor
from neuroflow.errors import ConfigError, DTypeError, ShapeError
from neuroflow.ops.conv import conv, conv_transpose, depthwise_conv
from neuroflow.ops.pooling import average_pool, max_pool

from .rows_conv import (torch_average_pool, torch_conv, torch_conv_transpose, torch_depthwise_conv,
                        torch_max_pool)

torch = pytest.importorskip("torch", reason="PyTorch is the oracle; pip install torch==2.13.0")


def _check(nf_fn, torch_fn, arrays, rtol=1e-4, atol=1e-4, **kw):
    """Forward and every input gradient (random upstream) of nf_fn vs torch_fn, all float32."""
    rng = np.random.default_rng(1)
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    if len(ts) == 3:  # the bias: keyword-only in neuroflow (Keras' third positional argument is strides)
        y = nf_fn(ts[0], ts[1], bias=ts[2], **kw)
    else:
        y = nf_fn(*ts, **kw)
    up = rng.standard_normal(y.shape).astype(np.float32)
    (y * Tensor(up)).sum().backward()
    tts = [torch.from_numpy(a.copy()).requires_grad_(True) for a in arrays]
    ty = torch_fn(*tts, **kw)
    (ty * torch.from_numpy(up)).sum().backward()
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=rtol, atol=atol, err_msg="forward")
    for i, (t, tt) in enumerate(zip(ts, tts)):
        assert t.grad.dtype == np.float32, f"gradient {i} is {t.grad.dtype}"
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=rtol, atol=atol, err_msg=f"gradient {i}")
    return y


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(np.float32)


def _distinct(*shape, seed=0):
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(np.linspace(-1, 1, n)).reshape(shape).astype(np.float32)


def _input(n, spatial, c, cf, batch=2):
    shape = (batch, c) + spatial[:n] if cf else (batch,) + spatial[:n] + (c,)
    return _rand(*shape)


GRID = list(itertools.product(["valid", "same"], [1, 2], [1, 2], [1, 2], ["channels_last", "channels_first"]))


@pytest.mark.parametrize("n,padding,strides,dilation,groups,fmt", [(n,) + combo for n in (1, 2) for combo in GRID]
                         + [(1, "causal", s, d, g, f) for s, d, g, f in
                            itertools.product([1, 2], [1, 2], [1, 2], ["channels_last", "channels_first"])])
@pytest.mark.parametrize("bias", [False, True])
def test_conv_matches_torch(n, padding, strides, dilation, groups, fmt, bias):
    # (strides 2 with dilation 2 is rejected by Keras' Conv layers; the op supports it, so it is checked too.)
    cf = fmt == "channels_first"
    kernel = (3, 4)[:n]  # an even kernel: odd total 'same' padding, TF puts the extra pixel at the end
    x = _input(n, (10, 9), 4, cf)
    arrays = [x, _rand(*kernel, 4 // groups, 6, seed=1)] + ([_rand(6, seed=2)] if bias else [])
    _check(conv, torch_conv, arrays, strides=strides, padding=padding, dilation_rate=dilation, groups=groups,
           data_format=fmt)


@pytest.mark.parametrize("padding,strides", [("valid", 1), ("same", 2), ("same", (1, 2, 2))])
def test_conv3d_matches_torch(padding, strides):
    _check(conv, torch_conv, [_rand(2, 5, 6, 5, 3), _rand(2, 3, 2, 3, 4, seed=1), _rand(4, seed=2)],
           strides=strides, padding=padding)


@pytest.mark.parametrize("padding,strides,fmt", [("same", 1, "channels_last"), ("valid", 2, "channels_first")])
def test_conv_with_one_channel_per_group_matches_torch(padding, strides, fmt):
    # groups == C_in takes the depthwise route inside conv
    x = _input(2, (9, 8), 4, fmt == "channels_first")
    _check(conv, torch_conv, [x, _rand(3, 2, 1, 8, seed=1), _rand(8, seed=2)], groups=4, padding=padding,
           strides=strides, data_format=fmt)


@pytest.mark.parametrize("c_in,c_out,padding,fmt", [(5, 1, "same", "channels_last"), (1, 1, "valid", "channels_last"),
                                                  (5, 1, "valid", "channels_first"), (1, 3, "same", "channels_last")])
def test_conv_with_one_input_or_output_channel_matches_torch(c_in, c_out, padding, fmt):
    # single channels route through vector products (once a slow non-BLAS path): values and gradients unchanged
    x = _input(2, (9, 8), c_in, fmt == "channels_first")
    _check(conv, torch_conv, [x, _rand(3, 3, c_in, c_out, seed=1), _rand(c_out, seed=2)], padding=padding,
           data_format=fmt)


def test_conv_groups_equal_separate_convolutions():
    x, w = _rand(2, 7, 7, 6), _rand(3, 3, 2, 9, seed=1)
    y = conv(x, w, groups=3, padding="same").numpy()
    parts = [conv(x[..., 2 * g:2 * g + 2], w[..., 3 * g:3 * g + 3], padding="same").numpy() for g in range(3)]
    np.testing.assert_allclose(y, np.concatenate(parts, -1), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("padding,strides,dilation,out_pad", [
    (p, s, d, op) for p, s, d, op in itertools.product(["valid", "same"], [1, 2, 3], [1, 2], [None, 0, 1, 2])
    if op is None or op < s])  # Keras requires output_padding < strides
@pytest.mark.parametrize("ksize", [2, 3])
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_conv_transpose_matches_torch(n, padding, strides, dilation, out_pad, ksize, fmt):
    cf = fmt == "channels_first"
    arrays = [_input(n, (5, 4), 3, cf), _rand(*(ksize, ksize + 1)[:n], 2, 3, seed=1), _rand(2, seed=2)]
    _check(conv_transpose, torch_conv_transpose, arrays, strides=strides, padding=padding, output_padding=out_pad,
           dilation_rate=dilation, data_format=fmt)


@pytest.mark.parametrize("in_len,k,s,padding,op,expected", [
    (7, 3, 2, "same", None, 14), (7, 3, 2, "valid", None, 15), (7, 3, 2, "same", 1, 14), (7, 3, 2, "valid", 1, 16),
    (7, 1, 3, "valid", None, 21), (7, 4, 2, "same", None, 14), (7, 2, 2, "valid", None, 14), (5, 3, 1, "same", 0, 5),
])
def test_conv_transpose_output_length_as_keras(in_len, k, s, padding, op, expected):
    y = conv_transpose(_rand(1, in_len, 2), _rand(k, 3, 2, seed=1), strides=s, padding=padding, output_padding=op)
    assert y.shape == (1, expected, 3)


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("padding,strides,dilation,mult,fmt", list(itertools.product(
    ["valid", "same"], [1, 2], [1, 2], [1, 3], ["channels_last", "channels_first"])))
def test_depthwise_conv_matches_torch(n, padding, strides, dilation, mult, fmt):
    cf = fmt == "channels_first"
    arrays = [_input(n, (9, 8), 4, cf), _rand(*(3, 2)[:n], 4, mult, seed=1), _rand(4 * mult, seed=2)]
    _check(depthwise_conv, torch_depthwise_conv, arrays, strides=strides, padding=padding, dilation_rate=dilation,
           data_format=fmt)


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("pool,strides,padding", [
    (2, None, "valid"), (2, None, "same"), (3, None, "same"), (3, 2, "valid"), (3, 2, "same"), (3, 1, "same"),
    (2, 3, "valid"), ((2, 3), (1, 2), "same")])
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_pooling_matches_torch(n, kind, pool, strides, padding, fmt):
    if isinstance(pool, tuple) and n == 1:
        pool, strides = pool[0], strides[0]
    cf = fmt == "channels_first"
    shape = (2, 3) + (7, 8)[:n] if cf else (2,) + (7, 8)[:n] + (3,)
    nf_fn, torch_fn = (max_pool, torch_max_pool) if kind == "max" else (average_pool, torch_average_pool)
    _check(nf_fn, torch_fn, [_distinct(*shape)], pool_size=pool, strides=strides, padding=padding, data_format=fmt)


def test_max_pool_3d_and_average_pool_3d():
    x = _distinct(2, 5, 4, 6, 2)
    _check(max_pool, torch_max_pool, [x], pool_size=2, padding="same")
    _check(average_pool, torch_average_pool, [x], pool_size=(2, 3, 2), strides=1, padding="same")


def test_max_pool_with_windows_over_127_elements():  # the argmax index no longer fits int8
    _check(max_pool, torch_max_pool, [_distinct(2, 12, 13, 2)], pool_size=(12, 12), strides=1)


def test_average_pool_same_divides_by_real_elements():
    y = average_pool(np.ones((1, 5, 5, 1), np.float32), pool_size=2, padding="same")
    np.testing.assert_allclose(y.numpy(), 1.0)  # TF: edge windows average their real elements only


def test_max_pool_keeps_only_a_small_index():
    x = Tensor(_distinct(2, 8, 8, 3), requires_grad=True)
    y = max_pool(x, 2)
    node = y.node
    assert node.index.dtype == np.int8 and node.index.shape == (2, 4, 4, 3)
    y.sum().backward()
    assert float(x.grad.sum()) == pytest.approx(2 * 4 * 4 * 3)  # one element per window
    with no_grad():
        assert max_pool(x, 2).node is None


def test_float64_stays_float64_and_no_grad_saves_nothing():
    x = Tensor(_rand(2, 6, 6, 2).astype(np.float64), dtype=np.float64, requires_grad=True)
    w = Tensor(_rand(3, 3, 2, 4).astype(np.float64), dtype=np.float64, requires_grad=True)
    y = conv(x, w)
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == np.float64
    w32 = Tensor(_rand(3, 3, 2, 4), requires_grad=True)
    with no_grad():
        out = conv(_rand(2, 6, 6, 2), w32)
    assert out.node is None
    assert conv(_rand(2, 6, 6, 2), w32.detach()).node is None


# --- errors ------------------------------------------------------------------------------------------------------
def test_errors_name_what_is_wrong():
    x = _rand(2, 8, 8, 4)
    with pytest.raises(ShapeError, match=r"kernel .* has 3 input channels but inputs .* have 4 channels"):
        conv(x, _rand(3, 3, 3, 8))
    with pytest.raises(ShapeError, match="groups=2"):
        conv(x, _rand(3, 3, 2, 8))  # hint: pass groups=2
    with pytest.raises(ConfigError, match="groups=3 does not divide the 4 input channels"):
        conv(x, _rand(3, 3, 1, 6), groups=3)
    with pytest.raises(ConfigError, match="groups=2 does not divide the kernel's 5 output channels"):
        conv(x, _rand(3, 3, 2, 5), groups=2)
    with pytest.raises(ConfigError, match=r"padding must be one of 'valid', 'same', 'causal', got 'full'"):
        conv(x, _rand(3, 3, 4, 8), padding="full")
    with pytest.raises(ConfigError, match="causal"):
        conv(x, _rand(3, 3, 4, 8), padding="causal")
    with pytest.raises(ConfigError, match="strides must be a positive int or a tuple of 2"):
        conv(x, _rand(3, 3, 4, 8), strides=(1, 0))
    with pytest.raises(ConfigError, match="data_format"):
        conv(x, _rand(3, 3, 4, 8), data_format="NHWC")
    with pytest.raises(ShapeError, match=r"bias must have shape \(8,\)"):
        conv(x, _rand(3, 3, 4, 8), bias=_rand(4))
    with pytest.raises(ShapeError, match="rank"):
        conv(x, _rand(3, 4, 8))
    with pytest.raises(ShapeError, match="smaller than the"):
        conv(_rand(1, 2, 2, 4), _rand(3, 3, 4, 8))
    with pytest.raises(DTypeError, match="float64"):
        conv(Tensor(x), Tensor(_rand(3, 3, 4, 8), dtype=np.float64))
    with pytest.raises(DTypeError, match="floating"):
        conv(np.ones((2, 8, 8, 4), np.int32), _rand(3, 3, 4, 8))
    with pytest.raises(ShapeError, match="has 3 input channels but inputs"):
        depthwise_conv(x, _rand(3, 3, 3, 2))
    with pytest.raises(ShapeError, match=r"\(\*kernel_size, C_out, C_in\)"):
        conv_transpose(x, _rand(3, 3, 8, 3))
    with pytest.raises(ConfigError, match="output_padding"):
        conv_transpose(x, _rand(3, 3, 8, 4), output_padding=-1)
    with pytest.raises(ConfigError, match="padding must be one of 'valid', 'same'"):
        max_pool(x, 2, padding="causal")
    with pytest.raises(ConfigError, match="pool_size"):
        average_pool(x, (2, 2, 2))
    with pytest.raises(ShapeError, match="smaller than pool_size"):
        max_pool(_rand(1, 2, 2, 1), 3)


# --- vectorised: the MNIST convnet's convolutions must be GEMM-shaped, never a Python loop over samples ---------
def test_mnist_convnet_shapes_make_as_many_python_calls_for_128_samples_as_for_2():
    def step(n):
        x1, w1 = Tensor(_rand(n, 28, 28, 1), requires_grad=True), Tensor(_rand(3, 3, 1, 32), requires_grad=True)
        x2, w2 = Tensor(_rand(n, 13, 13, 32), requires_grad=True), Tensor(_rand(3, 3, 32, 64), requires_grad=True)
        return lambda: (conv(x1, w1).sum().backward(), conv(x2, w2).sum().backward(),
                        max_pool(x2, 2).sum().backward())
    small, large = step(2), step(128)
    small(), large()  # warm: plans and caches
    assert count_python_calls(large) <= count_python_calls(small)


@pytest.mark.parametrize("shape,pool,padding,fmt", [
    ((2, 7, 9, 3), 2, "valid", "channels_last"),  # odd sizes: the trailing row/column is cropped
    ((2, 7, 9, 3), 3, "same", "channels_last"),  # -inf padding never wins
    ((2, 3, 8, 6), (1, 2), "valid", "channels_first"),  # a window of 1 on one axis
    ((1, 10, 4), 4, "same", "channels_last"),  # 1-D
    ((1, 4, 6, 5, 2), (2, 3, 1), "valid", "channels_last"),  # 3-D
])
def test_max_pool_inference_route_equals_the_training_route(shape, pool, padding, fmt):
    # without a gradient the disjoint-window max skips the argmax index; it must give the same values
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    trained = max_pool(Tensor(x, requires_grad=True), pool, padding=padding, data_format=fmt).numpy()
    with no_grad():
        inferred = max_pool(Tensor(x, requires_grad=True), pool, padding=padding, data_format=fmt).numpy()
    np.testing.assert_array_equal(inferred, trained)
    assert inferred.flags.c_contiguous and not np.shares_memory(inferred, x)


@pytest.mark.parametrize("groups,fmt", [(1, "channels_last"), (2, "channels_first")])
def test_inference_conv_by_chunks_equals_one_pass(monkeypatch, groups, fmt):
    # without a kernel gradient the forward runs a few samples at a time; the result must not change
    conv_module = importlib.import_module("neuroflow.ops.conv")  # (neuroflow.ops.conv is also the function)
    x = _input(2, (7, 6), 4, fmt == "channels_first", batch=5)
    w, b = _rand(3, 3, 4 // groups, 6, seed=1), _rand(6, seed=2)
    kw = dict(padding="same", groups=groups, data_format=fmt, activation="relu")
    whole = conv(Tensor(x), Tensor(w, requires_grad=True), bias=Tensor(b), **kw).data  # keeps columns: one pass
    monkeypatch.setattr(conv_module, "_CHUNK_ELEMENTS", 1)  # one sample per chunk
    with no_grad():
        chunked = conv(Tensor(x), Tensor(w), bias=Tensor(b), **kw).data
    np.testing.assert_allclose(chunked, whole, rtol=1e-6, atol=1e-6)


def test_conv_plan_cache_takes_lists_and_never_caches_errors():
    x, w = _rand(2, 6, 6, 3), _rand(3, 3, 3, 4, seed=1)
    a = conv(x, w, strides=[2, 2], padding="same").data  # a list is unhashable: planned without the cache
    b = conv(x, w, strides=(2, 2), padding="same").data
    np.testing.assert_array_equal(a, b)
    for _ in range(2):  # the same bad call fails every time
        with pytest.raises(ShapeError, match="input channels"):
            conv(_rand(2, 6, 6, 5), w)


def test_unfusable_activation_is_a_config_error_naming_the_op():
    x, w = _rand(1, 5, 5, 2), _rand(3, 3, 2, 3, seed=1)
    with pytest.raises(ConfigError, match=r"conv: activation 'softmax' cannot be fused; expected one of"):
        conv(x, w, activation="softmax")
    from neuroflow.ops.fused import linear
    with pytest.raises(ConfigError, match=r"linear: activation 'elu' cannot be fused"):
        linear(_rand(2, 3), _rand(3, 4), activation="elu")
