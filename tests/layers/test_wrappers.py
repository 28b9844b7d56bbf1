"""Bidirectional and TimeDistributed: the shared layer checks, PyTorch parity (bidirectional=True for concat),
merge modes, states, masks, errors and save/load."""
import os

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.layers import Conv1D, Dense, Dropout, Input
from neuroflow.layers.recurrent import GRU, LSTM, SimpleRNN
from neuroflow.layers.masking import Masking
from neuroflow.layers.wrappers import Bidirectional, TimeDistributed
from neuroflow.models import Model, Sequential, load_model

from .layer_check import check_layer
from .test_recurrent_layers import _randomize, _x, torch_grads_as_keras, torch_module

N, T, D, U = 3, 6, 4, 5


# --- Bidirectional ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("factory,out_shape", [
    (lambda: Bidirectional(LSTM(U, return_sequences=True)), (N, T, 2 * U)),
    (lambda: Bidirectional(GRU(U), merge_mode="sum"), (N, U)),
    (lambda: Bidirectional(SimpleRNN(U, return_sequences=True), merge_mode="ave"), (N, T, U)),
    (lambda: Bidirectional(LSTM(U), merge_mode="mul", backward_layer=GRU(U, go_backwards=True)), (N, U)),
], ids=["lstm_concat", "gru_sum", "rnn_ave", "lstm_gru_mul"])
def test_bidirectional_check_layer(factory, out_shape):
    check_layer(factory, (N, T, D), out_shape, trainable_weights=6, learning_rate=0.1)


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_bidirectional_concat_matches_torch_bidirectional(cls):
    torch = pytest.importorskip("torch")
    layer = Bidirectional(cls(U, return_sequences=True))
    x = _x()
    layer(x)
    _randomize(layer)
    fwd, bwd = torch_module(layer.forward_layer), torch_module(layer.backward_layer)
    m = {LSTM: torch.nn.LSTM, GRU: torch.nn.GRU}[cls](D, U, batch_first=True, bidirectional=True)
    with torch.no_grad():
        for name, p in m.named_parameters():
            src = bwd if name.endswith("_reverse") else fwd
            p.copy_(getattr(src, name.replace("_reverse", "")))
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    t_out, _ = m(tx)
    up = np.random.default_rng(3).standard_normal(t_out.shape).astype(np.float32)
    (t_out * torch.from_numpy(up)).sum().backward()

    xt = nf.Tensor(x, requires_grad=True)
    out = layer(xt)
    (out * nf.Tensor(up)).sum().backward()
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for sub, src in ((layer.forward_layer, ""), (layer.backward_layer, "_reverse")):
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):  # torch's grads, renamed
            getattr(fwd if not src else bwd, name).grad = getattr(m, name + src).grad
        for got, want in zip([w.grad for w in sub.weights], torch_grads_as_keras(sub, fwd if not src else bwd)):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_bidirectional_backward_half_is_the_rereversed_backward_layer():
    x = _x()
    layer = Bidirectional(LSTM(U, return_sequences=True), merge_mode=None)
    f, b = layer(x)
    assert layer.forward_layer.go_backwards is False and layer.backward_layer.go_backwards is True
    np.testing.assert_array_equal(f.numpy(), layer.forward_layer(x).numpy())
    np.testing.assert_array_equal(b.numpy(), layer.backward_layer(x).numpy()[:, ::-1])
    # the backward copy has its own weights; the wrapped layer is only a template
    assert not np.array_equal(layer.forward_layer.kernel.numpy(), layer.backward_layer.kernel.numpy())
    paths = [w.path for w in layer.weights]
    assert paths[0].startswith("forward_lstm") and paths[0].endswith("/kernel") and len(paths) == 6
    assert paths[3].startswith("backward_lstm") and paths[3].endswith("/kernel")
    for mode, fn in (("sum", np.add), ("mul", np.multiply), ("ave", lambda a, c: (a + c) / 2),
                     ("concat", lambda a, c: np.concatenate([a, c], -1))):
        layer.merge_mode = mode
        np.testing.assert_allclose(layer(x).numpy(), fn(f.numpy(), b.numpy()), rtol=1e-6, atol=1e-7)


