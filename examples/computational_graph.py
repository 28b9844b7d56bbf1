"""The course's computational-graph example, computed and drawn by neuroflow.

Part 1: ``g = (x + y) * z`` at ``x = 1, y = 3, z = -3``. Forward: ``p = x + y = 4``, ``g = p * z = -12``.
Backward (chain rule): ``dg/dz = p = 4``, ``dg/dp = z = -3``, ``dg/dx = dg/dy = dg/dp * 1 = -3``.

Part 2: the same for one neuron ``f = sigmoid(w . x + b)`` with ``w = [2, -3]``, ``x = [-1, -2]``, ``b = -3``,
written out gate by gate (multiply, sum, add, negate, exp, add 1, reciprocal) as in the course's circuit, so the
node table is larger. Expected: ``f = sigmoid(1) = 0.73``, ``df/dw = [-0.20, -0.39]``, ``df/dx = [0.39, -0.59]``,
``df/db = 0.20``.

Each part prints the values next to the course's numbers, then the node table (``neuroflow.graph_table``), and
writes the drawing: DOT text always, a PNG when Graphviz is installed.

Run: ``python examples/computational_graph.py [--out FOLDER]`` (default ``./out``).
"""
from __future__ import annotations

import argparse
import os
import sys

try:
    import neuroflow as nf
except ImportError:  # run from a source checkout without installing: the package sits one folder up
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import neuroflow as nf
from neuroflow import ops

# The numbers printed in the course, to compare with.
COURSE_SIMPLE = {"p": 4.0, "g": -12.0, "dg/dx": -3.0, "dg/dy": -3.0, "dg/dz": 4.0, "dg/dp": -3.0}
COURSE_NEURON = {"f": 0.73, "df/dw0": -0.20, "df/dw1": -0.39, "df/dx0": 0.39, "df/dx1": -0.59, "df/db": 0.20}


def simple_graph():
    """Build ``g = (x + y) * z`` and backpropagate. Returns the tensors by name (all scalars, float32)."""
    x = nf.Tensor(1.0, requires_grad=True, name="x")
    y = nf.Tensor(3.0, requires_grad=True, name="y")
    z = nf.Tensor(-3.0, requires_grad=True, name="z")
    p = x + y
    p.name = "p"
    g = p * z
    g.name = "g"
    # Keep the graph and every intermediate gradient (dg/dp), so that the table and drawing can show them.
    g.backward(retain_graph=True, retain_grads=True)
    return {"x": x, "y": y, "z": z, "p": p, "g": g}


def neuron_graph():
    """Build ``f = 1 / (1 + exp(-(w . x + b)))`` gate by gate and backpropagate. Returns the tensors by name."""
    w = nf.Tensor([2.0, -3.0], requires_grad=True, name="w")
    x = nf.Tensor([-1.0, -2.0], requires_grad=True, name="x")
    b = nf.Tensor(-3.0, requires_grad=True, name="b")
    one = nf.Tensor(1.0, name="one")  # a named constant, so the table says what it is
    steps = {}
    steps["wx"] = w * x               # element-wise products, shape (2,)
    steps["dot"] = steps["wx"].sum()  # w . x
    steps["z"] = steps["dot"] + b     # pre-activation
    steps["neg"] = -steps["z"]
    steps["e"] = ops.exp(steps["neg"])
    steps["den"] = steps["e"] + one
    steps["f"] = one / steps["den"]   # sigmoid(z)
    for name, t in steps.items():
        t.name = name
    steps["f"].backward(retain_graph=True, retain_grads=True)
    return {"w": w, "x": x, "b": b, **steps}


def _num(t) -> float:
    return float(t.item())


def simple_results(t) -> dict:
    """The values and gradients of part 1 as Python floats, keyed like :data:`COURSE_SIMPLE`."""
    return {"p": _num(t["p"]), "g": _num(t["g"]), "dg/dx": float(t["x"].grad), "dg/dy": float(t["y"].grad),
            "dg/dz": float(t["z"].grad), "dg/dp": float(t["p"].grad)}


def neuron_results(t) -> dict:
    """The values and gradients of part 2 as Python floats, keyed like :data:`COURSE_NEURON`."""
    gw, gx = t["w"].grad, t["x"].grad
    return {"f": _num(t["f"]), "df/dw0": float(gw[0]), "df/dw1": float(gw[1]), "df/dx0": float(gx[0]),
            "df/dx1": float(gx[1]), "df/db": float(t["b"].grad)}


def _compare(results: dict, course: dict, digits: int) -> None:
    for key, value in results.items():
        print(f"  {key:7s} = {value:.{digits}g}    (course: {course[key]:g})")


def draw(root, out_dir: str, stem: str) -> dict:
    """Write ``stem.dot`` (always) and ``stem.png`` (when Graphviz is installed) into ``out_dir``; say where."""
    dot_path = os.path.join(out_dir, stem + ".dot")
    with open(dot_path, "w") as f:
        f.write(nf.to_dot(root))
    print(f"DOT text written to {dot_path}")
    png = nf.render_graph(root, os.path.join(out_dir, stem + ".png"))
    if png:
        print(f"drawing written to {png}")
    else:
        print("PNG not drawn: graphviz is not installed (install the 'dot' program or the graphviz package, "
              f"or run: dot -Tpng {dot_path} -o {stem}.png)")
    return {"dot": dot_path, "png": png}


def main(argv=None) -> dict:
    """Run both parts; returns ``{'simple': {...}, 'neuron': {...}, 'files': {...}}`` with the numbers printed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out", help="folder for the drawings (default: ./out)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    print("Part 1: g = (x + y) * z at x = 1, y = 3, z = -3")
    t = simple_graph()
    simple = simple_results(t)
    print("forward:")
    print(f"  p = x + y = {simple['p']:g}    (course: {COURSE_SIMPLE['p']:g})")
    print(f"  g = p * z = {simple['g']:g}    (course: {COURSE_SIMPLE['g']:g})")
    print("backward:")
    _compare({k: v for k, v in simple.items() if k.startswith("d")}, COURSE_SIMPLE, 6)
    print()
    print(nf.graph_table(t["g"]))
    files = {"simple": draw(t["g"], args.out, "computational_graph")}

    print()
    print("Part 2: one neuron f = sigmoid(w . x + b) at w = [2, -3], x = [-1, -2], b = -3, gate by gate")
    n = neuron_graph()
    neuron = neuron_results(n)
    _compare(neuron, COURSE_NEURON, 3)
    print()
    print(nf.graph_table(n["f"]))
    files["neuron"] = draw(n["f"], args.out, "neuron_graph")
    return {"simple": simple, "neuron": neuron, "files": files}


if __name__ == "__main__":
    main()
