"""Tensor basics: dtype rules, array facts, and no silent float64 upcasts when Python or NumPy values mix in."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import DTypeError, NeuroflowError


# ---------------------------------------------------------------- dtype rules
@pytest.mark.parametrize("data", [1.5, 3, [1, 2, 3], [[1.0, 2.0]], np.array([1.0, 2.0]),
                                  np.array([1.0], dtype=np.float16), np.float64(2.0)],
                         ids=["float", "int", "int-list", "float-list", "f64-array", "f16-array", "f64-scalar"])
def test_python_data_and_float_arrays_default_to_float32(data):
    t = nf.Tensor(data)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), np.asarray(data, dtype=np.float32))


@pytest.mark.parametrize("data", [1.5, [1, 2], np.array([1.0, 2.0], dtype=np.float32)])
def test_float64_on_request(data):
    t = nf.Tensor(data, dtype="float64", requires_grad=True)
    assert t.dtype == np.float64
    y = (t * 2.0 + 1.0).sum()
    assert y.dtype == np.float64
    y.backward()
    assert t.grad.dtype == np.float64


@pytest.mark.parametrize("arr", [np.array([1, 2, 3]), np.array([1, 2], dtype=np.int32),
                                 np.array([1, 2], dtype=np.uint8), np.array([True, False])])
def test_int_and_bool_arrays_keep_their_dtype_and_cannot_require_grad(arr):
    t = nf.Tensor(arr)
    assert t.dtype == arr.dtype
    assert not t.requires_grad
    with pytest.raises(DTypeError, match=str(arr.dtype)) as info:
        nf.Tensor(arr, requires_grad=True)
    assert "requires_grad" in str(info.value) and "float" in str(info.value)
    with pytest.raises(DTypeError):
        t.requires_grad = True
    assert isinstance(info.value, NeuroflowError) and isinstance(info.value, TypeError)


def test_non_numeric_data_is_a_dtype_error():
    with pytest.raises(DTypeError, match="dtype"):
        nf.Tensor(["a", "b"])


# ---------------------------------------------------------------- array facts
def test_array_facts():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = nf.Tensor(a)
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and t.dtype == np.float32 and len(t) == 2
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(t.T.numpy(), a.T)
    assert t.numpy() is t.data
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert nf.Tensor(2.5).item() == 2.5 and isinstance(nf.Tensor(2.5).item(), float)
    assert nf.Tensor([[7.0]]).item() == 7.0
    with pytest.raises(NeuroflowError, match=r"\(2, 3\)"):
        t.item()
    assert t.tolist() == a.tolist()


def test_detach_shares_data_and_leaves_the_graph():
    x = nf.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    d = y.detach()
    assert nf.backend.get_array_module(d.data).shares_memory(d.data, y.data)
    assert not d.requires_grad and d.node is None and d.is_leaf
    assert y.node is not None and not y.is_leaf and x.is_leaf


def test_requires_grad_cannot_be_switched_off_on_an_op_output():
    y = nf.Tensor([1.0], requires_grad=True) * 2.0
    with pytest.raises(NeuroflowError, match="detach"):
        y.requires_grad = False


def test_repr_names_op_name_and_dtype():
    x = nf.Tensor([1.0, 2.0], requires_grad=True, name="x")
    assert "requires_grad=True" in repr(x) and "'x'" in repr(x) and "float32" in repr(x)
    assert "op=multiply" in repr(x * x)


# ---------------------------------------------------------------- mixing without upcasting
F64 = np.array([[0.5, 1.5, 2.5], [1.0, 2.0, 0.25]])  # float64 on purpose
SQUARE64 = np.array([[0.5, 1.5], [2.0, 1.0], [1.0, -1.0]])  # (3, 2) float64, for @ with a (2, 3) tensor

# name -> function of the tensor t (2, 3) and a mixed-in value; every operator, reflected forms included.
MIXED = {
    "t+py": lambda t: t + 2.0, "py+t": lambda t: 2.0 + t, "t+int": lambda t: t + 2, "int+t": lambda t: 2 + t,
    "t-py": lambda t: t - 2.0, "py-t": lambda t: 2.0 - t,
    "t*py": lambda t: t * 2.0, "py*t": lambda t: 2.0 * t,
    "t/py": lambda t: t / 2.0, "py/t": lambda t: 2.0 / t,
    "t**py": lambda t: t ** 2.5, "py**t": lambda t: 2.5 ** t, "t**int": lambda t: t ** 3, "int**t": lambda t: 3 ** t,
    "t+f64": lambda t: t + F64, "f64+t": lambda t: F64 + t,
    "t-f64": lambda t: t - F64, "f64-t": lambda t: F64 - t,
    "t*f64": lambda t: t * F64, "f64*t": lambda t: F64 * t,
    "t/f64": lambda t: t / F64, "f64/t": lambda t: F64 / t,
    "t**f64": lambda t: t ** F64, "f64**t": lambda t: F64 ** t,
    "t@f64": lambda t: t @ SQUARE64, "f64@t": lambda t: SQUARE64 @ t,
    "t+f64row": lambda t: t + F64[0], "f64row*t": lambda t: F64[0] * t,
    "t*np.float64": lambda t: t * np.float64(2.0), "np.float64*t": lambda t: np.float64(2.0) * t,
    "np.float64-t": lambda t: np.float64(2.0) - t, "t/np.float64": lambda t: t / np.float64(2.0),
}


@pytest.mark.parametrize("name", list(MIXED))
def test_mixed_operands_keep_float32_values_and_grads(name):
    base = np.array([[1.0, 2.0, 0.5], [1.5, 0.25, 3.0]], dtype=np.float32)  # positive: ** is defined
    t = nf.Tensor(base, requires_grad=True)
    y = MIXED[name](t)
    assert isinstance(y, nf.Tensor), f"{name} returned {type(y).__name__}, not a Tensor"
    assert y.dtype == np.float32, f"{name}: forward upcast to {y.dtype}"
    # The op's own backward must not upcast either (leaf accumulation would hide it by casting).
    grads = y.node.backward(nf.backend.get_array_module().ones(y.shape, np.float32))
    assert all(g is None or g.dtype == np.float32 for g in grads), [getattr(g, "dtype", None) for g in grads]
    y.sum().backward()
    assert t.grad.dtype == np.float32 and t.grad.shape == t.shape
    # The values match NumPy's computation in float64 (up to float32 rounding).
    np.testing.assert_allclose(y.numpy(), MIXED[name](base.astype(np.float64)), rtol=1e-5)


@pytest.mark.parametrize("p", [np.float64(2.0), np.float64(2.5)])
def test_power_by_numpy_float64_scalar_keeps_float32(p):
    t = nf.Tensor([1.0, 2.0], requires_grad=True)
    y = t ** p
    assert y.dtype == np.float32
    assert all(g is None or g.dtype == np.float32 for g in y.node.backward(nf.backend.get_array_module().ones(2, np.float32)))
