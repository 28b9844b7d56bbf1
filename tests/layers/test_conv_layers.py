"""Convolution layers: the shared layer checks, forward and gradients against PyTorch (weights in Keras layout,
converted inside the torch reference), output shapes, argument errors, and a tiny CNN that learns."""

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.layers.conv import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, DepthwiseConv1D,
                                   DepthwiseConv2D, SeparableConv1D, SeparableConv2D)
from neuroflow.layers.pooling import MaxPooling2D
from neuroflow.models import Sequential, load_model

from .layer_check import check_layer


# --- shared checks ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("factory, in_shape, out_shape, n_weights", [
    (lambda: Conv2D(4, 3, activation="relu"), (2, 6, 6, 3), (2, 4, 4, 4), 2),
    (lambda: Conv2D(4, (3, 2), strides=2, padding="same", use_bias=False), (2, 7, 6, 2), (2, 4, 3, 4), 1),
    (lambda: Conv2D(4, 3, data_format="channels_first", dilation_rate=2), (2, 3, 7, 7), (2, 4, 3, 3), 2),
    (lambda: Conv2D(4, 1, groups=2, kernel_regularizer="l2"), (2, 3, 3, 2), (2, 3, 3, 4), 2),
    (lambda: Conv1D(3, 3, padding="causal", activation="tanh"), (2, 6, 2), (2, 6, 3), 2),
    (lambda: Conv3D(2, 2), (2, 3, 3, 3, 2), (2, 2, 2, 2, 2), 2),
    (lambda: Conv2DTranspose(3, 3, strides=2), (2, 3, 3, 2), (2, 7, 7, 3), 2),
    (lambda: Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1), (2, 3, 3, 2), (2, 6, 6, 3), 2),
    (lambda: Conv1DTranspose(2, 2, strides=2), (2, 4, 3), (2, 8, 2), 2),
    (lambda: DepthwiseConv2D(3, depth_multiplier=2, padding="same"), (2, 5, 5, 3), (2, 5, 5, 6), 2),
    (lambda: DepthwiseConv1D(2), (2, 5, 3), (2, 4, 3), 2),
    (lambda: SeparableConv2D(4, 3, depth_multiplier=2, activation="sigmoid"), (2, 5, 5, 2), (2, 3, 3, 4), 3),
    (lambda: SeparableConv1D(4, 2, strides=2, use_bias=False), (2, 6, 2), (2, 3, 4), 2),
], ids=["conv2d", "conv2d-same-strided-nobias", "conv2d-cf-dilated", "conv2d-groups", "conv1d-causal", "conv3d",
        "conv2d-transpose", "conv2d-transpose-same-outpad", "conv1d-transpose", "depthwise2d", "depthwise1d",
        "separable2d", "separable1d"])
def test_check_layer(factory, in_shape, out_shape, n_weights):
    check_layer(factory, in_shape, out_shape, trainable_weights=n_weights)


def test_weight_names_shapes_and_order_are_keras():
    conv = Conv2D(8, (3, 2), groups=2)
    conv(np.zeros((1, 5, 5, 4), np.float32))
    assert [(w.path.split("/")[-1], w.shape) for w in conv.weights] == [("kernel", (3, 2, 2, 8)), ("bias", (8,))]
    tconv = Conv2DTranspose(5, 3)
    tconv(np.zeros((1, 4, 4, 2), np.float32))
    assert [w.shape for w in tconv.weights] == [(3, 3, 5, 2), (5,)]
    dw = DepthwiseConv2D(3, depth_multiplier=2)
    dw(np.zeros((1, 4, 4, 3), np.float32))
    assert [(w.path.split("/")[-1], w.shape) for w in dw.weights] == [("kernel", (3, 3, 3, 2)), ("bias", (6,))]
    sep = SeparableConv2D(7, 3, depth_multiplier=2)
    sep(np.zeros((1, 4, 4, 3), np.float32))
    assert [(w.path.split("/")[-1], w.shape) for w in sep.weights] == [
        ("depthwise_kernel", (3, 3, 3, 2)), ("pointwise_kernel", (1, 1, 6, 7)), ("bias", (7,))]


