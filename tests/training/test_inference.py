"""Graph-free prediction (neuroflow.training.inference): predict on a Sequential model runs each layer's array
function; it must give exactly what the ordinary call gives, follow weight and layer changes, and step aside for
models it cannot chain."""
import copy
import importlib

import numpy as np
import pytest

import neuroflow as keras
from neuroflow import layers
from tests.conftest import host

inference = importlib.import_module("neuroflow.training.inference")


def ordinary(model, x):
    with keras.no_grad():
        return model(x, training=False).data


def chain_of(model):
    """The (layers, functions) entries predict has kept for ``model``."""
    return list(inference._CHAINS.get(model, {}).values())


MODELS = {
    "convnet": lambda: [keras.Input((12, 12, 3)), layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(),
                        layers.Conv2D(6, 3, strides=2, padding="same", activation="tanh"),
                        layers.AveragePooling2D(padding="same"), layers.Flatten(), layers.Dropout(0.5),
                        layers.Dense(4, activation="softmax")],
    "channels_first": lambda: [keras.Input((3, 9, 9)), layers.Conv2D(4, 3, data_format="channels_first"),
                               layers.MaxPooling2D(data_format="channels_first"),
                               layers.Flatten(data_format="channels_first"), layers.Dense(3)],
    "conv1d_unfused_activations": lambda: [keras.Input((10, 2)), layers.Conv1D(4, 3, padding="causal",
                                                                                activation="elu"),
                                           layers.GaussianNoise(0.3), layers.Flatten(),
                                           layers.Dense(5, activation="selu"), layers.Activation("softmax")],
    "depthwise_and_batchnorm": lambda: [keras.Input((8, 8, 4)), layers.Conv2D(4, 3, groups=4),
                                        layers.BatchNormalization(), layers.GlobalAveragePooling2D(),
                                        layers.Dense(2, activation="sigmoid")],
    "lstm": lambda: [keras.Input((5, 3)), layers.LSTM(6), layers.Dense(2)],
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_predict_equals_the_ordinary_call(name):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(MODELS[name]())
    x = np.random.default_rng(1).normal(size=(7,) + model.input_shape[1:]).astype(np.float32)
    np.testing.assert_array_equal(model.predict(x, batch_size=7, verbose=0), ordinary(model, x))
    batched = np.concatenate([host(ordinary(model, x[i:i + 3])) for i in range(0, 7, 3)])  # BLAS sums by batch size
    np.testing.assert_array_equal(model.predict(x, batch_size=3, verbose=0), batched)  # 3 + 3 + 1
    entries = chain_of(model)
    assert len(entries) == 1 and entries[0][1] is not None  # one chain serves every batch size


def test_chained_layers_never_go_through_call(monkeypatch):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(MODELS["convnet"]())
    x = np.random.default_rng(1).random((2, 12, 12, 3), dtype=np.float32)
    expected = ordinary(model, x)
    for layer in model.layers:
        monkeypatch.setattr(layer, "call", lambda *a, **k: pytest.fail("the chain called Layer.call"))
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)


def test_new_weights_and_new_layers_are_followed():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu")])
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    model.predict(x, verbose=0)
    model.set_weights([w * 2 + 1 for w in model.get_weights()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), ordinary(model, x))
    model.add(layers.Dense(2, activation="softmax"))
    out = model.predict(x, verbose=0)
    assert out.shape == (5, 2)
    np.testing.assert_array_equal(out, ordinary(model, x))


def test_a_copied_model_runs_its_own_weights():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    x = np.ones((2, 4), np.float32)
    before = model.predict(x, verbose=0)
    twin = copy.deepcopy(model)
    twin.set_weights([np.zeros_like(w) for w in twin.get_weights()])
    np.testing.assert_array_equal(twin.predict(x, verbose=0), np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)


def test_float64_data_gives_float32_like_the_ordinary_call():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="tanh")])
    x = np.random.default_rng(1).normal(size=(5, 4))
    out = model.predict(x, verbose=0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, ordinary(model, x))


def test_models_with_masks_keep_the_ordinary_path():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), layers.Embedding(10, 4, mask_zero=True), layers.LSTM(3)])
    ids = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9]])
    np.testing.assert_array_equal(model.predict(ids, verbose=0), ordinary(model, ids))
    assert [fns for _, fns, _ in chain_of(model)] == [None]  # decided once: no chain
    np.testing.assert_array_equal(model.predict(ids, verbose=0), ordinary(model, ids))


def test_stateful_layers_keep_the_ordinary_path_and_step_once_per_call():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3, 2), batch_size=1), layers.SimpleRNN(2, stateful=True)])
    x = np.ones((1, 3, 2), np.float32)
    first, second = model.predict(x, verbose=0), model.predict(x, verbose=0)
    model.layers[-1].reset_states()
    np.testing.assert_array_equal(model.predict(x, verbose=0), first)  # the first call advanced the state once
    assert not np.array_equal(first, second)
    assert [fns for _, fns, _ in chain_of(model)] == [None]


def test_a_wrong_input_still_names_the_layer():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    model.predict(np.ones((1, 4), np.float32), verbose=0)
    with pytest.raises(keras.errors.ShapeError, match="incompatible with layer 'dense"):
        model.predict(np.ones((1, 5), np.float32), verbose=0)


@pytest.mark.parametrize("batch_size", [3, 32])
def test_predict_returns_host_arrays_with_at_most_one_copy_per_batch(batch_size):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, [layers.Dense(2)(inputs), layers.Dense(3, activation="softmax")(inputs)])
    x = np.random.default_rng(1).normal(size=(7, 4)).astype(np.float32)
    before = keras.backend.transfers()
    outs = model.predict(x, batch_size=batch_size, verbose=0)
    assert [type(o) for o in outs] == [np.ndarray, np.ndarray] and [o.shape for o in outs] == [(7, 2), (7, 3)]
    # Keras returns NumPy from predict; on a device the batches are joined there and each output copied once
    copies = keras.backend.transfers() - before
    assert copies == (len(outs) if keras.backend.get_device() != "cpu" else 0)
