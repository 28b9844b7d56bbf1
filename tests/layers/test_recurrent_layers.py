"""SimpleRNN, LSTM, GRU and Masking layers: the shared layer checks, PyTorch parity (forward and gradients, with
Keras-layout weights copied into torch.nn.LSTM / GRU / RNN), states, masks, dropout, errors, a small fit and
save/load."""
import os

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.layers import Dense, Embedding, Input
from neuroflow.layers.masking import Masking
from neuroflow.layers.recurrent import GRU, LSTM, SimpleRNN
from neuroflow.models import Model, Sequential, load_model
from tests.conftest import host

from .layer_check import check_layer

N, T, D, U = 3, 6, 4, 5


def _x(shape=(N, T, D), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _randomize(layer, seed=1, scale=0.5):
    """Give every weight random values (the default zero bias would hide bias mistakes)."""
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.uniform(-scale, scale, w.shape).astype(np.float32) for w in layer.get_weights()])


# --- torch oracles: Keras layout -> torch modules ---------------------------------------------------------------------
def _blocks(w, order):
    u = w.shape[-1] // len(order)
    return np.concatenate([w[..., b * u:(b + 1) * u] for b in order], axis=-1)


_TORCH_ORDER = {"LSTM": (0, 1, 2, 3), "GRU": (1, 0, 2), "SimpleRNN": (0,)}  # Keras z, r, h -> torch r, z, n


def torch_module(layer):
    """A torch.nn.LSTM / GRU / RNN (batch_first) holding ``layer``'s weights."""
    import torch
    kind = type(layer).__name__
    cls = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "SimpleRNN": torch.nn.RNN}[kind]
    kernel, rk = layer.kernel.numpy(), layer.recurrent_kernel.numpy()
    m = cls(kernel.shape[0], layer.units, batch_first=True)
    order = _TORCH_ORDER[kind]
    bias = layer.bias.numpy() if layer.bias is not None else np.zeros(kernel.shape[1], np.float32)
    b_ih, b_hh = (bias[0], bias[1]) if bias.ndim == 2 else (bias, np.zeros_like(bias))
    with torch.no_grad():
        for name, value in (("weight_ih_l0", _blocks(kernel, order).T), ("weight_hh_l0", _blocks(rk, order).T),
                            ("bias_ih_l0", _blocks(b_ih, order)), ("bias_hh_l0", _blocks(b_hh, order))):
            getattr(m, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return m


def torch_grads_as_keras(layer, m):
    """torch's parameter gradients in the layout of ``layer.weights`` (kernel, recurrent_kernel, bias)."""
    order = _TORCH_ORDER[type(layer).__name__]
    inverse = tuple(sorted(range(len(order)), key=order.__getitem__))
    out = [_blocks(m.weight_ih_l0.grad.numpy().T, inverse), _blocks(m.weight_hh_l0.grad.numpy().T, inverse)]
    if layer.bias is not None:
        b_ih, b_hh = _blocks(m.bias_ih_l0.grad.numpy(), inverse), _blocks(m.bias_hh_l0.grad.numpy(), inverse)
        out.append(np.stack([b_ih, b_hh]) if layer.bias.ndim == 2 else b_ih)
    return out


def _torch_run(layer, x, states=None, go_backwards=False):
    """torch outputs (N, T, U) in processing order and final states, for ``layer``'s weights."""
    import torch
    m = torch_module(layer)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    xin = torch.flip(tx, (1,)) if go_backwards else tx
    ts = None
    if states is not None:
        ts = [torch.from_numpy(s.copy())[None].requires_grad_(True) for s in states]
    out, last = m(xin, None if ts is None else (tuple(ts) if len(ts) == 2 else ts[0]))
    last = list(last) if isinstance(last, tuple) else [last]
    return m, tx, ts, out, [s[0] for s in last]


# --- the shared layer checks ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("factory,out_shape,n_weights,kw", [
    (lambda: LSTM(U), (N, U), 3, {}),
    (lambda: LSTM(U, return_sequences=True, use_bias=False), (N, T, U), 2, {}),
    (lambda: GRU(U, return_sequences=True), (N, T, U), 3, {}),
    (lambda: GRU(U, reset_after=False, go_backwards=True), (N, U), 3, {}),
    (lambda: SimpleRNN(U, activation="relu", return_sequences=True), (N, T, U), 3, {}),
    (lambda: LSTM(U, kernel_regularizer="l2", activity_regularizer="l1"), (N, U), 3, {}),
    # a random dropout mask per step: one SGD step need not lower the loss on the batch
    (lambda: GRU(U, dropout=0.3, seed=1), (N, U), 3, {"check_training": False}),
], ids=["lstm", "lstm_seq_nobias", "gru_seq", "gru_reset_before_backwards", "simple_rnn_relu", "lstm_reg",
        "gru_dropout"])
