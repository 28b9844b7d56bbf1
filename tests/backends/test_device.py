"""The device seam (neuroflow/backend.py): choosing a device, where tensors are created, explicit and counted
transfers, and clear errors for arrays on different devices."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import backend
from neuroflow.backends import strict
from neuroflow.errors import ConfigError, DeviceError, MissingDependencyError

pytestmark = pytest.mark.skipif(backend.get_device() != "cpu", reason="these tests switch devices from the CPU")


def test_get_array_module_follows_its_arguments_as_chainers_does():
    host, device = np.ones(3), strict.ones(3)
    assert backend.get_array_module(host) is np
    assert backend.get_array_module(device) is strict
    assert backend.get_array_module(host, device) is strict  # a device array decides (the op then refuses)
    assert backend.get_array_module(nf.Tensor(host)) is np
    assert backend.get_array_module(1.0, None, "x") is np  # no arrays: the current device's module
    with nf.device("strict"):
        assert backend.get_array_module(1.0) is strict and backend.get_array_module() is strict
        assert backend.get_array_module(host) is np
        assert backend.xp is strict


def test_device_is_a_context_and_a_call_and_decides_where_tensors_are_created():
    with nf.device("strict") as dev:
        assert dev.device_name == "strict" and backend.get_device() == "strict"
        t = nf.Tensor([1.0, 2.0])
        i = nf.Tensor(np.array([1, 2]))
        with nf.device("cpu"):
            assert type(nf.Tensor([1.0]).data) is np.ndarray
        assert backend.get_device() == "strict"
    assert backend.get_device() == "cpu"
    assert type(t.data) is strict.ndarray and t.dtype == np.float32 and t.device == "strict"
    assert i.dtype == np.int64  # integer host arrays keep their dtype on the device too
    try:
        nf.device("strict")  # a plain call switches from then on
        assert backend.get_device() == "strict"
    finally:
        backend.set_device("cpu")
    assert nf.Tensor(strict.ones(2)).device == "strict"  # device data stays where it is


def test_neuroflow_device_environment_variable_sets_the_starting_device():
    code = ("import neuroflow as nf; t = nf.Tensor([1.0]); "
            "print(nf.backend.get_device(), type(t.data).__module__)")
    env = dict(os.environ, NEUROFLOW_DEVICE="strict")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["strict", "neuroflow.backends.strict"]


def test_unknown_and_unavailable_devices_are_clear_errors():
    with pytest.raises(ConfigError, match="expected one of 'cpu', 'cuda'.*got 'tpu'"):
        nf.device("tpu")
    with pytest.raises(ConfigError, match="cuda:<index>"):
        nf.device("cuda:x")
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDependencyError, match=r'pip install "neuroflow\[gpu\]"'):
            nf.device("cuda")
    assert backend.get_device() == "cpu"


def test_transfers_are_explicit_and_counted():
    host = np.arange(4.0)
    device = backend.to_device(host, "strict")
    assert type(device) is strict.ndarray and backend.to_device(device, "strict") is device
    with strict.counting() as count:
        back = backend.to_host(device)
        t = nf.Tensor(device)
        as_numpy = t.numpy()
        value = float(t.sum())
    assert count.count == 3 and value == 6.0
    np.testing.assert_array_equal(back, host)
    np.testing.assert_array_equal(as_numpy, host)
    assert backend.to_host(host) is host and nf.Tensor(host).numpy() is not None
    assert backend.to_device(device, "cpu").__class__ is np.ndarray
    cpu = nf.Tensor(host, requires_grad=True)
    moved = cpu.to("strict")
    assert moved.device == "strict" and moved.requires_grad and moved.is_leaf and cpu.to("cpu") is cpu


def test_moving_to_the_host_while_a_device_is_current_stays_on_the_host():
    with nf.device("strict"):
        t = nf.Tensor(np.arange(3.0), requires_grad=True)
        with strict.counting() as count:
            back = t.to("cpu")
            read = backend.to_host(t)
        assert count.count == 2
        assert type(back.data) is np.ndarray and back.device == "cpu" and back.requires_grad
        assert type(read) is np.ndarray and read.tolist() == [0.0, 1.0, 2.0]
        assert back.to("strict").device == "strict"


def test_a_device_tensor_refuses_implicit_conversion_to_numpy():
    t = nf.Tensor(strict.ones((2, 2)))
    with pytest.raises(DeviceError, match=r"tensor lives on device 'strict'.*tensor\.numpy\(\)"):
        np.asarray(t)
    with pytest.raises(TypeError):
        float(t)
    assert "Tensor([[1., 1.]" in repr(t)  # repr copies to the host (counted)


def test_an_op_on_tensors_of_different_devices_names_the_op_and_both_devices():
    cpu = nf.Tensor(np.ones((2, 3)), requires_grad=True)
    device = nf.Tensor(strict.ones((3, 2)))
    with pytest.raises(DeviceError, match=r"matmul: inputs live on different devices \(cpu, strict\)"):
        nf.ops.matmul(cpu, device)
    with pytest.raises(DeviceError, match=r"add: inputs live on different devices"):
        cpu + nf.Tensor(strict.ones((2, 3)))


def test_host_constants_join_the_device_of_the_tensor_they_meet():
    t = nf.Tensor(strict.ones(3))
    y = t * np.array([1.0, 2.0, 3.0]) + 2.5
    assert y.device == "strict" and y.dtype == np.float32
    np.testing.assert_array_equal(y.numpy(), [3.5, 4.5, 5.5])


def test_backward_stays_on_the_device_without_transfers():
    with nf.device("strict"):
        x = nf.Tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
        w = nf.Tensor(np.ones((4, 2)), requires_grad=True)
    with strict.counting() as count:
        loss = nf.ops.mean(nf.ops.tanh(x @ w) ** 2)
        loss.backward()
    assert count.count == 0 and type(x.grad) is strict.ndarray and type(w.grad) is strict.ndarray
    x_cpu = nf.Tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    w_cpu = nf.Tensor(np.ones((4, 2)), requires_grad=True)
    nf.ops.mean(nf.ops.tanh(x_cpu @ w_cpu) ** 2).backward()
    np.testing.assert_allclose(backend.to_host(x.grad), x_cpu.grad, rtol=1e-6)
    np.testing.assert_allclose(backend.to_host(w.grad), w_cpu.grad, rtol=1e-6)


def test_random_draws_on_the_strict_device_equal_numpys_from_the_same_seed():
    cpu = [nf.random.normal((3, 4), seed=5), nf.random.uniform((5,), seed=5), nf.random.randint((4,), 0, 9, seed=5),
           nf.random.truncated_normal((6,), seed=5), nf.random.dropout(nf.Tensor(np.ones(8)), 0.5, seed=5)]
    with nf.device("strict"):
        dev = [nf.random.normal((3, 4), seed=5), nf.random.uniform((5,), seed=5),
               nf.random.randint((4,), 0, 9, seed=5), nf.random.truncated_normal((6,), seed=5),
               nf.random.dropout(nf.Tensor(np.ones(8)), 0.5, seed=5)]
    for a, b in zip(cpu, dev):
        assert b.device == "strict" and a.dtype == b.dtype
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_dropout_mask_on_the_device_is_numpys_mask():
    from neuroflow.ops.fused import dropout_mask
    host = dropout_mask((5, 7), 0.3, np.float32, np.random.default_rng(2), np)
    device = dropout_mask((5, 7), 0.3, np.float32, np.random.default_rng(2), strict)
    assert type(device) is strict.ndarray
    np.testing.assert_array_equal(device.get(), host)


def test_get_array_module_is_a_type_lookup():
    # the NumPy fast path: one dict lookup per argument, no imports, no isinstance chain for ndarrays
    a = np.ones(2)
    assert backend.get_array_module(a, a, a) is np
    assert backend._MODULE_OF_TYPE[np.ndarray] is np


def test_control_flow_reads_a_device_predicate_once_and_a_host_one_never():
    with nf.device("strict"):
        x = nf.Tensor([1.0, -2.0], requires_grad=True)
        with strict.counting() as count:
            nf.ops.cond(True, lambda: x * 2, lambda: x)
            nf.ops.switch(1, [lambda: x, lambda: x * 3])
        assert count.count == 0
        with strict.counting() as count:
            y = nf.ops.cond(nf.ops.sum(x) < 0, lambda: x * 2, lambda: x)  # a Python branch reads the value
        assert count.count == 1
    np.testing.assert_array_equal(y.numpy(), [2.0, -4.0])
