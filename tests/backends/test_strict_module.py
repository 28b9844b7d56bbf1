"""The strict stand-in array module (neuroflow/backends/strict.py): it computes as NumPy does, refuses what CuPy
refuses, and counts every device-to-host transfer."""
from __future__ import annotations

import numpy as np
import pytest

from neuroflow.backends import strict
from neuroflow.errors import DeviceError

HOST = np.arange(6.0).reshape(2, 3)


def _device():
    return strict.asarray(HOST)


def test_arithmetic_methods_and_functions_equal_numpy_and_stay_on_the_device():
    a = _device()
    results = {"a * 2 + 1": (a * 2 + 1, HOST * 2 + 1), "2.0 - a": (2.0 - a, 2.0 - HOST),
               "np.float32 * a": (np.float32(3) * a, np.float32(3) * HOST), "a @ a.T": (a @ a.T, HOST @ HOST.T),
               "a > 2": (a > 2, HOST > 2), "a.sum(axis=0)": (a.sum(axis=0), HOST.sum(axis=0)),
               "a.mean()": (a.mean(), np.asarray(HOST.mean())), "exp": (strict.exp(a), np.exp(HOST)),
               "concatenate": (strict.concatenate([a, a], axis=1), np.concatenate([HOST, HOST], axis=1)),
               "where": (strict.where(a > 2, a, 0.0), np.where(HOST > 2, HOST, 0.0)),
               "a[a > 2]": (a[a > 2], HOST[HOST > 2]), "a[:, None]": (a[:, None], HOST[:, None]),
               "reshape/transpose": (a.reshape(3, 2).transpose(), HOST.reshape(3, 2).transpose()),
               "astype": (a.astype(np.float32), HOST.astype(np.float32)),
               "linalg.inv": (strict.linalg.inv(a[:, :2] + strict.eye(2)), np.linalg.inv(HOST[:, :2] + np.eye(2))),
               "fft.rfft": (strict.fft.rfft(a), np.fft.rfft(HOST))}
    with strict.counting() as count:
        for name, (got, _) in results.items():
            assert type(got) is strict.ndarray, name  # reductions give 0-d device arrays, as CuPy's do
    assert count.count == 0
    for name, (got, expected) in results.items():
        np.testing.assert_array_equal(got.get(), expected, err_msg=name)
        assert got.dtype == expected.dtype and got.shape == expected.shape, name


def test_in_place_updates_views_and_scatter_add_write_through():
    a = _device()
    view = a[0]
    view += 10
    a[1, :] = strict.zeros(3)
    strict.add.at(a, (strict.asarray([0, 0]), strict.asarray([2, 2])), 1.0)
    np.testing.assert_array_equal(a.get(), [[10, 11, 14], [0, 0, 0]])


@pytest.mark.parametrize("convert", [np.asarray, np.array, lambda a: a.__array__(), lambda a: np.exp(a),
                                     lambda a: np.sum(a), lambda a: float(a), lambda a: int(a),
                                     lambda a: complex(a), lambda a: list.__getitem__([0], a)],
                         ids=["np.asarray", "np.array", "__array__", "ufunc", "array-function", "float", "int",
                              "complex", "index"])
def test_implicit_conversions_to_numpy_are_refused(convert):
    with pytest.raises(TypeError):
        convert(_device())


def test_truth_value_of_several_elements_is_ambiguous():
    with pytest.raises(ValueError, match="ambiguous"):
        bool(_device())


@pytest.mark.parametrize("mix", [lambda a: a + HOST, lambda a: HOST * a, lambda a: strict.add(a, HOST),
                                 lambda a: strict.concatenate([a, HOST]), lambda a: strict.matmul(HOST.T, a)],
                         ids=["a + host", "host * a", "function", "list argument", "matmul"])
def test_host_arrays_mixed_into_an_operation_are_a_device_error_naming_it(mix):
    with pytest.raises(DeviceError, match=r"strict\.\S+: got a host numpy.ndarray \(shape \((2, 3|3, 2)\)"):
        mix(_device())


@pytest.mark.parametrize("transfer", [lambda a: a.get(), lambda a: strict.asnumpy(a), lambda a: a[0, 1].item(),
                                      lambda a: float(a[0, 1]), lambda a: int(a[1, 1]), lambda a: bool(a[0, 1]),
                                      lambda a: a.tolist(), lambda a: repr(a), lambda a: f"{a[0, 0]:.2f}"],
                         ids=["get", "asnumpy", "item", "float", "int", "bool", "tolist", "repr", "format"])
def test_every_device_to_host_transfer_is_counted(transfer):
    a = _device()
    before = strict.transfers()
    with strict.counting() as count:
        transfer(a)
    assert count.count == 1 and strict.transfers() == before + 1


def test_uploads_are_explicit_and_counted_apart():
    with strict.counting() as count:
        a = strict.asarray(HOST)
        strict.asarray(a)  # already on the device: no copy
        b = strict.array([1.0, 2.0])
    assert count.uploads == 2 and count.count == 0
    assert strict.asarray(a) is a and strict.asnumpy(HOST) is HOST
    assert type(b) is strict.ndarray and np.shares_memory(HOST, a.get()) is False


def test_random_draws_numpys_values_on_the_device_from_the_same_seed():
    got = strict.random.default_rng(7).normal(size=(3, 4))
    assert type(got) is strict.ndarray
    np.testing.assert_array_equal(got.get(), np.random.default_rng(7).normal(size=(3, 4)))
    bits = strict.random.default_rng(3).bit_generator.random_raw(4)
    np.testing.assert_array_equal(bits.get(), np.random.default_rng(3).bit_generator.random_raw(4))


def test_namespace_has_numpys_names_cupys_helpers_and_no_host_memory():
    assert strict.float32 is np.float32 and strict.pi == np.pi and strict.ndarray is type(_device())
    assert strict.get_array_module(_device()) is strict and strict.get_array_module(HOST) is np
    assert strict.fuse(abs) is abs
    with pytest.raises(DeviceError, match="ElementwiseKernel"):
        strict.ElementwiseKernel("float32 x", "float32 y", "y = x", "copy")
    for name in ("ctypes", "__array_interface__", "data"):
        with pytest.raises(AttributeError):
            getattr(_device(), name)
    with pytest.raises(AttributeError):
        strict.matrix
    assert _device().__array_namespace__() is strict and _device().device == "strict"


def test_numpy_names_that_are_python_builtins_do_not_shadow_them_in_the_module():
    for name in ("any", "all", "round", "bool", "sum", "max"):
        getattr(strict, name)  # resolving NumPy's any/all/... must not replace the builtins the module calls
    assert strict.get_array_module(HOST) is np and bool(strict.asarray([1.0])) is True
