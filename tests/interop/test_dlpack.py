"""DLPack in both directions with NumPy and PyTorch: shared memory (a write through one side is seen by the other),
dtypes kept, clear errors; and ``np.asarray`` on tensors under NumPy 2's ``__array__`` protocol."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError, DTypeError

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "int64", "int32", "uint8", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_to_tensor_shares_memory_and_keeps_dtype(dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    t = nf.from_dlpack(a)
    assert isinstance(t, nf.Tensor) and t.dtype == a.dtype and t.shape == (2, 3)
    assert np.shares_memory(t.data, a)
    a[1, 2] = 0
    assert t.data[1, 2] == 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_tensor_to_numpy_shares_memory(dtype):
    t = nf.Tensor(np.ones((3, 2), dtype=dtype), dtype=dtype)
    a = np.from_dlpack(t)
    assert a.dtype == t.dtype and np.shares_memory(a, t.data)
    t.data[0, 0] = 0
    assert a[0, 0] == 0


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_torch_round_trip_is_zero_copy(dtype):
    tdtype = getattr(torch, dtype)
    x = torch.zeros((4, 5), dtype=tdtype)
    t = nf.from_dlpack(x)
    assert t.dtype == np.dtype(dtype)
    assert t.data.ctypes.data == x.data_ptr()
    x[2, 3] = 1
    assert t.data[2, 3] == 1          # torch wrote, neuroflow sees it

    back = torch.from_dlpack(t)
    assert back.dtype == tdtype and back.data_ptr() == x.data_ptr()
    t.data[0, 0] = 1
    assert bool(back[0, 0]) and bool(x[0, 0])  # neuroflow wrote, torch sees it


def test_torch_sees_a_tensor_computed_by_ops_and_training_writes():
    w = nf.Variable(np.zeros((2, 2), np.float32))
    view = torch.from_dlpack(w)
    w.data[...] += 3.0   # an in-place update, as optimizers do
    assert torch.equal(view, torch.full((2, 2), 3.0))
    y = nf.ops.exp(nf.Tensor([0.0, 1.0]))
    assert np.allclose(torch.from_dlpack(y).numpy(), np.exp([0.0, 1.0]))


def test_non_contiguous_views_keep_their_strides():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2]
    t = nf.from_dlpack(a)
    assert np.shares_memory(t.data, a) and t.data.strides == a.strides
    x = torch.from_dlpack(t)
    assert x.data_ptr() == a.ctypes.data and x.stride() == (4, 2)  # torch counts strides in elements


def test_from_dlpack_requires_grad_and_backward():
    x = torch.tensor([1.0, 2.0, 3.0])
    t = nf.from_dlpack(x, requires_grad=True)
    (t * t).sum().backward()
    np.testing.assert_allclose(t.grad, [2.0, 4.0, 6.0])


def test_zero_d_tensors():
    t = nf.ops.sum(nf.Tensor([1.0, 2.0]))    # an op result whose data is a NumPy scalar
    a = np.asarray(t)
    assert isinstance(a, np.ndarray) and a.shape == () and a.dtype == np.float32 and a == 3.0
    assert float(torch.from_dlpack(t)) == 3.0
    assert nf.from_dlpack(torch.tensor(5.0)).shape == ()


def test_array_protocol_numpy2():
    t = nf.Tensor([1.0, 2.0])
    assert np.asarray(t) is t.data
    copied = np.array(t, copy=True)
    assert not np.shares_memory(copied, t.data)
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.asarray(t, copy=False) is t.data
    with pytest.raises(ValueError, match="float64.*copy"):
        np.asarray(t, dtype=np.float64, copy=False)


def test_dlpack_device_is_cpu():
    assert nf.Tensor([1.0]).__dlpack_device__() == (1, 0)


class _OnDevice:
    """A DLPack producer claiming to live on a CUDA device."""

    def __dlpack__(self, stream=None, **kwargs):
        raise AssertionError("must not be asked for its data")

    def __dlpack_device__(self):
        return (2, 0)


def test_non_cpu_device_is_a_clear_error():
    with pytest.raises(ConfigError, match="CPU.*CUDA:0"):
        nf.from_dlpack(_OnDevice())


def test_unsupported_dtypes_are_clear_errors():
    with pytest.raises(DTypeError, match="from_dlpack.*complex64"):
        nf.from_dlpack(np.zeros(3, np.complex64))
    with pytest.raises(DTypeError, match="from_dlpack: Tensor"):
        nf.from_dlpack(torch.zeros(3, dtype=torch.bfloat16))
    with pytest.raises(DTypeError, match="require gradient"):
        nf.from_dlpack(torch.zeros(3, requires_grad=True))


def test_not_a_dlpack_object():
    with pytest.raises(ConfigError, match="from_dlpack: expected an object implementing __dlpack__.*list"):
        nf.from_dlpack([1.0, 2.0])
