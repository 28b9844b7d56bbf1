"""Graph inspection: node order, the table, DOT text and rendering."""
import re
import stat
import sys

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import ops
from neuroflow.autograd import inspect as nf_inspect


def small_graph():
    """g = (x + y) * z, plus exp(g) consuming g: returns the tensors by name, backpropagated with all grads."""
    x = nf.Tensor(1.0, requires_grad=True, name="x")
    y = nf.Tensor(3.0, requires_grad=True, name="y")
    z = nf.Tensor(-3.0, requires_grad=True, name="z")
    p = x + y
    p.name = "p"
    g = p * z
    g.name = "g"
    out = g * g + p  # p fans out to two consumers
    out.name = "out"
    out.backward(retain_graph=True, retain_grads=True)
    return dict(x=x, y=y, z=z, p=p, g=g, out=out)


def test_graph_nodes_lists_inputs_before_consumers():
    t = small_graph()
    nodes = nf.graph_nodes(t["out"])
    assert nodes[-1] is t["out"]
    assert len(nodes) == len(t) + 1  # the six named tensors and the unnamed g * g
    assert len({id(n) for n in nodes}) == len(nodes)  # each once, although p and g are used twice
    pos = {id(n): i for i, n in enumerate(nodes)}
    for n in nodes:
        if n.node is not None:
            for inp in n.node.inputs:
                assert pos[id(inp)] < pos[id(n)]
    names = [n.name for n in nodes]
    assert set(names) >= {"x", "y", "z", "p", "g", "out"}


def test_graph_table_shows_each_node_name_op_value_and_grad():
    t = small_graph()
    table = nf.graph_table(t["out"])
    lines = table.splitlines()
    header = lines[0].split()
    assert header[:3] == ["name", "op", "inputs"] and "value" in header and "grad" in header
    rows = {line.split()[0]: line for line in lines[2:]}
    # g = -12, out = g^2 + p = 148; d out/dg = 2g = -24, d out/dp = 2g*z + 1 = 73, dx = dy = 73, dz = 2g*p = -96
    expect = {"x": ("leaf", "1", "73"), "y": ("leaf", "3", "73"), "z": ("leaf", "-3", "-96"),
              "p": ("add", "4", "73"), "g": ("multiply", "-12", "-24"), "out": ("add", "148", "1")}
    for name, (op, value, grad) in expect.items():
        cells = rows[name].split()
        assert op in cells[1], rows[name]
        assert cells[-2:] == [value, grad], rows[name]
    assert re.search(r"\bg\b.*\bp, z\b", rows["g"])  # the inputs column


def test_graph_table_marks_missing_grads():
    x = nf.Tensor([1.0, 2.0], requires_grad=True, name="x")
    y = ops.exp(x)
    y.name = "y"
    table = nf.graph_table(y)  # before backward: no grads anywhere
    for line in table.splitlines()[2:]:
        assert line.split()[-1] == "-"
    assert "exp" in table and "[1, 2]" in table


def _parse_dot(text):
    """A small DOT reader for what to_dot writes: returns (node ids, edges). Fails on anything else."""
    assert text.startswith("digraph")
    lines = text.strip().splitlines()
    assert re.fullmatch(r'digraph \w+ \{', lines[0]) and lines[-1] == "}"
    qid = r'"((?:[^"\\]|\\.)*)"'
    nodes, edges = set(), []
    for line in lines[1:-1]:
        line = line.strip()
        if m := re.fullmatch(qid + r"\s*->\s*" + qid + ";", line):
            edges.append((m[1], m[2]))
        elif m := re.fullmatch(qid + r"\s*\[(.*)\];", line):
            attrs = m[2]
            # attributes: key=value pairs, values quoted or bare words
            rest = re.sub(r'\s*\w+=(?:"(?:[^"\\]|\\.)*"|[\w#.]+)\s*(,|$)', "", attrs)
            assert rest == "", f"bad attribute list: {attrs}"
            nodes.add(m[1])
        elif re.fullmatch(r"(\w+)=\w+;|node \[.*\];", line):
            continue
        else:
            raise AssertionError(f"not DOT: {line!r}")
    for a, b in edges:
        assert a in nodes and b in nodes, (a, b)
    return nodes, edges


def test_to_dot_is_valid_and_has_an_edge_per_input():
    t = small_graph()
    text = nf.to_dot(t["out"])
    nodes, edges = _parse_dot(text)
    graph = nf.graph_nodes(t["out"])
    n_inputs = sum(len(n.node.inputs) for n in graph if n.node is not None)
    n_ops = sum(1 for n in graph if n.node is not None)
    assert len(edges) == n_inputs + n_ops  # input -> op for every input, op -> output for every op
    assert ("x", "op:p") in edges and ("y", "op:p") in edges and ("op:p", "p") in edges
    assert sum(a == "g" for a, _ in edges) == 2  # g * g: one edge per input slot
    assert sum(a == "p" for a, _ in edges) == 2  # p feeds g and out
    assert {"x", "y", "z", "p", "g", "out"} <= nodes
    assert "grad -24" in text and "value -12" in text


def test_to_dot_of_a_leaf_alone():
    nodes, edges = _parse_dot(nf.to_dot(nf.Tensor([1.0, 2.0], name="a")))
    assert nodes == {"a"} and edges == []


def test_to_dot_escapes_quotes_in_names():
    x = nf.Tensor(1.0, requires_grad=True, name='say "hi"')
    _parse_dot(nf.to_dot(x * 2.0))


def test_render_graph_without_graphviz_returns_none(monkeypatch, tmp_path):
    monkeypatch.setattr(nf_inspect.shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz -> ImportError
    x = nf.Tensor(1.0, requires_grad=True, name="x")
    path = tmp_path / "g.png"
    assert nf.render_graph(x * 2.0, str(path)) is None
    assert not path.exists()


def test_render_graph_pipes_dot_text_to_the_dot_program(monkeypatch, tmp_path):
    # A stand-in 'dot' that copies its stdin to the -o file, so the call is checked without Graphviz.
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\nimport sys\nargs = sys.argv[1:]\n"
                    "assert args[0] == '-Tsvg', args\n"
                    "open(args[args.index('-o') + 1], 'wb').write(sys.stdin.buffer.read())\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(fake.parent))
    x = nf.Tensor(1.0, requires_grad=True, name="x")
    y = x * 2.0
    out = tmp_path / "g.svg"
    assert nf.render_graph(y, str(out), format="svg") == str(out)
    assert out.read_text() == nf.to_dot(y)


def test_render_graph_returns_none_or_writes_the_file(tmp_path):
    x = nf.Tensor(np.ones(3), requires_grad=True, name="x")
    path = tmp_path / "real.png"
    result = nf.render_graph(ops.exp(x).sum(), str(path))
    assert result is None or (result == str(path) and path.stat().st_size > 0)