def test_check_layer(factory, out_shape, n_weights, kw):
    check_layer(factory, (N, T, D), out_shape, trainable_weights=n_weights, learning_rate=0.1, **kw)


def test_masking_check_layer():
    x = _x()
    x[0, 2:] = 0.0
    layer, out = check_layer(lambda: Masking(), (N, T, D), (N, T, D), input_data=x)
    assert layer.get_config()["mask_value"] == 0.0


def test_keras_weight_names_shapes_and_initial_values():
    lstm, gru, rnn = LSTM(U), GRU(U), SimpleRNN(U)
    for layer in (lstm, gru, rnn):
        layer(_x())
    assert [w.path.split("/")[-1] for w in lstm.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [w.shape for w in lstm.weights] == [(D, 4 * U), (U, 4 * U), (4 * U,)]
    assert [w.shape for w in gru.weights] == [(D, 3 * U), (U, 3 * U), (2, 3 * U)]
    assert [w.shape for w in rnn.weights] == [(D, U), (U, U), (U,)]
    b = lstm.bias.numpy()  # unit_forget_bias: the forget block (i, f, c, o) starts at 1
    np.testing.assert_array_equal(b[U:2 * U], 1)
    np.testing.assert_array_equal(np.delete(b, np.s_[U:2 * U]), 0)
    plain = LSTM(U, unit_forget_bias=False)
    plain(_x())
    np.testing.assert_array_equal(plain.bias.numpy(), 0)
    rk = lstm.recurrent_kernel.numpy()  # orthogonal: rows orthonormal for (U, 4U)
    np.testing.assert_allclose(rk @ rk.T, np.eye(U), atol=1e-5)
    assert all(w.dtype == np.float32 for layer in (lstm, gru, rnn) for w in layer.weights)


# --- PyTorch parity ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("with_states", [False, True])
def test_torch_parity_forward_and_gradients(cls, go_backwards, with_states):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    layer = cls(U, return_sequences=True, return_state=True, go_backwards=go_backwards)
    x = _x()
    states = [rng.standard_normal((N, U)).astype(np.float32) for _ in range(layer.n_states)] if with_states else None
    layer(x, initial_state=states)
    _randomize(layer)

    m, tx, ts, t_out, t_last = _torch_run(layer, x, states, go_backwards)
    ups = [rng.standard_normal(o.shape).astype(np.float32) for o in [t_out] + t_last]
    sum((o * torch.from_numpy(u)).sum() for o, u in zip([t_out] + t_last, ups)).backward()

    xt = nf.Tensor(x, requires_grad=True)
    st = None if states is None else [nf.Tensor(s, requires_grad=True) for s in states]
    outs = layer(xt, initial_state=st)
    assert isinstance(outs, list) and len(outs) == 1 + layer.n_states
    total = None
    for o, u in zip(outs, ups):
        term = (o * nf.Tensor(u)).sum()
        total = term if total is None else total + term
    total.backward()

    for got, want in zip(outs, [t_out] + t_last):
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for got, want in zip([w.grad for w in layer.weights], torch_grads_as_keras(layer, m)):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    if with_states:
        for s, t in zip(st, ts):
            np.testing.assert_allclose(s.grad, t.grad.numpy()[0], rtol=1e-4, atol=1e-5)


def test_gru_reset_before_matches_numpy_reference():
    layer = GRU(U, reset_after=False, return_sequences=True)
    x = _x()
    layer(x)
    _randomize(layer)
    k, rk, b = (w.numpy().astype(np.float64) for w in layer.weights)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h = np.zeros((N, U))
    for t in range(T):
        xw = x[:, t] @ k + b
        z = sig(xw[:, :U] + h @ rk[:, :U])
        r = sig(xw[:, U:2 * U] + h @ rk[:, U:2 * U])
        hh = np.tanh(xw[:, 2 * U:] + (r * h) @ rk[:, 2 * U:])
        h = z * h + (1 - z) * hh
        np.testing.assert_allclose(layer(x).numpy()[:, t], h, rtol=1e-4, atol=1e-5)


def test_return_sequences_false_is_last_output_and_states():
    seq = LSTM(U, return_sequences=True, return_state=True)
    x = _x()
    seq(x)
    last = LSTM(U, return_state=True)
    last(x)
    last.set_weights(seq.get_weights())
    out_seq, h1, c1 = seq(x)
    out, h2, c2 = last(x)
    np.testing.assert_array_equal(out.numpy(), out_seq.numpy()[:, -1])
    np.testing.assert_array_equal(h2.numpy(), out.numpy())
    np.testing.assert_array_equal(c1.numpy(), c2.numpy())
    assert last.compute_output_shape((None, T, D)) == [(None, U), (None, U), (None, U)]


def test_initial_state_is_used_and_checked():
    layer = GRU(U)
    x = _x()
    h0 = np.ones((N, U), np.float32)
    assert not np.allclose(layer(x).numpy(), layer(x, initial_state=[h0]).numpy())
    np.testing.assert_array_equal(layer(x, initial_state=h0).numpy(), layer(x, initial_state=[h0]).numpy())
    with pytest.raises(ShapeError, match="initial state"):
        layer(x, initial_state=[h0, h0])
    with pytest.raises(ShapeError, match="gru"):
        layer(x, initial_state=[np.ones((N, U + 1), np.float32)])


# --- masks ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
@pytest.mark.parametrize("padding", ["post", "pre"])
def test_mask_equals_running_on_the_unpadded_steps(cls, padding):
    lengths = [6, 3, 1]
    x = _x()
    mask = np.array([[t < n for t in range(T)] for n in lengths])
    if padding == "pre":
        mask = mask[:, ::-1].copy()
    layer = cls(U, return_state=True)
    layer(x)
    _randomize(layer)
    out, *states = layer(x, mask=mask)
    for i, n in enumerate(lengths):
        steps = x[i:i + 1, mask[i]]
        ref, *ref_states = layer(steps)
        np.testing.assert_allclose(out.numpy()[i], ref.numpy()[0], rtol=1e-5, atol=1e-6)
        for s, r in zip(states, ref_states):
            np.testing.assert_allclose(s.numpy()[i], r.numpy()[0], rtol=1e-5, atol=1e-6)


def test_masking_layer_mask_reaches_the_lstm():
    x = _x()
    x[1, 4:] = 0.0  # post-padding of sample 1
    x[2, 2:] = -1.0
    masking, lstm = Masking(), LSTM(U, return_sequences=True)
    mask = masking.compute_mask(x)
    assert mask.dtype == bool and mask.shape == (N, T) and not mask[1, 4:].any() and mask[1, :4].all()
    assert Masking(mask_value=-1.0).compute_mask(x)[2].tolist() == [True, True] + [False] * 4
    y = lstm(masking(x), mask=mask)
    np.testing.assert_array_equal(masking(x).numpy(), x * mask[..., None])
    # masked steps repeat the last unmasked output; the unmasked ones equal a run on the unpadded steps
    np.testing.assert_array_equal(y.numpy()[1, 4:], np.broadcast_to(y.numpy()[1, 3], (2, U)))
    np.testing.assert_allclose(y.numpy()[1, :4], lstm(x[1:2, :4]).numpy()[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(lstm.compute_mask(x, mask), mask)
    assert LSTM(U).compute_mask(x, mask) is None
    assert LSTM(U, return_sequences=True, return_state=True).compute_mask(x, mask)[1:] == [None, None]


def test_embedding_mask_zero_reaches_the_gru():
    ids = np.array([[4, 2, 7, 0, 0], [1, 0, 0, 0, 0]])
    emb, gru = Embedding(10, D, mask_zero=True), GRU(U)
    out = gru(emb(ids), mask=emb.compute_mask(ids))
    np.testing.assert_allclose(out.numpy()[0], gru(emb(ids[:1, :3])).numpy()[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.numpy()[1], gru(emb(ids[1:, :1])).numpy()[0], rtol=1e-5, atol=1e-6)


def test_mask_gradient_skips_padded_steps():
    x = _x()
    mask = np.ones((N, T), bool)
    mask[0, 3:] = False
    layer = SimpleRNN(U)
    xt = nf.Tensor(x, requires_grad=True)
    layer(xt, mask=mask).sum().backward()
    grad = host(xt.grad)
    assert np.all(grad[0, 3:] == 0) and np.all(grad[0, :3] != 0)


# --- stateful, dropout ----------------------------------------------------------------------------------------------
def test_stateful_carries_states_between_calls_and_resets():
    x = _x()
    whole = LSTM(U, return_sequences=True)
    whole(x)
    stateful = LSTM(U, return_sequences=True, stateful=True)
    stateful(x[:, :2])
    stateful.set_weights(whole.get_weights())
    stateful.reset_states()
    first, second = stateful(x[:, :3]), stateful(x[:, 3:])
    np.testing.assert_allclose(np.concatenate([first.numpy(), second.numpy()], 1), whole(x).numpy(),
                               rtol=1e-5, atol=1e-6)
    assert [s.shape for s in stateful.states] == [(N, U), (N, U)]
    stateful.reset_states()
    np.testing.assert_array_equal(stateful(x[:, :3]).numpy(), first.numpy())
    with pytest.raises(ShapeError, match="stateful"):
        stateful(x[:2])
    stateful.reset_states([np.zeros((2, U)), np.zeros((2, U))])
    assert stateful(x[:2]).shape == (2, T, U)


def test_dropout_mask_is_shared_over_time_and_only_in_training():
    # a linear SimpleRNN with identity kernel and no recurrence outputs the (dropped-out) inputs themselves
    layer = SimpleRNN(D, activation="linear", use_bias=False, dropout=0.5, seed=3, return_sequences=True)
    x = np.ones((8, T, D), np.float32)
    layer(x)
    layer.set_weights([np.eye(D, dtype=np.float32), np.zeros((D, D), np.float32)])
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) == {0.0, 2.0}
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1], y.shape))  # same mask at every step


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_recurrent_dropout_masks_the_state_only_in_training(cls):
    x = _x((8, T, D))
    layer = cls(U, recurrent_dropout=0.5, seed=5, return_sequences=True)
    plain = cls(U, return_sequences=True)
    layer(x)
    plain(x)
    plain.set_weights(layer.get_weights())
    np.testing.assert_array_equal(layer(x, training=False).numpy(), plain(x).numpy())
    a, b = layer(x, training=True).numpy(), layer(x, training=True).numpy()
    assert not np.allclose(a, plain(x).numpy())  # the recurrent path is dropped out
    assert not np.allclose(a, b)  # a fresh mask each call
    # h_0 = 0: the first step is unaffected (up to rounding: the plain LSTM may run the compiled kernel)
    np.testing.assert_allclose(a[:, 0], plain(x).numpy()[:, 0], rtol=1e-6, atol=1e-7)
    twin = cls(U, recurrent_dropout=0.5, seed=5, return_sequences=True)
    twin(x)
    twin.set_weights(layer.get_weights())
    np.testing.assert_array_equal(twin(x, training=True).numpy(), a)  # reproducible from the seed


