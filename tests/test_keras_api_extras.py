"""Keras 3's activations, initializers, regularizers, constraints and backend helpers against Keras itself."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import activations, backend, constraints, initializers, regularizers

from .keras_oracle import keras as keras_oracle

X = np.random.default_rng(0).normal(size=(3, 4)).astype("float32") * 2


@pytest.fixture(scope="module")
def k():
    return keras_oracle()


ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "selu", "softplus", "softsign",
               "gelu", "swish", "silu", "leaky_relu", "hard_sigmoid", "exponential", "relu6", "mish", "celu", "glu",
               "hard_shrink", "hard_silu", "hard_swish", "hard_tanh", "log_sigmoid", "soft_shrink", "sparse_plus",
               "sparse_sigmoid", "squareplus", "tanh_shrink"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_matches_keras(k, name):
    ours = activations.get(name)(nf.Tensor(X)).numpy()
    theirs = k.ops.convert_to_numpy(k.activations.get(name)(X))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=2e-6, err_msg=name)


def test_every_keras_activation_name_exists(k):
    names = [n for n in dir(k.activations) if not n.startswith("_") and n not in ("get", "serialize")]
    assert [n for n in names if not hasattr(activations, n)] == []


@pytest.mark.parametrize("alias, cls", [("glorot_uniform", "GlorotUniform"), ("he_normal", "HeNormal"),
                                        ("orthogonal", "Orthogonal"), ("identity", "Identity"),
                                        ("variance_scaling", "VarianceScaling"), ("stft", "STFT")])
def test_initializer_lower_case_names_are_the_classes(alias, cls):
    assert getattr(initializers, alias) is getattr(initializers, cls)
    assert isinstance(initializers.deserialize({"class_name": cls, "config": {}}), getattr(initializers, cls))


@pytest.mark.parametrize("side, window, scaling, periodic", [("real", "hann", "density", False),
                                                             ("imag", "hamming", "spectrum", True),
                                                             ("real", None, None, False)])
def test_stft_initializer_matches_keras(k, side, window, scaling, periodic):
    shape = (16, 1, 9)
    ours = initializers.STFT(side, window, scaling, periodic)(shape)
    theirs = k.ops.convert_to_numpy(k.initializers.STFT(side, window, scaling, periodic)(shape))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=5e-6)  # Keras computes in float32


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_matches_keras(k, mode):
    ours = float(regularizers.OrthogonalRegularizer(0.3, mode)(nf.Tensor(X)).numpy())
    keras_reg = k.regularizers.OrthogonalRegularizer(0.3, mode)
    theirs = float(k.ops.convert_to_numpy(keras_reg(k.ops.convert_to_tensor(X))))
    assert ours == pytest.approx(theirs, rel=1e-5)
    assert regularizers.orthogonal_regularizer is regularizers.OrthogonalRegularizer


def test_orthogonal_regularizer_trains_a_layer_towards_orthogonal_rows():
    from neuroflow import layers, models
    layer = layers.Dense(4, use_bias=False, kernel_regularizer=regularizers.OrthogonalRegularizer(1.0, "columns"))
    model = models.Sequential([layers.Input((4,)), layer])
    model.compile(nf.optimizers.Adam(0.05), "mse")
    before = float(regularizers.OrthogonalRegularizer(1.0, "columns")(layer.kernel).numpy())
    model.fit(np.zeros((8, 4), "float32"), np.zeros((8, 4), "float32"), epochs=30, verbose=0)
    after = float(regularizers.OrthogonalRegularizer(1.0, "columns")(layer.kernel).numpy())
    assert after < before * 0.5


@pytest.mark.parametrize("alias, cls", [("max_norm", "MaxNorm"), ("min_max_norm", "MinMaxNorm"),
                                        ("non_neg", "NonNeg"), ("unit_norm", "UnitNorm")])
def test_constraint_lower_case_names(alias, cls):
    assert getattr(constraints, alias) is getattr(constraints, cls)
    assert isinstance(constraints.deserialize(alias), getattr(constraints, cls))


def test_deserialize_prefers_custom_objects():
    class Mine(initializers.Initializer):
        def sample(self, shape, rng):
            return np.full(shape, 7.0)

    init = initializers.deserialize({"class_name": "Mine", "config": {}}, custom_objects={"Mine": Mine})
    assert init((2,))[0] == 7.0


def test_backend_helpers_match_keras(k):
    for dt in ("float32", np.float64, "int32", "bool", "uint8"):
        assert backend.standardize_dtype(dt) == k.backend.standardize_dtype(dt)
        assert backend.is_float_dtype(dt) == k.backend.is_float_dtype(dt)
        assert backend.is_int_dtype(dt) == k.backend.is_int_dtype(dt)
    assert backend.result_type("float32", "int32") == k.backend.result_type("float32", "int32")
    assert backend.result_type("int8", "int16") == k.backend.result_type("int8", "int16")
    assert backend.image_data_format() == k.backend.image_data_format() == "channels_last"
    assert backend.epsilon() == pytest.approx(k.backend.epsilon())
    assert backend.is_keras_tensor(nf.Input((3,))) and not backend.is_keras_tensor(np.ones(3))


def test_set_epsilon_and_image_data_format_round_trip():
    eps, fmt = backend.epsilon(), backend.image_data_format()
    try:
        backend.set_epsilon(1e-5)
        backend.set_image_data_format("channels_first")
        assert backend.epsilon() == 1e-5 and backend.image_data_format() == "channels_first"
        with pytest.raises(nf.errors.ConfigError, match="channels_middle"):
            backend.set_image_data_format("channels_middle")
    finally:
        backend.set_epsilon(eps)
        backend.set_image_data_format(fmt)


def test_clear_session_restarts_automatic_names():
    from neuroflow import layers
    layers.Dense(1), layers.Dense(1)
    backend.clear_session()
    assert layers.Dense(1).name == "dense"
    assert layers.Dense(1).name == "dense_1"
