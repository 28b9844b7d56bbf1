"""A subclassed model whose layers live in lists and dicts saves and loads as one file: its config records the
input shape of its first call, loading rebuilds it by one call on zeros (Keras' ``build_config``), then the
tracked weights load in order and training resumes."""
import numpy as np

import neuroflow as nf
from neuroflow import layers


@nf.saving.register_keras_serializable(package="tests_tracking")
class BlockNet(nf.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # explicit names: the file's per-layer states are keyed by name, and auto-names depend on what ran before
        self.blocks = [layers.Dense(4, activation="relu", name="block_0"), [layers.Dense(3, name="block_1")]]
        self.heads = {"out": layers.Dense(1, name="head")}

    def call(self, x, training=None):
        return self.heads["out"](self.blocks[1][0](self.blocks[0](x)))


def test_save_and_load_model_with_layers_in_containers(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    model = BlockNet()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    assert model.get_config()["build_input_shape"] == [None, 3]
    path = tmp_path / "blocks.neuroflow"
    model.save(path)
    loaded = nf.models.load_model(path)
    assert [w.shape for w in loaded.weights] == [w.shape for w in model.weights]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    loaded.fit(x, y, epochs=1, verbose=0)
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
