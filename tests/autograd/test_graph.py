"""The backward walk: chain rule through fan-out and shared values, broadcasting, grad modes, freeing buffers,
deep chains, and gradient retention/accumulation."""
import gc
import sys
import weakref

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import ops
from neuroflow.errors import GraphError


def leaf(values, dtype="float64"):
    return nf.Tensor(np.asarray(values), requires_grad=True, dtype=dtype)


# ---------------------------------------------------------------- chain rule
def test_fan_out_gradients_are_summed():
    a, b, c = leaf([1.0, -2.0]), leaf([3.0, 0.5]), leaf([-1.0, 4.0])
    y = (a * b + a * c + a).sum()  # a feeds three consumers
    y.backward()
    np.testing.assert_allclose(a.grad, b.data + c.data + 1)
    np.testing.assert_allclose(b.grad, a.data)
    np.testing.assert_allclose(c.grad, a.data)


def test_same_tensor_as_both_inputs():
    x = leaf([1.5, -2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * x.data)


def test_same_intermediate_as_both_inputs():
    x = leaf([0.5, -1.0])
    h = x * 3.0
    (h * h).sum().backward()  # d/dx (3x)^2 = 18x
    np.testing.assert_allclose(x.grad, 18 * x.data)


def test_shared_subexpression_used_three_times():
    x, y = leaf([0.3, -0.7]), leaf([1.2, 0.4])
    s = x * y
    out = (s + s * s + ops.exp(s)).sum()  # s used by add, multiply (twice) and exp
    out.backward()
    xs, ys = x.numpy(), y.numpy()
    ds = 1 + 2 * xs * ys + np.exp(xs * ys)
    np.testing.assert_allclose(x.grad, ds * ys, rtol=1e-12)
    np.testing.assert_allclose(y.grad, ds * xs, rtol=1e-12)


@pytest.mark.parametrize("sa,sb", [((3, 1), (4,)), ((2, 3, 4), (3, 1)), ((), (2, 3)), ((1, 3), (2, 1)),
                                   ((5,), (2, 1, 5))])
@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide"])
def test_broadcast_gradients_are_reduced_to_each_input_shape(sa, sb, op):
    rng = np.random.default_rng(0)
    a, b = leaf(rng.uniform(0.5, 2, sa)), leaf(rng.uniform(0.5, 2, sb))
    getattr(ops, op)(a, b).sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    A, B = np.broadcast_arrays(a.numpy(), b.numpy())
    da = {"add": np.ones_like(A), "subtract": np.ones_like(A), "multiply": B, "divide": 1 / B}[op]
    db = {"add": np.ones_like(A), "subtract": -np.ones_like(A), "multiply": A, "divide": -A / B**2}[op]

    def reduce_to(g, shape):
        lead = g.ndim - len(shape)
        g = g.sum(axis=tuple(range(lead)))
        return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)

    np.testing.assert_allclose(a.grad, reduce_to(da, a.shape), rtol=1e-12)
    np.testing.assert_allclose(b.grad, reduce_to(db, b.shape), rtol=1e-12)


# ---------------------------------------------------------------- grad modes
def test_no_grad_context_records_nothing():
    x = leaf([1.0, 2.0])
    with nf.no_grad():
        assert not nf.is_grad_enabled()
        y = ops.exp(x * 2.0) + x
    assert nf.is_grad_enabled()
    assert not y.requires_grad and y.node is None
    with pytest.raises(GraphError):
        y.sum().backward()


def test_no_grad_decorator_records_nothing_and_restores_mode():
    @nf.no_grad()
    def f(t):
        assert not nf.is_grad_enabled()
        return (t * t).sum()

    x = leaf([1.0, 2.0])
    y = f(x)
    assert not y.requires_grad and y.node is None
    assert nf.is_grad_enabled()
    assert f.__name__ == "f"


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with nf.no_grad():
            1 / 0
    assert nf.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf([1.0, 2.0])
    with nf.no_grad():
        with nf.enable_grad():
            y = (x * 3.0).sum()
        z = x * 3.0
        assert not nf.is_grad_enabled()
    assert y.requires_grad and y.node is not None
    assert not z.requires_grad and z.node is None
    y.backward()
    np.testing.assert_allclose(x.grad, [3.0, 3.0])


def test_detach_cuts_the_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).detach()  # a constant from here on
    (y * x).sum().backward()
    np.testing.assert_allclose(x.grad, y.data)  # not 3x^2


# ---------------------------------------------------------------- retain_graph and freeing
def test_second_backward_without_retain_graph_raises_a_helpful_error():
    x = leaf([1.0, 2.0])
    y = (ops.exp(x) * 2.0).sum()
    y.backward()
    with pytest.raises(GraphError, match="retain_graph=True") as info:
        y.backward()
    assert "freed" in str(info.value)


def test_retain_graph_allows_a_second_backward_and_grads_accumulate():
    x = leaf([1.0, 2.0])
    y = (ops.exp(x) * 2.0).sum()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad, 2 * np.exp(x.numpy()))
    y.backward()
    np.testing.assert_allclose(x.grad, 4 * np.exp(x.numpy()))


def _exp_graph():
    """A loss over exp(x); returns the loss and a weakref to the exp output array that the Exp node saved."""
    x = leaf([0.1, 0.2, 0.3])
    e = ops.exp(x)
    saved = weakref.ref(e.node.y)  # the buffer backward needs, reachable only through the graph
    loss = (e * 2.0).sum()
    return loss, saved