def test_recurrent_dropout_trains_and_round_trips_its_config():
    nf.utils.set_random_seed(0)
    model = Sequential([Input(shape=(T, D)), LSTM(U, recurrent_dropout=0.3, dropout=0.1), Dense(1)])
    model.compile(optimizer=nf.optimizers.Adam(0.02), loss="mse")
    x = _x((32, T, D))
    y = x.sum(axis=(1, 2))[:, None] / 10
    history = model.fit(x, y, epochs=30, verbose=0).history["loss"]
    assert history[-1] < 0.5 * history[0]
    assert LSTM.from_config(model.layers[0].get_config()).recurrent_dropout == 0.3


# --- errors ---------------------------------------------------------------------------------------------------------
def test_errors_name_the_layer_and_the_expected_shape():
    with pytest.raises(ShapeError, match=r"LSTM 'my_lstm'.*\(batch, timesteps, features\)"):
        LSTM(U, name="my_lstm")(np.zeros((N, D), np.float32))
    layer = GRU(U, name="g")
    layer(_x())
    with pytest.raises(ShapeError, match=r"GRU 'g'.*\(batch, timesteps, 4\)"):
        layer(_x((N, T, D + 1)))
    with pytest.raises(ConfigError, match=r"recurrent_dropout must be in \[0, 1\), got 1.0"):
        LSTM(U, recurrent_dropout=1.0)
    with pytest.raises(ConfigError, match="dropout"):
        GRU(U, dropout=1.5)
    with pytest.raises(ConfigError, match="units"):
        SimpleRNN(0)
    with pytest.raises(ConfigError, match=r"SimpleRNN 's'.*softmax"):
        SimpleRNN(U, activation="softmax", name="s")(_x())


