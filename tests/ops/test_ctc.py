"""ops.ctc_loss and ops.ctc_decode against Keras 3 (torch backend), and their argument checks."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import ops
from neuroflow.errors import ConfigError, ShapeError
from tests.keras_oracle import keras

RNG = np.random.default_rng(3)
LOGITS = (RNG.normal(size=(4, 9, 5)) * 2).astype("float32")
LENGTHS = np.array([9, 7, 4, 1])
LABELS = np.array([[1, 2, 2], [4, 3, 0], [1, 0, 0], [0, 0, 0]])
LABEL_LENGTHS = np.array([3, 2, 1, 0])


def test_ctc_loss_matches_keras():
    k = keras()
    ours = ops.ctc_loss(LABELS, nf.Tensor(LOGITS), LABEL_LENGTHS, LENGTHS, mask_index=0)
    theirs = k.ops.ctc_loss(LABELS, k.ops.convert_to_tensor(LOGITS), LABEL_LENGTHS, LENGTHS, mask_index=0)
    np.testing.assert_allclose(ours.data, k.ops.convert_to_numpy(theirs), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("merge_repeated", [True, False])
@pytest.mark.parametrize("mask_index", [0, 4])
def test_greedy_decode_matches_keras(merge_repeated, mask_index):
    k = keras()
    decoded, scores = ops.ctc_decode(LOGITS, LENGTHS, merge_repeated=merge_repeated, mask_index=mask_index)
    k_decoded, k_scores = k.ops.ctc_decode(k.ops.convert_to_tensor(LOGITS), LENGTHS, merge_repeated=merge_repeated,
                                           mask_index=mask_index)
    np.testing.assert_array_equal(decoded.data, k.ops.convert_to_numpy(k_decoded))
    np.testing.assert_allclose(scores.data, k.ops.convert_to_numpy(k_scores), rtol=1e-5)


@pytest.mark.parametrize("top_paths", [1, 3])
def test_beam_search_matches_keras(top_paths):
    k = keras()
    decoded, scores = ops.ctc_decode(LOGITS, LENGTHS, strategy="beam_search", beam_width=8, top_paths=top_paths)
    k_decoded, k_scores = k.ops.ctc_decode(k.ops.convert_to_tensor(LOGITS), LENGTHS, strategy="beam_search",
                                           beam_width=8, top_paths=top_paths)
    assert decoded.shape == (top_paths, 4, 9) and scores.shape == (4, top_paths)
    np.testing.assert_array_equal(decoded.data, k.ops.convert_to_numpy(k_decoded))
    np.testing.assert_allclose(scores.data, k.ops.convert_to_numpy(k_scores), rtol=1e-4, atol=1e-4)


def test_beam_search_scores_are_the_labellings_log_probability():
    """With a beam as wide as every prefix, a labelling's score is minus its CTC loss."""
    logits = RNG.normal(size=(1, 4, 3)).astype("float32")
    decoded, scores = ops.ctc_decode(logits, np.array([4]), strategy="beam_search", beam_width=50, top_paths=2)
    for k in range(2):
        labels = decoded.data[k, 0][decoded.data[k, 0] >= 0]
        loss = ops.ctc_loss(labels[None] if labels.size else np.zeros((1, 1), int), nf.Tensor(logits),
                            np.array([labels.size]), np.array([4]))
        np.testing.assert_allclose(scores.data[0, k], -loss.data[0], rtol=1e-5)


def test_errors_name_the_argument():
    with pytest.raises(ShapeError, match="output must have shape"):
        ops.ctc_loss(LABELS, nf.Tensor(LOGITS[0]), LABEL_LENGTHS, LENGTHS)
    with pytest.raises(ShapeError, match="target_length"):
        ops.ctc_loss(LABELS, nf.Tensor(LOGITS), np.array([4, 1, 1, 0]), LENGTHS)
    with pytest.raises(ConfigError, match="target labels"):
        ops.ctc_loss(LABELS + 5, nf.Tensor(LOGITS), LABEL_LENGTHS, LENGTHS)
    with pytest.raises(ConfigError, match="strategy"):
        ops.ctc_decode(LOGITS, LENGTHS, strategy="best")
    with pytest.raises(ShapeError, match="sequence_lengths"):
        ops.ctc_decode(LOGITS, LENGTHS[:2])


def test_impossible_alignment_is_inf_without_nan_gradient():
    logits = nf.Tensor(LOGITS[:1, :2], requires_grad=True)
    loss = ops.ctc_loss(np.array([[1, 2, 3]]), logits, np.array([3]), np.array([2]))
    assert np.isinf(loss.numpy()[0])
    loss.sum().backward()
    assert np.all(nf.backend.to_host(logits.grad) == 0)
