"""import: wall time of ``python -c "import neuroflow"`` vs ``python -c "import torch"``, median of 10 fresh
processes (interpreter start-up included, as a user sees it). Target: neuroflow <= 0.25 s.

One uncounted run first warms the disk cache and writes the ``.pyc`` files, with ``PYTHONDONTWRITEBYTECODE``
unset for that run (this machine sets it; ``pip install`` compiles them, so a user's import never recompiles).
The bare interpreter's start-up (``python -c pass``) and the modules with the largest self time
(``-X importtime``) are printed for reading.

Run: ``python benchmarks/import_time.py [--runs 10]``.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import common  # noqa: E402

NAME = "import"
ROWS = [common.Row("import", "import", "s", common.Target("<=", 0.25, kind="abs", unit="s"))]
SMOKE = {"runs": 1, "top": 0, "warmup": 0}
SETUP = False  # this child must not import the framework it times


def add_arguments(p):
    p.add_argument("--runs", type=int, default=10, help="fresh processes timed")
    p.add_argument("--top", type=int, default=8, help="modules listed by self import time")
    p.add_argument("--warmup", type=int, default=1, help="uncounted runs first")


def wall(code: str, write_bytecode: bool = False) -> float:
    env = None
    if write_bytecode:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return time.perf_counter() - t0


def slowest_modules(module: str, top: int) -> list:
    """``[(self seconds, module)]``, largest first, from one ``python -X importtime -c 'import module'``."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True,
                         text=True, check=True).stderr
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        head = parts[0].split(":")
        if len(parts) == 3 and head[0].strip() == "import time" and head[1].strip().isdigit():
            rows.append((int(head[1]) / 1e6, parts[2].strip()))  # (self time, module)
    return sorted(rows, reverse=True)[:top]


def run_side(side, args) -> dict:
    module = "neuroflow" if side == "neuroflow" else "torch"
    code = f"import {module}"
    for _ in range(args.warmup):  # disk cache, .pyc files
        wall(code, write_bytecode=True)
    times = [wall(code) for _ in range(args.runs)]
    bare = statistics.median([wall("pass") for _ in range(max(1, min(args.runs, 5)))])
    top = slowest_modules(module, args.top) if args.top else []
    print(f"{side}: import {module}: {', '.join(f'{t:.3f}' for t in times)} s (bare interpreter {bare:.3f} s)")
    for seconds, name in top:
        print(f"    {seconds * 1e3:7.1f} ms self  {name}")
    return {"values": {"import": times}, "info": {"bare_python_s": bare, "slowest_modules": top}}


if __name__ == "__main__":
    sys.exit(common.main(sys.modules[__name__]))
