"""The whole suite on a device (``NEUROFLOW_DEVICE=strict pytest``); on the CPU nothing here changes anything.

On a device, results live in device arrays, which refuse implicit conversion to NumPy as CuPy's do. The tests' own
comparisons are oracle-side reads, so on a device NumPy's assertion helpers take device arrays and Tensors to the
host first (``neuroflow.backend.to_host``, an explicit transfer); the code under test is not touched. ``host(x)``
is the same read for a test's own use.

Tests that are host-only by nature (PyTorch/ONNX/scikit-learn interop, MPI subprocesses, a few identity checks of
host arrays) are skipped on a device with their reason from ``HOST_ONLY`` (a node-id prefix -> reason), so what is
not run there is visible in ``pytest -rs``; everything else must pass on the strict stand-in as on NumPy.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

import neuroflow as nf

ON_DEVICE = nf.backend.get_device() != "cpu"

_ASSERTIONS = ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal",
               "assert_array_less", "assert_almost_equal", "assert_array_almost_equal_nulp")


def host(value):
    """``value`` with every Tensor and device array read to a host NumPy array (lists, tuples, dicts walked).
    Shapes: unchanged."""
    if isinstance(value, nf.Tensor):
        value = value.data
    if isinstance(value, (list, tuple)):
        return type(value)(host(v) for v in value)
    if isinstance(value, dict):
        return {k: host(v) for k, v in value.items()}
    if nf.backend.module_device(nf.backend.get_array_module(value)) != "cpu":
        return nf.backend.to_host(value)
    return value


def _reading_host(assertion):
    if getattr(assertion, "_reads_host", False):
        return assertion

    @functools.wraps(assertion)
    def check(actual, desired, *args, **kwargs):
        return assertion(host(actual), host(desired), *args, **kwargs)
    check._reads_host = True
    return check


if ON_DEVICE:
    for _name in _ASSERTIONS:
        setattr(np.testing, _name, _reading_host(getattr(np.testing, _name)))


_TORCH_ON_HOST = ("TorchModuleWrapper runs its torch module on host memory shared with its Variables (on a device "
                  "the layer raises a DeviceError: test_a_device_is_refused_with_a_clear_error)")

#: Host-only by nature on a device: node-id prefix -> reason. Listed, not hidden: ``pytest -rs`` prints them.
HOST_ONLY: dict[str, str] = {
    "tests/onnx/": "ONNX export and onnxruntime read host arrays",
    "tests/interop/": "PyTorch/TensorFlow interop runs on host arrays (DLPack on a device: its own CPU-run tests)",
    "tests/distribution/": "MPI ranks exchange host buffers",
    "tests/wrappers/": "scikit-learn works on host arrays",
    "tests/autograd/test_tensor.py::test_array_facts": "checks that numpy()/np.asarray return the host data itself",
    "tests/autograd/test_variable.py::test_column_major_initial_values_are_stored_row_major":
        "checks that a row-major host array is stored without a copy (on a device it is copied there)",
    "tests/layers/test_torch_module_wrapper.py::test_forward_and_gradients_equal_torch": _TORCH_ON_HOST,
    "tests/layers/test_torch_module_wrapper.py::test_fit_updates_the_shared_parameters": _TORCH_ON_HOST,
    "tests/layers/test_torch_module_wrapper.py::test_predict_records_no_torch_graph_and_config_is_refused":
        _TORCH_ON_HOST,
    "tests/layers/test_torch_module_wrapper.py::test_training_flag_switches_train_and_eval": _TORCH_ON_HOST,
    "tests/ops/test_op_table.py::test_finite_differences[torch_module[":
        "the op-table row of torch_module: PyTorch runs the module on host arrays (PyTorch interop)",
    "tests/ops/test_op_table.py::test_torch_parity[torch_module[":
        "the op-table row of torch_module: PyTorch runs the module on host arrays (PyTorch interop)",
}


def pytest_collection_modifyitems(config, items):
    if not ON_DEVICE:
        return
    for item in items:
        reason = next((why for prefix, why in HOST_ONLY.items() if item.nodeid.startswith(prefix)), None)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"host-only on a device: {reason}"))
