"""``keras.remat`` / ``RematScope`` and the backend scopes ``StatelessScope`` / ``SymbolicScope``."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError

from tests.keras_oracle import keras as keras_oracle

RNG = np.random.default_rng(0)
W = RNG.normal(size=(3, 4)).astype("float32")
X = RNG.normal(size=(5, 3)).astype("float32")


def _block(w):
    def block(x):
        return nf.ops.tanh(x @ w) * nf.ops.sigmoid(x @ w)
    return block


@pytest.mark.parametrize("input_requires_grad", [True, False])
def test_remat_gives_the_same_values_and_gradients(input_requires_grad):
    results = []
    for wrap in (lambda f: f, nf.remat):
        w = nf.Variable(W.copy())
        x = nf.Tensor(X, requires_grad=input_requires_grad)
        y = wrap(_block(w))(x)
        loss = nf.ops.sum(y * y)
        loss.backward()
        results.append((y.numpy(), w.grad.copy(), None if x.grad is None else x.grad.copy()))
    (y0, gw0, gx0), (y1, gw1, gx1) = results
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_allclose(gw0, gw1, rtol=1e-6)
    if input_requires_grad:
        np.testing.assert_allclose(gx0, gx1, rtol=1e-6)
    else:
        assert gx0 is None and gx1 is None


def test_remat_records_one_node_and_keeps_no_inner_graph():
    w = nf.Variable(W.copy())
    y = nf.remat(_block(w))(nf.Tensor(X, requires_grad=True))
    table = nf.graph_table(y)
    assert "remat" in table and "tanh" not in table and "matmul" not in table


def test_remat_inside_a_layer_trains_like_the_plain_layer():
    class Block(nf.layers.Layer):
        def __init__(self, use_remat, **kwargs):
            super().__init__(**kwargs)
            self.use_remat = use_remat
            self.dense = nf.layers.Dense(4, activation="tanh")

        def call(self, x):
            return nf.remat(self.dense)(x) if self.use_remat else self.dense(x)

    weights = []
    for use_remat in (False, True):
        nf.utils.set_random_seed(0)
        model = nf.Sequential([nf.Input((3,)), Block(use_remat), nf.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(X, X[:, :1], epochs=3, batch_size=5, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_remat_scope_records_the_mode_and_changes_nothing():
    from neuroflow.autograd.remat_scope import get_current_remat_mode
    layer = nf.layers.Dense(2)
    plain = layer(X).numpy()
    with nf.RematScope(mode="full") as scope:
        assert get_current_remat_mode() is scope
        np.testing.assert_array_equal(layer(X).numpy(), plain)
    assert get_current_remat_mode() is None
    with pytest.raises(ConfigError, match="RematScope: mode"):
        nf.RematScope(mode="everything")


def _stateless_program(k, make_variable):
    v = make_variable(np.zeros(3, "float32"))
    with k.StatelessScope(state_mapping=[(v, np.ones(3, "float32"))]) as scope:
        inside = np.asarray(k.ops.convert_to_numpy(v.value if hasattr(v, "value") else v)).copy()
        v.assign(v * 2.0)
        current = np.asarray(k.ops.convert_to_numpy(scope.get_current_value(v)))
    after = np.asarray(k.ops.convert_to_numpy(v))
    return inside.tolist(), current.tolist(), after.tolist()


def test_stateless_scope_matches_keras():
    got = _stateless_program(nf, lambda a: nf.Variable(a))
    keras = keras_oracle()
    want = _stateless_program(keras, lambda a: keras.Variable(a))
    assert got == want == ([1.0] * 3, [2.0] * 3, [0.0] * 3)


def test_symbolic_scope_flag():
    from neuroflow.autograd.scopes import in_symbolic_scope
    assert not in_symbolic_scope()
    with nf.SymbolicScope():
        assert in_symbolic_scope()
    assert not in_symbolic_scope()


def test_stateless_scope_checks_its_mapping():
    v = nf.Variable(np.zeros(3, "float32"))
    with pytest.raises(ConfigError, match="shape"):
        nf.StatelessScope(state_mapping=[(v, np.ones(2, "float32"))])
    with pytest.raises(ConfigError, match="pairs"):
        nf.StatelessScope(state_mapping=[v])
