"""Plumbing shared by the benchmarks: options, the parent/child protocol, timing, weights, formatting.

Protocol. ``python benchmarks/X.py [options]`` is the *parent*: it starts one *child* per side,
``python benchmarks/X.py [same options] --side neuroflow`` then ``--side torch``, each in a fresh process whose
environment pins the BLAS/OpenMP thread count. A child builds the same data (same NumPy seed), the same model
(same initial weights where the layouts map one to one), runs a warm-up, times ``--repeats`` repetitions and
prints ``BENCH_RESULT {json}`` as its last line. The parent takes medians, prints one line per measured figure and,
last, ``name: neuroflow A, torch B, ratio R x (target ...)`` (for several figures: the one furthest from its
target). ``--json PATH`` also writes the parent's figures for ``run_all.py``.

A benchmark module defines ``NAME``, ``ROWS`` (list of :class:`Row`), ``SMOKE`` (option defaults for
``--smoke``), ``add_arguments(parser)`` and ``run_side(side, args) -> dict`` (``{"values": {key: [per repeat]},
"info": {...}}`` or ``{"skipped": reason}``), then calls ``common.main(sys.modules[__name__])``.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULT_MARK = "BENCH_RESULT "
SIDES = ("neuroflow", "torch")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
               "NUMEXPR_NUM_THREADS")


# ---------------------------------------------------------------------------------------------------- targets

@dataclass(frozen=True)
class Target:
    """A pass/fail rule. ``kind='ratio'`` compares neuroflow/torch; ``kind='abs'`` compares neuroflow's value."""
    op: str  # "<=" or ">="
    value: float
    kind: str = "ratio"
    unit: str = ""

    def text(self) -> str:
        if self.kind == "ratio":
            return f"{self.op} {self.value:.2f}x"
        return f"{self.op} {self.value:g} {self.unit}"

    def margin(self, nf, ratio):
        """How far from passing: > 1 fails, <= 1 passes; None when it cannot be told (no reference)."""
        v = ratio if self.kind == "ratio" else nf
        if v is None or v != v:  # a missing reference, or NaN
            return None
        if self.op == "<=":
            return v / self.value
        return self.value / v if v > 0 else float("inf")


@dataclass(frozen=True)
class Row:
    """One measured figure: ``key`` in the children's ``values``, its ``label``, ``unit`` and target.

    ``unit`` 's' means lower is better (times); a rate such as 'tokens/s' means higher is better.
    """
    key: str
    label: str
    unit: str
    target: Target


# ---------------------------------------------------------------------------------------------------- options

def make_parser(bench) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=(bench.__doc__ or "").strip().splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--side", choices=SIDES, help="internal: run one side in this process and print its result")
    p.add_argument("--sides", default="neuroflow,torch", help="which sides the parent runs, comma-separated")
    p.add_argument("--threads", type=int, default=2, help="BLAS/OpenMP threads (and torch.set_num_threads)")
    p.add_argument("--repeats", type=int, default=3, help="timed repetitions after the warm-up; medians reported")
    p.add_argument("--seed", type=int, default=0, help="seed of the data and the initial weights")
    p.add_argument("--smoke", action="store_true", help="tiny configuration that runs in about a second")
    p.add_argument("--profile", type=int, default=0, metavar="N",
                   help="child: cProfile the timed runs and print the top N entries by tottime")
    p.add_argument("--json", help="parent: also write the figures to this JSON file")
    bench.add_arguments(p)
    return p


def parse_args(bench, argv):
    parser = make_parser(bench)
    if "--smoke" in argv:  # smoke values replace the defaults; options given explicitly still win
        parser.set_defaults(repeats=1, **bench.SMOKE)
    return parser, parser.parse_args(argv)


def _child_argv(parser, args, side):
    """The parent's options, written out again for a child (``--side`` added; parent-only ones dropped)."""
    out = []
    for action in parser._actions:
        dest = action.dest
        if dest in ("help", "side", "sides", "json"):
            continue
        value = getattr(args, dest)
        if isinstance(action, argparse._StoreTrueAction):
            if value:
                out.append(action.option_strings[0])
        elif value is not None:
            out += [action.option_strings[0], str(value)]
    return out + ["--side", side]


def child_env(threads: int) -> dict:
    """The environment of a child: thread pools pinned, the checkout importable first."""
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(threads)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


# ---------------------------------------------------------------------------------------------------- child side

def setup_side(side: str, threads: int, seed: int) -> None:
    """Seed the side's framework and pin torch's intra-op threads (the BLAS ones come from the environment)."""
    if side == "torch":
        import torch
        torch.set_num_threads(threads)
        torch.manual_seed(seed)
    else:
        import neuroflow
        neuroflow.random.set_seed(seed)


