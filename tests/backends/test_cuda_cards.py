"""Several CUDA cards, against a fake of the bits of CuPy's API that choosing a card touches (no GPU here): an
array's device names its card, a copy goes to the card it names without changing CuPy's current card, a copy
between cards goes through the host, and leaving ``with nf.device("cuda:1")`` makes the previous card current
again. The real CuPy paths run in ``tests/backends/test_gpu.py`` (``-m gpu``)."""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import backend
from neuroflow.backends import DEVICE_OF_MODULE, MODULE_OF_TYPE
from neuroflow.backends import cupy as cupy_backend
from neuroflow.errors import ConfigError, DeviceError


class _Card:
    """``cupy.cuda.Device``: ``use()`` makes it current; as a context, current for the block."""
    current = 0

    def __init__(self, index=None):
        self.id = _Card.current if index is None else index

    def use(self):
        _Card.current = self.id

    def __enter__(self):
        self._before, _Card.current = _Card.current, self.id
        return self

    def __exit__(self, *exc):
        _Card.current = self._before


class _Array:
    """``cupy.ndarray``: made on the current card."""

    def __init__(self, host):
        self.host = np.array(host)
        self.device = _Card()
        self.shape, self.dtype = self.host.shape, self.host.dtype

    def get(self):
        return self.host.copy()


@pytest.fixture
def fake_cupy(monkeypatch):
    module = types.ModuleType("cupy")
    module.ndarray, module.generic = _Array, np.generic
    module.asarray = lambda array, dtype=None: array  # what Tensor() calls on an array already there
    module.cuda = types.SimpleNamespace(Device=_Card, runtime=types.SimpleNamespace(getDeviceCount=lambda: 2))
    monkeypatch.setitem(sys.modules, "cupy", module)
    monkeypatch.setattr(cupy_backend, "upload", _Array)
    monkeypatch.setattr(_Card, "current", 0)
    yield module
    MODULE_OF_TYPE.pop(_Array, None)
    DEVICE_OF_MODULE.pop(module, None)


def test_arrays_name_their_card_and_copies_leave_the_current_card_alone(fake_cupy):
    start = backend.get_device()
    with nf.device("cuda:1"):
        assert _Card.current == 1 and backend.get_device() == "cuda:1"
        on_one = backend.to_device(np.arange(3.0))
        on_zero = backend.to_device(np.arange(3, dtype=np.float32), "cuda:0")
        assert _Card.current == 1, "a copy to another card must not change the current card"
        assert backend.device_of(on_one) == "cuda:1" and backend.device_of(on_zero) == "cuda:0"
        assert backend.to_device(on_one, "cuda:1") is on_one
        moved = backend.to_device(on_one, "cuda:0")  # between cards: through the host
        assert backend.device_of(moved) == "cuda:0" and moved.get().tolist() == [0.0, 1.0, 2.0]
        assert nf.Tensor(on_zero).device == "cuda:0"
        with pytest.raises(DeviceError, match=r"add: inputs live on different devices \(cuda:0, cuda:1\)"):
            backend.check_same_device("add", [on_zero, on_one])
    assert backend.get_device() == start


def test_leaving_a_card_block_makes_the_previous_card_current(fake_cupy):
    start = backend.get_device()
    with nf.device("cuda:0"):
        with nf.device("cuda:1"):
            assert _Card.current == 1
        assert _Card.current == 0 and backend.get_device() == "cuda:0"
    assert backend.get_device() == start


def test_a_card_that_does_not_exist_is_a_config_error(fake_cupy):
    start = backend.get_device()
    with pytest.raises(ConfigError, match=r"device 'cuda:2': expected an index in \[0, 2\), got 2"):
        backend.to_device(np.zeros(2), "cuda:2")
    with pytest.raises(ConfigError, match=r"expected 'cuda' or 'cuda:<index>'"):
        nf.device("cuda:x")
    assert backend.get_device() == start
