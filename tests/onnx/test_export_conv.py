"""ONNX export of convolution, pooling and spatial reshaping layers, channels_last and channels_first."""
import pytest

import neuroflow as nf
from neuroflow import layers as L

from .onnx_check import check_export


def seq(shape, *stack):
    return nf.Sequential([L.Input(shape)] + list(stack))


CONV_CASES = {
    "conv1d_same_strided": ((11, 3), [L.Conv1D(4, 3, strides=2, padding="same", activation="relu")]),
    "conv1d_causal_dilated": ((10, 2), [L.Conv1D(3, 3, padding="causal", dilation_rate=2)]),
    "conv1d_groups": ((8, 4), [L.Conv1D(6, 3, groups=2, activation="tanh")]),
    "conv2d_valid": ((9, 8, 3), [L.Conv2D(4, (3, 2), activation="elu")]),
    "conv2d_same_even_kernel": ((9, 8, 3), [L.Conv2D(5, 4, strides=(2, 3), padding="same")]),
    "conv2d_dilated": ((10, 9, 2), [L.Conv2D(3, 3, dilation_rate=(2, 1), padding="same", use_bias=False)]),
    "conv3d": ((6, 5, 4, 2), [L.Conv3D(3, 2, strides=(1, 2, 1), padding="same", activation="sigmoid")]),
    "conv1d_transpose": ((7, 3), [L.Conv1DTranspose(4, 3, strides=2)]),
    "conv1d_transpose_same": ((7, 3), [L.Conv1DTranspose(4, 4, strides=3, padding="same")]),
    "conv2d_transpose_valid": ((5, 4, 3), [L.Conv2DTranspose(2, (3, 2), strides=(2, 1), activation="relu")]),
    "conv2d_transpose_same": ((5, 4, 3), [L.Conv2DTranspose(3, 3, strides=2, padding="same")]),
    "conv2d_transpose_output_padding": ((5, 4, 2), [L.Conv2DTranspose(3, 3, strides=2, output_padding=1)]),
    "conv2d_transpose_same_output_padding": ((5, 4, 2), [L.Conv2DTranspose(3, 4, strides=3, padding="same",
                                                                           output_padding=(2, 0))]),
    "conv2d_transpose_dilated": ((5, 4, 2), [L.Conv2DTranspose(2, 3, dilation_rate=2, padding="same")]),
    "conv3d_transpose": ((3, 4, 3, 2), [L.Conv3DTranspose(2, 2, strides=2)]),
    "depthwise2d": ((8, 7, 3), [L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu")]),
    "depthwise2d_strided": ((9, 8, 2), [L.DepthwiseConv2D((3, 2), strides=2)]),
    "depthwise1d": ((9, 3), [L.DepthwiseConv1D(3, depth_multiplier=3)]),
    "separable1d": ((10, 3), [L.SeparableConv1D(4, 3, padding="same", depth_multiplier=2)]),
    "separable2d": ((8, 8, 3), [L.SeparableConv2D(5, 3, strides=2, activation="gelu")]),
    "separable2d_dilated_nobias": ((9, 9, 2), [L.SeparableConv2D(3, 2, dilation_rate=2, use_bias=False)]),
}


@pytest.mark.parametrize("case", sorted(CONV_CASES))
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_convolutions(tmp_path, case, data_format):
    shape, stack = CONV_CASES[case]
    nf.random.set_seed(7)
    if data_format == "channels_first":
        shape = (shape[-1],) + shape[:-1]
        stack = [type(l).from_config({**l.get_config(), "data_format": "channels_first", "name": l.name + "_cf"})
                 for l in stack]
    model = seq(shape, *stack, L.Flatten(), L.Dense(2))
    check_export(model, tmp_path, [(shape, "float32")])


POOL_CASES = {
    "max1d": ((9, 3), [L.MaxPooling1D(2)]),
    "max1d_same": ((9, 3), [L.MaxPooling1D(3, strides=2, padding="same")]),
    "avg1d_same": ((9, 3), [L.AveragePooling1D(2, padding="same")]),
    "max2d": ((7, 9, 2), [L.MaxPooling2D((2, 3), strides=(1, 2))]),
    "max2d_same": ((7, 9, 2), [L.MaxPooling2D(3, strides=2, padding="same")]),
    "avg2d": ((7, 9, 2), [L.AveragePooling2D(2)]),
    "avg2d_same": ((7, 9, 2), [L.AveragePooling2D(3, strides=2, padding="same")]),
    "global_max1d": ((6, 3), [L.GlobalMaxPooling1D()]),
    "global_avg1d_keepdims": ((6, 3), [L.GlobalAveragePooling1D(keepdims=True)]),
    "global_max2d": ((5, 4, 3), [L.GlobalMaxPooling2D(keepdims=True)]),
    "global_avg2d": ((5, 4, 3), [L.GlobalAveragePooling2D()]),
    "global_avg3d": ((3, 4, 2, 3), [L.GlobalAveragePooling3D()]),
    "upsampling1d": ((5, 3), [L.UpSampling1D(3)]),
    "upsampling2d": ((4, 3, 2), [L.UpSampling2D((2, 3))]),
    "upsampling2d_bilinear": ((4, 3, 2), [L.UpSampling2D((2, 3), interpolation="bilinear")]),
    "upsampling3d": ((2, 3, 2, 2), [L.UpSampling3D((2, 1, 2))]),
    "zeropadding1d": ((5, 3), [L.ZeroPadding1D((1, 2))]),
    "zeropadding2d": ((4, 3, 2), [L.ZeroPadding2D(((1, 0), (2, 3)))]),
    "zeropadding3d": ((2, 3, 2, 1), [L.ZeroPadding3D(1)]),
    "cropping1d": ((7, 3), [L.Cropping1D((2, 1))]),
    "cropping2d": ((6, 7, 2), [L.Cropping2D(((1, 2), (0, 3)))]),
    "cropping3d": ((4, 5, 4, 1), [L.Cropping3D(1)]),
}


@pytest.mark.parametrize("case", sorted(POOL_CASES))
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pooling_and_spatial_reshaping(tmp_path, case, data_format):
    shape, stack = POOL_CASES[case]
    if data_format == "channels_first":
        shape = (shape[-1],) + shape[:-1]
        stack = [type(l).from_config({**l.get_config(), "data_format": "channels_first", "name": l.name + "_cf"})
                 for l in stack]
    model = seq(shape, *stack)
    check_export(model, tmp_path, [(shape, "float32")])


def test_cnn_end_to_end(tmp_path):
    """Keras' MNIST convnet shape, plus batch normalization and a channels_first Flatten."""
    nf.random.set_seed(8)
    model = seq((12, 12, 1), L.Conv2D(4, 3, activation="relu"), L.BatchNormalization(), L.MaxPooling2D(),
                L.Conv2D(6, 3, activation="relu"), L.MaxPooling2D(), L.Permute((3, 1, 2)),
                L.Flatten(data_format="channels_first"), L.Dropout(0.5), L.Dense(10, activation="softmax"))
    check_export(model, tmp_path, [((12, 12, 1), "float32")])
