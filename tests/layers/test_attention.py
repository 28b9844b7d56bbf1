"""EinsumDense, MultiHeadAttention, Attention, AdditiveAttention: the shared layer checks, Keras parity with the
same weights (masks, causal, attention axes, scores), gradients and training, masks from Embedding, errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.models import Model, load_model

from ..keras_oracle import keras
from .layer_check import check_layer

RNG = np.random.default_rng(0)
Q = RNG.standard_normal((2, 5, 8)).astype(np.float32)
V = RNG.standard_normal((2, 6, 8)).astype(np.float32)
K = RNG.standard_normal((2, 6, 3)).astype(np.float32)


def _np(k, t):
    return k.ops.convert_to_numpy(t)


def _twins(k, name, *args, **kwargs):
    """The same layer in Keras and neuroflow, built on ``args`` with Keras' weights copied over."""
    theirs, ours = getattr(k.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    theirs(*args), ours(*args)
    ours.set_weights([_np(k, w) for w in theirs.weights])
    return theirs, ours


# --- EinsumDense ---------------------------------------------------------------------------------------------------
EINSUM_CASES = [("ab,bc->ac", (4,), "c", (3, 5)), ("abc,cde->abde", (None, 2, 4), "de", (3, 6, 5)),
                ("...b,bc->...c", (4,), "c", (3, 6, 5)), ("abc,cd->abd", (6, 4), None, (3, 6, 5)),
                ("abc,cd->abd", (6, 4), "bd", (3, 6, 5)), ("bc...,cd->bd...", 4, None, (3, 5, 2)),
                ("...bc,cd->...bd", (6, 4), "bd", (2, 3, 6, 5))]


@pytest.mark.parametrize("equation, output_shape, bias_axes, shape", EINSUM_CASES)
def test_einsum_dense_matches_keras(equation, output_shape, bias_axes, shape):
    k = keras()
    x = RNG.standard_normal(shape).astype(np.float32)
    theirs, ours = _twins(k, "EinsumDense", x, equation=equation, output_shape=output_shape, bias_axes=bias_axes,
                          bias_initializer="random_normal")
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.weights]
    out = ours(x).numpy()
    np.testing.assert_allclose(out, _np(k, theirs(x)), rtol=1e-5, atol=1e-5)
    assert tuple(ours.compute_output_shape(shape)) == out.shape


def test_einsum_dense_check_layer():
    check_layer(lambda: layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de", activation="tanh"),
                (4, 3, 5), (4, 3, 2, 3), trainable_weights=2)


@pytest.mark.parametrize("kwargs, match", [
    ({"equation": "ab->b", "output_shape": 3}, "equation must read"),
    ({"equation": "ab,bc->ac", "output_shape": "x"}, "output_shape"),
    ({"equation": "ab,bc->ac", "output_shape": 3, "bias_axes": 1}, "bias_axes"),
])
def test_einsum_dense_bad_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        layers.EinsumDense(**kwargs)


def test_einsum_dense_shape_errors():
    with pytest.raises(ConfigError, match="bias_axes 'z'"):
        layers.EinsumDense("ab,bc->ac", 3, bias_axes="z")(np.ones((2, 4), np.float32))
    with pytest.raises(ShapeError, match="names 3 input axes"):
        layers.EinsumDense("abc,cd->abd", (2, 3))(np.ones((2, 4), np.float32))


# --- MultiHeadAttention ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{"num_heads": 2, "key_dim": 4},
                                    {"num_heads": 3, "key_dim": 4, "value_dim": 5, "output_shape": 7},
                                    {"num_heads": 2, "key_dim": 3, "use_bias": False}])
