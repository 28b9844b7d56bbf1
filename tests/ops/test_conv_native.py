"""The compiled pooling / bias-ReLU kernels (neuroflow/ops/conv_native.py) against their NumPy twins: bitwise equal.

Gradients against finite differences and PyTorch are the op table's (rows_conv.py), which runs the compiled forms
when they are built; here each compiled result is compared with the NumPy form of the same call, on one thread and
split over several, including ties (ReLU zeros), -inf padding, NaN and inf.
"""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import _native
from neuroflow.ops import conv, max_pool

needs_native = pytest.mark.skipif(_native.library() is None, reason="compiled kernels not built")


def _run(fn, *arrays):
    """``fn`` on fresh Variables of ``arrays``: the output and every input's gradient (upstream: fixed noise)."""
    vs = [nf.Tensor(a, requires_grad=True) for a in arrays]
    y = fn(*vs)
    g = np.random.default_rng(5).standard_normal(y.shape).astype(y.dtype)
    return [y.numpy()] + [d.numpy() for d in nf.grad(y, vs, grad_outputs=nf.Tensor(g))]


def _both(fn, *arrays):
    compiled = _run(fn, *arrays)
    with _native.disabled():
        plain = _run(fn, *arrays)
    return compiled, plain


def _images(shape, seed=0, ties=True):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    if ties:  # ReLU output: many equal zeros in a window, where the first offset must win
        x = np.maximum(x, 0)
    return x


@needs_native
@pytest.mark.parametrize("threads", ["1", "2"])
@pytest.mark.parametrize("shape, kwargs", [
    ((64, 26, 26, 32), dict(pool_size=2)),                              # the MNIST convnet's first pool
    ((64, 11, 11, 64), dict(pool_size=2)),                              # odd size: the last row/column unread
    ((3, 9, 8, 5), dict(pool_size=3, strides=2, padding="same")),       # overlapping windows, -inf padding
    ((2, 7, 9, 4), dict(pool_size=(2, 3), strides=(3, 3))),             # strides > pool: gaps
    ((4, 17, 6), dict(pool_size=3, padding="same")),                    # 1-D
])
def test_max_pool_is_bitwise_its_numpy_twin(monkeypatch, threads, shape, kwargs):
    monkeypatch.setenv("NEUROFLOW_NUM_THREADS", threads)
    x = _images(shape)
    compiled, plain = _both(lambda v: max_pool(v, **kwargs), x)
    for a, b in zip(compiled, plain):
        assert a.dtype == b.dtype == np.float32
        assert np.array_equal(a, b)
    with nf.no_grad():  # the inference form (no index)
        y = max_pool(x, **kwargs).numpy()
    assert np.array_equal(y, plain[0])


@needs_native
def test_max_pool_non_finite_values_match_numpy():
    x = _images((2, 6, 6, 3), ties=False)
    x[0, 0, 0, 0] = np.nan
    x[0, 2, 3, 1] = np.inf
    x[1, 4, 4, 2] = -np.inf
    compiled, plain = _both(lambda v: max_pool(v, 2), x)
    for a, b in zip(compiled, plain):
        assert np.array_equal(a, b, equal_nan=True)
    assert np.isnan(compiled[0][0, 0, 0, 0])


@needs_native
@pytest.mark.parametrize("threads", ["1", "2"])
@pytest.mark.parametrize("activation, bias", [("relu", True), ("relu", False), ("tanh", True)])
def test_conv_bias_relu_is_bitwise_its_numpy_twin(monkeypatch, threads, activation, bias):
    monkeypatch.setenv("NEUROFLOW_NUM_THREADS", threads)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((32, 13, 13, 8)).astype(np.float32)
    w = (rng.standard_normal((3, 3, 8, 16)) * 0.3).astype(np.float32)
    b = rng.standard_normal(16).astype(np.float32)
    if bias:
        compiled, plain = _both(lambda xv, wv, bv: conv(xv, wv, bias=bv, activation=activation), x, w, b)
    else:
        compiled, plain = _both(lambda xv, wv: conv(xv, wv, activation=activation), x, w)
    for a, b_ in zip(compiled, plain):
        assert np.array_equal(a, b_)
    assert (compiled[0] == 0).any() or activation != "relu"


@needs_native
def test_channels_first_and_float64_take_the_numpy_forms():
    x = _images((2, 3, 6, 6))
    compiled, plain = _both(lambda v: max_pool(v, 2, data_format="channels_first"), x)
    assert all(np.array_equal(a, b) for a, b in zip(compiled, plain))
    x64 = _images((2, 6, 6, 3)).astype(np.float64)
    y = max_pool(nf.Tensor(x64, dtype="float64"), 2).numpy()
    assert y.dtype == np.float64
    assert np.array_equal(y, max_pool(x64.astype(np.float32), 2).numpy())  # a maximum is exact in both


@needs_native
@pytest.mark.parametrize("threads", ["1", "2"])
@pytest.mark.parametrize("x_shape, k_shape, kwargs", [
    ((16, 13, 13, 32), (3, 3, 32, 64), {}),                                         # the convnet's second conv
    ((2, 9, 8, 3), (3, 2, 3, 4), dict(strides=2, padding="same")),                  # strided, padded, odd
    ((2, 11, 10, 2), (3, 3, 2, 3), dict(dilation_rate=(2, 3), padding="same")),     # dilated
    ((3, 17, 4), (4, 4, 5), dict(strides=3)),                                       # 1-D, a tail never read
])
def test_conv_input_gradient_col2im_is_bitwise_its_numpy_twin(monkeypatch, threads, x_shape, k_shape, kwargs):
    monkeypatch.setenv("NEUROFLOW_NUM_THREADS", threads)
    rng = np.random.default_rng(3)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(k_shape).astype(np.float32)
    compiled, plain = _both(lambda xv, wv: conv(xv, wv, **kwargs), x, w)
    for a, b in zip(compiled, plain):
        assert np.array_equal(a, b)


@needs_native
def test_conv_transpose_forward_uses_the_same_gather():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 6, 4)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    compiled, plain = _both(lambda xv, wv: nf.ops.conv_transpose(xv, wv, strides=2, padding="same"), x, w)
    for a, b in zip(compiled, plain):
        assert np.array_equal(a, b)
