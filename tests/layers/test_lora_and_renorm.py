"""Constructor arguments Keras 3.15 takes that neuroflow used to refuse, each checked for Keras' behaviour against
the installed Keras (torch backend) with Keras' weights copied in: LoRA on Dense/EinsumDense/Embedding
(``lora_rank``, ``lora_alpha``, ``enable_lora``), Batch Renormalization (``renorm*``), ``LayerNormalization
(rms_scaling=True)``, ``MultiHeadAttention``/``GroupQueryAttention`` (``sliding_window``, ``use_gate``),
``Resizing(antialias, fill_mode)``, ``TextVectorization(ngrams, pad_to_max_tokens, encoding)``,
``Normalization.mean``/``.variance`` (broadcast shape), the base keywords ``autocast``/``activity_regularizer``
and ``InputLayer(batch_shape=)``."""
import warnings

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import ConfigError, GraphError

from ..keras_oracle import keras as keras_oracle

R = np.random.default_rng(5)


@pytest.fixture(scope="module")
def k():
    return keras_oracle()


def _np(t):
    if type(t).__module__.startswith("torch"):
        return t.detach().cpu().numpy()
    return np.asarray(nf.ops.convert_to_numpy(t))


def _copy(theirs, ours):
    """Keras' weights into ours (random values, so that every weight matters), in Keras' order."""
    values = [R.normal(size=tuple(w.shape)).astype("float32") for w in theirs.weights]
    for w, v in zip(theirs.weights, values):
        w.assign(v)
    ours.set_weights(values)


# --- LoRA ---------------------------------------------------------------------------------------------------------
LORA = [("Dense", dict(units=3, activation="relu"), (4, 6)),
        ("EinsumDense", dict(equation="abc,cde->abde", output_shape=(3, 2, 5), bias_axes="e"), (4, 3, 6)),
        ("EinsumDense", dict(equation="ab,bc->ac", output_shape=3), (4, 6)),
        ("Embedding", dict(input_dim=7, output_dim=3), (4, 5)),
        ("ReversibleEmbedding", dict(input_dim=7, output_dim=3), (4, 5))]


def _lora_input(name, shape):
    return R.integers(0, 7, shape) if "Embedding" in name else R.normal(size=shape).astype("float32")


