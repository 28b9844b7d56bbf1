"""install size: bytes of a fresh ``pip install --no-cache-dir --target DIR .`` of neuroflow core (no extras),
numpy, safetensors and tqdm included, vs the installed ``torch`` package folder. Target: neuroflow <= 100 MB.

MB here is 10^6 bytes of file contents (``st_size`` summed; links not followed). The install uses a copy of the
checkout (pyproject.toml, README.md, neuroflow/) so that the build leaves nothing in the repository. Where pip
cannot install (no index reachable), and under ``--method metadata`` (what ``--smoke`` uses), the figure is the
checkout's ``neuroflow/`` plus the files that the installed dependencies' RECORDs list.

Run: ``python benchmarks/install_size.py [--method pip|metadata]``.
"""
from __future__ import annotations

import importlib.metadata as md
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import common  # noqa: E402

NAME = "install size"
ROWS = [common.Row("size", "install size", "MB", common.Target("<=", 100, kind="abs", unit="MB"))]
SMOKE = {"method": "metadata"}
SETUP = False  # measuring sizes imports no framework
MB = 1e6


def add_arguments(p):
    p.add_argument("--method", choices=("pip", "metadata"), default="pip",
                   help="pip: install into a temporary folder; metadata: sum what is installed already")


def tree_size(path: Path) -> int:
    """Bytes of the regular files under ``path`` (symlinks not followed)."""
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            st = os.lstat(os.path.join(folder, name))
            if not os.path.islink(os.path.join(folder, name)):
                total += st.st_size
    return total


def breakdown(site: Path) -> dict:
    """MB per top-level entry of an install folder (``*.dist-info`` counted with their packages' neighbours)."""
    return {p.name: round((tree_size(p) if p.is_dir() else p.stat().st_size) / MB, 2)
            for p in sorted(site.iterdir())}


def pip_install_size() -> tuple:
    with tempfile.TemporaryDirectory(prefix="nf-install-") as tmp:
        src, site = Path(tmp, "src"), Path(tmp, "site")
        src.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (common.ROOT / name).exists():
                shutil.copy2(common.ROOT / name, src / name)
        shutil.copytree(common.ROOT / "neuroflow", src / "neuroflow",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-cache-dir", "--quiet",
                               "--disable-pip-version-check", "--target", str(site), str(src)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "pip failed")
        return tree_size(site), breakdown(site)


def requirements(dist: str) -> list:
    """Names of what ``dist`` needs here (no extras; markers evaluated for this platform), recursively, ``dist``
    first."""
    try:
        from packaging.requirements import Requirement
    except ImportError:  # without packaging: drop extras, keep every other marker's requirement
        Requirement = None
    seen, todo = [], [dist]
    while todo:
        name = todo.pop()
        if name.lower() in (s.lower() for s in seen):
            continue
        seen.append(name)
        for req in md.requires(name) or []:
            if Requirement is not None:
                r = Requirement(req)
                if r.marker is None or r.marker.evaluate({"extra": ""}):
                    todo.append(r.name)
            elif "extra ==" not in req:
                todo.append(re.match(r"[A-Za-z0-9._-]+", req).group(0))
    return seen


def metadata_size() -> tuple:
    """The checkout's ``neuroflow/`` (no caches) plus every file in the dependencies' RECORDs."""
    parts = {"neuroflow (checkout)": sum(p.stat().st_size for p in (common.ROOT / "neuroflow").rglob("*")
                                         if p.is_file() and "__pycache__" not in p.parts)}
    for name in requirements("neuroflow")[1:]:
        dist = md.distribution(name)
        parts[name] = sum(os.lstat(dist.locate_file(f)).st_size for f in dist.files or []
                          if os.path.isfile(dist.locate_file(f)))
    return sum(parts.values()), {k: round(v / MB, 2) for k, v in parts.items()}


def run_side(side, args) -> dict:
    if side == "torch":
        spec = importlib.util.find_spec("torch")  # found, not imported
        folder = Path(list(spec.submodule_search_locations)[0])
        size = tree_size(folder)
        print(f"torch: {folder}: {size / MB:,.1f} MB")
        return {"values": {"size": [size / MB]}, "info": {"folder": str(folder), "method": "folder"}}
    method, note = args.method, ""
    if method == "pip":
        try:
            size, parts = pip_install_size()
        except RuntimeError as e:
            method, note = "metadata", f"pip install failed ({e}); "
    if method == "metadata":
        size, parts = metadata_size()
    print(f"neuroflow: {note}{method}: {size / MB:.1f} MB: "
          + ", ".join(f"{k} {v:.1f}" for k, v in sorted(parts.items(), key=lambda kv: -kv[1]) if v >= 0.05))
    return {"values": {"size": [size / MB]}, "info": {"method": method, "parts_mb": parts}}


if __name__ == "__main__":
    sys.exit(common.main(sys.modules[__name__]))
