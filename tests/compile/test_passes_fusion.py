"""Element-wise fusion: the pass's grouping rules, the fused node's gradient (finite differences on random
expressions), the C kernel against the NumPy twin, the stated tolerance, and the fallback without a compiler."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.autograd.function import Function
from neuroflow.compile import fusion_c
from neuroflow.compile.elementwise import fused_elementwise
from neuroflow.compile.fused import FORWARD_RTOL, GRAD_RTOL, FusedElementwise
from neuroflow.compile.ir import Instr, Program, program_from_tensors
from neuroflow.compile.passes import fuse_elementwise, optimize
from neuroflow.errors import ConfigError
from neuroflow.ops import math as m
from tests.conftest import ON_DEVICE, host

ops = nf.ops
#: on a device the fused node runs the device's own fusion (the strict stand-in: NumPy's ops as written)
C_ONLY = pytest.mark.skipif(ON_DEVICE, reason="checks the compiled C kernels, which run on NumPy arrays only; on a "
                                              "device a fused node runs the device module's fusion instead")
UNARY = [ops.tanh, ops.sigmoid, ops.negative, lambda x: ops.exp(ops.tanh(x)), lambda x: ops.log(1.5 + ops.tanh(x)),
         lambda x: ops.sqrt(ops.square(x) + 0.5), ops.softplus, ops.silu, lambda x: ops.leaky_relu(x, 0.2),
         lambda x: x ** 3, ops.relu, ops.abs, lambda x: ops.log1p(ops.square(x)), lambda x: ops.expm1(ops.tanh(x))]
BINARY = [ops.add, ops.subtract, ops.multiply, lambda x, y: x / (1.25 + ops.square(y)), ops.maximum, ops.minimum]


def random_expression(seed, n_inputs=3, depth=6):
    """A random element-wise function of ``n_inputs`` tensors (the last one a scalar in the tests)."""
    rng = np.random.default_rng(seed)
    plan = [(int(rng.integers(len(UNARY))), int(rng.integers(len(BINARY))), int(rng.integers(n_inputs)),
             float(rng.uniform(0.5, 1.5))) for _ in range(depth)]

    def fn(*xs):
        y = xs[0]
        for u, b, k, c in plan:
            y = BINARY[b](UNARY[u](y) * c, xs[k])
        return y
    return fn


def _program(fn, arrays):
    probes = [nf.Tensor(a, requires_grad=True, dtype=a.dtype) for a in arrays]
    out = fn(*probes)
    return program_from_tensors(out, variables=probes), out


def _inputs(dtype, shape=(40, 25), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-2, 2, shape).astype(dtype), rng.uniform(-2, 2, shape).astype(dtype),
            np.asarray(rng.uniform(0.5, 1.5), dtype=dtype)]


def _run(program, arrays, g):
    out, = program.run_forward({})
    grads = program.run_backward([nf.backend.to_device(g)])  # the seed on the program's (current) device
    return out, [grads.get(s) for s, _ in program.variables]


@pytest.mark.parametrize("seed", range(6))
def test_fused_backward_matches_finite_differences_float64(seed):
    fn = random_expression(seed)
    arrays = _inputs(np.float64, shape=(2, 3), seed=seed)
    tensors = [nf.Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    y = fused_elementwise(fn, *tensors)
    assert isinstance(y.node, FusedElementwise)
    upstream = np.random.default_rng(seed).standard_normal(y.shape)
    (y * nf.Tensor(upstream, dtype=np.float64)).sum().backward()

    def objective(arrs):
        with nf.no_grad():
            ts = [nf.Tensor(a, dtype=np.float64) for a in arrs]
            return float((fused_elementwise(fn, *ts).numpy() * upstream).sum())

    eps = 1e-6
    for t, a in zip(tensors, arrays):
        if t.grad is None:  # this expression does not read the input
            continue
        numeric = np.zeros_like(a)
        for j in range(a.size):
            flat = a.reshape(-1)
            old = flat[j]
            flat[j] = old + eps
            plus = objective(arrays)
            flat[j] = old - eps
            minus = objective(arrays)
            flat[j] = old
            numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(t.grad, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(4))
def test_fused_program_equals_unfused_within_the_stated_tolerance(dtype, seed):
    fn = random_expression(seed)
    arrays = _inputs(dtype, seed=seed)
    program, _ = _program(fn, arrays)
    fused = optimize(program, level=2)
    assert fused.meta["optimize"]["fuse"]["groups"] >= 1
    assert len(fused.instrs) < len(program.instrs)
    g = np.random.default_rng(seed).standard_normal(arrays[0].shape).astype(dtype)
    out0, grads0 = _run(program, arrays, g)
    out1, grads1 = _run(fused, arrays, g)
    dt = np.dtype(dtype)
    depth_scale = len(program.instrs)  # each member may add its own last-ulp difference
    scale = np.abs(host(out0)).max()
    np.testing.assert_allclose(out1, out0, rtol=FORWARD_RTOL[dt] * depth_scale, atol=FORWARD_RTOL[dt] * scale)
    for a, b in zip(grads1, grads0):
        if a is None and b is None:
            continue
        np.testing.assert_allclose(a, b, rtol=GRAD_RTOL[dt] * depth_scale,
                                   atol=GRAD_RTOL[dt] * depth_scale * np.abs(host(b)).max())
    assert grads1[2] is None or grads1[2].shape == ()  # a scalar input's gradient is reduced to its shape


@C_ONLY
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_c_kernel_and_numpy_twin_agree_and_the_twin_is_eager_bit_for_bit(dtype):
    if fusion_c.find_compiler() is None or not fusion_c.native_enabled():
        pytest.skip("no C compiler: only the NumPy twin exists")
    for seed in range(4):
        fn = random_expression(seed + 10)
        arrays = _inputs(dtype, seed=seed)
        program, eager = _program(fn, arrays)
        fused = fuse_elementwise(program)
        g = np.ones(arrays[0].shape, dtype)
        c_out, c_grads = _run(fused, arrays, g)
        with fusion_c.disabled():
            np_out, np_grads = _run(fused, arrays, g)
        assert np_out.tobytes() == eager.data.tobytes()
        dt = np.dtype(dtype)
        np.testing.assert_allclose(c_out, np_out, rtol=FORWARD_RTOL[dt] * 30, atol=FORWARD_RTOL[dt])
        for a, b in zip(c_grads, np_grads):
            if a is None and b is None:
                continue
            np.testing.assert_allclose(a, b, rtol=GRAD_RTOL[dt] * 30, atol=GRAD_RTOL[dt] * np.abs(b).max() * 30)


def test_no_compiler_or_native_off_runs_the_numpy_twin(monkeypatch, tmp_path):
    monkeypatch.setenv("NEUROFLOW_FUSION_CACHE", str(tmp_path))
    monkeypatch.setattr(fusion_c, "find_compiler", lambda: None)
    monkeypatch.setattr(fusion_c, "_loaded", {})
    fn = lambda a, b, c: ops.exp(a * b + c)  # noqa: E731
    arrays = _inputs(np.float32)
    program, eager = _program(fn, arrays)
    fused = fuse_elementwise(program)
    out, _ = _run(fused, arrays, np.ones_like(arrays[0]))
    assert out.tobytes() == eager.data.tobytes() and not list(tmp_path.iterdir())
    monkeypatch.undo()
    monkeypatch.setenv("NEUROFLOW_NATIVE", "0")
    assert fusion_c.load("int x;") is None


@C_ONLY
def test_kernels_are_compiled_once_into_the_cache_dir(monkeypatch, tmp_path):
    if fusion_c.find_compiler() is None:
        pytest.skip("no C compiler")
    monkeypatch.setenv("NEUROFLOW_FUSION_CACHE", str(tmp_path))
    monkeypatch.setattr(fusion_c, "_loaded", {})
    arrays = _inputs(np.float32)
    program, _ = _program(lambda a, b, c: ops.tanh(a * c) - b, arrays)
    fused = fuse_elementwise(program)
    _run(fused, arrays, np.ones_like(arrays[0]))
    files = list(tmp_path.iterdir())
    # one library per (expression, dtype, input layout), holding forward and backward; no temporary left over
    assert len(files) == 1 and files[0].suffix == ".so"
    stamp = files[0].stat().st_mtime_ns
    monkeypatch.setattr(fusion_c, "_loaded", {})  # as a new process would: found on disk, not compiled again
    monkeypatch.setattr(fusion_c, "find_compiler", lambda: None)
    again = fuse_elementwise(_program(lambda a, b, c: ops.tanh(a * c) - b, arrays)[0])
    out, _ = _run(again, arrays, np.ones_like(arrays[0]))
    kernels = list(again.instrs[0].node.plan._kernels.values())
    assert len(kernels) == 1 and kernels[0] is not None
    assert list(tmp_path.iterdir()) == files and files[0].stat().st_mtime_ns == stamp


def test_grouping_rules():
    rng = np.random.default_rng(0)
    x = nf.Tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True, name="x")
    bias = nf.Tensor(rng.standard_normal(3).astype(np.float32), requires_grad=True, name="bias")
    shared = ops.exp(x * 2.0)             # two readers: computed once, not absorbed
    y = ops.tanh(shared + 1.0) * shared
    z = ops.sigmoid(y + bias)             # bias broadcasts over rows: not the "same shape or scalar" rule
    out = ops.sum(z * z)
    program = program_from_tensors([out, y], variables=[x, bias])
    fused = fuse_elementwise(program)
    labels = [ins.node.name for ins in fused.instrs]
    assert labels == ["fused(exp∘mul)", "fused(mul∘tanh∘add)", "add", "sigmoid", "multiply", "sum"]
    table = optimize(program, 2).graph_table()
    assert "fused(exp∘mul)" in table and "fused(mul∘tanh∘add)" in table


class _Noisy(Function):
    __slots__ = ()
    random = True

    def forward(self, x):
        return x + np.random.default_rng().standard_normal(x.shape).astype(x.dtype)

    def backward(self, g):
        return (g,)


class _Effect(Function):
    __slots__ = ()
    effect = True

    def forward(self, x):
        return x

    def backward(self, g):
        return (g,)


def test_random_nodes_are_not_fused_and_effects_are_barriers():
    p = Program(feeds=[0], instrs=[Instr(m.Exp(), (0,), 1), Instr(_Noisy(), (1,), 2), Instr(m.Negative(), (2,), 3),
                                   Instr(m.Exp(), (0,), 4), Instr(_Effect(), (0,), 5), Instr(m.Negative(), (4,), 6),
                                   Instr(m.Add(), (3, 6), 7)], outputs=[7, 5], n_slots=8)
    q = fuse_elementwise(p)
    # the noise stays; the negation before the effect and the exp before it stay where they are
    assert [ins.node.name for ins in q.instrs] == ["exp", "_noisy", "negative", "exp", "_effect", "fused(add∘neg)"]
    without_effect = Program(feeds=[0], instrs=[p.instrs[i] for i in (0, 1, 2, 3, 5, 6)], outputs=[7], n_slots=8)
    assert [i.node.name for i in fuse_elementwise(without_effect).instrs] == ["exp", "_noisy",
                                                                              "fused(add∘neg∘exp∘neg)"]


def test_fused_elementwise_names_what_does_not_fuse():
    x = nf.Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    with pytest.raises(ConfigError, match="did not fuse"):
        fused_elementwise(lambda a: ops.sum(ops.exp(a)), x)


@pytest.mark.parametrize("seed", range(6))
def test_double_backward_equals_the_unfused_chain(seed):
    fn = random_expression(seed + 20)
    arrays = _inputs(np.float64, shape=(3, 4), seed=seed)
    rng = np.random.default_rng(seed)
    u, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))

    def second_order(apply):
        xs = [nf.Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
        y = apply(*xs)
        first = nf.grad(ops.sum(y * nf.Tensor(u, dtype=np.float64)), xs[:2], create_graph=True)
        ops.sum(first[0] * nf.Tensor(v, dtype=np.float64) + first[1]).backward()
        return [None if x.grad is None else host(x.grad) for x in xs]

    fused = second_order(lambda *xs: fused_elementwise(fn, *xs))
    eager = second_order(fn)
    for a, b in zip(fused, eager):
        if a is None or b is None:
            assert a is None and b is None or np.allclose(a if a is not None else b, 0)
            continue
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
