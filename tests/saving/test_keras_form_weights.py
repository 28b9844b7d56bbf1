"""A custom layer written in Keras 3's add_weight form (no name, keyword or positional shape) saves and loads
through the checked loader, whose allocation guard reads add_weight's arguments in every form."""
import numpy as np

import neuroflow as nf
from neuroflow import layers, ops


@nf.saving.register_keras_serializable(package="KerasForm")
class Scale(layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="random_normal", trainable=True)
        self.b = self.add_weight((input_shape[-1],), "zeros")  # Keras' positional order: shape, initializer

    def call(self, x):
        return ops.multiply(x, self.w) + self.b


def test_keras_form_weights_round_trip(tmp_path):
    model = nf.Sequential([layers.Input((3,)), Scale(), layers.Dense(1)])
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    path = str(tmp_path / "m.neuroflow")
    model.save(path)
    again = nf.models.load_model(path)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [w.name for w in again.layers[0].weights] == ["variable", "variable_1"]
