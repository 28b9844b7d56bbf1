"""The optional compiled kernels (neuroflow/_native): their approximations, and equality with the NumPy forms.

CI builds them (``pip install -e .``) and .ci/run checks that they loaded; these tests skip where they are absent.
"""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import _native, layers

lib = _native.library()
needs_native = pytest.mark.skipif(lib is None, reason="compiled kernels not built")


def _apply(name, x):
    y = np.empty_like(x)
    getattr(_native.library(), name)(_native.address(x), _native.address(y), x.size)
    return y


def _ulps(y, x, exact):
    ref = exact(x.astype(np.float64))
    return np.abs(y - ref) / np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)


@needs_native
@pytest.mark.parametrize("name, exact, bound", [
    ("nf_tanh", np.tanh, 1.5),
    ("nf_sigmoid", lambda x: 1 / (1 + np.exp(-x)), 2.5),
])
def test_activation_error_in_ulps_over_a_dense_sample_of_floats(name, exact, bound):
    # every 97th float32 from 1e-30 to 40 (about 12 million), both signs
    lo, hi = np.float32(1e-30).view(np.int32), np.float32(40).view(np.int32)
    x = np.arange(lo, hi, 97, dtype=np.int32).view(np.float32)
    x = np.concatenate([x, -x])
    assert _ulps(_apply(name, x), x, exact).max() <= bound


@needs_native
def test_activations_at_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 10.0, -10.0, 1e4, -1e4], np.float32)
    t = _apply("nf_tanh", x)
    assert np.array_equal(t[:4], [0, 0, 1, -1]) and np.signbit(t[1]) and np.isnan(t[4])
    assert np.array_equal(t[5:], [1, -1, 1, -1])  # saturates exactly, like np.tanh
    s = _apply("nf_sigmoid", x)
    assert np.array_equal(s[[0, 2, 3, 7, 8]], [0.5, 1, 0, 1, 0]) and np.isnan(s[4])


def _train_mlp(seed=0):
    nf.random.set_seed(seed)  # fit's shuffling
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((256, 12)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:2] > 0).astype(np.float32)
    model = nf.Sequential([layers.Input((12,)), layers.Dense(64, activation="relu"),
                           layers.Dense(1, activation="sigmoid")])
    model.set_weights([(rng.standard_normal(w.shape) * 0.3).astype(np.float32) for w in model.get_weights()])
    model.compile(optimizer=nf.optimizers.Adam(0.01), loss="binary_crossentropy")
    model.fit(x, y, batch_size=32, epochs=3, verbose=0)
    return model.get_weights()


@needs_native
def test_fused_adam_trains_to_bitwise_the_same_weights_as_numpy():
    fused = _train_mlp()
    with _native.disabled():
        assert _native.library() is None
        plain = _train_mlp()
    assert _native.library() is lib
    for a, b in zip(fused, plain):
        assert np.array_equal(a, b)


@needs_native
def test_fused_adam_on_large_variables_split_over_threads():
    # above backend.SPLIT_MIN_SIZE the update runs in slices on several threads, each a kernel call
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((700, 500)).astype(np.float32)
    grads = [rng.standard_normal(w0.shape).astype(np.float32) for _ in range(3)]

    def run():
        v = nf.Variable(w0.copy())
        opt = nf.optimizers.Adam(0.01)
        for g in grads:
            opt.apply_gradients([(g, v)])
        return v.numpy()

    fused = run()
    with _native.disabled():
        plain = run()
    assert np.array_equal(fused, plain) and not np.array_equal(fused, w0)


def test_usable_accepts_only_float32_c_contiguous_numpy_arrays():
    a = np.zeros((4, 6), np.float32)
    assert _native.usable(a, a[1:])
    assert not _native.usable(a[:, ::2])
    assert not _native.usable(a.astype(np.float64))
    assert not _native.usable(a.tolist())
