"""``backward(create_graph=True)`` and ``neuroflow.grad``: PyTorch's semantics, checked against PyTorch."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import ops
from neuroflow.errors import GraphError, ShapeError
from neuroflow.ops.remat import remat

torch = pytest.importorskip("torch")


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return nf.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def test_grad_returns_tensors_and_leaves_dot_grad_alone():
    x, _ = _pair((3,))
    g, = nf.grad((x * x).sum(), x)
    assert isinstance(g, nf.Tensor) and not g.requires_grad
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy(), rtol=1e-6)
    assert x.grad is None


def test_second_derivative_of_a_small_network_matches_torch():
    x, tx = _pair((4, 3))
    w, tw = _pair((3, 5), seed=1)

    def net(lib, a, b):
        h = lib.tanh(a @ b)
        return (lib.sigmoid(h) * h).sum()

    g, = nf.grad(net(ops, x, w), x, create_graph=True)
    tg, = torch.autograd.grad(net(torch, tx, tw), tx, create_graph=True)
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-5, atol=1e-6)
    penalty = ((g * g).sum(axis=1) ** 0.5 - 1) ** 2   # WGAN-GP's penalty shape
    tpen = ((tg * tg).sum(dim=1) ** 0.5 - 1) ** 2
    penalty.sum().backward()
    tpen.sum().backward()
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_backward_create_graph_fills_grad_with_graph_tensors():
    x, tx = _pair((3,))
    (x ** 3).sum().backward(create_graph=True)
    (tx ** 3).sum().backward(create_graph=True)
    assert isinstance(x.grad, nf.Tensor) and x.grad.requires_grad
    gx = x.grad
    x.grad = None
    gx.sum().backward()
    tgx = tx.grad
    tx.grad = None
    tgx.sum().backward()
    np.testing.assert_allclose(x.grad.numpy() if isinstance(x.grad, nf.Tensor) else x.grad, tx.grad.numpy(),
                               rtol=1e-5)


def test_third_derivative_through_linear_and_nonlinear_ops():
    x = nf.Tensor(np.array([0.3, -0.7], dtype=np.float64), requires_grad=True, dtype=np.float64)
    y = ops.sum(ops.reshape(ops.sin(x), (2, 1)))
    g1, = nf.grad(y, x, create_graph=True)
    g2, = nf.grad(g1.sum(), x, create_graph=True)
    g3, = nf.grad(g2.sum(), x)
    np.testing.assert_allclose(g3.numpy(), -np.cos(x.numpy()), rtol=1e-12)


def test_grad_of_intermediate_and_several_outputs():
    x, tx = _pair((2, 3))
    h = ops.exp(x)
    tx_h = torch.exp(tx)
    a, b = h.sum(), (h * h).sum()
    ta, tb = tx_h.sum(), (tx_h * tx_h).sum()
    gh, gx = nf.grad([a, b], [h, x])
    tgh, tgx = torch.autograd.grad([ta, tb], [tx_h, tx])
    np.testing.assert_allclose(gh.numpy(), tgh.numpy(), rtol=1e-5)
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=1e-5)


def test_grad_outputs_and_unused_inputs():
    x, tx = _pair((3,))
    z, _ = _pair((2,), seed=3)
    v = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    g, none = nf.grad(x * 2.0, [x, z], grad_outputs=v, allow_unused=True)
    np.testing.assert_allclose(g.numpy(), 2 * v)
    assert none is None
    with pytest.raises(GraphError, match="not used"):
        nf.grad((x * 2.0).sum(), [x, z])
    _, zeros = nf.grad((x * 2.0).sum(), [x, z], materialize_grads=True)
    np.testing.assert_array_equal(zeros.numpy(), np.zeros(2, np.float32))
    with pytest.raises(GraphError, match="one-element"):
        nf.grad(x * 2.0, x)
    with pytest.raises(ShapeError, match="grad_outputs"):
        nf.grad(x * 2.0, x, grad_outputs=np.ones(4))


def test_graph_is_freed_unless_retained():
    x, _ = _pair((3,))
    y = (x * x).sum()
    nf.grad(y, x)
    with pytest.raises(GraphError, match="freed"):
        nf.grad(y, x)
    y = (x * x).sum()
    nf.grad(y, x, retain_graph=True)
    nf.grad(y, x)  # still there once


def test_create_graph_result_stays_float32():
    x, _ = _pair((2, 2))
    g, = nf.grad(ops.logsumexp(ops.softmax(x) * 3.0), x, create_graph=True)
    h, = nf.grad(g.sum(), x)
    assert g.dtype == np.float32 and h.dtype == np.float32


def test_op_without_double_backward_raises_only_when_differentiated_again():
    x = nf.Tensor([[0.0, 0.5, 1.0], [0.3, 0.0, 2.0]], requires_grad=True)
    block = remat(lambda a: ops.cumsum(ops.tanh(a) * a, axis=1))  # a recomputation: first order only by design
    g, = nf.grad(block(x).sum(), x, create_graph=True)
    expected, = nf.grad(ops.cumsum(ops.tanh(x) * x, axis=1).sum(), x)
    np.testing.assert_allclose(g.numpy(), expected.numpy(), rtol=1e-6)  # first order is right
    with pytest.raises(GraphError, match="remat: this op has no double backward"):
        nf.grad(g.sum(), x)


def test_default_backward_leaves_arrays_in_grad():
    x, _ = _pair((3,))
    (x * x).sum().backward()
    assert isinstance(x.grad, type(x.data))  # an array of the tensor's device, not a Tensor
