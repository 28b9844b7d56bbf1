"""Merge layers: the shared layer checks (functional models with several inputs), values against NumPy, Dot
against PyTorch (forward and gradients), broadcasting and shape errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.layers import merge
from neuroflow.models import Model, load_model

from .layer_check import check_layer

S = (4, 3, 5)


@pytest.mark.parametrize("factory,n,expected", [
    (merge.Add, 3, S), (merge.Subtract, 2, S), (merge.Multiply, 2, S), (merge.Average, 3, S),
    (merge.Maximum, 2, S), (merge.Minimum, 2, S), (lambda: merge.Concatenate(axis=1), 2, (4, 6, 5)),
    (lambda: merge.Concatenate(), 3, (4, 3, 15)), (lambda: merge.Dot(axes=2), 2, (4, 3, 3)),
    (lambda: merge.Dot(axes=(1, 1), normalize=True), 2, (4, 5, 5)),
], ids=["add", "subtract", "multiply", "average", "maximum", "minimum", "concat-1", "concat-last", "dot",
        "dot-normalize"])
def test_check_layer(factory, n, expected):
    check_layer(factory, [S] * n, expected)


def test_values_match_numpy():
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(S).astype(np.float32) for _ in range(3))
    cases = {merge.Add(): a + b + c, merge.Multiply(): a * b * c, merge.Average(): (a + b + c) / 3,
             merge.Maximum(): np.maximum(np.maximum(a, b), c), merge.Minimum(): np.minimum(np.minimum(a, b), c),
             merge.Concatenate(axis=1): np.concatenate([a, b, c], axis=1)}
    for layer, want in cases.items():
        got = layer([a, b, c]).numpy()
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=type(layer).__name__)
    np.testing.assert_array_equal(merge.Subtract()([a, b]).numpy(), a - b)


def test_gradients_flow_to_every_input():
    rng = np.random.default_rng(1)
    a, b = (nf.Tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True) for _ in range(2))
    merge.Average()([a, b]).sum().backward()
    np.testing.assert_allclose(a.grad, 0.5)
    np.testing.assert_allclose(b.grad, 0.5)
    a.grad = b.grad = None
    merge.Subtract()([a, b]).sum().backward()
    np.testing.assert_allclose(b.grad, -1.0)


def test_lower_rank_input_broadcasts_after_the_batch_axis():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((2, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(merge.Add()([a, b]).numpy(), a[:, None, :] + b)
    assert merge.Add().compute_output_shape([(None, 3), (None, 4, 3)]) == (None, 4, 3)
    assert merge.Multiply().compute_output_shape([(None, 1, 3), (None, 4, 1)]) == (None, 4, 3)
    assert merge.Add().compute_output_shape([(None, None), (None, 5)]) == (None, 5)


@pytest.mark.parametrize("s1,s2,axes,normalize", [
    ((4, 5), (4, 5), 1, False), ((3, 4, 5), (3, 5, 2), (2, 1), False), ((3, 4, 5), (3, 4, 2), 1, False),
    ((3, 2, 4, 5), (3, 5, 6), (-1, 1), False), ((4, 6), (4, 6), -1, True), ((3, 4, 5), (3, 4, 2), 1, True)])
def test_dot_matches_torch(s1, s2, axes, normalize):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x1, x2 = rng.standard_normal(s1).astype(np.float32), rng.standard_normal(s2).astype(np.float32)
    layer = merge.Dot(axes, normalize=normalize)
    a, b = nf.Tensor(x1, requires_grad=True), nf.Tensor(x2, requires_grad=True)
    out = layer([a, b])
    assert out.shape == layer.compute_output_shape([s1, s2])
    g = rng.standard_normal(out.shape).astype(np.float32)
    (out * nf.Tensor(g)).sum().backward()
    ta, tb = torch.from_numpy(x1).requires_grad_(True), torch.from_numpy(x2).requires_grad_(True)
    pair = (axes, axes) if isinstance(axes, int) else axes
    a0, a1 = pair[0] % len(s1), pair[1] % len(s2)
    u, v = ta, tb
    if normalize:
        u, v = torch.nn.functional.normalize(u, dim=a0, eps=1e-6), torch.nn.functional.normalize(v, dim=a1, eps=1e-6)
    # batch dot: contract u's a0 with v's a1, per sample
    tout = torch.stack([torch.tensordot(u[i], v[i], dims=([a0 - 1], [a1 - 1])) for i in range(s1[0])])
    tout = tout.reshape(out.shape)
    (tout * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_dot_normalize_gives_cosine_similarity():
    x = np.array([[1.0, 0.0], [3.0, 4.0]], np.float32)
    y = np.array([[0.0, 2.0], [6.0, 8.0]], np.float32)
    np.testing.assert_allclose(merge.Dot(1, normalize=True)([x, y]).numpy(), [[0.0], [1.0]], atol=1e-6)


def test_functional_model_with_shortcuts_trains_saves_and_loads(tmp_path):
    rng = np.random.default_rng(4)
    i1, i2 = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    h1, h2 = layers.Dense(4)(i1), layers.Dense(4)(i2)
    merged = merge.concatenate([merge.add([h1, h2]), merge.multiply([h1, h2]), merge.subtract([h1, h2]),
                                merge.average([h1, h2]), merge.maximum([h1, h2]), merge.minimum([h1, h2]),
                                merge.dot([h1, h2], axes=1)])
    assert merged.shape == (None, 25)
    model = Model([i1, i2], layers.Dense(1)(merged))
    x = [rng.standard_normal((16, 3)).astype(np.float32) for _ in range(2)]
    y = rng.standard_normal((16, 1)).astype(np.float32)
    model.compile(optimizer="sgd", loss="mse")
    losses = model.fit(x, y, epochs=5, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    model.save(tmp_path / "m.neuroflow")
    loaded = load_model(tmp_path / "m.neuroflow")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_shape_errors_name_the_layer_and_the_shapes():
    a = np.zeros((2, 3), np.float32)
    with pytest.raises(ShapeError, match=r"Add 'plus'.*\(2, 3\), \(2, 4\)"):
        merge.Add(name="plus")([a, np.zeros((2, 4), np.float32)])
    with pytest.raises(ShapeError, match="batch sizes"):
        merge.Add()([a, np.zeros((3, 3), np.float32)])
    with pytest.raises(ShapeError, match="except the concatenation axis"):
        merge.Concatenate(axis=1)([np.zeros((2, 3, 4), np.float32), np.zeros((2, 3, 5), np.float32)])
    with pytest.raises(ShapeError, match="same rank"):
        merge.Concatenate()([a, np.zeros((2, 3, 1), np.float32)])
    with pytest.raises(ShapeError, match="exactly 2 inputs"):
        merge.Subtract()([a, a, a])
    with pytest.raises(ShapeError, match="list of tensors"):
        merge.Add()(a)
    with pytest.raises(ShapeError, match=r"axis 1 of size 3 with axis 1 of size 4"):
        merge.Dot(1)([a, np.zeros((2, 4), np.float32)])
    with pytest.raises(ShapeError, match="non-batch axis"):
        merge.Dot(0)([a, a])
    with pytest.raises(ShapeError, match=r"Concatenate.*\(None, 3\), \(None, 4, 2\)"):
        merge.concatenate([layers.Input(shape=(3,)), layers.Input(shape=(4, 2))])
    with pytest.raises(ConfigError, match="axes"):
        merge.Dot(axes=(1, 2, 3))
