"""neuroflow's import graph: no cycles, and no module imports a package on a higher floor.

The graph is read from each module's source (``ast``), so it sees every import a module can run — at module
level and inside functions alike — without importing anything:

- ``import neuroflow.a.b`` and ``from neuroflow.a import b`` (or ``from ..a import b``) name module ``a.b`` when
  ``b`` is a module, else the package ``a`` (its ``__init__``);
- importing a module also runs the ``__init__`` of every package above it, so ``from ..saving.schema import x``
  is an import of ``saving`` too (that is how a small helper import pulls a whole package in);
  the packages a module itself sits in are already loading when it runs, so they are not counted, unless it
  names one explicitly (``from . import name`` reaches into its own ``__init__``);
- ``importlib.import_module("literal")`` counts like an import; a computed name cannot be followed and fails the
  test (the graph would be blind to it), unless the module imports only third-party packages that way
  (``THIRD_PARTY_DYNAMIC_IMPORTS``: ``neuroflow info`` probing optional packages).

The one import the graph leaves out is the lazy attribute loading of the top-level package
(``neuroflow.__getattr__``, PEP 562): ``import neuroflow`` loads the engine, the rest loads on first use.
"""
from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
from dataclasses import dataclass

import pytest

PACKAGE_DIR = pathlib.Path(__file__).resolve().parents[1] / "neuroflow"
ROOT = "neuroflow"

#: The floors, bottom first. A module may import its own floor and those below, never one above; the top-level
#: package ``neuroflow`` (the facade: ``import neuroflow``) stands above them all and nothing imports it.
FLOORS = (
    ("foundation", ("errors", "backend", "backends", "version", "io", "_native", "_validate", "registry",
                    "custom_objects")),
    ("engine", ("autograd", "random", "dlpack", "distribution")),
    ("ops", ("ops",)),
    ("compile", ("compile",)),
    ("data", ("data", "datasets", "utils", "config", "tree", "preprocessing", "dtype_policies", "visualization",
              "legacy")),
    ("layer parts", ("initializers", "activations", "regularizers", "constraints", "quantizers")),
    ("layers", ("layers",)),
    ("what compile and fit take", ("losses", "metrics", "optimizers", "callbacks", "mixed_precision")),
    ("training", ("training",)),
    ("files", ("saving", "onnx", "export")),
    ("models", ("models",)),
    ("applications", ("cli", "wrappers")),
)
FLOOR_OF = {package: level for level, (_, packages) in enumerate(FLOORS) for package in packages}
FLOOR_NAME = {package: name for name, packages in FLOORS for package in packages}

#: Modules that import other (third-party) packages by a computed name, and why; their neuroflow imports are
#: still read from their import statements.
THIRD_PARTY_DYNAMIC_IMPORTS = {"neuroflow.cli.info": "optional packages, to report their versions"}


@dataclass(frozen=True)
class Edge:
    """``source`` imports ``target`` at ``line``; ``local``: inside a function (runs when that is called)."""
    source: str
    target: str
    line: int
    local: bool
    statement: str

    def where(self) -> str:
        return f"{path_of(self.source)}:{self.line}"


def module_files() -> dict:
    """Module name -> file, for every ``.py`` file under ``neuroflow/``."""
    files = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


MODULES = module_files()


