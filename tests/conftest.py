"""The whole suite on a device (``NEUROFLOW_DEVICE=strict pytest``); on the CPU nothing here changes anything.

On a device, results live in device arrays, which refuse implicit conversion to NumPy as CuPy's do. The tests' own
comparisons are oracle-side reads, so on a device NumPy's assertion helpers take device arrays and Tensors to the
host first (``neuroflow.backend.to_host``, an explicit transfer); the code under test is not touched. ``host(x)``
is the same read for a test's own use.

Tests that are host-only by nature (PyTorch/ONNX/scikit-learn interop, MPI subprocesses, file bytes, the compiled
step) are skipped on a device with their reason from ``HOST_ONLY`` (a node-id prefix -> reason), so the gap is
visible in ``pytest -rs``.
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


#: Host-only by nature on a device: node-id prefix -> reason. Listed, not hidden: ``pytest -rs`` prints them.
HOST_ONLY: dict[str, str] = {
    "tests/autograd/test_tensor.py::test_array_facts": "checks that numpy()/np.asarray return the host data itself",
    "tests/autograd/test_variable.py::test_column_major_initial_values_are_stored_row_major":
        "checks that a row-major host array is stored without a copy (on a device it is copied there)",
}


def pytest_collection_modifyitems(config, items):
    if not ON_DEVICE:
        return
    from tests.device_gaps import HOST_ONLY_FOLDERS, ON_DEVICE_GAPS

    host_only = {**HOST_ONLY_FOLDERS, **HOST_ONLY}
    for item in items:
        reason = next((why for prefix, why in host_only.items() if item.nodeid.startswith(prefix)), None)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"host-only on a device: {reason}"))
            continue
        gap = ON_DEVICE_GAPS.get(item.nodeid)
        if gap is not None:
            item.add_marker(pytest.mark.xfail(reason=f"not on the device yet (tests/device_gaps.py): {gap}",
                                              strict=False))