def test_bidirectional_return_state_and_initial_state():
    x = _x()
    rng = np.random.default_rng(1)
    states = [rng.standard_normal((N, U)).astype(np.float32) for _ in range(4)]
    layer = Bidirectional(LSTM(U, return_state=True))
    out, hf, cf, hb, cb = layer(x, initial_state=states)
    assert out.shape == (N, 2 * U) and all(s.shape == (N, U) for s in (hf, cf, hb, cb))
    _, hf2, cf2 = layer.forward_layer(x, initial_state=states[:2])
    _, hb2, cb2 = layer.backward_layer(x, initial_state=states[2:])
    for a, b in ((hf, hf2), (cf, cf2), (hb, hb2), (cb, cb2)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(out.numpy(), np.concatenate([hf.numpy(), hb.numpy()], -1))
    assert layer.compute_output_shape((None, T, D)) == [(None, 2 * U)] + [(None, U)] * 4
    with pytest.raises(ShapeError, match="initial states"):
        layer(x, initial_state=states[:3])
    none_mode = Bidirectional(GRU(U, return_sequences=True, return_state=True), merge_mode=None)
    outs = none_mode(x)
    assert [o.shape for o in outs] == [(N, T, U), (N, T, U), (N, U), (N, U)]
    assert none_mode.compute_output_shape((None, T, D)) == [(None, T, U), (None, T, U), (None, U), (None, U)]


def test_bidirectional_mask():
    x = _x()
    mask = np.ones((N, T), bool)
    mask[1, 4:] = False  # post-padding
    layer = Bidirectional(GRU(U, return_sequences=True))
    out = layer(x, mask=mask).numpy()
    ref = layer(x[1:2, :4]).numpy()[0]
    np.testing.assert_allclose(out[1, :4], ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out[1, 4:], 0)  # Keras: zeros at masked steps of a bidirectional sequence
    np.testing.assert_array_equal(layer.compute_mask(x, mask), mask)
    last = Bidirectional(LSTM(U))
    np.testing.assert_allclose(last(x, mask=mask).numpy()[1], last(x[1:2, :4]).numpy()[0], rtol=1e-5, atol=1e-6)
    assert last.compute_mask(x, mask) is None


def test_bidirectional_stateful_reset_states():
    x = _x()
    layer = Bidirectional(GRU(U, stateful=True))
    first = layer(x).numpy()
    assert layer.stateful and layer.forward_layer.states is not None and layer.backward_layer.states is not None
    assert not np.allclose(layer(x).numpy(), first)  # starts from the kept states
    layer.reset_states()
    np.testing.assert_array_equal(layer(x).numpy(), first)


def test_bidirectional_errors_and_config():
    with pytest.raises(ConfigError, match="recurrent layer"):
        Bidirectional(Dense(3))
    with pytest.raises(ConfigError, match="merge_mode"):
        Bidirectional(LSTM(U), merge_mode="max")
    with pytest.raises(ConfigError, match="go_backwards"):
        Bidirectional(LSTM(U), backward_layer=LSTM(U))
    with pytest.raises(ConfigError, match="return_sequences"):
        Bidirectional(LSTM(U), backward_layer=LSTM(U, go_backwards=True, return_sequences=True))
    with pytest.raises(ShapeError, match=r"Bidirectional 'bi'.*\(batch, timesteps, features\)"):
        Bidirectional(LSTM(U), name="bi")(np.zeros((N, D), np.float32))
    config = Bidirectional(LSTM(U, dropout=0.1)).get_config()
    assert config["layer"]["class_name"] == "LSTM" and config["backward_layer"]["config"]["go_backwards"]
    w = Bidirectional(GRU(U))  # weights= loads arrays at build
    w(_x())
    preset = Bidirectional(GRU(U), weights=w.get_weights())
    np.testing.assert_array_equal(preset(_x()).numpy(), w(_x()).numpy())


def test_bidirectional_in_models_save_load(tmp_path):
    x = _x()
    inp = Input(shape=(T, D))
    seq = Bidirectional(LSTM(U, return_sequences=True))(inp)
    out, h, _, hb, _ = Bidirectional(LSTM(U, return_state=True))(seq)
    model = Model(inp, [out, h, hb])
    preds = model.predict(x, verbose=0)
    path = os.path.join(tmp_path, "bi.neuroflow")
    model.save(path)
    for p, q in zip(load_model(path).predict(x, verbose=0), preds):
        np.testing.assert_array_equal(p, q)


def test_bidirectional_gru_trains():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 8, 2)).astype(np.float32)
    y = (x[:, 0, 0] + x[:, -1, 1] > 0).astype(np.float32)[:, None]  # needs both ends of the sequence
    model = Sequential([Input(shape=(8, 2)), Bidirectional(GRU(8)), Dense(1, activation="sigmoid")])
    model.compile(optimizer=nf.optimizers.Adam(learning_rate=0.02), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]