# --- PyTorch parity -----------------------------------------------------------------------------------------------
def _tf_same(torch, x, kernel, strides, dilation):
    """Pad channels-first torch ``x`` as TensorFlow's 'same' does (odd pixel at the end)."""
    pads = []
    for n, k, s, d in zip(x.shape[2:], kernel, strides, dilation):
        eff = d * (k - 1) + 1
        total = max((-(-n // s) - 1) * s + eff - n, 0)
        pads.append((total // 2, total - total // 2))
    flat = [p for pair in reversed(pads) for p in pair]  # F.pad wants the last axis first
    return torch.nn.functional.pad(x, flat)


def _check_parity(layer, x, torch_fn, atol=1e-4):
    """Output and gradients (input and every weight) of ``layer`` vs ``torch_fn(tx, weights)``.

    ``torch_fn`` takes the channels-last input and the weights in Keras layout (torch leaves) and returns the
    output channels-last, so every gradient compares in neuroflow's own layout.
    """
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    nx = nf.Tensor(x, requires_grad=True)
    ny = layer(nx)
    g = rng.standard_normal(ny.shape).astype(np.float32)
    (ny * nf.Tensor(g)).sum().backward()
    tx = torch.from_numpy(x).requires_grad_(True)
    tw = [torch.from_numpy(w.numpy().copy()).requires_grad_(True) for w in layer.weights]
    ty = torch_fn(tx, tw)
    (ty * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(ny.numpy(), ty.detach().numpy(), rtol=1e-4, atol=atol)
    np.testing.assert_allclose(nx.grad, tx.grad.numpy(), rtol=1e-4, atol=atol)
    for w, t in zip(layer.weights, tw):
        assert w.grad.dtype == np.float32
        np.testing.assert_allclose(w.grad, t.grad.numpy(), rtol=1e-4, atol=atol, err_msg=w.path)


def _to_cf(t):
    return t.movedim(-1, 1)


def _to_cl(t):
    return t.movedim(1, -1)


@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=3),
    dict(kernel_size=(3, 2), strides=(2, 1), padding="same", activation="relu"),
    dict(kernel_size=3, padding="same", dilation_rate=2, activation="tanh"),
    dict(kernel_size=2, groups=2, activation="sigmoid"),
], ids=["valid", "same-strided-relu", "same-dilated-tanh", "grouped-sigmoid"])
def test_conv2d_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    layer = Conv2D(4, **kwargs)
    x = np.random.default_rng(1).standard_normal((2, 7, 6, 4)).astype(np.float32)
    layer(x)
    k, s, d = layer.kernel_size, layer.strides, layer.dilation_rate
    act = {"linear": lambda t: t, "relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[layer._act_name]

    def ref(tx, tw):
        xc = _to_cf(tx)
        if layer.padding == "same":
            xc = _tf_same(torch, xc, k, s, d)
        y = F.conv2d(xc, tw[0].permute(3, 2, 0, 1), tw[1], stride=s, dilation=d, groups=layer.groups)
        return _to_cl(act(y))

    _check_parity(layer, x, ref)


def test_conv2d_channels_first_matches_torch():
    torch = pytest.importorskip("torch")
    layer = Conv2D(3, 3, strides=2, data_format="channels_first")
    x = np.random.default_rng(2).standard_normal((2, 2, 7, 7)).astype(np.float32)
    layer(x)
    # channels-first output: compare in torch's own layout (the helper's "channels-last" is just the identity)
    _check_parity(layer, x, lambda tx, tw: torch.nn.functional.conv2d(tx, tw[0].permute(3, 2, 0, 1), tw[1],
                                                                      stride=2))


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_conv1d_matches_torch(padding):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    layer = Conv1D(3, 3, padding=padding, dilation_rate=2 if padding == "causal" else 1)
    x = np.random.default_rng(3).standard_normal((2, 8, 2)).astype(np.float32)
    layer(x)

    def ref(tx, tw):
        xc = _to_cf(tx)
        if padding == "same":
            xc = _tf_same(torch, xc, (3,), (1,), (1,))
        elif padding == "causal":
            xc = F.pad(xc, (4, 0))
        return _to_cl(F.conv1d(xc, tw[0].permute(2, 1, 0), tw[1], dilation=layer.dilation_rate))

    _check_parity(layer, x, ref)


def test_conv3d_matches_torch():
    torch = pytest.importorskip("torch")
    layer = Conv3D(3, 2, strides=(1, 2, 1))
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 3, 2)).astype(np.float32)
    layer(x)
    _check_parity(layer, x, lambda tx, tw: _to_cl(torch.nn.functional.conv3d(
        _to_cf(tx), tw[0].permute(4, 3, 0, 1, 2), tw[1], stride=(1, 2, 1))))


@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=3, strides=2),
    dict(kernel_size=3, strides=2, padding="same"),
    dict(kernel_size=(2, 3), strides=(2, 1), padding="same"),
    dict(kernel_size=3, strides=2, output_padding=1),
    dict(kernel_size=2, dilation_rate=2, activation="relu"),
], ids=["valid", "same", "same-rect", "valid-output-padding", "dilated-relu"])
def test_conv2d_transpose_matches_torch(kwargs):
    """TensorFlow's transposed conv = torch's full transposed conv, cropped: 'same' drops ``total // 2`` before."""
    torch = pytest.importorskip("torch")
    layer = Conv2DTranspose(3, **kwargs)
    x = np.random.default_rng(5).standard_normal((2, 3, 4, 2)).astype(np.float32)
    layer(x)
    k, s, d = layer.kernel_size, layer.strides, layer.dilation_rate
    act = torch.relu if layer._act_name == "relu" else (lambda t: t)

    def ref(tx, tw):
        op = layer.output_padding or (0, 0)
        full = torch.nn.functional.conv_transpose2d(_to_cf(tx), tw[0].permute(3, 2, 0, 1), tw[1], stride=s,
                                                    dilation=d, output_padding=op)
        if layer.padding == "same":  # out = n * s; the full output loses total // 2 at the start
            crops = []
            for n, full_n, st in zip(x.shape[1:3], full.shape[2:], s):
                before = (full_n - n * st) // 2
                crops.append(slice(before, before + n * st))
            full = full[(slice(None), slice(None)) + tuple(crops)]
        return _to_cl(act(full))

    _check_parity(layer, x, ref)