@pytest.mark.parametrize("name,kwargs,shape", LORA)
@pytest.mark.parametrize("how", ["constructor", "enable_lora"])
def test_lora_matches_keras(k, name, kwargs, shape, how):
    x = _lora_input(name, shape)
    if how == "constructor":  # lora_alpha left at its default (the rank): Keras 3.15 drops a Dense one
        theirs, ours = getattr(k.layers, name)(lora_rank=2, **kwargs), getattr(layers, name)(lora_rank=2, **kwargs)
    else:
        theirs, ours = getattr(k.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    theirs.build(shape)
    ours.build(shape)
    if how == "enable_lora":
        theirs.enable_lora(2, lora_alpha=6)
        ours.enable_lora(2, lora_alpha=6)
    assert [(w.name, w.trainable) for w in ours.weights] == [(w.name, w.trainable) for w in theirs.weights]
    assert ours.lora_enabled and ours.lora_rank == 2 and ours.lora_alpha == theirs.lora_alpha
    _copy(theirs, ours)
    np.testing.assert_allclose(_np(ours(x)), _np(theirs(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,kwargs,shape", LORA[:4])
@pytest.mark.parametrize("lora_first", [True, False])
def test_lora_on_an_int8_layer_matches_keras(k, name, kwargs, shape, lora_first):
    """Keras adds the LoRA term to the int8 product, whether LoRA or quantize() came first."""
    x = _lora_input(name, shape)
    theirs, ours = getattr(k.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    theirs.build(shape)
    ours.build(shape)
    _copy(theirs, ours)
    steps = [lambda layer: layer.enable_lora(2, lora_alpha=4), lambda layer: layer.quantize("int8")]
    for step in steps if lora_first else steps[::-1]:
        step(theirs)
        step(ours)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for layer in (theirs, ours):  # a nonzero low-rank term (b starts at zero)
        for w in layer.weights:
            if w.name.startswith("lora_"):
                w.assign(np.full(tuple(w.shape), 0.2 if w.name.endswith("_a") else 0.3, "float32"))
    np.testing.assert_allclose(_np(ours(x)), _np(theirs(x)), rtol=1e-5, atol=1e-5)


def test_lora_trains_the_low_rank_pair_only_and_starts_from_the_base_layer():
    layer = layers.Dense(3)
    x = R.normal(size=(8, 4)).astype("float32")
    before = layer(x).numpy()
    layer.enable_lora(2)
    np.testing.assert_allclose(layer(x).numpy(), before, rtol=1e-6)  # b starts at zero
    assert [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a", "lora_kernel_b"]
    assert layer.lora_kernel_a.shape == (4, 2) and layer.lora_kernel_b.shape == (2, 3)
    model = nf.Sequential([nf.Input((4,)), layer])
    model.compile(optimizer="sgd", loss="mse")
    kernel = layer.kernel.numpy().copy()
    model.fit(x, R.normal(size=(8, 3)).astype("float32"), epochs=2, verbose=0)
    np.testing.assert_array_equal(layer.kernel.numpy(), kernel)  # frozen
    assert np.abs(layer.lora_kernel_b.numpy()).sum() > 0


def test_lora_config_round_trip_and_its_errors():
    layer = layers.Dense(3, lora_rank=4, lora_alpha=8.0)
    config = layer.get_config()
    assert (config["lora_rank"], config["lora_alpha"]) == (4, 8.0)
    assert "lora_rank" not in layers.Dense(3).get_config()  # as Keras: only when set
    again = layers.Dense.from_config(config)
    again.build((None, 5))
    assert again.lora_enabled and again.lora_kernel_a.shape == (5, 4) and again.lora_alpha == 8.0
    with pytest.raises(GraphError, match="built"):
        layers.Dense(3).enable_lora(2)
    with pytest.raises(ConfigError, match="already enabled"):
        again.enable_lora(2)
    constrained = layers.Dense(3, kernel_constraint="non_neg")
    constrained.build((None, 2))
    with pytest.raises(ConfigError, match="kernel_constraint"):
        constrained.enable_lora(2)
    with pytest.raises(ConfigError, match="lora_rank"):
        layers.Dense(3, lora_rank=0)
    with pytest.raises(ConfigError, match="lora_alpha"):
        layers.Embedding(3, 2, lora_alpha=-1)


def test_weights_keep_their_creation_order_when_one_is_frozen_later(k):
    """Keras orders a layer's weights by how they were created, so a kernel frozen later stays first."""
    theirs, ours = k.layers.Dense(2), layers.Dense(2)
    theirs.build((None, 3))
    ours.build((None, 3))
    theirs.kernel.trainable = False
    ours.kernel.trainable = False
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights] == ["kernel", "bias"]


# --- Batch Renormalization ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, 1])
@pytest.mark.parametrize("clipping", [None, {"rmax": 1.5, "rmin": 0.7, "dmax": 0.3}])
def test_batch_renormalization_matches_keras_over_steps(k, axis, clipping):
    kwargs = dict(axis=axis, renorm=True, renorm_clipping=clipping, renorm_momentum=0.9, momentum=0.8)
    theirs, ours = k.layers.BatchNormalization(**kwargs), layers.BatchNormalization(**kwargs)
    x = R.normal(2.0, 3.0, (8, 3, 4)).astype("float32")
    theirs.build(x.shape)
    ours.build(x.shape)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]  # + moving_stddev, renorm_*
    ours.set_weights([w.numpy() for w in theirs.weights])  # the initial state: moving_stddev = sqrt(1)
    for step in range(3):
        xs = x * (step + 1)
        np.testing.assert_allclose(_np(ours(xs, training=True)), _np(theirs(xs, training=True)), atol=1e-5)
        for a, b in zip(ours.weights, theirs.weights):
            np.testing.assert_allclose(a.numpy(), _np(b.value), rtol=1e-5, atol=1e-6, err_msg=a.name)
    np.testing.assert_allclose(_np(ours(x)), _np(theirs(x)), atol=1e-5)  # inference: the moving statistics


def test_batch_renormalization_gradients_match_keras(k):
    import torch
    kwargs = dict(renorm=True, renorm_clipping={"rmax": 1.2, "dmax": 0.5})
    theirs, ours = k.layers.BatchNormalization(**kwargs), layers.BatchNormalization(**kwargs)
    x = R.normal(1.0, 2.0, (6, 4)).astype("float32")
    g = R.normal(size=x.shape).astype("float32")
    theirs.build(x.shape)
    ours.build(x.shape)
    for w in theirs.weights[:2]:
        w.assign(R.normal(1.0, 0.3, w.shape).astype("float32"))
    for w in theirs.weights[-2:]:  # renorm statistics away from the batch's, so that r and d are clipped
        w.assign(np.full(w.shape, 0.5, "float32"))
    ours.set_weights([w.numpy() for w in theirs.weights])
    tx, nx = torch.tensor(x, requires_grad=True), nf.Tensor(x, requires_grad=True)
    (theirs(tx, training=True) * torch.from_numpy(g)).sum().backward()
    (ours(nx, training=True) * nf.Tensor(g)).sum().backward()
    np.testing.assert_allclose(nx.grad, tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for a, b in zip(ours.trainable_weights, theirs.trainable_weights):
        np.testing.assert_allclose(a.grad, b.value.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=a.name)


def test_batch_renormalization_config_and_bad_clipping():
    layer = layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 3.0})
    config = layer.get_config()
    assert config["renorm"] and config["renorm_clipping"] == {"rmax": 3.0} and config["renorm_momentum"] == 0.99
    assert layers.BatchNormalization.from_config(config).renorm
    for bad, match in (({"rmx": 1.0}, "keys"), ({"rmax": 1.0, "rmin": 2.0}, "rmax >= rmin"),
                       ({"dmax": -1.0}, "dmax >= 0")):
        with pytest.raises(ConfigError, match=match):
            layers.BatchNormalization(renorm=True, renorm_clipping=bad)


# --- LayerNormalization(rms_scaling=True) -------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, [1, 2], 1])
@pytest.mark.parametrize("center,scale", [(True, True), (False, False)])
def test_layer_normalization_rms_scaling_matches_keras(k, axis, center, scale):
    x = R.normal(2.0, 3.0, (4, 3, 5)).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = k.layers.LayerNormalization(axis=axis, rms_scaling=True, center=center, scale=scale)
        ours = layers.LayerNormalization(axis=axis, rms_scaling=True, center=center, scale=scale)
    theirs.build(x.shape)
    ours.build(x.shape)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights] == ["gamma"]
    _copy(theirs, ours)
    np.testing.assert_allclose(_np(ours(x)), _np(theirs(x)), rtol=1e-5, atol=1e-5)
    assert layers.LayerNormalization.from_config(ours.get_config()).rms_scaling


# --- attention ----------------------------------------------------------------------------------------------------
ATTENTION = [("MultiHeadAttention", dict(num_heads=2, key_dim=3)),
             ("GroupQueryAttention", dict(head_dim=3, num_query_heads=4, num_key_value_heads=2))]


@pytest.mark.parametrize("name,kwargs", ATTENTION)
@pytest.mark.parametrize("window,gate,causal", [(2, False, False), (None, True, False), (3, True, True)])
def test_attention_sliding_window_and_gate_match_keras(k, name, kwargs, window, gate, causal):
    q, v = R.normal(size=(2, 6, 8)).astype("float32"), R.normal(size=(2, 6, 5)).astype("float32")
    theirs = getattr(k.layers, name)(sliding_window=window, use_gate=gate, **kwargs)
    ours = getattr(layers, name)(sliding_window=window, use_gate=gate, **kwargs)
    theirs(q, v)
    ours(q, v)
    assert [w.path.split("/", 1)[1] for w in ours.weights] == [w.path.split("/", 1)[1] for w in theirs.weights]
    _copy(theirs, ours)
    y, scores = ours(q, v, return_attention_scores=True, use_causal_mask=causal)
    ky, kscores = theirs(q, v, return_attention_scores=True, use_causal_mask=causal)
    np.testing.assert_allclose(_np(y), _np(ky), atol=1e-5)
    np.testing.assert_allclose(_np(scores), _np(kscores), atol=1e-6)
    config = ours.get_config()
    assert (config["sliding_window"], config["use_gate"]) == (window, gate)


def test_gated_attention_saves_as_keras_does(k, tmp_path):
    q = R.normal(size=(2, 6, 8)).astype("float32")
    inputs = k.Input((6, 8))
    theirs = k.Model(inputs, k.layers.MultiHeadAttention(2, 3, use_gate=True, sliding_window=2)(inputs, inputs))
    theirs.save(tmp_path / "k.keras")
    ours = nf.saving.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(_np(ours.predict(q, verbose=0)), _np(theirs.predict(q, verbose=0)), atol=1e-5)
    ours.save(tmp_path / "n.keras")
    back = k.saving.load_model(tmp_path / "n.keras")
    np.testing.assert_allclose(_np(back.predict(q, verbose=0)), _np(theirs.predict(q, verbose=0)), atol=1e-5)


def test_bad_sliding_window_is_refused():
    with pytest.raises(ConfigError, match="sliding_window"):
        layers.MultiHeadAttention(2, 3, sliding_window=0)


# --- Resizing -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size,target,interpolation,data_format", [
    ((9, 13), (4, 5), "bilinear", "channels_last"), ((8, 8), (3, 12), "bilinear", "channels_first"),
    ((5, 5), (10, 10), "bilinear", "channels_last"), ((9, 9), (4, 4), "nearest", "channels_last")])
