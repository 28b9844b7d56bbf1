"""Host data given to layers whose inputs live on a device (issue #18): NumPy masks go to the inputs' device (as
Keras converts a NumPy mask to a tensor), host ids are range-checked on the host before they are copied there, and
quantized layers compute on the device. Each case runs the same seeded layer on the CPU and on the strict stand-in
device (``nf.device("strict")``, whatever the session's device) and compares the outputs."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.backends import strict
from neuroflow.errors import DataError, IndexOutOfRangeError

RNG = np.random.default_rng(0)
Q = RNG.normal(size=(2, 5, 4)).astype(np.float32)
V = RNG.normal(size=(2, 6, 4)).astype(np.float32)
SEEN = RNG.random((2, 5, 6)) > 0.3  # (batch, query steps, value steps)
STEPS = np.array([[True] * 4 + [False] * 2, [True] * 6])  # (batch, value steps)

#: name -> a call of a fresh layer on Tensors (made on the current device) with host masks
CALLS = {
    "MultiHeadAttention": lambda q, v: layers.MultiHeadAttention(2, 3)(q, v, attention_mask=SEEN,
                                                                       use_causal_mask=True),
    "MultiHeadAttention[key_mask]": lambda q, v: layers.MultiHeadAttention(2, 3)(q, v, query_mask=STEPS[:, :5],
                                                                                 value_mask=STEPS),
    "Attention": lambda q, v: layers.Attention()([q, v], mask=[STEPS[:, :5], STEPS], use_causal_mask=True),
    "AdditiveAttention": lambda q, v: layers.AdditiveAttention()([q, v], mask=[None, STEPS]),
    "Softmax": lambda q, v: layers.Softmax()(q @ nf.ops.transpose(v, (0, 2, 1)), mask=SEEN),
    "SimpleRNN": lambda q, v: layers.SimpleRNN(3)(v, mask=STEPS),
}


def _on(device, call):
    nf.utils.set_random_seed(0)  # the strict device draws NumPy's very values: the same weights on both
    with nf.device(device):
        out = call(nf.Tensor(Q), nf.Tensor(V))
    assert nf.backend.device_of(out) == device
    return nf.backend.to_host(out.data)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_host_masks_go_to_the_device_of_the_inputs(name):
    np.testing.assert_allclose(_on("strict", CALLS[name]), _on("cpu", CALLS[name]), rtol=1e-6, atol=1e-6)


def test_host_ids_are_checked_on_the_host_before_they_go_to_the_device():
    with nf.device("strict"):
        embedding = layers.Embedding(10, 3, name="tokens")
        with strict.counting() as reads:
            out = embedding(np.array([[0, 9]]))
        assert reads.count == 0 and nf.backend.device_of(out) == "strict"
        with pytest.raises(IndexOutOfRangeError, match=r"'tokens'.*id 12 "):
            embedding(np.array([[1, 12]]))
        with pytest.raises(DataError, match=r"CategoryEncoding 'counts'.*\[0, 3\)"):
            layers.CategoryEncoding(3, name="counts")(np.array([[0, 3]]))
        weighted = layers.CategoryEncoding(3, output_mode="count")(np.array([[0, 0, 2]]),
                                                                   count_weights=np.array([[.5, .5, 2.]]))
        np.testing.assert_array_equal(nf.backend.to_host(weighted.data), [[1.0, 0.0, 2.0]])


@pytest.mark.parametrize("make, shape", [(lambda: layers.Dense(3), (4, 5)),
                                         (lambda: layers.EinsumDense("abc,cd->abd", (2, 3)), (4, 2, 5)),
                                         (lambda: layers.Embedding(7, 3), None)])
def test_quantized_layers_compute_on_the_device(make, shape):
    x = RNG.integers(0, 7, (4, 2)) if shape is None else RNG.normal(size=shape).astype(np.float32)

    def run(device):
        nf.utils.set_random_seed(1)
        with nf.device(device):
            layer = make()
            inputs = nf.Tensor(x)
            layer(inputs)
            layer.quantize("int8")
            with strict.counting() as reads:
                out = layer(inputs)
            assert reads.count == 0 and nf.backend.device_of(layer.weights[0]) == device
        return nf.backend.to_host(out.data)
    np.testing.assert_allclose(run("strict"), run("cpu"), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("make", [lambda: layers.LSTM(5, stateful=True, return_sequences=True),
                                  lambda: layers.RNN(layers.GRUCell(5), stateful=True),
                                  lambda: layers.ConvLSTM1D(2, 3, stateful=True, padding="same")],
                         ids=["LSTM", "RNN[GRUCell]", "ConvLSTM1D"])
def test_host_states_given_to_reset_states_go_to_the_device_once(make):
    def run(device):
        nf.utils.set_random_seed(0)
        with nf.device(device):
            layer = make()
            x = nf.Tensor(V[..., None] if isinstance(layer, layers.ConvLSTM1D) else V)
            layer(x)
            layer.reset_states([np.full(s.shape, 0.5, np.float32) for s in layer.states])
            assert all(nf.backend.device_of(s) == device for s in layer.states)
            with strict.counting() as reads:
                out = layer(x)
            assert reads.count == 0
            out.sum().backward()
            layer.zero_grad(set_to_none=False)
            assert all(nf.backend.device_of(w.grad) == device for w in layer.trainable_weights)
        return nf.backend.to_host(out.data)
    np.testing.assert_allclose(run("strict"), run("cpu"), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("make, data", [
    (lambda: layers.Discretization(num_bins=3), RNG.normal(size=(6, 2)).astype(np.float32)),
    (lambda: layers.IntegerLookup(), RNG.integers(0, 5, (6, 2))),
    (lambda: layers.IntegerLookup(output_mode="tf_idf"), RNG.integers(0, 5, (6, 2))),
], ids=["Discretization", "IntegerLookup", "IntegerLookup[tf_idf]"])
def test_adapt_reads_device_data_once_and_learns_what_the_cpu_learns(make, data):
    # adapt learns config (boundaries, a vocabulary): device data, as one array or batches, is read on the host
    expected = make()
    expected.adapt(data)
    with nf.device("strict"):
        whole, batched = make(), make()
        with strict.counting() as reads:
            whole.adapt(nf.backend.to_device(data))
        assert reads.count == 1
        batched.adapt(iter([nf.backend.to_device(data[:3]), nf.backend.to_device(data[3:])]))
        out = whole(nf.backend.to_device(data))
    for layer in (whole, batched):
        assert {**layer.get_config(), "name": None} == {**expected.get_config(), "name": None}
    assert nf.backend.device_of(out) == "strict"
    np.testing.assert_array_equal(nf.backend.to_host(out.data), expected(data).numpy())