def path_of(module: str) -> str:
    return str(MODULES[module].relative_to(PACKAGE_DIR.parent))


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _ancestors(module: str) -> list:
    """The packages above ``module``, innermost first, without the root."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 1, -1)]


def _resolve_from(module: str, level: int, name: str | None) -> str:
    """The absolute name of ``from <dots><name> import ...`` written in ``module``."""
    if not level:
        return name or ""
    package = module if _is_package(module) else module.rsplit(".", 1)[0]
    base = package.split(".")[:len(package.split(".")) - level + 1]
    return ".".join(base + ([name] if name else []))


class _ImportVisitor(ast.NodeVisitor):
    """Collects the neuroflow modules one module imports, with the line and whether inside a function."""

    def __init__(self, module: str, lines: list):
        self.module, self.lines = module, lines
        self.depth = 0
        self.found = []       # (target, line, local, statement)
        self.unfollowable = []  # (line, statement): dynamic imports of computed names

    def _add(self, target: str, node) -> None:
        if target == ROOT or target.startswith(ROOT + "."):
            statement = self.lines[node.lineno - 1].strip()
            self.found.append((target, node.lineno, self.depth > 0, statement))

    def _function(self, node) -> None:
        if self.module == ROOT and self.depth == 0 and getattr(node, "name", None) == "__getattr__":
            return  # the top-level package's lazy loading: the one mechanism left out of the graph
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node) -> None:
        base = _resolve_from(self.module, node.level, node.module)
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            self._add(candidate if candidate in MODULES else base, node)

    def visit_Call(self, node) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in ("import_module", "__import__") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and not arg.value.startswith("."):
                self._add(arg.value, node)
            elif self.module not in THIRD_PARTY_DYNAMIC_IMPORTS:
                self.unfollowable.append((node.lineno, self.lines[node.lineno - 1].strip()))
        self.generic_visit(node)


def _read(module: str):
    source = MODULES[module].read_text(encoding="utf-8")
    visitor = _ImportVisitor(module, source.splitlines())
    visitor.visit(ast.parse(source, filename=str(MODULES[module])))
    return visitor


def import_graph() -> tuple:
    """``(edges, unfollowable)``: every import between neuroflow modules as an :class:`Edge`, and the dynamic
    imports of computed names as ``(module, line, statement)``."""
    edges, unfollowable = [], []
    for module in MODULES:
        visitor = _read(module)
        unfollowable += [(module, line, text) for line, text in visitor.unfollowable]
        own = set(_ancestors(module)) | ({module} if _is_package(module) else set())
        for target, line, local, statement in visitor.found:
            while target not in MODULES:  # no such file (yet): what runs is the innermost package that exists
                target = target.rsplit(".", 1)[0]
            implied = [p for p in _ancestors(target) if p not in own]
            for t in [target] + implied:
                if t != module:
                    edges.append(Edge(module, t, line, local, statement))
    return list(dict.fromkeys(edges)), unfollowable  # `from x import a, b` is one import


def strongly_connected(nodes, edges) -> list:
    """Tarjan's algorithm, iterative: the groups of modules that import each other (two or more modules)."""
    succ = {n: sorted({e.target for e in edges if e.source == n}) for n in nodes}
    index, low, on_stack, stack, groups = {}, {}, set(), [], []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(succ[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(succ[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups


def package_of(module: str) -> str:
    """The top-level package (or module) under ``neuroflow`` that ``module`` belongs to; ``neuroflow`` itself
    for the root."""
    return module.split(".")[1] if "." in module else ROOT


def floor(module: str) -> int:
    package = package_of(module)
    return len(FLOORS) if package == ROOT else FLOOR_OF[package]


def has_floor(module: str) -> bool:
    return package_of(module) in FLOOR_OF or module == ROOT


def upward_imports(edges) -> list:
    """The edges from a package to one on a higher floor (packages without a floor are another test's failure)."""
    return [e for e in edges if has_floor(e.source) and has_floor(e.target) and floor(e.target) > floor(e.source)]


def _describe(edge: Edge) -> str:
    kind = "inside a function" if edge.local else "at module level"
    return f"  {edge.where()}: {edge.source} -> {edge.target} ({kind}): {edge.statement}"


EDGES, UNFOLLOWABLE = import_graph()


def test_the_graph_sees_known_imports():
    """The reader itself: a module-level import, a function-local one, a submodule and an implied package."""
    pairs = {(e.source, e.target) for e in EDGES}
    assert ("neuroflow.autograd.tensor", "neuroflow.backend") in pairs
    assert ("neuroflow.ops.math", "neuroflow.autograd.tensor") in pairs
    assert ("neuroflow.ops.math", "neuroflow.autograd") in pairs  # the package a submodule import runs
    assert any(e.local for e in EDGES)
    assert all(e.source != ROOT or not e.target.startswith("neuroflow.layers") for e in EDGES)


def test_the_checks_catch_a_planted_cycle_and_an_upward_import():
    planted = [Edge("neuroflow.layers.core", "neuroflow.models.model", 1, True, "from ..models.model import Model"),
               Edge("neuroflow.models.model", "neuroflow.layers.core", 1, False, "from ..layers import core"),
               Edge("neuroflow.ops.math", "neuroflow.layers.core", 1, False, "from ..layers import core")]
    nodes = ["neuroflow.layers.core", "neuroflow.models.model", "neuroflow.ops.math"]
    assert strongly_connected(nodes, planted) == [["neuroflow.layers.core", "neuroflow.models.model"]]
    assert upward_imports(planted) == [planted[0], planted[2]]


def test_every_package_has_a_floor():
    packages = {package_of(m) for m in MODULES} - {ROOT}
    missing = sorted(packages - set(FLOOR_OF))
    assert not missing, (f"neuroflow packages without a floor: {missing}; add each to FLOORS in "
                         f"{pathlib.Path(__file__).name}, on the lowest floor whose packages it may import")


def test_no_dynamic_import_the_graph_cannot_follow():
    assert not UNFOLLOWABLE, "imports of computed module names (the graph cannot check them; import the module " \
        "by name, or have the caller pass the object in):\n" + "\n".join(
            f"  {path_of(m)}:{line}: {text}" for m, line, text in UNFOLLOWABLE)


def test_no_import_cycles():
    cycles = strongly_connected(list(MODULES), EDGES)
    if not cycles:
        return
    report = []
    for group in cycles:
        members = set(group)
        inside = [e for e in EDGES if e.source in members and e.target in members]
        upward = [e for e in inside if floor(e.target) > floor(e.source)]
        local = [e for e in inside if e.local]
        report.append(f"cycle of {len(group)} modules: {', '.join(group)}")
        if upward:
            report.append(" move these imports (each reaches a higher floor; pass the object in, or move the "
                          "code it needs down):")
            report += [_describe(e) for e in upward]
        else:
            report.append(" imports within the cycle (break one: move the code both need into its own module"
                          + ("; the function-local ones only hide the cycle" if local else "") + "):")
            report += [_describe(e) for e in inside]
    pytest.fail(f"{len(cycles)} import cycle(s):\n" + "\n".join(report), pytrace=False)


def test_no_import_reaches_a_higher_floor():
    violations = upward_imports(EDGES)
    if not violations:
        return

    def level(module):
        package = package_of(module)
        return "the top-level package" if package == ROOT else f"{package} (floor '{FLOOR_NAME[package]}')"

    lines = [f"{len(violations)} import(s) reach a higher floor; floors, bottom first: "
             + " < ".join("/".join(p) for _, p in FLOORS) + " < neuroflow (the top-level package)."]
    for e in violations:
        lines.append(_describe(e))
        lines.append(f"    {level(e.source)} must not import {level(e.target)}: move this import out of "
                     f"{package_of(e.source)} (pass the object in, look the class up in neuroflow.registry, or "
                     f"move the code it needs down)")
    pytest.fail("\n".join(lines), pytrace=False)


def test_tensor_operators_are_installed_by_ops():
    """autograd defines Tensor without any op; ops gives it its operators, and any import of neuroflow loads ops."""
    code = ("import neuroflow.autograd as ag\n"
            "t = ag.Tensor([1.0, 2.0], requires_grad=True)\n"
            "y = ((t * 2 + 1) ** 2 / 3 - t)[1:] @ ag.Tensor([1.0])\n"
            "y.backward()\n"
            "print((y.node.name, t.grad.tolist(), (t > 1).tolist(), t.T.shape, t.sum().item(), (-t[0]).item()))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    name, grad, greater, shape, total, negated = ast.literal_eval(out)
    assert (name, greater, shape, total, negated) == ("matmul", [False, True], (2,), 3.0, -1.0)
    assert grad == pytest.approx([0.0, 4 * 5 / 3 - 1])  # d/dt2 of (2 t2 + 1)^2 / 3 - t2
    tensor_source = (PACKAGE_DIR / "autograd" / "tensor.py").read_text(encoding="utf-8")
    assert "def __add__" not in tensor_source
