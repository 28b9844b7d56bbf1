"""Device runs of the op tests (``NEUROFLOW_DEVICE=strict pytest tests/ops``).

On a device, results live in device arrays, which refuse implicit conversion to NumPy as CuPy's do. The tests'
own comparisons are oracle-side reads, so on a device NumPy's assertion helpers take device arrays and Tensors to
the host first (``neuroflow.backend.to_host``, an explicit transfer); the code under test is not touched. On the
CPU nothing here changes anything.
"""
from __future__ import annotations

import functools

import numpy as np

import neuroflow as nf

_ASSERTIONS = ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal",
               "assert_array_less", "assert_almost_equal")


def _host(value):
    if isinstance(value, nf.Tensor):
        value = value.data
    if isinstance(value, (list, tuple)):
        return type(value)(_host(v) for v in value)
    return nf.backend.to_host(value) if nf.backend.module_device(nf.backend.get_array_module(value)) != "cpu" \
        else value


def _reading_host(assertion):
    @functools.wraps(assertion)
    def check(actual, desired, *args, **kwargs):
        return assertion(_host(actual), _host(desired), *args, **kwargs)
    return check


if nf.backend.get_device() != "cpu":
    for _name in _ASSERTIONS:
        setattr(np.testing, _name, _reading_host(getattr(np.testing, _name)))
