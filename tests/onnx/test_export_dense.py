"""ONNX export of dense models, every activation, training-only layers, preprocessing and embeddings."""
import functools

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import activations, layers as L, ops

from .onnx_check import check_export

ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "selu", "softplus", "softsign", "gelu",
               "silu", "swish", "hard_sigmoid", "leaky_relu", "exponential", "linear", "relu6"]


def seq(shape, *stack, dtype="float32"):
    return nf.Sequential([L.Input(shape, dtype=dtype)] + list(stack))


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_dense_with_each_activation(tmp_path, name):
    nf.random.set_seed(1)
    model = seq((6,), L.Dense(7, activation=name), L.Dense(3))
    # wide inputs reach every piece of hard_sigmoid, relu6 and the saturated tails
    check_export(model, tmp_path, make_inputs=lambda n, rng: [rng.uniform(-4, 4, (n, 6)).astype("float32")])


@pytest.mark.parametrize("fn", [ops.gelu, ops.relu, ops.leaky_relu, ops.silu,
                                functools.partial(activations.gelu, approximate=True),
                                functools.partial(activations.leaky_relu, negative_slope=0.05),
                                functools.partial(activations.relu, max_value=1.5),
                                functools.partial(activations.softmax, axis=1)],
                         ids=["ops.gelu", "ops.relu", "ops.leaky_relu", "ops.silu", "gelu_tanh", "leaky_0.05", "relu_max", "softmax_axis1"])
def test_activation_layer_with_arguments(tmp_path, fn):
    model = seq((4, 5), L.Activation(fn))
    check_export(model, tmp_path, [((4, 5), "float32")])


def test_dense_on_sequences_and_training_only_layers(tmp_path):
    nf.random.set_seed(2)
    model = seq((3, 4), L.Dense(6, activation="relu"), L.Dropout(0.5), L.GaussianNoise(1.0),
                L.GaussianDropout(0.3), L.Dense(2, use_bias=False))
    check_export(model, tmp_path, [((3, 4), "float32")])


def test_augmentation_layers_are_identities(tmp_path):
    model = seq((8, 8, 3), L.RandomFlip(), L.RandomRotation(0.1), L.RandomZoom(0.1), L.RandomTranslation(0.1, 0.1),
                L.RandomContrast(0.2), L.RandomCrop(8, 8), L.Flatten(), L.Dense(2))
    check_export(model, tmp_path, [((8, 8, 3), "float32")])


def test_rescaling_and_normalization(tmp_path):
    rng = np.random.default_rng(0)
    norm = L.Normalization()
    norm.adapt(rng.normal(3.0, 2.0, (50, 5)).astype("float32"))
    inverse = L.Normalization(mean=[1, 2, 3, 4, 5], variance=[1, 4, 9, 1, 2], invert=True)
    model = seq((5,), L.Rescaling(0.5, offset=1.0), norm, inverse, L.Dense(2))
    check_export(model, tmp_path, [((5,), "float32")])


def test_rescaling_of_integer_pixels(tmp_path):
    model = seq((4, 4, 1), L.Rescaling(1 / 255), L.Flatten(), L.Dense(3), dtype="uint8")
    check_export(model, tmp_path, make_inputs=lambda n, rng: [rng.integers(0, 256, (n, 4, 4, 1)).astype("uint8")])


@pytest.mark.parametrize("dtype", ["int64", "int32", "float32"])
def test_embedding(tmp_path, dtype):
    nf.random.set_seed(3)
    model = seq((7,), L.Embedding(10, 4), L.Flatten(), L.Dense(2), dtype=dtype)
    check_export(model, tmp_path, make_inputs=lambda n, rng: [rng.integers(0, 10, (n, 7)).astype(dtype)])


def test_sequential_without_input_takes_the_signature(tmp_path):
    nf.random.set_seed(4)
    model = nf.Sequential([L.Dense(4, activation="tanh"), L.Dense(1)])
    check_export(model, tmp_path, [((3,), "float32")], input_signature=[(None, 3)])


@pytest.mark.parametrize("opset", [17, 18, 20])
def test_opsets(tmp_path, opset):
    nf.random.set_seed(5)
    model = seq((4, 3), L.LayerNormalization(), L.GlobalAveragePooling1D(), L.Dense(2, activation="gelu"))
    session = check_export(model, tmp_path, [((4, 3), "float32")], opset=opset)
    import onnx
    assert onnx.load(tmp_path / f"{model.name}.onnx").opset_import[0].version == opset
    assert session is not None


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_resizing(tmp_path, interpolation, data_format):
    shape = (7, 10, 2) if data_format == "channels_last" else (2, 7, 10)
    model = seq(shape, L.Resizing(5, 13, interpolation=interpolation, data_format=data_format), L.Flatten(),
                L.Dense(2))
    check_export(model, tmp_path, [(shape, "float32")])
