"""The shared layer check (tests/layers/layer_check.py) run on the strict stand-in device: build, shapes, weight
counts, config and file round trips, a training step, freezing — and the output equal to the NumPy device's
(same seed)."""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import backend, layers
from neuroflow.backends import strict

from tests.layers.layer_check import check_layer

pytestmark = pytest.mark.skipif(backend.get_device() != "cpu",
                                reason="compares the strict device with the CPU run; run without NEUROFLOW_DEVICE")


def _ids(shape, high=10):
    return np.random.default_rng(0).integers(0, high, shape)


#: name -> (factory, input shape(s), expected output shape, keyword arguments of check_layer)
CASES = {
    "Dense": (lambda: layers.Dense(3, activation="tanh"), (4, 5), (4, 3), {"trainable_weights": 2}),
    "Dense[3d,no-bias]": (lambda: layers.Dense(2, use_bias=False), (3, 4, 5), (3, 4, 2), {"trainable_weights": 1}),
    "Dense[l2]": (lambda: layers.Dense(3, kernel_regularizer="l2"), (4, 5), (4, 3), {"trainable_weights": 2}),
    "EinsumDense": (lambda: layers.EinsumDense("ab,bc->ac", 3, bias_axes="c"), (4, 5), (4, 3),
                    {"trainable_weights": 2}),
    "Activation": (lambda: layers.Activation("relu"), (4, 5), (4, 5), {}),
    "Dropout": (lambda: layers.Dropout(0.5, seed=1), (8, 16), (8, 16), {}),
    "Flatten": (lambda: layers.Flatten(), (2, 3, 4), (2, 12), {}),
    "Reshape": (lambda: layers.Reshape((3, -1)), (2, 12), (2, 3, 4), {}),
    "Permute": (lambda: layers.Permute((2, 1)), (2, 3, 4), (2, 4, 3), {}),
    "RepeatVector": (lambda: layers.RepeatVector(3), (2, 4), (2, 3, 4), {}),
    "Identity": (lambda: layers.Identity(), (2, 4), (2, 4), {}),
    "Embedding": (lambda: layers.Embedding(10, 3), (4, 5), (4, 5, 3),
                  {"trainable_weights": 1, "input_data": _ids((4, 5))}),
    "Conv1D": (lambda: layers.Conv1D(3, 3, padding="same"), (2, 7, 4), (2, 7, 3), {"trainable_weights": 2}),
    "Conv2D": (lambda: layers.Conv2D(3, 3, strides=2, activation="relu"), (2, 7, 7, 2), (2, 3, 3, 3),
               {"trainable_weights": 2}),
    "Conv3D": (lambda: layers.Conv3D(2, 2), (2, 4, 4, 4, 1), (2, 3, 3, 3, 2), {"trainable_weights": 2}),
    "Conv2DTranspose": (lambda: layers.Conv2DTranspose(2, 3, strides=2), (2, 4, 4, 3), (2, 9, 9, 2),
                        {"trainable_weights": 2}),
    "DepthwiseConv2D": (lambda: layers.DepthwiseConv2D(3), (2, 6, 6, 3), (2, 4, 4, 3), {"trainable_weights": 2}),
    "SeparableConv2D": (lambda: layers.SeparableConv2D(4, 3), (2, 6, 6, 3), (2, 4, 4, 4), {"trainable_weights": 3}),
    "MaxPooling1D": (lambda: layers.MaxPooling1D(2), (2, 8, 3), (2, 4, 3), {}),
    "MaxPooling2D": (lambda: layers.MaxPooling2D(), (2, 6, 6, 3), (2, 3, 3, 3), {}),
    "AveragePooling2D": (lambda: layers.AveragePooling2D(2), (2, 6, 6, 3), (2, 3, 3, 3), {}),
    "GlobalAveragePooling2D": (lambda: layers.GlobalAveragePooling2D(), (2, 5, 5, 3), (2, 3), {}),
    "GlobalMaxPooling1D": (lambda: layers.GlobalMaxPooling1D(), (2, 6, 3), (2, 3), {}),
    "AdaptiveAveragePooling2D": (lambda: layers.AdaptiveAveragePooling2D((2, 3)), (2, 7, 5, 3), (2, 2, 3, 3), {}),
    "ZeroPadding2D": (lambda: layers.ZeroPadding2D(1), (2, 3, 3, 2), (2, 5, 5, 2), {}),
    "Cropping2D": (lambda: layers.Cropping2D(1), (2, 5, 5, 2), (2, 3, 3, 2), {}),
    "UpSampling2D": (lambda: layers.UpSampling2D(2), (2, 3, 3, 2), (2, 6, 6, 2), {}),
    "BatchNormalization": (lambda: layers.BatchNormalization(), (6, 5), (6, 5),
                           {"trainable_weights": 2, "non_trainable_weights": 2}),
    "BatchNormalization[axis=1]": (lambda: layers.BatchNormalization(axis=1, momentum=0.9), (4, 3, 2, 2),
                                   (4, 3, 2, 2), {"trainable_weights": 2, "non_trainable_weights": 2}),
    "LayerNormalization": (lambda: layers.LayerNormalization(), (4, 6), (4, 6), {"trainable_weights": 2}),
    "GroupNormalization": (lambda: layers.GroupNormalization(groups=2), (4, 6), (4, 6), {"trainable_weights": 2}),
    "UnitNormalization": (lambda: layers.UnitNormalization(), (4, 6), (4, 6), {}),
    "SimpleRNN": (lambda: layers.SimpleRNN(3), (4, 5, 2), (4, 3), {"trainable_weights": 3, "learning_rate": 0.1}),
    "LSTM": (lambda: layers.LSTM(3, return_sequences=True), (4, 5, 2), (4, 5, 3),
             {"trainable_weights": 3, "learning_rate": 0.1}),
    "GRU": (lambda: layers.GRU(3), (4, 5, 2), (4, 3), {"trainable_weights": 3, "learning_rate": 0.1}),
    "Bidirectional": (lambda: layers.Bidirectional(layers.LSTM(3)), (4, 5, 2), (4, 6),
                      {"trainable_weights": 6, "learning_rate": 0.1}),
    "RNN[LSTMCell]": (lambda: layers.RNN(layers.LSTMCell(3), return_sequences=True), (4, 5, 2), (4, 5, 3),
                      {"trainable_weights": 3, "learning_rate": 0.1}),
    "TimeDistributed": (lambda: layers.TimeDistributed(layers.Dense(3, activation="tanh")), (4, 5, 2), (4, 5, 3),
                        {"trainable_weights": 2}),
    "MultiHeadAttention": (lambda: layers.MultiHeadAttention(2, 3, seed=0), [(4, 5, 6), (4, 7, 6)], (4, 5, 6),
                           {"trainable_weights": 8}),
    "Attention": (lambda: layers.Attention(), [(2, 3, 4), (2, 5, 4)], (2, 3, 4), {}),
    "Add": (lambda: layers.Add(), [(2, 3), (2, 3)], (2, 3), {}),
    "Concatenate": (lambda: layers.Concatenate(), [(2, 3), (2, 4)], (2, 7), {}),
    "Multiply": (lambda: layers.Multiply(), [(2, 3), (2, 3)], (2, 3), {}),
    "Dot": (lambda: layers.Dot(axes=1), [(2, 3), (2, 3)], (2, 1), {}),
    "ReLU": (lambda: layers.ReLU(max_value=1.0), (4, 5), (4, 5), {}),
    "LeakyReLU": (lambda: layers.LeakyReLU(), (4, 5), (4, 5), {}),
    "PReLU": (lambda: layers.PReLU(), (4, 5), (4, 5), {"trainable_weights": 1}),
    "ELU": (lambda: layers.ELU(), (4, 5), (4, 5), {}),
    "Softmax": (lambda: layers.Softmax(), (4, 5), (4, 5), {}),
    "GaussianNoise": (lambda: layers.GaussianNoise(0.1, seed=2), (4, 5), (4, 5), {}),
    "GaussianDropout": (lambda: layers.GaussianDropout(0.2, seed=2), (4, 5), (4, 5), {}),
    "AlphaDropout": (lambda: layers.AlphaDropout(0.2, seed=2), (4, 5), (4, 5), {}),
    "SpatialDropout2D": (lambda: layers.SpatialDropout2D(0.5, seed=2), (2, 4, 4, 3), (2, 4, 4, 3), {}),
    "Masking": (lambda: layers.Masking(), (4, 5, 3), (4, 5, 3), {}),
    "Rescaling": (lambda: layers.Rescaling(1 / 255.0, offset=-0.5), (3, 4, 5, 2), (3, 4, 5, 2), {}),
    "Normalization": (lambda: layers.Normalization(axis=None, mean=2.0, variance=4.0), (4, 5, 2), (4, 5, 2), {}),
    "Resizing": (lambda: layers.Resizing(4, 6), (2, 8, 12, 3), (2, 4, 6, 3), {}),
    "CategoryEncoding": (lambda: layers.CategoryEncoding(5, output_mode="multi_hot"), (3, 2), (3, 5),
                         {"input_data": _ids((3, 2), 5)}),
    "Discretization": (lambda: layers.Discretization(bin_boundaries=[-0.5, 0.0, 0.5]), (4, 3), (4, 3), {}),
    "Conv1DTranspose": (lambda: layers.Conv1DTranspose(2, 3, strides=2), (2, 5, 3), (2, 11, 2),
                        {"trainable_weights": 2}),
    "Conv3DTranspose": (lambda: layers.Conv3DTranspose(2, 2), (2, 3, 3, 3, 1), (2, 4, 4, 4, 2),
                        {"trainable_weights": 2}),
    "SeparableConv1D": (lambda: layers.SeparableConv1D(4, 3), (2, 6, 3), (2, 4, 4), {"trainable_weights": 3}),
    "DepthwiseConv1D": (lambda: layers.DepthwiseConv1D(3), (2, 6, 3), (2, 4, 3), {"trainable_weights": 2}),
    "MaxPooling3D": (lambda: layers.MaxPooling3D(2), (2, 4, 4, 4, 2), (2, 2, 2, 2, 2), {}),
    "AveragePooling1D": (lambda: layers.AveragePooling1D(2), (2, 8, 3), (2, 4, 3), {}),
    "GlobalAveragePooling1D": (lambda: layers.GlobalAveragePooling1D(), (2, 6, 3), (2, 3), {}),
    "GlobalMaxPooling2D": (lambda: layers.GlobalMaxPooling2D(), (2, 5, 5, 3), (2, 3), {}),
    "GlobalAveragePooling3D": (lambda: layers.GlobalAveragePooling3D(), (2, 3, 3, 3, 2), (2, 2), {}),
    "AdaptiveMaxPooling1D": (lambda: layers.AdaptiveMaxPooling1D(4), (2, 9, 3), (2, 4, 3), {}),
    "ZeroPadding1D": (lambda: layers.ZeroPadding1D(2), (2, 3, 2), (2, 7, 2), {}),
    "ZeroPadding3D": (lambda: layers.ZeroPadding3D(1), (2, 2, 2, 2, 1), (2, 4, 4, 4, 1), {}),
    "Cropping1D": (lambda: layers.Cropping1D(1), (2, 5, 2), (2, 3, 2), {}),
    "Cropping3D": (lambda: layers.Cropping3D(1), (2, 4, 4, 4, 1), (2, 2, 2, 2, 1), {}),
    "UpSampling1D": (lambda: layers.UpSampling1D(2), (2, 3, 2), (2, 6, 2), {}),
    "UpSampling3D": (lambda: layers.UpSampling3D(2), (2, 2, 2, 2, 1), (2, 4, 4, 4, 1), {}),
    "UpSampling2D[bilinear]": (lambda: layers.UpSampling2D(2, interpolation="bilinear"), (2, 3, 3, 2),
                               (2, 6, 6, 2), {}),
    "Subtract": (lambda: layers.Subtract(), [(2, 3), (2, 3)], (2, 3), {}),
    "Average": (lambda: layers.Average(), [(2, 3), (2, 3)], (2, 3), {}),
    "Maximum": (lambda: layers.Maximum(), [(2, 3), (2, 3)], (2, 3), {}),
    "Minimum": (lambda: layers.Minimum(), [(2, 3), (2, 3)], (2, 3), {}),
    "SpatialDropout1D": (lambda: layers.SpatialDropout1D(0.5, seed=2), (2, 4, 3), (2, 4, 3), {}),
    "SpatialDropout3D": (lambda: layers.SpatialDropout3D(0.5, seed=2), (2, 2, 2, 2, 3), (2, 2, 2, 2, 3), {}),
    "ActivityRegularization": (lambda: layers.ActivityRegularization(l1=0.01), (4, 5), (4, 5), {}),
    "AdditiveAttention": (lambda: layers.AdditiveAttention(), [(2, 3, 4), (2, 5, 4)], (2, 3, 4),
                          {"trainable_weights": 1}),
    "GroupQueryAttention": (lambda: layers.GroupQueryAttention(2, 4, 2), [(4, 5, 6), (4, 7, 6)], (4, 5, 6),
                            {"trainable_weights": 8}),
    "RMSNormalization": (lambda: layers.RMSNormalization(), (4, 6), (4, 6), {"trainable_weights": 1}),
    "SpectralNormalization": (lambda: layers.SpectralNormalization(layers.Dense(3)), (4, 5), (4, 3),
                              {"trainable_weights": 2, "non_trainable_weights": 1}),
    "RNN[StackedCells]": (lambda: layers.RNN([layers.GRUCell(3), layers.SimpleRNNCell(2)]), (4, 5, 2), (4, 2),
                          {"trainable_weights": 6, "learning_rate": 0.1}),
    "Embedding[mask_zero]": (lambda: layers.Embedding(10, 2, mask_zero=True), (6, 3), (6, 3, 2),
                             {"trainable_weights": 1, "input_data": _ids((6, 3))}),
    "Normalization[axis=-1]": (lambda: layers.Normalization(), (4, 3), (4, 3), {"non_trainable_weights": 3}),
    "GRU[reset_after=False]": (lambda: layers.GRU(3, reset_after=False, return_sequences=True), (4, 5, 2),
                               (4, 5, 3), {"trainable_weights": 3, "learning_rate": 0.1}),
    "LSTM[go_backwards]": (lambda: layers.LSTM(3, go_backwards=True, return_state=False), (4, 5, 2), (4, 3),
                           {"trainable_weights": 3, "learning_rate": 0.1}),
}

