"""``neuroflow.from_dlpack`` on a device other than the CPU (issue #18), here the strict stand-in: the new tensor is
made on the current device, as every new tensor is; a CPU object is read through NumPy's DLPack and copied there
once (host memory cannot be shared with a device); an object on another device is a clear error."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError

torch = pytest.importorskip("torch", reason="a torch CPU tensor is the second DLPack producer checked")


class _OnCuda:
    def __dlpack__(self, **kwargs):  # pragma: no cover - must not be read
        raise AssertionError("must not be asked for its data")

    def __dlpack_device__(self):
        return (2, 0)


@pytest.mark.parametrize("make", [lambda: np.arange(6, dtype=np.float64).reshape(2, 3),
                                  lambda: torch.arange(6, dtype=torch.int32).reshape(2, 3)],
                         ids=["numpy", "torch"])
def test_a_cpu_object_is_copied_to_the_current_device(make):
    source = make()
    with nf.device("strict"):
        t = nf.from_dlpack(source, requires_grad=source.dtype == np.float64)
    assert t.device == "strict" and t.shape == (2, 3)
    expected = np.asarray(source)
    assert nf.backend.to_host(t.data).dtype == expected.dtype  # DLPack data is never cast
    np.testing.assert_array_equal(nf.backend.to_host(t.data), expected)
    source[0, 0] = 100  # a copy on the device: the host write is not seen there
    assert nf.backend.to_host(t.data)[0, 0] == 0


def test_an_object_on_another_device_names_the_current_device():
    with nf.device("strict"), pytest.raises(ConfigError, match=r"'strict' device.*CPU.*CUDA:0"):
        nf.from_dlpack(_OnCuda())
