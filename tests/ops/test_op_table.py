"""Runs every row of the op table: finite differences (float64) and PyTorch parity (float32)."""
from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.ops._registry import DIFFERENTIABLE

from . import harness


def _all_rows():
    rows = []
    package = importlib.import_module(__package__)
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("rows_"):
            rows += importlib.import_module(f"{__package__}.{info.name}").ROWS
    return rows


ROWS = _all_rows()


def _outputs(result):
    return list(result) if isinstance(result, (list, tuple)) else [result]


def _make_inputs(row, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [inp.make(rng, dtype) for inp in row.inputs]


def _nf_grads(row, arrays, upstream=None, seed=1):
    tensors = [nf.Tensor(a, requires_grad=inp.differentiable, dtype=a.dtype)
               for a, inp in zip(arrays, row.inputs)]
    outs = _outputs(row.fn(*tensors))
    rng = np.random.default_rng(seed)
    if upstream is None:
        upstream = [rng.standard_normal(o.shape).astype(o.dtype) for o in outs]
    total = None
    for o, g in zip(outs, upstream):
        if o.requires_grad:
            term = (o * nf.Tensor(g, dtype=o.dtype)).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()
    # gradients come back to the host (a device run's .grad lives on the device; to_host is a no-op on the CPU)
    grads = [nf.backend.to_host(t.grad) if inp.differentiable and t.grad is not None else None
             for t, inp in zip(tensors, row.inputs)]
    return [o.numpy() for o in outs], upstream, grads


def test_every_differentiable_op_has_a_row():
    covered = {r.op for r in ROWS}
    missing = sorted(set(DIFFERENTIABLE) - covered)
    assert not missing, f"differentiable ops without a row in tests/ops/rows_*.py: {missing}"
    unknown = sorted(covered - set(DIFFERENTIABLE))
    assert not unknown, f"rows name ops that are not marked @differentiable: {unknown}"


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_finite_differences(row):
    arrays = _make_inputs(row, np.float64)
    outs, upstream, grads = _nf_grads(row, arrays)
    assert all(o.dtype == np.float64 for o in outs), "float64 inputs must give float64 outputs"

    def objective(arrs):
        ts = [nf.Tensor(a, dtype=a.dtype) for a in arrs]
        with nf.no_grad():
            res = _outputs(row.fn(*ts))
        return sum(float((r.numpy().astype(np.float64) * g).sum()) for r, g in zip(res, upstream))

    checked = 0
    for i, inp in enumerate(row.inputs):
        if not inp.differentiable:
            continue
        x = arrays[i]
        numeric = np.zeros_like(x)
        flat = x.reshape(-1)
        for j in range(flat.size):
            old = flat[j]
            flat[j] = old + row.eps
            plus = objective(arrays)
            flat[j] = old - row.eps
            minus = objective(arrays)
            flat[j] = old
            numeric.reshape(-1)[j] = (plus - minus) / (2 * row.eps)
        analytic = grads[i] if grads[i] is not None else np.zeros_like(x)
        assert analytic.shape == x.shape, f"input {i}: gradient shape {analytic.shape} != input shape {x.shape}"
        np.testing.assert_allclose(analytic, numeric, rtol=row.fd_rtol, atol=row.fd_atol,
                                   err_msg=f"{row.name}: d/d input {i}")
        checked += 1
    assert checked or not any(i.differentiable for i in row.inputs)


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_torch_parity(row):
    torch = pytest.importorskip("torch", reason="PyTorch is the gradient oracle; pip install torch==2.13.0")
    if row.torch_fn is None:
        pytest.skip(row.torch_skip or "no PyTorch counterpart")
    arrays = _make_inputs(row, np.float32)
    outs, upstream, grads = _nf_grads(row, arrays)
    tts = []
    for a, inp in zip(arrays, row.inputs):
        t = torch.from_numpy(np.array(a))
        if inp.differentiable:
            t.requires_grad_(True)
        tts.append(t)
    touts = _outputs(row.torch_fn(*tts))
    assert len(touts) == len(outs)
    total = 0
    for o, to, g in zip(outs, touts, upstream):
        assert o.dtype == np.float32 or o.dtype.kind != "f", f"{row.name}: float32 inputs gave {o.dtype} output"
        np.testing.assert_allclose(o, to.detach().numpy(), rtol=row.rtol, atol=row.atol,
                                   err_msg=f"{row.name}: forward")
        if to.requires_grad:
            total = total + (to * torch.from_numpy(np.asarray(g, dtype=np.float32))).sum()
    if not isinstance(total, int):
        total.backward()
    for i, (t, inp) in enumerate(zip(tts, row.inputs)):
        if not inp.differentiable:
            continue
        expected = t.grad.numpy() if t.grad is not None else np.zeros_like(arrays[i])
        got = grads[i] if grads[i] is not None else np.zeros_like(arrays[i])
        assert got.dtype == np.float32, f"{row.name}: gradient of input {i} is {got.dtype}, expected float32"
        np.testing.assert_allclose(got, expected, rtol=row.rtol, atol=row.atol,
                                   err_msg=f"{row.name}: gradient of input {i}")
