"""Embedding: the shared layer checks, PyTorch parity (forward and the scatter-add gradient), masks and errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import DataError, IndexOutOfRangeError
from neuroflow.layers.embedding import Embedding
from tests.conftest import host

from .layer_check import check_layer


def _ids(shape, high=10, seed=0):
    return np.random.default_rng(seed).integers(0, high, size=shape)


def test_embedding_check_layer():
    check_layer(lambda: Embedding(10, 3), (4, 5), (4, 5, 3), trainable_weights=1, input_data=_ids((4, 5)),
                learning_rate=1.0)


def test_embedding_check_layer_float_ids_and_regularizer():
    layer, _ = check_layer(lambda: Embedding(10, 2, embeddings_regularizer="l2", mask_zero=True), (6, 3),
                           (6, 3, 2), trainable_weights=1, input_data=_ids((6, 3)).astype(np.float32),
                           learning_rate=1.0)
    assert len(layer.losses) == 1


def test_embedding_matches_torch_forward_and_gradient():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    layer = Embedding(7, 4)
    ids = np.array([[1, 1, 3], [6, 0, 1]])  # repeated ids: their gradients must add up
    layer(ids)
    table = rng.standard_normal((7, 4)).astype(np.float32)
    layer.set_weights([table])
    g = rng.standard_normal((2, 3, 4)).astype(np.float32)
    tw = torch.from_numpy(table.copy()).requires_grad_(True)
    ty = torch.nn.functional.embedding(torch.from_numpy(ids), tw)
    (ty * torch.from_numpy(g)).sum().backward()
    y = layer(ids)
    (y * nf.Tensor(g)).sum().backward()
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_allclose(layer.embeddings.grad, tw.grad.numpy(), rtol=1e-6, atol=1e-6)
    assert layer.embeddings.grad.dtype == np.float32


def test_default_initializer_is_uniform_005():
    layer = Embedding(100, 20)
    layer(np.zeros((1, 1), np.int64))
    w = host(layer.embeddings.data)
    assert w.dtype == np.float32 and np.abs(w).max() <= 0.05 and w.std() > 0.02


def test_mask_zero():
    ids = np.array([[3, 0, 1], [0, 0, 2]])
    masked = Embedding(5, 2, mask_zero=True)
    np.testing.assert_array_equal(masked.compute_mask(ids), ids != 0)
    assert masked.compute_mask(nf.Tensor(ids)).dtype == bool
    assert Embedding(5, 2).compute_mask(ids) is None


def test_input_length_fixes_the_input_shape_and_trains_in_a_model():
    x = _ids((16, 5))
    y = np.random.default_rng(2).standard_normal((16, 1)).astype(np.float32)
    model = nf.models.Sequential([Embedding(10, 4, input_length=5), nf.layers.Flatten(), nf.layers.Dense(1)])
    assert model.built and model.layers[0]._batch_input_shape == (None, 5)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 3
    assert model.predict(x, verbose=0).shape == (16, 1)


def test_out_of_range_ids_raise_a_clear_error():
    layer = Embedding(10, 3, name="tokens")
    layer(np.array([[0, 9]]))
    with pytest.raises(IndexOutOfRangeError, match=r"'tokens'.*id 12 .*input_dim=10"):
        layer(np.array([[1, 12, 3]]))
    with pytest.raises(IndexOutOfRangeError, match=r"id -1 "):
        layer(np.array([[-1, 2]]))
    with pytest.raises(DataError, match="whole numbers"):
        layer(np.array([[1.5, 2.0]], np.float32))
