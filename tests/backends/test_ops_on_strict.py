"""Every op-table row on the strict stand-in device: forward and backward equal the NumPy run's, and an op's
forward + backward makes no device-to-host transfer (the proof that ops and autograd stay on a GPU)."""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.backends import strict

from tests.ops.test_op_table import ROWS, _make_inputs, _outputs

#: Rows whose op reads a value on the host by design, each with the reason (checked: they do transfer).
READS_THE_HOST = {
    "ctc_loss[labels-tensor]": "checks the labels and lengths it is given on the host (argument validation)",
    "cumprod": "backward picks the zero-safe form when an input is 0 (one bool)",
    "cumprod[with-zeros]": "backward picks the zero-safe form when an input is 0 (one bool)",
    "nancumprod": "backward picks the zero-safe form when an input is 0 (one bool)",
    "logdet": "adds log(sign) only when a determinant is not positive (one bool)",
}
#: Ops that are host-only by nature, each with the reason (on a device they raise a clear DeviceError instead).
HOST_ONLY_OPS = {"torch_module": "runs a PyTorch module on host arrays (the TorchModuleWrapper interop; the refusal "
                                 "on a device: tests/layers/test_torch_module_wrapper.py)"}


def _run(row, arrays, upstream_seed=1):
    """Outputs and input gradients on the current device, and the transfers made by forward + backward."""
    tensors = [nf.Tensor(a, requires_grad=inp.differentiable, dtype=a.dtype) for a, inp in zip(arrays, row.inputs)]
    with strict.counting() as count:
        outs = _outputs(row.fn(*tensors))
    rng = np.random.default_rng(upstream_seed)
    ups = [nf.Tensor(rng.standard_normal(o.shape).astype(o.dtype), dtype=o.dtype) for o in outs]
    with strict.counting() as backward_count:
        total = None
        for o, g in zip(outs, ups):
            if o.requires_grad:
                term = (o * g).sum()
                total = term if total is None else total + term
        if total is not None:
            total.backward()
    grads = [t.grad for t, inp in zip(tensors, row.inputs) if inp.differentiable]
    host = lambda a: None if a is None else nf.backend.to_host(a)  # noqa: E731 - read after counting
    return ([host(o.data) for o in outs], [host(g) for g in grads], count.count + backward_count.count)


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_row_on_strict_equals_numpy_without_transfers(row):
    if nf.backend.get_device() != "cpu":
        pytest.skip("compares the strict device with the CPU run; run without NEUROFLOW_DEVICE")
    if row.op in HOST_ONLY_OPS:
        pytest.skip(HOST_ONLY_OPS[row.op])
    arrays = _make_inputs(row, np.float32)
    cpu_outs, cpu_grads, _ = _run(row, [a.copy() for a in arrays])
    with nf.device("strict"):
        outs, grads, transfers = _run(row, [a.copy() for a in arrays])
    for i, (got, expected) in enumerate(zip(outs, cpu_outs)):
        assert type(got) is np.ndarray and got.dtype == expected.dtype, f"{row.name}: output {i}"
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, err_msg=f"{row.name}: output {i}")
    for i, (got, expected) in enumerate(zip(grads, cpu_grads)):
        if expected is None:
            assert got is None, f"{row.name}: gradient {i}"
            continue
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, err_msg=f"{row.name}: gradient {i}")
    if row.name in READS_THE_HOST:
        assert transfers > 0, f"{row.name}: listed in READS_THE_HOST but made no transfer; remove it there"
    else:
        assert transfers == 0, f"{row.name}: forward + backward made {transfers} device-to-host transfer(s)"