def test_conv1d_transpose_matches_torch():
    torch = pytest.importorskip("torch")
    layer = Conv1DTranspose(2, 3, strides=2)
    x = np.random.default_rng(6).standard_normal((2, 4, 3)).astype(np.float32)
    layer(x)
    _check_parity(layer, x, lambda tx, tw: _to_cl(torch.nn.functional.conv_transpose1d(
        _to_cf(tx), tw[0].permute(2, 1, 0), tw[1], stride=2)))


@pytest.mark.parametrize("kwargs", [dict(), dict(depth_multiplier=2, padding="same", strides=2),
                                    dict(dilation_rate=2, activation="relu")],
                         ids=["plain", "multiplier-same-strided", "dilated-relu"])
def test_depthwise_conv2d_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    layer = DepthwiseConv2D(3, **kwargs)
    x = np.random.default_rng(7).standard_normal((2, 7, 7, 3)).astype(np.float32)
    layer(x)
    k, s, d, m = layer.kernel_size, layer.strides, layer.dilation_rate, layer.depth_multiplier
    act = torch.relu if layer._act_name == "relu" else (lambda t: t)

    def ref(tx, tw):
        xc = _to_cf(tx)
        if layer.padding == "same":
            xc = _tf_same(torch, xc, k, s, d)
        w = tw[0].reshape(k + (3 * m,)).permute(2, 0, 1).unsqueeze(1)  # out channel c * m + j
        return _to_cl(act(torch.nn.functional.conv2d(xc, w, tw[1], stride=s, dilation=d, groups=3)))

    _check_parity(layer, x, ref)


