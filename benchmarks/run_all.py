"""Run every benchmark (each side in its own process) and rewrite benchmarks/RESULTS.md.

RESULTS.md records the machine (CPU model, cores, load average before and after), versions (Python, NumPy, BLAS,
torch, neuroflow and its commit), thread settings, the command, the date, and one table row per figure with its
target and pass/fail; a benchmark that cannot run yet (char_lstm without ``neuroflow.layers.LSTM``) is 'pending'.

Run: ``python benchmarks/run_all.py [--threads 2] [--repeats 3] [--only churn,predict] [--data-dir DIR]
[--extra "mnist_cnn=--samples 20000"] [--smoke] [--output PATH]``. ``--smoke`` writes nothing unless
``--output`` is given. The exit status is 1 only when a benchmark crashed (a missed target is not an error).
"""
from __future__ import annotations

import argparse
import datetime
import importlib.metadata as md
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import common  # noqa: E402

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["churn", "mnist_mlp", "mnist_cnn", "char_lstm", "predict", "import_time", "install_size"]
# --data-dir DIR: the real data sets, each benchmark's --data, relative to DIR (the layout of /work/shared/data).
REAL_DATA = {"churn": "churn/Churn_Modelling.csv", "mnist_mlp": "mnist", "mnist_cnn": "mnist",
             "char_lstm": "tinyshakespeare/input.txt"}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2, help="BLAS/OpenMP/torch threads of every child")
    p.add_argument("--repeats", type=int, help="timed repetitions (default: 3, or 1 with --smoke)")
    p.add_argument("--smoke", action="store_true", help="every benchmark in its tiny configuration")
    p.add_argument("--only", help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    p.add_argument("--data-dir", help="folder with churn/, mnist/, tinyshakespeare/: real data instead of generated")
    p.add_argument("--extra", action="append", default=[], metavar="NAME=ARGS",
                   help="more options for one benchmark, e.g. 'mnist_cnn=--samples 20000' (repeatable)")
    p.add_argument("--note", help="a remark written into the report (why these settings, what else ran)")
    p.add_argument("--output", help="where to write the report (default benchmarks/RESULTS.md; none with --smoke)")
    args = p.parse_args(argv)
    if args.output is None and not args.smoke:
        args.output = str(HERE / "RESULTS.md")
    return args


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or "unknown"
    mem = ""
    try:
        kib = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
                  .split()[1])
        mem = f"{kib / 2**20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return {"cpu": model, "cores": os.cpu_count(), "memory": mem, "os": platform.platform()}


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def versions() -> dict:
    def version(dist):
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            return "not installed"

    commit = "unknown"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=common.ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=common.ROOT,
                               capture_output=True, text=True).stdout.strip()
        commit += " + uncommitted changes" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        pass
    try:  # the children inherit NEUROFLOW_NATIVE and load the same library
        from neuroflow import _native
        kernels = "compiled" if _native.library() is not None else "NumPy only"
    except ImportError:
        kernels = "unknown"
    return {"python": platform.python_version(), "numpy": version("numpy"), "torch": version("torch"),
            "neuroflow": f"{version('neuroflow')} (commit {commit}; kernels: {kernels})"}