# --- TimeDistributed --------------------------------------------------------------------------------------------------
def test_time_distributed_check_layer():
    layer, _ = check_layer(lambda: TimeDistributed(Dense(3, activation="tanh")), (N, T, D), (N, T, 3),
                           trainable_weights=2, learning_rate=0.1)
    assert layer.get_config()["layer"]["class_name"] == "Dense"


def test_time_distributed_dense_equals_dense_per_step():
    x = _x()
    layer = TimeDistributed(Dense(3))
    xt = nf.Tensor(x, requires_grad=True)
    y = layer(xt)
    dense = layer.layer
    for t in range(T):
        np.testing.assert_allclose(y.numpy()[:, t], dense(x[:, t]).numpy(), rtol=1e-6, atol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(dense.kernel.grad, x.reshape(-1, D).sum(0)[:, None].repeat(3, 1), rtol=1e-5)
    assert xt.grad.shape == x.shape


def test_time_distributed_higher_rank_and_masks():
    x = _x((N, T, 7, 2))
    layer = TimeDistributed(Conv1D(4, 3))
    assert layer(x).shape == (N, T, 5, 4)
    assert layer.compute_output_shape((None, T, 7, 2)) == (None, T, 5, 4)
    mask = np.ones((N, T), bool)
    assert layer.compute_mask(x, mask) is mask
    with pytest.raises(ShapeError, match=r"TimeDistributed 'td'.*\(batch, timesteps"):
        TimeDistributed(Dense(2), name="td")(np.zeros((N, D), np.float32))
    with pytest.raises(ConfigError, match="Layer"):
        TimeDistributed("dense")


def test_lstm_time_distributed_model_fit_save_load(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, T, D)).astype(np.float32)
    y = np.cumsum(x[..., :1], axis=1)  # running sum: needs the recurrence
    model = Sequential([Input(shape=(T, D)), LSTM(8, return_sequences=True), Dropout(0.1),
                        TimeDistributed(Dense(1))])
    model.compile(optimizer=nf.optimizers.Adam(learning_rate=0.02), loss="mse")
    history = model.fit(x, y, epochs=10, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = os.path.join(tmp_path, "td.neuroflow")
    model.save(path)
    np.testing.assert_array_equal(load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


def _model_masks_supported():
    import inspect
    return "mask" in inspect.signature(Sequential.call).parameters


@pytest.mark.skipif(not _model_masks_supported(), reason="models do not carry masks between layers yet")
def test_functional_model_carries_the_masking_mask_through_bidirectional():
    x = _x((2, T, D))
    x[1, 3:] = 0.0  # post-padding of sample 1
    inp = Input(shape=(T, D))
    out = LSTM(U)(Bidirectional(GRU(4, return_sequences=True))(Masking()(inp)))
    model = Model(inp, out)
    bi, lstm = model.layers[-2:]
    got = model.predict(x, verbose=0)
    np.testing.assert_allclose(got[1], lstm(bi(x[1:2, :3])).numpy()[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[0], lstm(bi(x[:1])).numpy()[0], rtol=1e-5, atol=1e-6)