def time_runs(prepare, run, repeats: int, warmup=None, profile: int = 0) -> list:
    """Seconds of ``run(prepare())`` per repetition; ``prepare`` (model building) is not timed.

    ``warmup()`` runs once first (first-call costs: lazy imports, allocator and cache warm-up). With
    ``profile`` > 0 the timed runs execute under cProfile and the top entries by tottime are printed.
    """
    if warmup is not None:
        warmup()
    profiler = None
    if profile:
        import cProfile
        profiler = cProfile.Profile()
    times = []
    for _ in range(repeats):
        state = prepare()
        gc.collect()  # start each repetition from the same heap, not from the previous run's garbage
        if profiler:
            profiler.enable()
        t0 = time.perf_counter()
        run(state)
        times.append(time.perf_counter() - t0)
        if profiler:
            profiler.disable()
    if profiler:
        import pstats
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(profile)
    return times


def per_call(fn, min_seconds: float, max_calls: int = 100000) -> tuple:
    """Warm ``fn`` up (two calls), then calibrate how many calls fill ``min_seconds``; returns ``(calls, run)``
    where ``run(_)`` makes them (for :func:`time_runs`, which reports the total: divide by ``calls``)."""
    fn()
    fn()
    calls, elapsed = 1, 0.0
    while calls < max_calls:
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= min_seconds / 4:
            break
        calls *= 4
    calls = max(1, min(max_calls, round(calls * min_seconds / max(elapsed, 1e-9))))

    def run(_state):
        for _ in range(calls):
            fn()
    return calls, run


def side_versions(side: str) -> dict:
    """Versions and thread counts as this child ran (frameworks not yet imported are not imported for it)."""
    info = {"numpy": np.__version__}
    try:
        from threadpoolctl import threadpool_info
        info["blas"] = [f"{p.get('internal_api')} {p.get('version')} x{p.get('num_threads')}"
                        for p in threadpool_info() if p.get("user_api") == "blas"]
    except ImportError:
        pass
    torch = sys.modules.get("torch")
    if side == "torch" and torch is not None:
        info.update(torch=torch.__version__, torch_threads=torch.get_num_threads())
    elif side == "neuroflow" and "neuroflow" in sys.modules:
        info["neuroflow"] = sys.modules["neuroflow"].__version__
    return info


def emit(result: dict) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def child_main(bench, args) -> int:
    if getattr(bench, "SETUP", True):  # the import and install-size benchmarks must not import a framework
        setup_side(args.side, args.threads, args.seed)
    result = bench.run_side(args.side, args)
    result["side"] = args.side
    if "skipped" not in result:
        result.setdefault("info", {}).update(side_versions(args.side))
    emit(result)
    return 0


# ---------------------------------------------------------------------------------------------------- parent side

def run_child(script, argv, threads, echo=True) -> dict:
    """Run one child to completion; its stdout is echoed (indented) and its result line parsed."""
    proc = subprocess.Popen([sys.executable, str(script), *argv], stdout=subprocess.PIPE, text=True,
                            env=child_env(threads), cwd=str(ROOT))
    result = None
    for line in proc.stdout:
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK):])
        elif echo:
            print("    " + line, end="", flush=True)
    code = proc.wait()
    if code != 0 or result is None:
        return {"error": f"the {argv[-1]} child exited with code {code}" + ("" if result else " and no result")}
    return result


def fmt(value, unit: str) -> str:
    """``6.10 s``, ``11.9 ms``, ``235 us``, ``12,345 tokens/s``, ``45.2 MB``; 'n/a' for None."""
    if value is None:
        return "n/a"
    if unit == "s":
        for scale, name in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
            if value >= scale or name == "us":
                v = value / scale
                return f"{v:.2f} {name}" if v < 10 else f"{v:.1f} {name}" if v < 100 else f"{v:.0f} {name}"
    if unit == "MB":
        return f"{value:.1f} MB" if value < 1000 else f"{value:,.0f} MB"
    return f"{value:,.0f} {unit}"


def summarize(bench, results: dict) -> list:
    """Rows with medians, ratio and pass/fail from the two sides' results."""
    rows = []
    for row in bench.ROWS:
        med = {}
        for side in SIDES:
            vals = results.get(side, {}).get("values", {}).get(row.key)
            med[side] = statistics.median(vals) if vals else None
        nf, ref = med["neuroflow"], med["torch"]
        ratio = nf / ref if nf is not None and ref else None
        margin = row.target.margin(nf, ratio)
        rows.append({"key": row.key, "label": row.label, "unit": row.unit, "neuroflow": nf, "torch": ref,
                     "ratio": ratio, "target": row.target.text(), "margin": margin,
                     "passed": None if margin is None else margin <= 1.0,
                     "neuroflow_all": results.get("neuroflow", {}).get("values", {}).get(row.key),
                     "torch_all": results.get("torch", {}).get("values", {}).get(row.key)})
    return rows


