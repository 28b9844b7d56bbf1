"""Second-order checks on every row of the op table: the gradient's own gradient (``create_graph=True``).

For a row ``f``, random upstream ``u`` and random directions ``v`` (one per differentiable input), the scalar
``s(x) = sum_i <grad_i(x), v_i>`` with ``grad = d<f(x), u>/dx`` is differentiated twice over:

* finite differences in float64: ``ds/dx`` from ``neuroflow.grad(..., create_graph=True)`` then ``grad`` again,
  against central differences of ``s`` computed from first-order gradients;
* PyTorch's double backward at float32 (``torch.autograd.grad(..., create_graph=True)``, then again).

Rows whose op has no differentiable backward yet are listed in ``KNOWN_GAPS``; ``test_known_gaps_are_exact``
keeps that list true both ways, so the gap is visible and shrinks only on purpose.
"""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import GraphError

from tests.conftest import HOST_ONLY, ON_DEVICE

from .test_op_table import ROWS, _make_inputs, _outputs

#: Row names (``op[id]``) whose double backward raises "no double backward" today: a recomputation and a wrapped
#: torch module, first order by design (their backward is a re-run forward / torch.autograd, not neuroflow ops).
KNOWN_GAPS = {"remat[two-inputs]", "torch_module[tanh]"}


def _first_grads(row, arrays, upstream, create_graph):
    tensors = [nf.Tensor(a, requires_grad=inp.differentiable, dtype=a.dtype) for a, inp in zip(arrays, row.inputs)]
    outs = _outputs(row.fn(*tensors))
    live = [(o, g) for o, g in zip(outs, upstream) if isinstance(o, nf.Tensor) and o.requires_grad]
    xs = [t for t, inp in zip(tensors, row.inputs) if inp.differentiable]
    if not live or not xs:
        return tensors, xs, None
    grads = nf.grad([o for o, _ in live], xs, grad_outputs=[nf.Tensor(g, dtype=o.dtype) for o, g in live],
                    create_graph=create_graph, allow_unused=True)
    return tensors, xs, grads


def _upstream(row, arrays, seed=1):
    tensors = [nf.Tensor(a, dtype=a.dtype) for a in arrays]
    with nf.no_grad():
        outs = _outputs(row.fn(*tensors))
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(o.shape).astype(o.dtype) for o in outs]


def _directions(row, arrays, seed=2):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(a.shape).astype(a.dtype) for a, inp in zip(arrays, row.inputs) if inp.differentiable]


def _second(row, arrays):
    """(d s / d x for each differentiable input as arrays, upstream, directions) — None when nothing flows."""
    upstream = _upstream(row, arrays)
    vs = _directions(row, arrays)
    _, xs, grads = _first_grads(row, arrays, upstream, create_graph=True)
    if grads is None:
        return None, upstream, vs
    live = [(g, v) for g, v in zip(grads, vs) if g is not None and g.requires_grad]
    if not live:  # a gradient that does not depend on the inputs (a linear op): the second derivative is 0
        return [np.zeros(x.shape, x.dtype) for x in xs], upstream, vs
    s = None
    for g, v in live:
        term = (g * nf.Tensor(v, dtype=g.dtype)).sum()
        s = term if s is None else s + term
    hs = nf.grad(s, xs, allow_unused=True)
    return [np.zeros(x.shape, x.dtype) if h is None else h.numpy() for h, x in zip(hs, xs)], upstream, vs


def _is_gap(err):
    return "no double backward" in str(err)


