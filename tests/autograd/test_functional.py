"""``neuroflow.autograd.functional`` against ``torch.autograd.functional`` (float64, small problems)."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import ops
from neuroflow.autograd import functional as F

torch = pytest.importorskip("torch")
TF = torch.autograd.functional

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3,))
W = RNG.standard_normal((3, 2))
V_OUT = RNG.standard_normal((2,))
V_IN = RNG.standard_normal((3,))


def f_vec(lib):
    def f(x, w):
        return lib.tanh(x @ w) * lib.exp(x[:2] if lib is ops else x[:2])
    return f


def f_scalar(lib):
    def f(x):
        return (lib.sin(x) * x * x).sum() + lib.logsumexp(x, 0) if lib is torch else \
            (ops.sin(x) * x * x).sum() + ops.logsumexp(x, axis=0)
    return f


def _t(a):
    return torch.tensor(a, dtype=torch.float64)


def _close(a, b):
    np.testing.assert_allclose(np.asarray(a.numpy() if hasattr(a, "numpy") else a), b.detach().numpy(),
                               rtol=1e-10, atol=1e-12)


def test_vjp():
    out, (gx, gw) = F.vjp(f_vec(ops), (X, W), V_OUT)
    tout, (tgx, tgw) = TF.vjp(f_vec(torch), (_t(X), _t(W)), _t(V_OUT))
    _close(out, tout), _close(gx, tgx), _close(gw, tgw)


def test_jvp_by_double_vjp():
    vw = RNG.standard_normal(W.shape)
    out, tangent = F.jvp(f_vec(ops), (X, W), (V_IN, vw))
    tout, ttangent = TF.jvp(f_vec(torch), (_t(X), _t(W)), (_t(V_IN), _t(vw)))
    _close(out, tout), _close(tangent, ttangent)


def test_hvp_and_vhp():
    out, h = F.hvp(f_scalar(ops), X, V_IN)
    tout, th = TF.hvp(f_scalar(torch), _t(X), _t(V_IN))
    _close(out, tout), _close(h, th)
    _, vh = F.vhp(f_scalar(ops), X, V_IN)
    _close(vh, th)


def test_jacobian_and_hessian():
    jx, jw = F.jacobian(f_vec(ops), (X, W))
    tjx, tjw = TF.jacobian(f_vec(torch), (_t(X), _t(W)))
    assert jx.shape == (2, 3) and jw.shape == (2, 3, 2)
    _close(jx, tjx), _close(jw, tjw)
    h = F.hessian(f_scalar(ops), X)
    _close(h, TF.hessian(f_scalar(torch), _t(X)))


def test_hessian_with_create_graph_is_differentiable():
    x = nf.Tensor(X, requires_grad=True, dtype=np.float64)
    h = F.hessian(lambda t: (t ** 3).sum(), x, create_graph=True)   # diag(6 x)
    g, = nf.grad(h.sum(), x)
    np.testing.assert_allclose(g.numpy(), np.full(3, 6.0))


def test_keras_ops_jvp():
    primals, tangents = ops.jvp(ops.sin, (nf.Tensor(0.1),), (nf.Tensor(0.2),))
    np.testing.assert_allclose(primals.numpy(), np.sin(0.1), rtol=1e-6)
    np.testing.assert_allclose(tangents.numpy(), 0.2 * np.cos(0.1), rtol=1e-6)
    p2, t2, aux = ops.linalg.jvp(lambda x: (ops.square(x), "aux"), (nf.Tensor([1.0, 2.0]),),
                                 (nf.Tensor([1.0, 1.0]),), has_aux=True)
    np.testing.assert_allclose(t2.numpy(), [2.0, 4.0])
    assert aux == "aux"
