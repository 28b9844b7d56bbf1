"""ReversibleEmbedding: Keras parity both ways (tied and untied, soft cap, reverse dtype), the shared layer checks,
a model that embeds and un-embeds with one layer (fit, save/load), masks and argument errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import ConfigError
from neuroflow.models import Model, load_model

from ..keras_oracle import keras
from .layer_check import check_layer

RNG = np.random.default_rng(0)
IDS = RNG.integers(0, 10, size=(3, 5))


@pytest.mark.parametrize("kwargs", [{}, {"tie_weights": False}, {"logit_soft_cap": 0.5},
                                    {"tie_weights": False, "reverse_dtype": "float64", "logit_soft_cap": 2.0}])
def test_matches_keras_both_ways(kwargs):
    k = keras()
    ours, theirs = layers.ReversibleEmbedding(10, 4, **kwargs), k.layers.ReversibleEmbedding(10, 4, **kwargs)
    ours(IDS), theirs(IDS)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    weights = [RNG.standard_normal(w.shape).astype(np.float32) for w in ours.get_weights()]
    ours.set_weights(weights), theirs.set_weights(weights)
    np.testing.assert_allclose(ours(IDS).numpy(), k.ops.convert_to_numpy(theirs(IDS)), rtol=1e-6)
    h = RNG.standard_normal((3, 5, 4)).astype(np.float32)
    mine, ref = ours(h, reverse=True), k.ops.convert_to_numpy(theirs(h, reverse=True))
    if "reverse_dtype" not in kwargs:  # Keras' torch matmul computes float64 in float32; neuroflow keeps float64
        assert mine.dtype == ref.dtype
    np.testing.assert_allclose(mine.numpy(), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("tie", [True, False])
def test_layer_checks(tie, tmp_path):
    check_layer(lambda: layers.ReversibleEmbedding(10, 3, tie_weights=tie), (4, 5), expected_output_shape=(4, 5, 3),
                trainable_weights=1 if tie else 2, input_data=IDS[:, :5].repeat(2, axis=0)[:4], input_dtype="int32",
                check_training=tie, tmp_path=tmp_path)


def test_one_layer_embeds_and_unembeds_in_a_model(tmp_path):
    nf.random.set_seed(0)
    emb = layers.ReversibleEmbedding(10, 4, logit_soft_cap=5.0)
    x = layers.Input((5,), dtype="int32")
    model = Model(x, emb(layers.Dense(4)(emb(x)), reverse=True))
    assert model.output_shape == (None, 5, 10)
    model.compile(optimizer=nf.optimizers.Adam(0.05),
                  loss=nf.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(IDS, IDS, epochs=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "m.neuroflow")
    again = load_model(tmp_path / "m.neuroflow")
    np.testing.assert_allclose(again.predict(IDS, verbose=0), model.predict(IDS, verbose=0), rtol=1e-6)


def test_mask_only_on_the_forward_call():
    emb = layers.ReversibleEmbedding(10, 4, mask_zero=True)
    ids = np.array([[1, 0, 2]])
    emb(ids)
    np.testing.assert_array_equal(emb.compute_mask(ids), [[True, False, True]])
    assert emb(np.ones((1, 3, 4), np.float32), reverse=True).shape == (1, 3, 10)


def test_config_round_trip_and_errors():
    layer = layers.ReversibleEmbedding(7, 2, tie_weights=False, reverse_dtype="float64", logit_soft_cap=3.0)
    config = layer.get_config()
    assert layers.ReversibleEmbedding.from_config(config).get_config() == config
    with pytest.raises(ConfigError, match="logit_soft_cap"):
        layers.ReversibleEmbedding(7, 2, logit_soft_cap=-1.0)
    with pytest.raises(ConfigError, match="reverse_dtype"):
        layers.ReversibleEmbedding(7, 2, reverse_dtype="int8")
