"""``keras.Function`` and ``keras.Operation`` against Keras 3 (torch backend): the same graph and weights give
the same values."""
import numpy as np
import pytest

import neuroflow as nf

from tests.keras_oracle import keras as keras_oracle

X = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
Z = np.random.default_rng(1).normal(size=(4, 2)).astype("float32")


def _program(k):
    class ScaleShift(k.Operation):
        def call(self, x, y):
            return k.ops.add(k.ops.multiply(x, 2.0), y)

    a, b = k.Input(shape=(3,), name="a"), k.Input(shape=(2,), name="b")
    dense = k.layers.Dense(2)
    dense.build((None, 3))
    rng = np.random.default_rng(2)
    dense.set_weights([rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=(2,)).astype("float32")])
    h = dense(a)
    out = ScaleShift()(h, b)
    fn = k.Function([a, b], {"out": out, "h": h})
    result = fn([X, Z])
    eager = ScaleShift()(np.ones(2, "float32"), np.ones(2, "float32"))
    return ({key: np.asarray(k.ops.convert_to_numpy(v)) for key, v in result.items()},
            np.asarray(k.ops.convert_to_numpy(eager)), isinstance(dense, k.Operation))


def test_function_and_operation_match_keras():
    got, got_eager, got_is_op = _program(nf)
    keras = keras_oracle()
    want, want_eager, want_is_op = _program(keras)
    assert sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_eager, want_eager)
    assert got_is_op and want_is_op


def test_function_is_differentiable_and_lists_its_operations():
    i = nf.Input((3,))
    dense = nf.layers.Dense(1)
    fn = nf.Function(i, dense(i))
    assert dense in fn.operations
    y = fn(nf.Tensor(X))
    nf.ops.sum(y).backward()
    np.testing.assert_allclose(dense.kernel.grad, X.sum(axis=0, keepdims=True).T, rtol=1e-5)


def test_function_refuses_non_symbolic_outputs():
    with pytest.raises(nf.errors.ConfigError, match="symbolic tensors"):
        nf.Function(nf.Input((3,)), np.ones(3))
