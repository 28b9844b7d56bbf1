"""The shared layer checks on the core layers (Dense, Activation, Dropout, Flatten, Reshape, Permute,
RepeatVector)."""
import numpy as np

from neuroflow import layers

from .layer_check import check_layer


def test_dense():
    check_layer(lambda: layers.Dense(3, activation="tanh"), (4, 5), (4, 3), trainable_weights=2)


def test_dense_3d_no_bias():
    check_layer(lambda: layers.Dense(2, use_bias=False), (3, 4, 5), (3, 4, 2), trainable_weights=1)


def test_dense_with_regularizer_counts_a_loss():
    layer, _ = check_layer(lambda: layers.Dense(3, kernel_regularizer="l2"), (4, 5), (4, 3), trainable_weights=2)
    assert len(layer.losses) == 1


def test_activation():
    check_layer(lambda: layers.Activation("relu"), (4, 5), (4, 5))


def test_dropout_is_identity_at_inference_and_masks_in_training():
    layer, out = check_layer(lambda: layers.Dropout(0.5, seed=1), (8, 16), (8, 16))
    x = np.ones((8, 16), np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1


def test_flatten():
    check_layer(lambda: layers.Flatten(), (2, 3, 4), (2, 12))


def test_reshape():
    check_layer(lambda: layers.Reshape((3, -1)), (2, 12), (2, 3, 4))


def test_permute():
    check_layer(lambda: layers.Permute((2, 1)), (2, 3, 4), (2, 4, 3))


def test_repeat_vector():
    check_layer(lambda: layers.RepeatVector(3), (2, 4), (2, 3, 4))