def _row_gap(row):
    try:
        _second(row, _make_inputs(row, np.float64))
    except GraphError as err:
        if _is_gap(err):
            return True
        raise
    except Exception:  # noqa: BLE001 - a row that fails outright is reported by its own tests, not as a gap
        return False
    return False


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_second_order_finite_differences(row):
    if row.name in KNOWN_GAPS:
        pytest.skip("listed in KNOWN_GAPS: no double backward yet")
    arrays = _make_inputs(row, np.float64)
    analytic, upstream, vs = _second(row, arrays)
    if analytic is None:
        return

    def s_of(arrs):
        _, _, grads = _first_grads(row, arrs, upstream, create_graph=False)
        return sum(float((g.numpy() * v).sum()) for g, v in zip(grads, vs) if g is not None)

    diff = [i for i, inp in enumerate(row.inputs) if inp.differentiable]
    eps = 1e-5
    for k, i in enumerate(diff):
        x = arrays[i]
        numeric = np.zeros_like(x)
        flat = x.reshape(-1)
        for j in range(flat.size):
            old = flat[j]
            flat[j] = old + eps
            plus = s_of(arrays)
            flat[j] = old - eps
            minus = s_of(arrays)
            flat[j] = old
            numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(analytic[k], numeric, rtol=1e-4, atol=max(row.fd_atol * 10, 1e-5),
                                   err_msg=f"{row.name}: second derivative, input {i}")


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_second_order_torch_parity(row):
    torch = pytest.importorskip("torch", reason="PyTorch is the gradient oracle; pip install torch==2.13.0")
    if row.torch_fn is None:
        pytest.skip(row.torch_skip or "no PyTorch counterpart")
    if row.name in KNOWN_GAPS:
        pytest.skip("listed in KNOWN_GAPS: no double backward yet")
    arrays = _make_inputs(row, np.float32)
    got, upstream, vs = _second(row, arrays)
    if got is None:
        return
    tts = []
    for a, inp in zip(arrays, row.inputs):
        t = torch.from_numpy(np.array(a))
        tts.append(t.requires_grad_(True) if inp.differentiable else t)
    xs = [t for t, inp in zip(tts, row.inputs) if inp.differentiable]
    touts = _outputs(row.torch_fn(*tts))
    total = sum((o * torch.from_numpy(np.asarray(u, dtype=np.float32))).sum()
                for o, u in zip(touts, upstream) if o.requires_grad)
    grads = torch.autograd.grad(total, xs, create_graph=True, allow_unused=True)
    s = sum((g * torch.from_numpy(v)).sum() for g, v in zip(grads, vs) if g is not None and g.requires_grad)
    if isinstance(s, int):
        expected = [np.zeros_like(x.detach().numpy()) for x in xs]
    else:
        try:
            hs = torch.autograd.grad(s, xs, allow_unused=True)
        except RuntimeError as err:
            if "not implemented" in str(err):
                pytest.skip(f"PyTorch has no double backward here: {err}")
            raise
        expected = [np.zeros_like(x.detach().numpy()) if h is None else h.numpy(force=True) for h, x in zip(hs, xs)]
    for k, (g, e) in enumerate(zip(got, expected)):
        assert g.dtype == np.float32, f"{row.name}: second derivative of input {k} is {g.dtype}, expected float32"
        np.testing.assert_allclose(g, e, rtol=max(row.rtol, 1e-3), atol=max(row.atol, 1e-4) * 10,
                                   err_msg=f"{row.name}: second derivative, input {k}")


def _host_only(row) -> bool:
    """Whether the row's own tests are skipped as host-only on this device (``HOST_ONLY`` in tests/conftest.py):
    its gap cannot be probed here."""
    node = f"tests/ops/test_op_table.py::test_finite_differences[{row.name}]"
    return ON_DEVICE and any(node.startswith(prefix) for prefix in HOST_ONLY)


def test_known_gaps_are_exact():
    """Every row without a double backward is listed, and every listed row still lacks one."""
    rows = [row for row in ROWS if not _host_only(row)]
    gaps = {row.name for row in rows if _row_gap(row)}
    known = KNOWN_GAPS & {row.name for row in rows}
    assert gaps - known == set(), f"rows without a double backward, not listed in KNOWN_GAPS: {sorted(gaps - known)}"
    assert known - gaps == set(), f"rows in KNOWN_GAPS that now have a double backward: {sorted(known - gaps)}"