def _check(name):
    factory, shape, out_shape, kwargs = CASES[name]
    nf.random.set_seed(3)
    return check_layer(factory, shape, out_shape, **kwargs)[1]


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_check_on_strict_equals_numpy(name):
    cpu = _check(name)
    with nf.device("strict"):
        out = _check(name)
    assert type(out) is np.ndarray
    np.testing.assert_allclose(out, cpu, rtol=1e-5, atol=1e-6, err_msg=f"{name}: output on strict differs")


def _device_inputs(name):
    _, shape, _, kwargs = CASES[name]
    x = kwargs.get("input_data")
    if x is None:
        rng = np.random.default_rng(0)
        x = ([rng.standard_normal(s).astype(np.float32) for s in shape] if isinstance(shape, list)
             else rng.standard_normal(shape).astype(np.float32))
    return [nf.Tensor(a) for a in x] if isinstance(x, list) else nf.Tensor(x)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_layers_training_and_inference_calls_stay_on_the_device(name):
    with nf.device("strict"):
        x = _device_inputs(name)
        layer = CASES[name][0]()
        layer(x)  # builds (initializers may read the host once, e.g. truncated-normal redraws)
        with strict.counting() as count:
            out = layer(x, training=True)
            if out.requires_grad:
                nf.ops.sum(out * out).backward()
            with nf.no_grad():
                layer(x, training=False)
    assert out.device == "strict"
    assert count.count == 0, f"{name}: a training step's forward + backward and a call made {count.count} transfers"