@pytest.mark.parametrize("kwargs", [dict(), dict(depth_multiplier=2, strides=2, padding="same",
                                                 activation="relu")], ids=["plain", "multiplier-strided-same"])
def test_separable_conv2d_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    layer = SeparableConv2D(4, 3, **kwargs)
    x = np.random.default_rng(8).standard_normal((2, 6, 6, 2)).astype(np.float32)
    layer(x)
    k, s, m = layer.kernel_size, layer.strides, layer.depth_multiplier
    act = torch.relu if layer._act_name == "relu" else (lambda t: t)

    def ref(tx, tw):
        xc = _to_cf(tx)
        if layer.padding == "same":
            xc = _tf_same(torch, xc, k, s, (1, 1))
        dw = tw[0].reshape(k + (2 * m,)).permute(2, 0, 1).unsqueeze(1)
        y = F.conv2d(xc, dw, stride=s, groups=2)
        return _to_cl(act(F.conv2d(y, tw[1].permute(3, 2, 0, 1), tw[2])))

    _check_parity(layer, x, ref)


def test_separable_conv1d_matches_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    layer = SeparableConv1D(3, 2, depth_multiplier=2)
    x = np.random.default_rng(9).standard_normal((2, 5, 2)).astype(np.float32)
    layer(x)

    def ref(tx, tw):
        y = F.conv1d(_to_cf(tx), tw[0].reshape(2, 4).permute(1, 0).unsqueeze(1), groups=2)
        return _to_cl(F.conv1d(y, tw[1].permute(2, 1, 0), tw[2]))

    _check_parity(layer, x, ref)


# --- shapes and errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, in_shape", [
    (Conv2D(2, 3), (3, 9, 8, 1)), (Conv2D(2, 3, strides=2), (3, 9, 8, 1)),
    (Conv2D(2, 4, strides=3, padding="same"), (3, 9, 8, 1)),
    (Conv2D(2, 3, padding="same", dilation_rate=3), (3, 9, 8, 1)),
    (Conv2DTranspose(2, 3, strides=3), (3, 4, 5, 1)), (Conv2DTranspose(2, 4, strides=2, padding="same"), (3, 4, 5, 1)),
    (Conv2DTranspose(2, 2, strides=3), (3, 4, 5, 1)),
    (Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=(0, 1)), (3, 4, 5, 1)),
    (DepthwiseConv2D(3, strides=2, padding="same"), (3, 9, 8, 2)), (SeparableConv2D(3, 2, strides=2), (3, 9, 8, 2)),
    (Conv1D(2, 3, strides=2, padding="causal"), (3, 9, 1)),
])
def test_compute_output_shape_matches_call(layer, in_shape):
    out = layer(np.zeros(in_shape, np.float32))
    assert tuple(layer.compute_output_shape((None,) + in_shape[1:])) == (None,) + out.shape[1:]


def test_compute_output_shape_keeps_unknown_sizes():
    assert Conv2D(5, 3).compute_output_shape((None, None, 10, 3)) == (None, None, 8, 5)
    assert Conv2DTranspose(5, 3, strides=2).compute_output_shape((None, 4, None, 3)) == (None, 9, None, 5)


def test_mnist_shaped_input_without_channel_axis_says_what_to_do():
    layer = Conv2D(8, 3, name="first_conv")
    with pytest.raises(ShapeError, match=r"first_conv.*\(batch, rows, cols, channels\).*x\[\.\.\., None\]"):
        layer(np.zeros((4, 28, 28), np.float32))
    with pytest.raises(ShapeError, match=r"\(batch, channels, rows, cols\)"):
        Conv2D(8, 3, data_format="channels_first").compute_output_shape((None, 28, 28))


