"""Sub-layers and Variables held in attributes, directly or in (nested) lists, tuples and dicts, are tracked:
``weights``, ``trainable_weights``, ``layers``, ``summary``, ``fit`` and weight files see them, also after the
container is mutated (Keras' ``utils/tracking.py`` behaviour)."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers, ops
from tests.conftest import host


def _x(n=8, d=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


class Parts(nf.layers.Layer):
    """A composite layer whose sub-layers live in a list that is filled after assignment."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.parts = []
        self.parts.append(layers.Dense(4))
        self.parts.append(layers.Dense(2))

    def call(self, x):
        for part in self.parts:
            x = part(x)
        return x


def test_list_filled_after_assignment_is_tracked():
    layer = Parts()
    layer(_x())
    assert len(layer.weights) == 4 and len(layer.trainable_weights) == 4
    assert [w.shape for w in layer.weights] == [(3, 4), (4,), (4, 2), (2,)]


@pytest.mark.parametrize("mutate,expected", [
    (lambda l, d: l.extend([d]), 3),
    (lambda l, d: l.insert(0, d), 3),
    (lambda l, d: l.__setitem__(0, d), 2),
    (lambda l, d: l.pop(), 1),
    (lambda l, d: l.__delitem__(0), 1),
    (lambda l, d: l.clear(), 0),
])
def test_every_list_mutation_is_seen(mutate, expected):
    holder = nf.layers.Layer()
    holder.items = [layers.Dense(1), layers.Dense(1)]
    mutate(holder.items, layers.Dense(1))
    assert len(holder._sublayers()) == expected


def test_dicts_tuples_and_nesting_are_tracked():
    holder = nf.layers.Layer()
    a, b, c, d = (layers.Dense(1) for _ in range(4))
    holder.heads = {"a": a}
    holder.heads.update(b=b)
    holder.pairs = ((c,), [{"deep": d}])
    assert holder._sublayers() == [a, b, c, d]
    del holder.heads["a"]
    holder.heads.pop("b")
    assert holder._sublayers() == [c, d]
    holder.pairs = None  # reassigned to a value that holds no layer: nothing left of it
    assert holder._sublayers() == []


def test_deleting_an_attribute_untracks_it():
    holder = nf.layers.Layer()
    holder.dense = layers.Dense(1)
    del holder.dense
    assert holder._sublayers() == []


def test_a_shared_layer_and_a_shared_variable_count_once():
    holder = nf.layers.Layer()
    shared = layers.Dense(2)
    shared(_x())
    holder.first = shared
    holder.again = [shared, {"once_more": shared}]
    holder.tied = shared.kernel  # a Variable held directly
    assert len(holder.weights) == 2 and holder.count_params() == 3 * 2 + 2


def test_variables_in_attributes_are_weights():
    holder = nf.layers.Layer()
    holder.scales = [nf.Variable(np.ones(3, "float32"), name="s0"), nf.Variable(np.zeros(2, "float32"), name="s1")]
    holder.frozen = nf.Variable(np.ones(1, "float32"), trainable=False, name="f")
    assert [v.name for v in holder.trainable_weights] == ["s0", "s1"]
    assert [v.name for v in holder.non_trainable_weights] == ["f"]
    holder.trainable = False
    assert holder.trainable_weights == [] and len(holder.non_trainable_weights) == 3


def test_plain_value_containers_are_not_walked():
    holder = nf.layers.Layer()
    holder.vocabulary = ["a", "b", "c"]
    holder.sizes = (3, 4)
    assert holder._tracked_attrs == {}


class Net(nf.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = []
        self.blocks.append(layers.Dense(8, activation="tanh"))
        self.heads = {"out": layers.Dense(1)}

    def call(self, x, training=None):
        return self.heads["out"](self.blocks[0](x))


def test_subclassed_model_with_containers_trains_summarises_and_round_trips_weights(tmp_path, capsys):
    x, y = _x(32), np.random.default_rng(1).normal(size=(32, 1)).astype("float32")
    model = Net()
    model.compile(nf.optimizers.SGD(0.05), "mse")
    model(x)
    start = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert len(model.weights) == 4 and len(model.layers) == 2
    assert all(not np.array_equal(a, b) for a, b in zip(start, model.get_weights())), "a tracked layer did not train"
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.summary()
    out = capsys.readouterr().out
    assert "Trainable params: 41" in out and "dense" in out  # Total adds the optimizer's 2, as in Keras
    path = tmp_path / "net.safetensors"
    model.save_weights(path)
    other = Net()
    other(x)
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))


def test_layer_appended_after_fit_joins_the_weights():
    model = Net()
    model(_x())
    model.blocks.append(layers.Dense(8))
    model.blocks[1](np.zeros((1, 8), "float32"))
    assert len(model.weights) == 6
    model.blocks.pop()
    assert len(model.weights) == 4


def test_functional_graph_layer_reused_counts_once():
    inp = nf.Input((3,))
    dense = layers.Dense(3)
    out = dense(dense(inp))
    model = nf.Model(inp, out)
    assert len(model.weights) == 2


def test_gradients_reach_layers_held_in_a_list():
    holder = Parts()
    x = nf.Tensor(_x())
    loss = ops.sum(ops.square(holder(x)))
    loss.backward()
    assert all(w.grad is not None and np.any(host(w.grad) != 0) for w in holder.trainable_weights)


def test_assigning_a_layer_before_super_init_is_a_clear_error():
    class Early(nf.Model):
        def __init__(self):
            self.dense = layers.Dense(1)
            super().__init__()

    with pytest.raises(nf.errors.ConfigError, match=r"Early\.dense: .*before super\(\)\.__init__\(\)"):
        Early()