def test_mha_matches_keras(kwargs):
    k = keras()
    theirs, ours = _twins(k, "MultiHeadAttention", Q, V, K, **kwargs)
    assert [v.shape for v in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    mask = RNG.random((2, 5, 6)) > 0.3
    for call in ({}, {"use_causal_mask": True}, {"attention_mask": mask},
                 {"attention_mask": mask, "use_causal_mask": True}):
        np.testing.assert_allclose(ours(Q, V, K, **call).numpy(), _np(k, theirs(Q, V, K, **call)), rtol=1e-5,
                                   atol=1e-5, err_msg=str(call))
    out, scores = ours(Q, V, K, return_attention_scores=True)
    theirs_out, theirs_scores = theirs(Q, V, K, return_attention_scores=True)
    assert scores.shape == (2, kwargs["num_heads"], 5, 6)
    np.testing.assert_allclose(scores.numpy(), _np(k, theirs_scores), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), _np(k, theirs_out), rtol=1e-5, atol=1e-5)


def test_mha_attention_axes_matches_keras():
    k = keras()
    x = RNG.standard_normal((2, 3, 4, 6)).astype(np.float32)
    for axes in [(2,), (1, 2)]:
        theirs, ours = _twins(k, "MultiHeadAttention", x, x, num_heads=2, key_dim=3, attention_axes=axes)
        np.testing.assert_allclose(ours(x, x).numpy(), _np(k, theirs(x, x)), rtol=1e-5, atol=1e-5)


def test_mha_masks_from_embedding_match_keras():
    k = keras()
    ids = np.array([[3, 5, 2, 0, 0], [1, 4, 0, 0, 0]])

    def build(lib):
        inp = lib.layers.Input((5,), dtype="int32")
        emb = lib.layers.Embedding(7, 8, mask_zero=True)(inp)
        return lib.Model(inp, lib.layers.MultiHeadAttention(2, 4)(emb, emb))
    theirs, ours = build(k), build(nf)
    ours.set_weights([_np(k, w) for w in theirs.weights])
    np.testing.assert_allclose(ours.predict(ids, verbose=0), _np(k, theirs(ids)), rtol=1e-5, atol=1e-5)


def test_mha_check_layer_and_self_attention_model(tmp_path):
    check_layer(lambda: layers.MultiHeadAttention(2, 3, seed=0), [(4, 5, 6), (4, 7, 6)], (4, 5, 6),
                trainable_weights=8, atol=1e-6)
    inp = layers.Input((5, 6))
    out = layers.MultiHeadAttention(2, 3, dropout=0.1, seed=1)(inp, inp, use_causal_mask=True)
    model = Model(inp, layers.GlobalAveragePooling1D()(out))
    x = RNG.standard_normal((8, 5, 6)).astype(np.float32)
    model.save(str(tmp_path / "m.neuroflow"))
    np.testing.assert_array_equal(load_model(str(tmp_path / "m.neuroflow")).predict(x, verbose=0),
                                  model.predict(x, verbose=0))


def test_mha_training_lowers_loss():
    nf.random.set_seed(0)
    inp = layers.Input((5, 6))
    model = Model(inp, layers.Flatten()(layers.MultiHeadAttention(2, 4)(inp, inp)))
    x = RNG.standard_normal((16, 5, 6)).astype(np.float32)
    teacher = layers.MultiHeadAttention(2, 4, kernel_initializer="random_normal")
    y = teacher(x, x).numpy().reshape(16, 30)  # a target attention can fit
    model.compile(optimizer=nf.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=30, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_mha_gradient_finite_differences():
    nf.random.set_seed(1)
    layer = layers.MultiHeadAttention(2, 2, dtype="float64")
    q = RNG.standard_normal((1, 3, 4))
    x = nf.Tensor(q, requires_grad=True, dtype="float64")
    layer(x, x, use_causal_mask=True)
    (layer(x, x, use_causal_mask=True) ** 2).sum().backward()
    eps, numeric = 1e-6, np.zeros_like(q)
    for i in np.ndindex(q.shape):
        d = np.zeros_like(q)
        d[i] = eps
        plus, minus = nf.Tensor(q + d, dtype="float64"), nf.Tensor(q - d, dtype="float64")
        plus = (layer(plus, plus, use_causal_mask=True).numpy() ** 2).sum()
        minus = (layer(minus, minus, use_causal_mask=True).numpy() ** 2).sum()
        numeric[i] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(x.grad, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kwargs, match", [({"num_heads": 0, "key_dim": 2}, "num_heads"),
                                           ({"num_heads": 2, "key_dim": 2.5}, "key_dim"),
                                           ({"num_heads": 2, "key_dim": 2, "dropout": 1.0}, "dropout"),
                                           ({"num_heads": 2, "key_dim": 2, "attention_axes": "x"}, "attention_axes")])
