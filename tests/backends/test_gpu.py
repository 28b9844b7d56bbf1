"""Checks on a real GPU through CuPy (``pytest -m gpu``): ops and autograd on the ``cuda`` device against the
NumPy run. Elsewhere they skip with the reason; the strict stand-in (test_ops_on_strict.py) proves the same code
paths on every machine."""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.backends import cupy as cupy_backend

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not cupy_backend.available(),
                                 reason='needs CuPy and a CUDA device: pip install "neuroflow[gpu]" on an NVIDIA GPU')]

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 5, 5, 3)).astype(np.float32)
K = RNG.normal(size=(3, 3, 3, 4)).astype(np.float32)
W = RNG.normal(size=(4, 6)).astype(np.float32)
LABELS = RNG.integers(0, 6, size=8)


def _network(x, k, w):
    h = nf.ops.relu(nf.ops.conv(x, k, padding="same"))
    h = nf.ops.mean(nf.ops.max_pool(h, 2), axis=(1, 2))
    logits = nf.ops.tanh(h) @ w
    return nf.ops.sparse_categorical_crossentropy(nf.Tensor(LABELS), logits, from_logits=True).mean()


def _gradients(device):
    with nf.device(device):
        params = [nf.Tensor(a, requires_grad=True) for a in (X, K, W)]
        loss = _network(*params)
        loss.backward()
    return loss.numpy(), [p.grad for p in params]


def test_ops_and_backward_on_cuda_match_numpy_and_stay_on_the_device():
    import cupy
    cpu_loss, cpu_grads = _gradients("cpu")
    before = nf.backend.transfers()
    gpu_loss, gpu_grads = _gradients("cuda")
    assert all(isinstance(g, cupy.ndarray) for g in gpu_grads)
    assert nf.backend.transfers() == before + 1  # only loss.numpy()
    np.testing.assert_allclose(gpu_loss, cpu_loss, rtol=1e-4, atol=1e-5)
    for got, expected in zip(gpu_grads, cpu_grads):
        np.testing.assert_allclose(cupy.asnumpy(got), expected, rtol=1e-3, atol=1e-4)


def test_device_arrays_are_recognised_and_mixing_devices_names_the_op():
    import cupy
    with nf.device("cuda"):
        t = nf.Tensor(np.ones((2, 3)))
    assert isinstance(t.data, cupy.ndarray) and t.device == "cuda"
    assert nf.backend.get_array_module(t) is cupy
    with pytest.raises(nf.errors.DeviceError, match="multiply: inputs live on different devices"):
        t * nf.Tensor(np.ones((2, 3)))


def test_device_random_draws_are_reproducible_from_the_same_seed():
    with nf.device("cuda"):
        a = nf.random.normal((4, 5), seed=3).numpy()
        b = nf.random.normal((4, 5), seed=3).numpy()
        mask = nf.ops.dropout(nf.Tensor(np.ones(1000)), 0.5, seed=1).numpy()
    np.testing.assert_array_equal(a, b)
    assert 0.4 < (mask == 0).mean() < 0.6 and set(np.unique(mask)) == {0.0, 2.0}


def test_uploads_go_through_pinned_memory_on_a_stream_and_equal_the_host():
    import cupy
    host = RNG.normal(size=(256, 64)).astype(np.float32)
    before = cupy_backend.uploads()
    copies = [nf.backend.to_device(host * k, "cuda") for k in range(3)]  # three uploads, two buffers in turn
    assert cupy_backend.uploads() == before + 3
    uploader = cupy_backend._uploaders[cupy.cuda.Device().id]
    assert all(b is not None and b.size >= host.nbytes for b in uploader.buffers[:2])
    for k, copy in enumerate(copies):
        assert isinstance(copy, cupy.ndarray) and copy.dtype == np.float32
        np.testing.assert_array_equal(cupy.asnumpy(copy), host * k)  # the current stream waited on each copy


def test_fit_and_the_compiled_step_on_cuda_match_numpy():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 5)).astype(np.float32), rng.integers(0, 2, 64)

    def run(device):
        with nf.device(device):
            nf.random.set_seed(2)
            model = nf.Sequential([nf.layers.Input((5,)), nf.layers.Dense(8, activation="tanh"),
                                   nf.layers.Dense(2, activation="softmax")])
            model.compile("adam", "sparse_categorical_crossentropy", jit_compile="auto")
            loss = model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False).history["loss"]
            return loss, model._jit_status()

    cpu, _ = run("cpu")
    gpu, status = run("cuda")
    np.testing.assert_allclose(gpu, cpu, rtol=1e-4)
    assert status and status[0]["replays"] > 0, status