def row_line(label: str, r: dict, torch_note: str = "") -> str:
    ratio = "n/a" if r["ratio"] is None else f"{r['ratio']:.2f}x"
    torch_text = fmt(r["torch"], r["unit"]) + (f" ({torch_note})" if torch_note and r["torch"] is None else "")
    return (f"{label}: neuroflow {fmt(r['neuroflow'], r['unit'])}, torch {torch_text}, ratio {ratio} "
            f"(target {r['target']})")


def main(bench, argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser, args = parse_args(bench, argv)
    if args.side:
        return child_main(bench, args)
    script = Path(sys.modules[bench.__name__].__file__).resolve()
    sides = [s.strip() for s in args.sides.split(",") if s.strip()]
    results, record = {}, {"name": bench.NAME, "config": {k: v for k, v in vars(args).items()
                                                          if k not in ("side", "json")}}
    status, line = "ok", None
    for side in sides:
        if side == "torch" and not torch_available():
            results[side] = {"skipped": "torch not installed"}
            continue
        print(f"  {bench.NAME} [{side}]", flush=True)
        res = run_child(script, _child_argv(parser, args, side), args.threads)
        results[side] = res
        if "error" in res:
            status, line = "failed", f"{bench.NAME}: failed ({res['error']})"
            break
        if side == "neuroflow" and "skipped" in res:
            status, line = "skipped", f"{bench.NAME}: skipped ({res['skipped']})"
            break
    rows = summarize(bench, results) if status == "ok" else []
    if status == "ok":
        note = results.get("torch", {}).get("skipped", "")
        if len(rows) > 1:
            for r in rows:
                print(row_line(f"  {r['label']}", r, note))
        known = [r for r in rows if r["margin"] is not None] or rows
        worst = max(known, key=lambda r: r["margin"] if r["margin"] is not None else -1)
        label = bench.NAME if len(rows) == 1 else f"{bench.NAME} [worst of {len(rows)}: {worst['label']}]"
        line = row_line(label, worst, note)
    record.update(status=status, line=line, rows=rows,
                  info={s: results.get(s, {}).get("info") for s in results},
                  skipped={s: results[s]["skipped"] for s in results if "skipped" in results[s]})
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=1))
    print(line, flush=True)
    return 1 if status == "failed" else 0


# ---------------------------------------------------------------------------------------------------- shared data

def glorot_uniform(rng, shape, fan_in, fan_out) -> np.ndarray:
    """Keras' default kernel initializer, drawn with NumPy so that both sides start from the same weights."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(np.float32)


def dense_to_torch(linear, kernel, bias) -> None:
    """Copy a Keras-layout Dense kernel ``(in, out)`` and bias into a ``torch.nn.Linear`` (weight ``(out, in)``)."""
    import torch
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel.T)))
        linear.bias.copy_(torch.from_numpy(bias))


def conv2d_to_torch(conv, kernel, bias) -> None:
    """Copy a Keras Conv2D kernel ``(kh, kw, cin, cout)`` into a ``torch.nn.Conv2d`` (``(cout, cin, kh, kw)``)."""
    import torch
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))))
        conv.bias.copy_(torch.from_numpy(bias))


def torch_train(model, x, y, epochs: int, batch_size: int, loss_fn, correct_fn, seed: int) -> dict:
    """A plain PyTorch training loop: one permutation per epoch, manual batching (no DataLoader), Adam with
    Keras' defaults, and the running loss and accuracy a Keras progress bar would show (Keras computes them too).

    Shapes: ``x`` ``(n, ...)`` and ``y`` ``(n, ...)`` tensors. Returns the last epoch's ``{"loss", "accuracy"}``
    (no accuracy when ``correct_fn``, which counts the right predictions of a batch, is None).
    """
    import torch
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    gen = torch.Generator().manual_seed(seed)
    n = len(x)
    model.train()
    total = correct = 0.0
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        total = correct = 0.0
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            xb, yb = x[idx], y[idx]
            out = model(xb)
            loss = loss_fn(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            if correct_fn is not None:
                correct += correct_fn(out, yb).item()
    return {"loss": total / n, "accuracy": correct / n} if correct_fn is not None else {"loss": total / n}
