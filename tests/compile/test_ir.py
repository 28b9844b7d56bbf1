"""The compiled step's IR: building a Program from a recorded graph, replaying it, checking and showing it."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.compile.ir import Instr, Program, program_from_tensors
from neuroflow.errors import GraphError
from neuroflow.ops import math as m
from tests.conftest import host


def _small_graph(seed=0):
    rng = np.random.default_rng(seed)
    x = nf.Tensor(rng.standard_normal((5, 4)).astype(np.float32), name="x")
    w = nf.Variable(rng.standard_normal((4, 3)).astype(np.float32), name="w")
    b = nf.Variable(np.zeros(3, np.float32), name="b")
    loss = nf.ops.sum(nf.ops.tanh(x @ w + b) * 2.0)
    return x, w, b, loss


def test_program_from_tensors_replays_forward_and_gradients_bit_for_bit():
    x, w, b, loss = _small_graph()
    program = program_from_tensors(loss, feeds=[x], variables=[w, b])
    program.check()
    assert program.feeds == [program.feeds[0]] and len(program.variables) == 2
    out, = program.run_forward([x.data])
    assert out.tobytes() == loss.data.tobytes()
    grads = program.run_backward([nf.backend.to_device(np.ones((), np.float32))])
    loss.backward()
    assert grads[program.variables[0][0]].tobytes() == w.grad.tobytes()
    assert grads[program.variables[1][0]].tobytes() == b.grad.tobytes()


def test_replay_reads_variables_at_every_run():
    x, w, b, loss = _small_graph()
    program = program_from_tensors(loss, feeds=[x], variables=[w, b])
    first, = program.run_forward([x.data])
    w.assign(w.data * 0.5)
    second, = program.run_forward({program.feeds[0]: x.data})
    expected = np.sum(np.tanh(host(x.data) @ host(w.data) + host(b.data)) * np.float32(2.0))
    np.testing.assert_allclose(second, expected, rtol=1e-6)
    assert second != first


def test_needs_grad_marks_only_paths_from_trainable_variables():
    x, w, b, loss = _small_graph()
    frozen = nf.Variable(np.ones(3, np.float32), trainable=False)
    program = program_from_tensors(loss, feeds=[x], variables=[w, b, frozen])
    assert program.feeds[0] not in program.needs_grad
    assert program.variables[2][0] not in program.needs_grad  # unused and untrainable: a slot all the same
    assert set(program.outputs) <= program.needs_grad


def test_a_computed_tensor_cannot_be_a_feed():
    x, w, b, loss = _small_graph()
    with pytest.raises(GraphError, match="must be a leaf"):
        program_from_tensors(loss, feeds=[x @ w], variables=[w, b])


def test_check_rejects_reading_a_slot_before_it_is_written():
    bad = Program(feeds=[0], instrs=[Instr(m.Negative(), (2,), 1), Instr(m.Negative(), (0,), 2)], outputs=[1],
                  n_slots=3)
    with pytest.raises(GraphError, match="reads slots"):
        bad.check()
    with pytest.raises(GraphError, match="expected 1 feed"):
        bad.evaluate([])


def test_graph_table_and_dot_show_every_slot():
    x, w, b, loss = _small_graph()
    program = program_from_tensors(loss, feeds=[x], variables=[w, b])
    table = program.graph_table(program.evaluate([x.data]))
    for text in ("feed", "variable", "const", "matmul", "tanh", "sum", "output", "(5, 3)"):
        assert text in table
    dot = program.to_dot()
    assert dot.startswith("digraph program {") and dot.count("->") == sum(len(i.args) + 1 for i in program.instrs)
    assert '"op0" [shape=ellipse, label="matmul"]' in dot


def test_instrs_are_in_the_order_the_eager_backward_reverses():
    x, w, b, loss = _small_graph()
    program = program_from_tensors(loss, feeds=[x], variables=[w, b])
    order = nf.autograd.topological_order(loss)
    assert [ins.node for ins in reversed(program.instrs)] == [t._node for t in order]
