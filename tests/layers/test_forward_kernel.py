"""One forward definition per layer (neuroflow.layers.kernel): ``call`` records the kernel's nodes, graph-free
``predict`` runs the same nodes' ``forward`` on arrays; the kernel is made once per input shape."""
import copy

import numpy as np
import pytest

import neuroflow as keras
from neuroflow import layers
from neuroflow.autograd.tensor import Tensor
from neuroflow.layers.kernel import kernel_for

LAYERS = {
    "dense-relu": (lambda: layers.Dense(4, activation="relu"), (6,)),
    "dense-sigmoid": (lambda: layers.Dense(4, activation="sigmoid"), (6,)),
    "dense-softmax-nobias": (lambda: layers.Dense(4, activation="softmax", use_bias=False), (6,)),
    "dense-elu-3d": (lambda: layers.Dense(4, activation="elu"), (3, 6)),
    "dense-custom": (lambda: layers.Dense(4, activation=lambda x: x * 2.0), (6,)),
    "conv2d-tanh": (lambda: layers.Conv2D(3, 3, activation="tanh", padding="same"), (7, 7, 2)),
    "conv2d-softmax-cf": (lambda: layers.Conv2D(3, 2, activation="softmax", data_format="channels_first"),
                          (2, 6, 6)),
    "conv2d-depthwise-relu": (lambda: layers.Conv2D(4, 3, groups=4, activation="relu"), (6, 6, 4)),
    "conv1d-causal-gelu": (lambda: layers.Conv1D(2, 3, padding="causal", activation="gelu"), (8, 3)),
    "maxpool2d-same": (lambda: layers.MaxPooling2D(3, strides=2, padding="same"), (7, 7, 2)),
    "avgpool1d": (lambda: layers.AveragePooling1D(2), (8, 3)),
    "flatten": (lambda: layers.Flatten(), (3, 4, 2)),
    "flatten-cf": (lambda: layers.Flatten(data_format="channels_first"), (3, 4, 2)),
    "activation-softmax": (lambda: layers.Activation("softmax"), (5,)),
    "activation-linear": (lambda: layers.Activation("linear"), (5,)),
    "dropout": (lambda: layers.Dropout(0.5), (5,)),
    "gaussian-noise": (lambda: layers.GaussianNoise(0.3), (5,)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_the_graph_and_the_arrays_compute_the_same(name):
    make, shape = LAYERS[name]
    keras.utils.set_random_seed(0)
    layer = make()
    x = np.random.default_rng(1).normal(size=(5,) + shape).astype(np.float32)
    graph = layer(Tensor(x, requires_grad=True), training=False)  # nodes recorded, buffers kept for a backward
    kernel = kernel_for(layer, x.shape, x.dtype)
    # the array function gets what predict hands it: the batch on the weights' device
    np.testing.assert_array_equal(kernel.array_fn(layer)(keras.backend.to_device(x)), graph.numpy())
    graph.backward(np.ones_like(graph.numpy()))  # the recorded nodes have what their backward needs


def test_the_kernel_is_made_once_per_input_shape_for_every_batch_size(monkeypatch):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), layers.Dense(4, activation="relu"), layers.Dense(2)])
    model.compile("sgd", "mse")
    made = []
    for layer in model.layers:
        original = layer._forward_kernel
        monkeypatch.setattr(layer, "_forward_kernel",
                            lambda shape, dtype, original=original: made.append(shape) or original(shape, dtype))
    rng = np.random.default_rng(0)
    for n in (1, 5, 33):
        x = rng.normal(size=(n, 6)).astype(np.float32)
        model(x)
        model.predict(x, verbose=0)
        model.fit(x, np.zeros((n, 2), np.float32), verbose=0)
    assert len(made) == 2  # one kernel per layer, shared by call, fit, predict and every batch size


@pytest.mark.parametrize("activation, nodes", [("relu", ["linear"]), ("tanh", ["linear"]),
                                               ("sigmoid", ["linear", "sigmoid"]),
                                               ("softmax", ["linear", "softmax"])])
def test_dense_fuses_relu_and_tanh_and_gives_sigmoid_and_softmax_their_own_node(activation, nodes):
    layer = layers.Dense(3, activation=activation)
    out = layer(Tensor(np.ones((2, 4), np.float32), requires_grad=True))
    seen, node = [], out._node
    while node is not None:
        seen.append(node.name)
        node = node.inputs[0]._node
    assert seen[::-1] == nodes
    assert (out._keras_logits is not None) == (activation in ("sigmoid", "softmax"))


def test_a_copied_layer_runs_its_own_weights():
    keras.utils.set_random_seed(0)
    layer = layers.Conv2D(2, 3, activation="sigmoid")
    x = np.random.default_rng(1).normal(size=(1, 5, 5, 1)).astype(np.float32)
    before = layer(x).numpy()
    twin = copy.deepcopy(layer)  # its kernel cache comes along, naming weights, not holding them
    twin.set_weights([np.zeros_like(w) for w in twin.get_weights()])
    np.testing.assert_array_equal(twin(x).numpy(), np.full_like(before, 0.5))
    np.testing.assert_array_equal(layer(x).numpy(), before)


def test_a_frozen_convolution_keeps_no_columns_for_a_backward():
    keras.utils.set_random_seed(0)
    layer = layers.Conv2D(2, 3)
    x = Tensor(np.ones((1, 5, 5, 1), np.float32), requires_grad=True)
    assert layer(x)._node.keep_cols
    layer.trainable = False
    assert not layer(x)._node.keep_cols  # the input's gradient needs no columns
    with keras.no_grad():
        assert layer(x)._node is None


def test_wrong_inputs_name_the_layer():
    dense = layers.Dense(3, name="d")
    dense(np.ones((1, 4), np.float32))
    with pytest.raises(keras.errors.ShapeError, match="Dense 'd': expected inputs with 4 features"):
        dense(np.ones((1, 5), np.float32))
    conv = layers.Conv2D(2, 3, name="c")
    conv(np.ones((1, 5, 5, 1), np.float32))
    with pytest.raises(keras.errors.ShapeError, match="Conv2D 'c': was built for inputs"):
        conv(np.ones((1, 5, 5, 2), np.float32))
    with pytest.raises(keras.errors.DTypeError, match="Conv2D 'c'"):
        conv(Tensor(np.ones((1, 5, 5, 1)), dtype="float64"))


@pytest.mark.parametrize("activation", ["softmax", "relu"])
def test_a_new_activation_set_after_a_call_takes_effect(activation):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation=activation)])
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    model.predict(x, verbose=0)
    model(x)
    model.layers[-1].activation = keras.activations.get("linear")  # read a classifier's logits, as in Keras
    logits = x @ model.layers[-1].kernel.numpy() + model.layers[-1].bias.numpy()
    np.testing.assert_allclose(model(x).numpy(), logits, rtol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), logits, rtol=1e-6)
