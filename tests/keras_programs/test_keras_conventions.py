"""The Keras conventions the program corpus needed, one by one: add_weight's Keras form, zero_grad, layer.output,
dict outputs, model.metrics and custom train/test steps."""
import numpy as np
import pytest

import neuroflow as keras


def test_add_weight_takes_keras_keywords_and_positional_order():
    layer = keras.layers.Layer()
    w = layer.add_weight(shape=(2, 3), initializer="ones")
    b = layer.add_weight(shape=(3,), initializer="zeros")
    s = layer.add_weight((4,), "zeros", "float64")  # Keras' positional order: shape, initializer, dtype
    named = layer.add_weight("kernel", (2,), "ones")  # neuroflow's own order still works
    assert [v.name for v in (w, b, s, named)] == ["variable", "variable_1", "variable_2", "kernel"]
    assert w.shape == (2, 3) and np.all(w.numpy() == 1)
    assert s.dtype == np.float64 and s.shape == (4,)
    assert layer.add_weight(initializer="zeros").shape == ()


def test_zero_grad_clears_every_weight_gradient():
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    loss = keras.ops.sum(model(np.ones((1, 3), "float32")))
    loss.backward()
    assert all(v.grad is not None for v in model.trainable_weights)
    model.zero_grad()
    assert all(v.grad is None for v in model.trainable_weights)


def test_layer_output_before_any_symbolic_call_says_so():
    layer = keras.layers.Dense(2)
    with pytest.raises(AttributeError, match="never been called on a symbolic input"):
        layer.output
    x = keras.Input(shape=(3,))
    y = layer(x)
    assert layer.output is y and layer.input is x


def test_sequential_with_input_exposes_its_graph_for_feature_extraction():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3), keras.layers.Dense(2)])
    extractor = keras.Model(model.inputs, [layer.output for layer in model.layers])
    first, second = extractor(np.ones((5, 4), "float32"))
    assert first.shape == (5, 3) and second.shape == (5, 2)
    np.testing.assert_allclose(second.numpy(), model(np.ones((5, 4), "float32")).numpy(), rtol=1e-6)


def test_dict_outputs_are_named_by_their_keys():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, {"score": keras.layers.Dense(1, name="head_a")(inputs),
                                 "kind": keras.layers.Dense(2, name="head_b")(inputs)})
    assert model.output_names == ["score", "kind"]
    model.compile(optimizer="sgd", loss={"score": "mse", "kind": "mse"})
    x = np.ones((4, 3), "float32")
    model.fit(x, {"score": np.zeros((4, 1)), "kind": np.zeros((4, 2))}, epochs=1, verbose=0)
    out = model.predict(x, verbose=0)
    assert set(out) == {"score", "kind"} and out["kind"].shape == (4, 2)


def test_model_metrics_lists_loss_tracker_compiled_and_attribute_metrics():
    class WithTracker(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.extra = keras.metrics.Mean(name="extra")

    inputs = keras.Input(shape=(2,))
    model = WithTracker(inputs, keras.layers.Dense(1)(inputs))
    assert [m.name for m in model.metrics] == ["extra"]
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics", "extra"]  # as Keras lists them


def test_custom_steps_get_x_alone_reset_trackers_and_report_the_last_result():
    seen = []

    class Custom(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.calls = keras.metrics.Sum(name="calls")

        def train_step(self, data):
            seen.append(type(data))
            self.calls.update_state(1.0)
            return {"calls": self.calls.result()}

        def test_step(self, data):
            x, y = data
            self.calls.update_state(1.0)
            return {"calls": self.calls.result(), "nested": {"y_sum": float(keras.ops.sum(y))}}

        @property
        def metrics(self):
            return [self.calls]

    inputs = keras.Input(shape=(2,))
    model = Custom(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd")
    x = np.ones((8, 2), "float32")
    history = model.fit(x, epochs=2, batch_size=4, verbose=0)
    # x alone, as an array of the current device (NumPy on the CPU; on a GPU Keras' steps get device tensors too)
    assert seen == [keras.backend.get_array_module().ndarray] * 4
    # each epoch restarts the tracker (steps report 1, 2; without the reset epoch 2 would report 3, 4); the
    # step's names are model.metrics', so the epoch logs the tracker's result, as Keras does
    assert history.history["calls"] == [2.0, 2.0]
    logs = model.evaluate(x, np.ones((8, 1)), batch_size=4, verbose=0, return_dict=True)
    assert logs == {"calls": 2.0, "y_sum": 4.0}  # the last step's values, nested dicts merged


def test_add_variable_is_add_weight_with_keras_order():
    import neuroflow as nf
    layer = nf.layers.Layer()
    v = layer.add_variable((2, 3), "ones", name="scale")
    u = layer.add_variable((4,), initializer="zeros", trainable=False)
    assert v.name == "scale" and v.shape == (2, 3) and float(v.numpy().sum()) == 6.0
    assert u.name == "variable" and not u.trainable and [w.name for w in layer.weights] == ["scale", "variable"]
