"""predict's serving fast path (neuroflow.training.predict_loop._served): one NumPy array that fits one batch, no
callbacks, a Sequential model with a chain already built and checked for that (shape, dtype) signature. It must
make few Python calls, give exactly what the general path gives, and keep every check, error and hook."""
import importlib
import os

import numpy as np
import pytest

import neuroflow as keras
from neuroflow import errors, layers
from tests.call_count import count_python_calls

inference = importlib.import_module("neuroflow.training.inference")
predict_loop = importlib.import_module("neuroflow.training.predict_loop")

#: Python calls of one warm one-sample predict on the churn model 11-6-6-1, measured at 56 (the chain's kernels
#: included; the general path made 107): headroom for small changes in the kernels, not for a return of the
#: argument checks, the data adapter or the batching.
MAX_CALLS = 80


def churn_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((11,)), layers.Dense(6, activation="relu"),
                             layers.Dense(6, activation="relu"), layers.Dense(1, activation="sigmoid")])


def sample(n=1, features=11, dtype=np.float32):
    return np.random.default_rng(1).normal(size=(n, features)).astype(dtype)


def general(model, x, **kwargs):
    """The general path's answer: callbacks=[] listens to nothing but turns the fast path off."""
    return model.predict(x, verbose=0, callbacks=[], **kwargs)


#: On the strict stand-in, calls inside its own code are not counted: it emulates in Python the array methods that
#: CuPy runs as compiled code (where NumPy's make no Python call either); what counts is neuroflow's serving path.
_STAND_IN = os.path.join("neuroflow", "backends", "strict")


def test_one_sample_predict_makes_few_python_calls():
    model, x = churn_model(), sample()
    model.predict(x, verbose=0)  # builds and checks the chain
    # on a device the fast path serves too: one copy of x to the device, the chain there, one copy back
    calls = count_python_calls(lambda: model.predict(x, verbose=0),
                               skip_code_in=None if keras.backend.get_device() == "cpu" else _STAND_IN)
    assert calls <= MAX_CALLS, f"one-sample predict made {calls} Python calls (at most {MAX_CALLS})"


def test_the_fast_path_serves_a_warm_call_and_skips_the_data_adapter(monkeypatch):
    model, x = churn_model(), sample(3)
    expected = general(model, x)
    monkeypatch.setattr(predict_loop.da, "to_structure", lambda *a, **k: pytest.fail("the data adapter ran"))
    for kwargs in ({}, {"batch_size": 3}, {"batch_size": 64}, {"verbose": "auto"}):
        np.testing.assert_array_equal(model.predict(x, **kwargs), expected)
    before = keras.backend.transfers()
    assert type(model.predict(x, verbose=0)) is np.ndarray  # host NumPy, as Keras' predict returns
    assert keras.backend.transfers() - before == (keras.backend.get_device() != "cpu")  # one copy back at most
    assert model.predict_on_batch(x).shape == (3, 1)


def test_equal_to_the_general_path_for_float64_and_int_inputs():
    model = churn_model()
    x64 = sample(2, dtype=np.float64)
    first = model.predict(x64, verbose=0)
    second = model.predict(x64, verbose=0)
    assert second.dtype == np.float32
    np.testing.assert_array_equal(second, first)
    np.testing.assert_array_equal(second, general(model, x64.astype(np.float32)))
    ints = np.arange(22).reshape(2, 11)
    np.testing.assert_array_equal(model.predict(ints, verbose=0), model.predict(ints, verbose=0))
    np.testing.assert_array_equal(model.predict(ints, verbose=0), general(model, ints))


def test_never_returns_the_callers_array():
    model = keras.Sequential([keras.Input((4,)), layers.Activation("linear")])
    x = sample(2, 4)
    model.predict(x, verbose=0)
    out = model.predict(x, verbose=0)
    np.testing.assert_array_equal(out, x)
    assert out is not x and not np.shares_memory(out, x)


def test_changes_to_the_model_are_followed():
    model, x = churn_model(), sample()
    model.predict(x, verbose=0)
    model.set_weights([w * 2 + 0.5 for w in model.get_weights()])
    probabilities = model.predict(x, verbose=0)
    np.testing.assert_array_equal(probabilities, general(model, x))
    model.layers[-1].activation = keras.activations.linear  # logits
    logits = model.predict(x, verbose=0)
    np.testing.assert_array_equal(logits, general(model, x))
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), probabilities, rtol=1e-5)
    assert not np.allclose(logits, probabilities)
    model.add(layers.Dense(3))
    assert model.predict(x, verbose=0).shape == (1, 3)
    model.pop()
    np.testing.assert_array_equal(model.predict(x, verbose=0), logits)


def test_errors_are_the_general_paths(monkeypatch):
    model, x = churn_model(), sample()
    model.predict(x, verbose=0)
    with pytest.raises(errors.ShapeError, match="dense|Dense|input"):
        model.predict(sample(1, 7), verbose=0)
    for bad in (0, -1):
        with pytest.raises(errors.NeuroflowError, match="batch_size"):
            model.predict(x, batch_size=bad, verbose=0)
    with pytest.raises(errors.NeuroflowError, match="batch_size"):
        model.predict(x, batch_size=2.5, verbose=0)
    with pytest.raises(errors.NeuroflowError, match="verbose"):
        model.predict(x, verbose=7)
    with pytest.raises(errors.NeuroflowError):
        model.predict(x[0], verbose=0)  # no batch axis: the general path's error
    with pytest.raises(errors.DataError):
        model.predict(x[:0], verbose=0)


def test_a_chain_built_from_unchecked_batches_does_not_skip_the_checks():
    model = churn_model()
    wrong = np.zeros((2, 5, 11), np.float32)  # Dense runs on it, the model's input check refuses it

    def batches():
        yield wrong

    model.predict(batches(), verbose=0)
    assert inference.ready_chain(model, wrong) == (None, None)
    with pytest.raises(errors.ShapeError):
        model.predict(wrong, verbose=0)


def test_callbacks_still_get_their_hooks_for_one_sample():
    model, x = churn_model(), sample()
    model.predict(x, verbose=0)
    seen = []

    class Hooks(keras.callbacks.Callback):
        def on_predict_begin(self, logs=None):
            seen.append("begin")

        def on_predict_batch_end(self, batch, logs=None):
            seen.append(("batch", batch, logs["outputs"].shape))

        def on_predict_end(self, logs=None):
            seen.append("end")

    model.predict(x, verbose=0, callbacks=[Hooks()])
    assert seen == ["begin", ("batch", 0, (1, 1)), "end"]


def test_more_samples_than_a_batch_still_batch():
    model, x = churn_model(), sample(5)
    model.predict(x, verbose=0)
    seen = []

    class Batches(keras.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            seen.append(len(logs["outputs"]))

    out = model.predict(x, batch_size=2, verbose=0, callbacks=[Batches()])
    assert seen == [2, 2, 1] and out.shape == (5, 1)
    np.testing.assert_allclose(model.predict(x, batch_size=2, verbose=0), out, rtol=1e-6)