def test_resizing_antialias_matches_keras(k, size, target, interpolation, data_format):
    x = R.normal(size=(2,) + size + (3,)).astype("float32")
    if data_format == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    kwargs = dict(interpolation=interpolation, antialias=True, data_format=data_format)
    np.testing.assert_allclose(_np(layers.Resizing(*target, **kwargs)(x)), _np(k.layers.Resizing(*target, **kwargs)(x)),
                               atol=1e-5)


def test_resizing_fill_mode_is_constant_only():
    assert layers.Resizing(2, 2, fill_mode="constant").get_config()["fill_mode"] == "constant"
    with pytest.raises(ConfigError, match="fill_mode"):
        layers.Resizing(2, 2, fill_mode="reflect")


# --- TextVectorization (Keras' text layer needs TensorFlow: tf.strings.ngrams' rule written out) -------------------
def test_text_vectorization_ngrams_follow_tf_strings_ngrams():
    layer = layers.TextVectorization(ngrams=2, vocabulary=["the", "cat", "the cat", "cat sat"])
    # tokens: every 1-gram, then every 2-gram, joined by a space
    np.testing.assert_array_equal(layer(["the cat sat"]).numpy(), [[2, 3, 1, 4, 5]])
    layer = layers.TextVectorization(ngrams=(2,), output_mode="count", vocabulary=["a b", "b a"])
    np.testing.assert_array_equal(layer(["a b a b"]).numpy(), [[0, 2, 1]])
    assert layers.TextVectorization.from_config(layer.get_config()).ngrams == (2,)
    for bad in (0, "x", (), True):
        with pytest.raises(ConfigError, match="ngrams"):
            layers.TextVectorization(ngrams=bad)


