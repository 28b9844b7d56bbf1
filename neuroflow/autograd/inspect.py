"""Graph inspection: list every node of a recorded graph with its values and gradients, and draw it.

``graph_nodes(t)`` walks from ``t`` back to the leaves (iteratively) and returns the tensors in topological order
(inputs first). ``graph_table(t)`` prints them as a table; ``to_dot(t)`` gives Graphviz DOT text, which
``render_graph`` turns into PNG/SVG when the ``graphviz`` package or the ``dot`` program is present.

Intermediate gradients are kept only when asked for: ``t.backward(retain_graph=True, retain_grads=True)``.
"""
from __future__ import annotations

import shutil
import subprocess

import numpy as np

from .. import backend
from .graph import postorder
from .tensor import Tensor


def graph_nodes(root) -> list:
    """Every tensor ``root`` depends on through recorded ops, leaves included, inputs before their consumers.

    Returns a list of Tensors (the last one is ``root``). Raises if the graph was freed by a backward pass that
    did not retain it.
    """
    return postorder(root, include_leaves=True)


def _labels(nodes) -> dict:
    labels, used = {}, set()
    for i, t in enumerate(nodes):
        name = t.name or f"t{i}"
        while name in used:
            name += "'"
        used.add(name)
        labels[id(t)] = name
    return labels


def _short(a, limit: int = 6) -> str:
    if a is None:
        return "-"
    # A display reads values: device data (or a device Tensor's, under create_graph) comes to the host here.
    a = a.data if isinstance(a, Tensor) else a
    a = np.asarray(a if backend.is_host(a) else backend.to_host(a))
    if a.size == 1:
        return f"{a.item():.6g}"
    flat = ", ".join(f"{v:.4g}" for v in a.reshape(-1)[:limit])
    return f"[{flat}{', ...' if a.size > limit else ''}]"


def graph_table(root, values: bool = True) -> str:
    """A readable table of the graph behind ``root``: one row per tensor with its op, inputs, shape, value and
    gradient (``-`` where none is stored). Returns the text; print it."""
    nodes = graph_nodes(root)
    labels = _labels(nodes)
    rows = [("name", "op", "inputs", "shape", "value", "grad")]
    for t in nodes:
        node = t._node
        op = "input" if node is None else node.name + (f"({node.describe()})" if node.describe() else "")
        if node is None and t.requires_grad:
            op = "leaf (requires grad)"
        ins = "" if node is None else ", ".join(labels[id(x)] for x in node.inputs)
        rows.append((labels[id(t)], op, ins, str(t.shape), _short(t.data) if values else "", _short(t.grad)))
    return format_table(rows)


def format_table(rows) -> str:
    """Rows of strings (the first one the header) as aligned columns with a rule under the header (also used by
    ``compile.ir.Program.graph_table``)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _q(text: str) -> str:
    """``text`` escaped for a double-quoted DOT string."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def to_dot(root, values: bool = True) -> str:
    """Graphviz DOT text of the graph behind ``root``: tensors as boxes (name, shape, value, grad), ops as
    ellipses. Needs nothing installed."""
    nodes = graph_nodes(root)
    labels = _labels(nodes)
    out = ["digraph neuroflow {", '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];']
    for t in nodes:
        name = _q(labels[id(t)])
        text = f"{name}\\nshape {t.shape}"
        if values:
            text += f"\\nvalue {_short(t.data, 3)}"
        if t.grad is not None:
            text += f"\\ngrad {_short(t.grad, 3)}"
        style = ', style=filled, fillcolor="#dbe9f6"' if t._node is None else ""
        out.append(f'  "{name}" [shape=box, label="{text}"{style}];')
        node = t._node
        if node is not None:
            op_id = f"op:{name}"  # ':' never occurs in generated names, so op ids cannot clash with tensors
            out.append(f'  "{op_id}" [shape=ellipse, label="{_q(node.name)}"];')
            for x in node.inputs:
                out.append(f'  "{_q(labels[id(x)])}" -> "{op_id}";')
            out.append(f'  "{op_id}" -> "{name}";')
    out.append("}")
    return "\n".join(out) + "\n"


def render_graph(root, path: str, format: str = "png") -> str | None:
    """Write the drawing of ``root``'s graph to ``path`` (``format``: png, svg, pdf) with the ``graphviz`` Python
    package or the ``dot`` program. Returns the path written, or ``None`` when neither is available (the DOT
    text from :func:`to_dot` needs neither)."""
    dot = to_dot(root)
    exe = shutil.which("dot")
    if exe:
        subprocess.run([exe, f"-T{format}", "-o", path], input=dot.encode(), check=True)
        return path
    try:
        import graphviz
    except ImportError:
        return None
    try:
        data = graphviz.Source(dot).pipe(format=format)
    except Exception:  # the Python package is present but the dot binary it drives is not
        return None
    with open(path, "wb") as f:
        f.write(data)
    return path
