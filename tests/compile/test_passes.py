"""The level-1 passes on hand-built programs: dead-node removal, constant folding, CSE, and ``optimize``."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.autograd.function import Function
from neuroflow.compile.ir import Instr, Program, program_from_tensors
from neuroflow.compile.passes import (eliminate_common_subexpressions, eliminate_dead_nodes, fold_constants,
                                      node_key, optimize)
from neuroflow.errors import ConfigError
from neuroflow.ops import activation as act
from neuroflow.ops import math as m


class Noise(Function):
    """A random node: adds a fresh draw each run."""
    __slots__ = ("rng",)
    random = True

    def __init__(self, rng):
        self.rng = rng

    def forward(self, x):
        return x + self.rng.standard_normal(x.shape).astype(x.dtype)

    def backward(self, g):
        return (g,)


class Record(Function):
    """An effect: appends its input to a log (stands in for a variable assignment)."""
    __slots__ = ("log",)
    effect = True

    def __init__(self, log):
        self.log = log

    def forward(self, x):
        self.log.append(x.copy())
        return x

    def backward(self, g):
        return (g,)


X = np.arange(6, dtype=np.float32).reshape(2, 3) / 7


def _prog(instrs, outputs, consts=None, n_slots=20, feeds=(0,)):
    return Program(feeds=list(feeds), consts=consts or {}, instrs=instrs, outputs=outputs, n_slots=n_slots,
                   needs_grad=set())


def _ops(program):
    return [ins.node.name for ins in program.instrs]


def test_dce_drops_what_reaches_no_output_but_keeps_effects_and_random_nodes():
    log = []
    p = _prog([Instr(m.Exp(), (0,), 1), Instr(m.Negative(), (1,), 2),      # dead chain
               Instr(Noise(np.random.default_rng(0)), (0,), 3),             # dead but random
               Instr(Record(log), (0,), 4),                                 # dead but an effect
               Instr(act.Tanh(), (0,), 5)], outputs=[5], consts={6: np.ones(2), 7: np.ones(3)})
    p.instrs.append(Instr(m.Multiply(), (5, 7), 8))
    p.outputs = [8]
    q = eliminate_dead_nodes(p)
    assert _ops(q) == ["noise", "record", "tanh", "multiply"]
    assert set(q.consts) == {7}
    q.run_forward([X])
    assert len(log) == 1 and len(p.instrs) == 6  # ran the effect; the input program is untouched


def test_fold_evaluates_const_only_instructions_once():
    consts = {1: np.float32(2.0) * np.ones((), np.float32), 2: np.full(3, 0.5, np.float32)}
    p = _prog([Instr(m.Exp(), (2,), 3), Instr(m.Multiply(), (1, 3), 4),   # fold-able
               Instr(m.Add(), (0, 4), 5)], outputs=[5], consts=consts)
    q = fold_constants(p)
    assert _ops(q) == ["add"]
    assert q.consts[4].tobytes() == (np.float32(2.0) * np.exp(np.full(3, 0.5, np.float32))).tobytes()
    assert q.run_forward([X])[0].tobytes() == p.run_forward([X])[0].tobytes()


def test_fold_never_folds_random_or_effect_nodes():
    log = []
    consts = {1: np.ones(3, np.float32)}
    p = _prog([Instr(Noise(np.random.default_rng(0)), (1,), 2), Instr(Record(log), (1,), 3),
               Instr(m.Add(), (2, 3), 4)], outputs=[4], consts=consts)
    q = fold_constants(p)
    assert _ops(q) == ["noise", "record", "add"]
    a, b = q.run_forward([X])[0], q.run_forward([X])[0]
    assert not np.array_equal(a, b)  # a fresh draw each run


def test_cse_merges_equal_nodes_on_equal_args_only():
    p = _prog([Instr(m.Exp(), (0,), 1), Instr(m.Exp(), (0,), 2),                      # same: merged
               Instr(m.PowerScalar(2), (0,), 3), Instr(m.PowerScalar(3), (0,), 4),    # config differs
               Instr(m.Add(), (1, 2), 5), Instr(m.Add(), (3, 4), 6), Instr(m.Add(), (5, 6), 7)], outputs=[7, 2])
    q = eliminate_common_subexpressions(p)
    assert _ops(q) == ["exp", "powerscalar", "powerscalar", "add", "add", "add"]
    assert q.instrs[3].args == (1, 1) and q.outputs == [7, 1]
    for a, b in zip(q.run_forward([X]), p.run_forward([X])):
        assert a.tobytes() == b.tobytes()


def test_cse_never_merges_random_nodes_array_config_or_across_effects():
    rng, log = np.random.default_rng(0), []
    mask = X > 0.3
    p = _prog([Instr(Noise(rng), (0,), 1), Instr(Noise(rng), (0,), 2),
               Instr(m.Where(mask), (0, 0), 3), Instr(m.Where(mask), (0, 0), 4),
               Instr(act.Tanh(), (0,), 5), Instr(Record(log), (0,), 6), Instr(act.Tanh(), (0,), 7)],
              outputs=[1, 2, 3, 4, 5, 6, 7])
    q = eliminate_common_subexpressions(p)
    assert len(q.instrs) == len(p.instrs)
    assert node_key(Noise(rng)) is None and node_key(m.Where(mask)) is None
    assert node_key(act.Tanh()) == node_key(act.Tanh()) and node_key(act.Tanh()) != node_key(m.Exp())
    assert node_key(act.LeakyRelu(0.2)) != node_key(act.LeakyRelu(0.3))


def test_cse_merges_equal_small_consts():
    p = _prog([Instr(m.Multiply(), (0, 1), 3), Instr(m.Multiply(), (0, 2), 4), Instr(m.Add(), (3, 4), 5)],
              outputs=[5], consts={1: np.float32(2) * np.ones((), np.float32), 2: np.full((), 2, np.float32)})
    q = eliminate_common_subexpressions(p)
    assert _ops(q) == ["multiply", "add"] and len(q.consts) == 1


def test_cse_never_merges_a_host_const_with_a_device_const_of_the_same_bytes():
    two = np.full((), 2, np.float32)
    p = _prog([Instr(m.Multiply(), (0, 1), 3), Instr(m.Multiply(), (0, 2), 4), Instr(m.Add(), (3, 4), 5)],
              outputs=[5], consts={1: two, 2: nf.backend.to_device(two, "strict")})
    p.meta["host_consts"] = {2: two}  # the tracer's host copy of the device const
    q = eliminate_common_subexpressions(p)
    assert len(q.consts) == 2 and {nf.backend.device_of(c) for c in q.consts.values()} == {"cpu", "strict"}


def test_optimize_levels_and_report():
    x = nf.Tensor(X, name="x")
    w = nf.Variable(np.ones((3, 3), np.float32), name="w")
    h = x @ w
    loss = nf.ops.sum(nf.ops.exp(h) + nf.ops.exp(h))  # recorded twice: CSE merges
    program = program_from_tensors(loss, feeds=[x], variables=[w])
    program.consts[99] = np.ones(1)                      # unused: dropped by DCE
    program.n_slots = 100
    assert len(optimize(program, 0).instrs) == len(program.instrs)
    q = optimize(program, 1)
    report = q.meta["optimize"]
    assert report["cse"] == 1 and report["instrs_after"] == len(program.instrs) - 1
    assert q.meta["unoptimized"] is program and 99 not in q.consts
    assert q.run_forward([x.data])[0].tobytes() == loss.data.tobytes()  # the feed on the tensors' device
    g = q.run_backward([nf.backend.to_device(np.ones((), np.float32))])[q.variables[0][0]]
    loss.backward()
    np.testing.assert_allclose(g, w.grad, rtol=1e-6)  # merged: f'(x)(g1 + g2), equal up to rounding
    with pytest.raises(ConfigError, match="level must be one of"):
        optimize(program, 3)


def test_real_dropout_and_assign_survive_every_level():
    from neuroflow.compile.effects import Assign  # the compiled step's assignment node
    x = nf.Tensor(np.random.default_rng(2).uniform(1, 2, (4, 5)).astype(np.float32), requires_grad=True, name="x")
    dropped = nf.ops.dropout(x, 0.5, rng=np.random.default_rng(0))
    out = nf.ops.sum(dropped * 2.0)
    program = program_from_tensors(out, variables=[x])
    counter = nf.Variable(np.zeros((), np.float32), trainable=False)
    dead = len(program.instrs)  # a random node and an effect nothing reads: both must stay
    noise = type(dropped.node)(shape=(4, 5), rate=0.5, dtype=np.float32, rng=np.random.default_rng(1))
    program.instrs.append(Instr(noise, (program.variables[0][0],), dead + 90))
    program.consts[dead + 91] = nf.backend.to_device(np.ones((), np.float32))  # where the variable lives
    program.instrs.append(Instr(Assign(counter, "add"), (dead + 91,), dead + 92))
    program.n_slots = dead + 93
    for level in (1, 2):
        q = optimize(program, level)
        assert [ins.node.name for ins in q.instrs].count("dropout") == 2 and "assign_add" in _ops(q)
        first, = q.run_forward([])
        second, = q.run_forward([])
        assert first != second  # the mask is drawn again every run
    assert counter.data == 4  # two levels, two runs each: every assignment ran