def test_text_vectorization_pad_to_max_tokens_and_encoding():
    layer = layers.TextVectorization(max_tokens=10, output_mode="multi_hot", pad_to_max_tokens=True)
    layer.adapt(["a b c"])
    assert layer(["a z"]).shape == (1, 10) and layer.compute_output_shape((None, 1)) == (None, 10)
    with pytest.raises(ConfigError, match="max_tokens"):
        layers.TextVectorization(pad_to_max_tokens=True)
    latin = layers.TextVectorization(encoding="latin-1", vocabulary=["café"])
    np.testing.assert_array_equal(latin(np.array(["café".encode("latin-1")], dtype=object)).numpy(), [[2]])
    for arg, value in (("sparse", True), ("ragged", True), ("idf_weights", np.ones(3))):
        with pytest.raises(ConfigError, match=arg):
            layers.TextVectorization(**{arg: value})


# --- Normalization's statistics, base keywords, InputLayer --------------------------------------------------------
@pytest.mark.parametrize("kwargs,shape", [({}, (20, 3)), ({"axis": None}, (20, 3)), ({"axis": (1, 2)}, (5, 2, 6)),
                                          ({"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]}, (20, 3))])
def test_normalization_mean_and_variance_are_broadcast_tensors(k, kwargs, shape):
    x = R.normal(size=shape).astype("float32")
    theirs, ours = k.layers.Normalization(**kwargs), layers.Normalization(**kwargs)
    assert ours.mean is None and ours.variance is None  # before build, as Keras
    if "mean" in kwargs:
        theirs.build(x.shape)
        ours.build(x.shape)
    else:
        theirs.adapt(x)
        ours.adapt(x)
    for a, b in ((ours.mean, theirs.mean), (ours.variance, theirs.variance)):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), _np(b), rtol=1e-5, atol=1e-6)


def test_layer_takes_autocast_and_activity_regularizer(k):
    class Ours(layers.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1], 1), initializer="ones")

        def call(self, x):
            return nf.ops.matmul(x, self.w)

    x = np.full((1, 3), 1.0001, "float32")
    plain = Ours(dtype="mixed_float16", autocast=False)(x)  # Keras: no cast, float32 in and out
    assert plain.dtype == np.float32 and np.isclose(plain.numpy()[0, 0], 3.0003)
    assert Ours(dtype="mixed_float16")(x).dtype == np.float16
    layer = Ours(activity_regularizer="l2")
    layer(x)
    assert len(layer.losses) == 1 and np.isclose(float(layer.losses[0].numpy()), 0.01 * 3.0003 ** 2, rtol=1e-4)
    with pytest.raises(ConfigError, match="autocast"):
        Ours(autocast="no")


def test_input_layer_batch_shape_and_unsupported_options():
    assert layers.InputLayer(batch_shape=(4, 3)).output.shape == (4, 3)
    for arg in ("sparse", "ragged", "optional"):
        with pytest.raises(ConfigError, match=arg):
            layers.InputLayer(shape=(2,), **{arg: True})