def test_wrong_channel_count_after_build_names_the_layer():
    layer = Conv2D(2, 3, name="c")
    layer(np.zeros((1, 5, 5, 3), np.float32))
    with pytest.raises(ShapeError, match="'c'.*3 channels"):
        layer(np.zeros((1, 5, 5, 4), np.float32))


def test_argument_errors():
    with pytest.raises(ConfigError, match="strides > 1 cannot be combined with dilation_rate > 1"):
        Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ConfigError, match="strides > 1 cannot be combined"):
        DepthwiseConv2D(3, strides=(1, 2), dilation_rate=(2, 1))
    with pytest.raises(ConfigError, match="kernel_size"):
        Conv2D(2, (3, 3, 3))
    with pytest.raises(ConfigError, match="padding"):
        Conv2D(2, 3, padding="causal")
    with pytest.raises(ConfigError, match="filters"):
        Conv2D(0, 3)
    with pytest.raises(ConfigError, match="divisible by groups"):
        Conv2D(3, 3, groups=2)
    with pytest.raises(ConfigError, match="data_format"):
        Conv2D(3, 3, data_format="NHWC")
    with pytest.raises(ConfigError, match="output_padding"):
        Conv2DTranspose(3, 3, strides=2, output_padding=2)
    with pytest.raises(ShapeError, match="groups=2 must divide the 3 input channels"):
        Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), np.float32))
    with pytest.raises(ShapeError, match="smaller than the"):
        Conv2D(4, 5)(np.zeros((1, 3, 3, 1), np.float32))
    with pytest.raises(ConfigError, match="unexpected argument"):
        Conv2D(4, 3, kernel_size_typo=1)


def test_a_sigmoid_output_carries_its_logits():
    layer = Conv2D(2, 2, activation="sigmoid")
    x = np.random.default_rng(10).standard_normal((1, 3, 3, 1)).astype(np.float32)
    probs = layer(x)
    logits = probs._keras_logits.numpy()
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), probs.numpy(), rtol=1e-6)


# --- a tiny CNN learns ----------------------------------------------------------------------------------------
def _blob_images(n, rng):
    """16x16 noisy images with a bright Gaussian blob in the top-left, top-right or bottom half: labels 0-2."""
    y = rng.integers(0, 3, n)
    cy = np.where(y == 2, rng.uniform(10, 14, n), rng.uniform(2, 6, n))
    cx = np.where(y == 0, rng.uniform(2, 6, n), np.where(y == 1, rng.uniform(10, 14, n), rng.uniform(2, 14, n)))
    r, c = np.mgrid[:16, :16]
    blobs = np.exp(-((r[None] - cy[:, None, None]) ** 2 + (c[None] - cx[:, None, None]) ** 2) / 4.0)
    x = blobs + 0.3 * rng.standard_normal((n, 16, 16))
    return x[..., None].astype(np.float32), y


def test_tiny_cnn_learns_where_the_blob_is(tmp_path):
    nf.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = _blob_images(384, rng)
    model = Sequential([layers.Input(shape=(16, 16, 1)), Conv2D(8, 3, activation="relu"), MaxPooling2D(),
                        layers.Flatten(), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=20, verbose=0)  # 240 steps
    assert history.history["accuracy"][-1] >= 0.9, history.history["accuracy"]
    x_test, y_test = _blob_images(200, rng)
    pred = model.predict(x_test, verbose=0)
    assert (pred.argmax(-1) == y_test).mean() >= 0.85
    model.save(tmp_path / "cnn.neuroflow")
    np.testing.assert_array_equal(load_model(tmp_path / "cnn.neuroflow").predict(x_test, verbose=0), pred)