def run_one(name, args) -> dict:
    cmd = [sys.executable, str(HERE / f"{name}.py"), "--threads", str(args.threads)]
    if args.repeats is not None:
        cmd += ["--repeats", str(args.repeats)]
    if args.smoke:
        cmd.append("--smoke")
    if args.data_dir and name in REAL_DATA:
        cmd += ["--data", str(Path(args.data_dir) / REAL_DATA[name])]
    for extra in args.extra:
        target, _, rest = extra.partition("=")
        if target == name:
            cmd += shlex.split(rest)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, "result.json")
        print(f"== {name}: {' '.join(shlex.quote(c) for c in cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.run(cmd + ["--json", str(out)], cwd=common.ROOT).returncode
        record = json.loads(out.read_text()) if out.exists() else {
            "name": name, "status": "failed", "line": f"{name}: failed (exit code {code})", "rows": []}
    record["wall_s"] = time.perf_counter() - t0
    record["script"] = f"benchmarks/{name}.py"
    return record


def result_word(row) -> str:
    return "n/a" if row["passed"] is None else "pass" if row["passed"] else "FAIL"


def render(records, args, argv, meta) -> str:
    v, m = meta["versions"], meta["machine"]
    blas = next((b for r in records for b in ((r.get("info") or {}).get("neuroflow") or {}).get("blas", [])),
                "unknown")
    torch_threads = next((t for r in records for t in [((r.get("info") or {}).get("torch") or {})
                                                         .get("torch_threads")] if t), None)
    lines = [
        "# neuroflow vs PyTorch: benchmark results", "",
        "Written by `benchmarks/run_all.py` (see benchmarks/README.md for what each workload does). Each side ran in "
        "its own process with the same data, model, initial weights, batch size, seed and thread count; figures "
        f"are medians of {args.repeats or (1 if args.smoke else 3)} repetitions after a warm-up (import: 10 "
        "fresh processes). Ratio = neuroflow / torch (for char_lstm: "
        "throughput neuroflow / torch).", "",
        f"- **Date**: {meta['date']}",
        f"- **Command**: `{shlex.join(['python', 'benchmarks/run_all.py', *argv])}`",
        f"- **Machine**: {m['cpu']}, {m['cores']} logical cores, {m['memory']} RAM, {m['os']}",
        f"- **Load average** (1/5/15 min): {meta['load_before']} before, {meta['load_after']} after. The machine "
        "is shared: a load above the core count means the two sides competed with other work and the times "
        "are noisy.",
        f"- **Versions**: Python {v['python']}, NumPy {v['numpy']} ({blas}), torch {v['torch']}, "
        f"neuroflow {v['neuroflow']}",
        f"- **Threads**: {args.threads} ({', '.join(common.THREAD_VARS[:3])}={args.threads} in each child's "
        f"environment; torch.set_num_threads({args.threads}), torch reported {torch_threads})",
        f"- **Total wall time**: {meta['wall_s'] / 60:.1f} min", *([f"- **Note**: {args.note}"] if args.note else []),
        "",
        "| workload | figure | neuroflow | torch | ratio | target | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in records:
        if r["status"] != "ok":
            word = "pending" if r["status"] == "skipped" else "failed"
            reason = r["line"].split("(", 1)[-1].rstrip(")") if "(" in r["line"] else r["status"]
            lines.append(f"| {r['name']} | — | — | — | — | — | {word}: {reason} |")
            continue
        for row in r["rows"]:
            ratio = "n/a" if row["ratio"] is None else f"{row['ratio']:.2f}x"
            lines.append(f"| {r['name']} | {row['label']} | {common.fmt(row['neuroflow'], row['unit'])} | "
                         f"{common.fmt(row['torch'], row['unit'])} | {ratio} | {row['target']} | "
                         f"{result_word(row)} |")
    lines += ["", "## Details", ""]
    for r in records:
        lines.append(f"- **{r['name']}** (`{r['script']}`, {r['wall_s']:.0f} s): `{r['line']}`")
        for row in r.get("rows", []):
            for side in common.SIDES:
                vals = row.get(f"{side}_all")
                if vals:
                    lines.append(f"  - {row['label']}, {side}: "
                                 + ", ".join(common.fmt(x, row["unit"]) for x in vals))
        for side, info in (r.get("info") or {}).items():
            shown = {k: val for k, val in (info or {}).items() if k not in ("numpy", "blas", "torch", "neuroflow")}
            if shown:
                lines.append(f"  - {side} info: {json.dumps(shown)}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    names = BENCHMARKS if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"run_all: unknown benchmark(s) {unknown}; known: {BENCHMARKS}")
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(), "versions": versions(), "load_before": load_average()}
    t0 = time.perf_counter()
    records = [run_one(name, args) for name in names]
    meta.update(load_after=load_average(), wall_s=time.perf_counter() - t0)
    report = render(records, args, argv, meta)
    print("\n" + "\n".join(r["line"] for r in records))
    if args.output:
        Path(args.output).write_text(report)
        print(f"wrote {args.output}")
    return 1 if any(r["status"] == "failed" for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
