"""ONNX export of SimpleRNN, LSTM and GRU (gate orders, reset_after, go_backwards, return_sequences,
return_state, initial states), Bidirectional, TimeDistributed, and masks from Embedding/Masking."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers as L
from neuroflow.onnx import UnsupportedLayerError, export

from .onnx_check import check_export

T, F = 6, 3


def seq(shape, *stack, dtype="float32"):
    return nf.Sequential([L.Input(shape, dtype=dtype)] + list(stack))


def _with_random_biases(model):
    """Non-zero biases everywhere, so that a misplaced gate block or bias half shows."""
    rng = np.random.default_rng(11)
    model.set_weights([w + rng.normal(0, 0.3, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


RNN_CASES = {
    "simple_rnn": lambda: L.SimpleRNN(5),
    "simple_rnn_relu_sequences": lambda: L.SimpleRNN(4, activation="relu", return_sequences=True),
    "simple_rnn_backwards": lambda: L.SimpleRNN(4, go_backwards=True, return_sequences=True),
    "lstm": lambda: L.LSTM(5),
    "lstm_sequences_backwards": lambda: L.LSTM(4, return_sequences=True, go_backwards=True),
    "lstm_hard_sigmoid_no_bias": lambda: L.LSTM(3, recurrent_activation="hard_sigmoid", use_bias=False),
    "lstm_linear_activation": lambda: L.LSTM(3, activation="linear", return_sequences=True),
    "gru_reset_after": lambda: L.GRU(5, return_sequences=True),
    "gru_reset_before": lambda: L.GRU(4, reset_after=False),
    "gru_backwards_relu": lambda: L.GRU(4, activation="relu", go_backwards=True),
    "bidirectional_concat": lambda: L.Bidirectional(L.LSTM(3, return_sequences=True)),
    "bidirectional_sum_gru": lambda: L.Bidirectional(L.GRU(3), merge_mode="sum"),
    "bidirectional_ave_rnn": lambda: L.Bidirectional(L.SimpleRNN(3, return_sequences=True), merge_mode="ave"),
    "bidirectional_mul": lambda: L.Bidirectional(L.LSTM(2), merge_mode="mul"),
}


@pytest.mark.parametrize("case", sorted(RNN_CASES))
def test_recurrent_layers(tmp_path, case):
    nf.random.set_seed(12)
    model = _with_random_biases(seq((T, F), RNN_CASES[case]()))
    check_export(model, tmp_path, [((T, F), "float32")])


def test_stacked_lstm_with_time_distributed_head(tmp_path):
    nf.random.set_seed(13)
    model = _with_random_biases(seq((T, F), L.LSTM(4, return_sequences=True), L.GRU(3, return_sequences=True),
                                    L.TimeDistributed(L.Dense(2, activation="softmax"))))
    check_export(model, tmp_path, [((T, F), "float32")])


def test_time_distributed_conv(tmp_path):
    nf.random.set_seed(14)
    model = seq((4, 6, 6, 2), L.TimeDistributed(L.Conv2D(3, 3, activation="relu")),
                L.TimeDistributed(L.GlobalAveragePooling2D()), L.LSTM(2))
    check_export(model, tmp_path, [((4, 6, 6, 2), "float32")])


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_return_state_and_initial_state(tmp_path, kind):
    """States returned by one layer start the next; both, and the states, are model outputs."""
    nf.random.set_seed(15)
    x = L.Input((T, F))
    h0 = L.Input((4,))
    layer = getattr(L, kind)
    states_in = [h0, L.Input((4,))] if kind == "LSTM" else [h0]
    encoded, *states = layer(4, return_state=True)(x, initial_state=states_in)
    decoded = layer(4, return_sequences=True, go_backwards=True)(x, initial_state=states)
    model = _with_random_biases(nf.Model([x] + states_in, [encoded, decoded] + states))
    shapes = [((T, F), "float32")] + [((4,), "float32")] * len(states_in)
    check_export(model, tmp_path, shapes)


@pytest.mark.parametrize("merge_mode", ["concat", None])
def test_bidirectional_with_states(tmp_path, merge_mode):
    """Initial states in (forward's, then backward's), final states out, as Keras orders them."""
    nf.random.set_seed(19)
    x = L.Input((T, F))
    states_in = [L.Input((3,)) for _ in range(4)]
    outs = L.Bidirectional(L.LSTM(3, return_sequences=True, return_state=True), merge_mode=merge_mode)(
        x, initial_state=states_in)
    model = _with_random_biases(nf.Model([x] + states_in, outs))
    check_export(model, tmp_path, [((T, F), "float32")] + [((3,), "float32")] * 4)


def _post_padded_ids(n, rng, length=T, vocab=9):
    """Ids in [1, vocab) with zero padding after a random length (at least 1) per row."""
    ids = rng.integers(1, vocab, (n, length))
    lens = rng.integers(1, length + 1, n)
    ids[np.arange(length)[None, :] >= lens[:, None]] = 0
    return ids


@pytest.mark.parametrize("rnn", [lambda: L.LSTM(3, return_sequences=True), lambda: L.GRU(3),
                                 lambda: L.SimpleRNN(3, return_sequences=True, go_backwards=True),
                                 lambda: L.LSTM(3, go_backwards=True),
                                 lambda: L.Bidirectional(L.GRU(3, return_sequences=True)),
                                 lambda: L.Bidirectional(L.LSTM(2), merge_mode="sum")],
                         ids=["lstm_seq", "gru", "rnn_back_seq", "lstm_back", "bidi_gru_seq", "bidi_lstm"])
def test_masks_from_embedding_become_sequence_lengths(tmp_path, rnn):
    """The mask passes through Dense and Dropout (which support masking) to the recurrent layer."""
    nf.random.set_seed(16)
    model = _with_random_biases(seq((T,), L.Embedding(9, 4, mask_zero=True), L.Dense(4), L.Dropout(0.2), rnn(),
                                    dtype="int64"))
    check_export(model, tmp_path, make_inputs=lambda n, rng: [_post_padded_ids(n, rng)])


def test_masking_layer_and_masked_average(tmp_path):
    nf.random.set_seed(17)
    model = _with_random_biases(seq((T, F), L.Masking(0.0), L.LSTM(3, return_sequences=True),
                                    L.GlobalAveragePooling1D()))

    def make(n, rng):
        x = rng.standard_normal((n, T, F)).astype("float32")
        lens = rng.integers(1, T + 1, n)
        x[np.arange(T)[None, :] >= lens[:, None]] = 0.0
        return [x]
    check_export(model, tmp_path, make_inputs=make)


def test_masked_average_pooling_of_embeddings(tmp_path):
    nf.random.set_seed(18)
    model = seq((T,), L.Embedding(9, 4, mask_zero=True), L.GlobalAveragePooling1D(), L.Dense(2), dtype="int64")
    check_export(model, tmp_path, make_inputs=lambda n, rng: [_post_padded_ids(n, rng)])


def test_stateful_layer_is_refused(tmp_path):
    model = nf.Sequential([L.Input((T, F), batch_size=2), L.LSTM(3, stateful=True)])
    with pytest.raises(UnsupportedLayerError, match=r"LSTM 'lstm.*stateful=True"):
        export(model, tmp_path / "m.onnx")


def test_recurrent_activation_without_onnx_form_is_refused(tmp_path):
    model = seq((T, F), L.GRU(3, activation="selu"))
    with pytest.raises(UnsupportedLayerError, match=r"GRU 'gru.*'selu'"):
        export(model, tmp_path / "m.onnx")