def _masked_calls():
    """Layers called with masks (and causal masks): ``name -> (factory, call(layer, x, mask))``."""
    return {
        "MultiHeadAttention[mask,causal]": (
            lambda: layers.MultiHeadAttention(2, 3, seed=0),
            lambda layer, x, m: layer(x, x, attention_mask=m[:, None, :] & m[:, :, None], use_causal_mask=True)),
        "Attention[mask,causal]": (lambda: layers.Attention(),
                                   lambda layer, x, m: layer([x, x], mask=[m, m], use_causal_mask=True)),
        "LSTM[mask]": (lambda: layers.LSTM(3, return_sequences=True), lambda layer, x, m: layer(x, mask=m)),
        "RNN[GRUCell,mask]": (lambda: layers.RNN(layers.GRUCell(3)), lambda layer, x, m: layer(x, mask=m)),
        "Softmax[mask]": (lambda: layers.Softmax(), lambda layer, x, m: layer(x, mask=m[:, :, None])),
    }


MASKED = _masked_calls()


def _masked_output(name):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 4)).astype(np.float32)
    mask = np.array([[True] * 5, [True, True, True, False, False]])
    factory, call = MASKED[name]
    nf.random.set_seed(4)
    layer = factory()
    xt, mt = nf.Tensor(x), backend.to_device(mask, backend.get_device())
    call(layer, xt, mt)
    with strict.counting() as count:
        out = call(layer, xt, mt)
    return backend.to_host(out.data), count.count


@pytest.mark.parametrize("name", sorted(MASKED))
def test_masked_calls_keep_their_masks_on_the_device(name):
    cpu, _ = _masked_output(name)
    with nf.device("strict"):
        dev, transfers = _masked_output(name)
    assert transfers == 0, f"{name}: {transfers} device-to-host transfers"
    np.testing.assert_allclose(dev, cpu, rtol=1e-5, atol=1e-6, err_msg=name)