def test_constraints_hold_after_fit():
    layer = GRU(U, recurrent_constraint=nf.constraints.MaxNorm(0.5), kernel_constraint="non_neg")
    model = Sequential([Input(shape=(T, D)), layer])
    model.compile(optimizer=nf.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(_x(), np.ones((N, U), np.float32), epochs=2, verbose=0)
    assert np.all(layer.kernel.numpy() >= 0)
    assert np.all(np.linalg.norm(layer.recurrent_kernel.numpy(), axis=0) <= 0.5 + 1e-5)
    assert layer.get_config()["recurrent_constraint"]["class_name"] == "MaxNorm"


def test_keras_config_keys_are_accepted():
    config = LSTM(U, return_sequences=True).get_config()
    for key in ("units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
                "recurrent_initializer", "bias_initializer", "unit_forget_bias", "dropout", "recurrent_dropout",
                "return_sequences", "return_state", "go_backwards", "stateful", "unroll"):
        assert key in config
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    # Keras 2 configs carry implementation / time_major
    assert LSTM.from_config({**config, "implementation": 2, "time_major": False}).units == U
    assert GRU.from_config(GRU(U).get_config()).reset_after is True


# --- models: fit, save/load ------------------------------------------------------------------------------------------
def test_lstm_learns_the_sign_of_a_sum():
    nf.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((512, 8, 1)).astype(np.float32)
    y = (x.sum(axis=(1, 2)) > 0).astype(np.float32)[:, None]
    model = Sequential([Input(shape=(8, 1)), LSTM(16), Dense(1, activation="sigmoid")])
    model.compile(optimizer=nf.optimizers.Adam(learning_rate=0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=15, batch_size=64, verbose=0)
    xt = rng.standard_normal((256, 8, 1)).astype(np.float32)
    yt = (xt.sum(axis=(1, 2)) > 0).astype(np.float32)[:, None]
    acc = np.mean((model.predict(xt, verbose=0) > 0.5) == yt)
    assert acc > 0.9, f"accuracy {acc}"


def test_save_load_sequential_embedding_lstm(tmp_path):
    ids = np.random.default_rng(0).integers(1, 20, (4, 7))
    model = Sequential([Input(shape=(7,), dtype="int64"), Embedding(20, 8), LSTM(6, return_sequences=True),
                        GRU(5, reset_after=False), Dense(2)])
    before = model.predict(ids, verbose=0)
    path = os.path.join(tmp_path, "rnn.neuroflow")
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(ids, verbose=0), before)
    assert [w.shape for w in loaded.layers[1].weights] == [(8, 24), (6, 24), (24,)]


def test_functional_initial_state_and_return_state_save_load(tmp_path):
    x_in, h_in, c_in = Input(shape=(T, D)), Input(shape=(U,)), Input(shape=(U,))
    out, h, c = LSTM(U, return_sequences=True, return_state=True)(x_in, initial_state=[h_in, c_in])
    model = Model([x_in, h_in, c_in], [out, h, c])
    assert out.shape == (None, T, U) and h.shape == (None, U)
    rng = np.random.default_rng(0)
    data = [_x(), rng.standard_normal((N, U)).astype(np.float32), rng.standard_normal((N, U)).astype(np.float32)]
    preds = model.predict(data, verbose=0)
    direct = model.layers[-1](data[0], initial_state=data[1:])
    for p, d in zip(preds, direct):
        np.testing.assert_allclose(p, d.numpy(), rtol=1e-6, atol=1e-6)
    path = os.path.join(tmp_path, "state.neuroflow")
    model.save(path)
    for p, q in zip(load_model(path).predict(data, verbose=0), preds):
        np.testing.assert_array_equal(p, q)


def _model_masks_supported():
    import inspect
    return "mask" in inspect.signature(Sequential.call).parameters


@pytest.mark.skipif(not _model_masks_supported(), reason="Sequential does not carry masks between layers yet")
def test_sequential_carries_the_embedding_mask_to_the_lstm():
    ids = np.array([[3, 5, 0, 0], [2, 0, 0, 0]])
    model = Sequential([Input(shape=(4,), dtype="int64"), Embedding(8, D, mask_zero=True), LSTM(U)])
    emb, lstm = model.layers
    got = model.predict(ids, verbose=0)
    np.testing.assert_allclose(got[0], lstm(emb(ids[:1, :2])).numpy()[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], lstm(emb(ids[1:, :1])).numpy()[0], rtol=1e-5, atol=1e-6)
