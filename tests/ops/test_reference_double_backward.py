"""The "differentiate the reference" rule (``autograd/higher_order.py``: ``reference_backward_graph``).

Fused kernels (recurrent layers, depthwise convolution, CTC, cumprod over a zero) get their double backward by
differentiating a reference written with ops. These tests check that each reference computes what its kernel
computes, on every op-table row that records such a node, that the ordinary first-order backward never runs the
reference, and that the zero-safe product rule holds beyond second order (against PyTorch).
"""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.autograd.graph import topological_order
from neuroflow.ops.recurrent_base import _Recurrent
from tests.conftest import host

from .test_op_table import ROWS, _make_inputs, _outputs


def _reference_nodes(row, dtype):
    arrays = _make_inputs(row, dtype)
    tensors = [nf.Tensor(a, requires_grad=inp.differentiable, dtype=a.dtype) for a, inp in zip(arrays, row.inputs)]
    outs = [o for o in _outputs(row.fn(*tensors)) if isinstance(o, nf.Tensor) and o.requires_grad]
    return [t for t in topological_order(outs) if hasattr(t._node, "reference")]


#: Rows whose fused C/NumPy kernel runs on host arrays only (tests/backends/test_ops_on_strict.py lists them too).
_HOST_ONLY_ROWS = {"fused_elementwise", "torch_module"} if nf.backend.get_device() != "cpu" else set()
_REFERENCE_ROWS = [row for row in ROWS if row.name.split("[")[0] not in _HOST_ONLY_ROWS
                   and _reference_nodes(row, np.float64)]


def test_reference_rows_exist():
    """The rule serves the recurrent, depthwise, CTC and cumprod rows (a refactor that drops one shows here)."""
    ops = {row.name.split("[")[0] for row in _REFERENCE_ROWS}
    assert {"lstm", "gru", "simple_rnn", "depthwise_conv", "separable_conv", "ctc_loss", "cumprod"} <= ops


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("row", _REFERENCE_ROWS, ids=[r.name for r in _REFERENCE_ROWS])
def test_reference_matches_kernel(row, dtype):
    for t in _reference_nodes(row, dtype):
        ref = t._node.reference(*t._node.inputs)
        assert ref.shape == t.shape and ref.dtype == t.dtype, f"{row.name}: {t._node.name} reference {ref.shape} " \
                                                              f"{ref.dtype} vs {t.shape} {t.dtype}"
        tol = 1e-10 if dtype == np.float64 else 2e-5
        np.testing.assert_allclose(ref.numpy(), t.numpy(), rtol=tol, atol=tol, err_msg=f"{row.name}: {t._node.name}")


def test_first_order_backward_never_runs_the_reference(monkeypatch):
    def refuse(self, *inputs):
        raise AssertionError("the first-order backward must stay the fused kernel's")

    monkeypatch.setattr(_Recurrent, "reference", refuse)
    rng = np.random.default_rng(0)
    x = nf.Tensor(rng.standard_normal((2, 3, 4)).astype(np.float32), requires_grad=True)
    k = nf.Tensor(rng.standard_normal((4, 12)).astype(np.float32), requires_grad=True)
    r = nf.Tensor(rng.standard_normal((4, 12)).astype(np.float32), requires_grad=True)
    out, _ = nf.ops.gru(x, k, r)
    out.sum().backward()
    assert x.grad is not None and np.isfinite(host(x.grad)).all()
    with pytest.raises(AssertionError, match="fused kernel"):
        out, _ = nf.ops.gru(x, k, r)
        nf.grad(out.sum(), x, create_graph=True)


def test_lstm_gradient_penalty_matches_torch():
    """d/dW of ||d loss / d x||^2 through an LSTM (a gradient penalty), against PyTorch's nn.LSTM."""
    torch = pytest.importorskip("torch", reason="PyTorch is the gradient oracle; pip install torch==2.13.0")
    rng = np.random.default_rng(3)
    N, T, D, U = 2, 4, 3, 5
    xa = rng.standard_normal((N, T, D)).astype(np.float32)
    ka, ra = (0.5 * rng.standard_normal(s).astype(np.float32) for s in ((D, 4 * U), (U, 4 * U)))
    x, k, r = (nf.Tensor(a, requires_grad=True) for a in (xa, ka, ra))
    out, _, _ = nf.ops.lstm(x, k, r)
    gx, = nf.grad(nf.ops.sum(out * out), x, create_graph=True)
    gk, gr = nf.grad(nf.ops.sum(gx * gx), [k, r])

    lstm = torch.nn.LSTM(D, U, batch_first=True, bias=False)
    order = np.r_[0:2 * U, 2 * U:3 * U, 3 * U:4 * U]  # Keras i, f, c, o is torch's i, f, g, o
    tk, tr = (torch.tensor(a[:, order].T.copy(), requires_grad=True) for a in (ka, ra))
    tx = torch.tensor(xa, requires_grad=True)
    tout, _ = torch.func.functional_call(lstm, {"weight_ih_l0": tk, "weight_hh_l0": tr}, (tx,))
    tgx, = torch.autograd.grad((tout * tout).sum(), tx, create_graph=True)
    tgk, tgr = torch.autograd.grad((tgx * tgx).sum(), [tk, tr])
    np.testing.assert_allclose(gk.numpy(), tgk.numpy().T, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(gr.numpy(), tgr.numpy().T, rtol=1e-3, atol=1e-4)


def test_prod_over_zeros_third_order_matches_torch():
    """The zero-safe product rule is itself made of prod nodes, so every order works (here the third)."""
    torch = pytest.importorskip("torch", reason="PyTorch is the gradient oracle; pip install torch==2.13.0")
    xa = np.array([[1.5, 0.0, -2.0, 0.7], [0.0, 0.0, 3.0, 1.1]])
    x = nf.Tensor(xa, requires_grad=True, dtype=np.float64)
    g1, = nf.grad(nf.ops.sum(nf.ops.prod(x, axis=1) * nf.Tensor([1.0, -2.0], dtype=np.float64)), x,
                  create_graph=True)
    g2, = nf.grad(nf.ops.sum(g1 * g1), x, create_graph=True)
    g3, = nf.grad(nf.ops.sum(g2 * nf.ops.sin(x)), x)
    tx = torch.tensor(xa, requires_grad=True)
    t1, = torch.autograd.grad((torch.prod(tx, 1) * torch.tensor([1.0, -2.0], dtype=torch.float64)).sum(), tx,
                              create_graph=True)
    t2, = torch.autograd.grad((t1 * t1).sum(), tx, create_graph=True)
    t3, = torch.autograd.grad((t2 * torch.sin(tx)).sum(), tx)
    np.testing.assert_allclose(g3.numpy(), t3.numpy(), rtol=1e-10, atol=1e-12)
