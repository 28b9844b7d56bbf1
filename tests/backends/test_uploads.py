"""Host-to-device uploads: ``backend.to_device`` copies host data through the device adapter's ``upload`` (CuPy: a
pinned staging buffer, a non-blocking stream and an event the consumer waits on; the strict stand-in: a plain
counted copy). The CuPy ``Uploader``'s ordering is checked here against a recording fake of CuPy's API; the real
one runs in test_gpu.py (``-m gpu``)."""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import backend, layers
from neuroflow.backends import cupy as cupy_backend
from neuroflow.backends import strict

pytestmark = pytest.mark.skipif(backend.get_device() != "cpu",
                                reason="compares the strict device with the CPU run; run without NEUROFLOW_DEVICE")


def test_to_device_uploads_host_data_through_the_adapter_counted_once_each():
    host = np.arange(12, dtype=np.float32).reshape(3, 4)
    before, transfers = backend.uploads(), backend.transfers()
    dev = backend.to_device(host, "strict")
    fortran = backend.to_device(np.asfortranarray(host.T), "strict")
    listed = backend.to_device([[1, 2], [3, 4]], "strict")
    assert backend.uploads() == before + 3 and backend.transfers() == transfers  # uploads only, nothing read back
    assert type(dev) is strict.ndarray and dev.dtype == np.float32
    np.testing.assert_array_equal(dev.get(), host)
    np.testing.assert_array_equal(fortran.get(), host.T)
    assert listed.dtype == np.array([[1, 2]]).dtype
    assert backend.to_device(dev, "strict") is dev and backend.uploads() == before + 3  # already there: no copy


def test_the_adapters_share_the_upload_interface():
    assert callable(strict.upload) and callable(cupy_backend.upload)
    assert callable(strict.uploads) and callable(cupy_backend.uploads)
    copy = strict.upload(np.ones(3, np.int64))
    assert type(copy) is strict.ndarray and copy.dtype == np.int64


def test_fit_uploads_each_batch_once_and_equals_the_cpu():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 5)).astype(np.float32), rng.integers(0, 2, 64)

    def run():
        nf.random.set_seed(2)
        model = nf.Sequential([layers.Input((5,)), layers.Dense(4, activation="tanh"),
                               layers.Dense(2, activation="softmax")])
        model.compile("sgd", "sparse_categorical_crossentropy")
        return model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False).history["loss"]

    cpu = run()
    with nf.device("strict"):
        run()  # builds and compiles once: the counts below are those of training alone
        before = backend.uploads()
        dev = run()
        uploaded = backend.uploads() - before
    np.testing.assert_allclose(dev, cpu, rtol=1e-6)
    assert uploaded >= 2 * 2 * 4, "x and y of every step (2 epochs of 4 steps) are uploaded"


# --- the CuPy Uploader against a fake of CuPy's API (the order of its calls is what matters) -----------------------
class _Fake:
    """Records what the Uploader asks of CuPy; device arrays are NumPy arrays here."""

    def __init__(self):
        self.log, self.pinned = [], []
        fake = self

        class Event:
            def __init__(self, n):
                self.n = n

            def synchronize(self):
                fake.log.append(("synchronize", self.n))

        class Stream:
            def __init__(self, name, non_blocking=False):
                fake.log.append(("stream", name, non_blocking))
                self.name, self.n = name, 0

            def record(self):
                self.n += 1
                fake.log.append(("record", self.name, self.n))
                return Event(f"{self.name}{self.n}")

            def wait_event(self, event):
                fake.log.append(("wait", self.name, event.n))

        class DeviceArray(np.ndarray):
            def set(self, source, stream=None):
                fake.log.append(("set", stream is not None, any(np.shares_memory(source, p) for p in fake.pinned)))
                self[...] = source

        def alloc_pinned_memory(nbytes):
            memory = bytearray(nbytes)
            fake.pinned.append(np.frombuffer(memory, np.uint8))
            fake.log.append(("pinned", nbytes))
            return memory

        current = Stream("current")
        self.cuda = type("cuda", (), {"Stream": staticmethod(lambda non_blocking=False: Stream("copy", non_blocking)),
                                      "alloc_pinned_memory": staticmethod(alloc_pinned_memory),
                                      "get_current_stream": staticmethod(lambda: current)})
        self.empty = lambda shape, dtype: np.empty(shape, dtype).view(DeviceArray)
        self.asarray = np.asarray


def test_the_cupy_uploader_stages_in_pinned_memory_copies_on_its_stream_and_the_consumer_waits():
    fake = _Fake()
    uploader = cupy_backend.Uploader(fake)
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.ones((4, 3), np.float64)
    outs = [uploader.upload(a), uploader.upload(b), uploader.upload(a[:, ::-1])]
    np.testing.assert_array_equal(outs[0], a)
    np.testing.assert_array_equal(outs[1], b)
    np.testing.assert_array_equal(outs[2], a[:, ::-1])
    assert outs[0].dtype == np.float32 and outs[1].dtype == np.float64
    log = [e for e in fake.log if e[0] != "stream"]

    def copy(n):  # the copy stream waits for the work queued so far, copies from pinned memory, the consumer waits
        return [("record", "current", n), ("wait", "copy", f"current{n}"), ("set", True, True),
                ("record", "copy", n), ("wait", "current", f"copy{n}")]
    # per upload: the pinned buffer grown when needed, then the copy
    assert log[:6] == [("pinned", a.nbytes)] + copy(1)
    assert log[6:12] == [("pinned", b.nbytes)] + copy(2)
    # the third reuses the first buffer (big enough): only after the copy that last read it has finished
    assert log[12:] == [("synchronize", "copy1")] + copy(3)
    assert ("stream", "copy", True) in fake.log, "the copies run on a non-blocking stream"


def test_the_cupy_uploader_leaves_strings_to_cupy():
    fake = _Fake()
    words = np.array(["a", "b"])
    assert cupy_backend.Uploader(fake).upload(words) is not None
    assert not [e for e in fake.log if e[0] in ("set", "pinned")], "CuPy's asarray answers for them"