def test_saved_buffers_are_freed_by_backward():
    loss, saved = _exp_graph()
    gc.collect()
    assert saved() is not None  # the graph alone keeps it alive before backward
    loss.backward()
    gc.collect()
    assert saved() is None  # freed although the user still holds the loss


def test_saved_buffers_are_kept_with_retain_graph():
    loss, saved = _exp_graph()
    loss.backward(retain_graph=True)
    gc.collect()
    assert saved() is not None
    del loss
    gc.collect()
    assert saved() is None  # and dropped with the graph


def test_long_chain_has_no_recursion_limit_and_the_analytic_gradient():
    n = 10_000
    assert 2 * n > sys.getrecursionlimit()  # a recursive walk would overflow
    x = nf.Tensor(1.0, requires_grad=True, dtype="float64")
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0
    assert len(nf.graph_nodes(y)) == 4 * n + 1  # x, and per step: two constants and two op outputs
    y.backward()
    np.testing.assert_allclose(x.grad, 1.0001 ** n, rtol=1e-10)
    np.testing.assert_allclose(y.data, 1.0001 ** n, rtol=1e-10)


def test_long_chain_can_be_dropped_without_backward():
    x = nf.Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    del y  # deallocating a deep chain of nodes must not overflow the C stack
    gc.collect()


# ---------------------------------------------------------------- retained and accumulated gradients
def test_intermediate_grads_are_not_kept_by_default():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    (h * h).sum().backward()
    assert h.grad is None


def test_retain_grad_keeps_one_intermediate_grad():
    x = nf.Tensor([1.0, 2.0], requires_grad=True)
    h = (x * 3.0).retain_grad()
    k = h * h
    (k).sum().backward()
    np.testing.assert_allclose(h.grad, 2 * h.data)
    assert h.grad.dtype == np.float32
    assert k.grad is None


def test_retain_grads_keeps_every_intermediate_grad():
    x = nf.Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    k = h * h
    s = k.sum()
    s.backward(retain_grads=True)
    np.testing.assert_allclose(s.grad, 1.0)
    np.testing.assert_allclose(k.grad, [1.0, 1.0])
    np.testing.assert_allclose(h.grad, 2 * h.data)
    np.testing.assert_allclose(x.grad, 18 * x.data)
    assert all(t.grad.dtype == np.float32 for t in (s, k, h, x))


def test_retained_intermediate_grads_accumulate_over_two_backwards():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    s = (h * h).sum()
    s.backward(retain_graph=True, retain_grads=True)
    s.backward(retain_grads=True)
    np.testing.assert_allclose(h.grad, 4 * h.data)


def test_leaf_grads_accumulate_across_backward_calls():
    x = leaf([1.0, -2.0])
    (x * 3.0).sum().backward()
    (x * x).sum().backward()  # a second, separate graph
    np.testing.assert_allclose(x.grad, 3.0 + 2 * x.data)
    x.zero_grad()
    assert x.grad is None


def test_backward_with_an_explicit_grad():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(np.array([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(x.grad, [2.0, 0.0, 12.0])


def test_leaf_grad_is_not_aliased_to_the_upstream_gradient():
    x = leaf([1.0, 2.0])
    g = np.array([1.0, 1.0])
    (x + 0.0).backward(g)
    x.grad += 5.0  # in-place edits of .grad must not leak into the caller's array
    np.testing.assert_array_equal(g, [1.0, 1.0])


def test_leaf_gradients_never_share_memory_with_each_other_or_with_data():
    import neuroflow as nf
    rng = np.random.default_rng(0)
    a, b, c = (nf.Tensor(rng.normal(size=(3, 4)).astype(np.float32), requires_grad=True) for _ in range(3))
    seed = np.ones((3, 4), np.float32)
    out = a + b - c  # add and subtract pass the incoming gradient through to both inputs
    out.backward(seed)
    grads = [a.grad, b.grad, c.grad]
    xp = nf.backend.get_array_module(a.grad)
    for i, g in enumerate(grads):
        assert xp is not np or not np.shares_memory(g, seed)  # on a device the seed was copied there
        for other in grads[i + 1:]:
            assert not xp.shares_memory(g, other)
    a.grad += 1  # the caller may change one gradient in place
    np.testing.assert_array_equal(b.grad, np.ones((3, 4)))


def test_a_fresh_weight_gradient_becomes_grad_without_a_copy_unless_the_graph_is_kept(monkeypatch):
    import neuroflow as nf
    from neuroflow.ops.math import MatMul
    made = []
    backward = MatMul.backward

    def recording(self, g):
        grads = backward(self, g)
        made.extend(grads)
        return grads

    monkeypatch.setattr(MatMul, "backward", recording)
    x = nf.Tensor(np.ones((2, 3), np.float32))
    w = nf.Tensor(np.full((3, 4), 0.5, np.float32), requires_grad=True)
    (x @ w).sum().backward()
    assert w.grad is made[-1]
    np.testing.assert_array_equal(w.grad, np.full((3, 4), 2.0))
    w.grad, made[:] = None, []
    y = (x @ w).sum()
    y.backward(retain_graph=True)
    first = w.grad.copy()
    assert w.grad is not made[-1]
    y.backward()  # the second pass accumulates into the first's gradient
    np.testing.assert_array_equal(w.grad, 2 * first)