def test_mha_bad_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        layers.MultiHeadAttention(**kwargs)


def test_mha_shape_errors():
    with pytest.raises(ShapeError, match="value .* and key"):
        layers.MultiHeadAttention(2, 2)(Q, V, Q)
    with pytest.raises(ConfigError, match="needs a query and a value"):
        layers.MultiHeadAttention(2, 2)(Q)


def test_group_query_attention_matches_keras(tmp_path):
    k = keras()
    kwargs = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}
    theirs, ours = _twins(k, "GroupQueryAttention", Q, V, **kwargs)
    assert [v.shape for v in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    mask = RNG.random((2, 5, 6)) > 0.3
    for call in ({}, {"use_causal_mask": True}, {"attention_mask": mask}):
        np.testing.assert_allclose(ours(Q, V, **call).numpy(), _np(k, theirs(Q, V, **call)), rtol=1e-5, atol=1e-5)
    out, scores = ours(Q, V, return_attention_scores=True)
    assert scores.shape == (2, 4, 5, 6)
    np.testing.assert_allclose(scores.numpy(), _np(k, theirs(Q, V, return_attention_scores=True)[1]), atol=1e-6)
    check_layer(lambda: layers.GroupQueryAttention(2, 4, 2), [(4, 5, 6), (4, 7, 6)], (4, 5, 6),
                trainable_weights=8, atol=1e-6)
    with pytest.raises(ConfigError, match="multiple of num_key_value_heads"):
        layers.GroupQueryAttention(2, 4, 3)


# --- Attention, AdditiveAttention ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs", [("Attention", {}), ("Attention", {"use_scale": True}),
                                          ("Attention", {"score_mode": "concat", "use_scale": True}),
                                          ("AdditiveAttention", {}), ("AdditiveAttention", {"use_scale": False})])
def test_attention_matches_keras(name, kwargs):
    k = keras()
    key = RNG.standard_normal((2, 6, 8)).astype(np.float32)
    theirs, ours = _twins(k, name, [Q, V, key], **kwargs)
    if ours.weights:
        values = [RNG.uniform(0.5, 1.5, w.shape).astype(np.float32) for w in ours.get_weights()]
        ours.set_weights(values), theirs.set_weights(values)
    masks = [RNG.random((2, 5)) > 0.3, RNG.random((2, 6)) > 0.3]
    masks[1][:, 0] = True
    for call in ({}, {"mask": masks}, {"use_causal_mask": True}, {"mask": masks, "use_causal_mask": True}):
        out, scores = ours([Q, V, key], return_attention_scores=True, **call)
        t_out, t_scores = theirs([Q, V, key], return_attention_scores=True, **call)
        np.testing.assert_allclose(out.numpy(), _np(k, t_out), rtol=1e-5, atol=1e-5, err_msg=str(call))
        np.testing.assert_allclose(scores.numpy(), _np(k, t_scores), rtol=1e-5, atol=1e-6, err_msg=str(call))


@pytest.mark.parametrize("factory, weights", [(lambda: layers.Attention(), 0),
                                              (lambda: layers.Attention(use_scale=True, score_mode="concat"), 2),
                                              (lambda: layers.AdditiveAttention(), 1)])
def test_attention_check_layer(factory, weights):
    check_layer(factory, [(4, 5, 6), (4, 7, 6)], (4, 5, 6), trainable_weights=weights, atol=1e-6)


def test_attention_bad_arguments():
    with pytest.raises(ConfigError, match="score_mode"):
        layers.Attention(score_mode="add")
    with pytest.raises(ConfigError, match=r"list \[query, value\]"):
        layers.Attention()(Q)
