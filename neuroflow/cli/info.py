"""``neuroflow info``: versions, BLAS, default dtype and optional packages — the course's installation check."""
from __future__ import annotations

import importlib
import platform
import shutil
import sys

# Optional packages and what each one enables, in the order printed.
OPTIONAL = {"safetensors": "model.save / load_model", "tqdm": "live progress bar",
            "matplotlib": "plots: neuroflow.utils.plotting", "pandas": "example data loading",
            "sklearn": "example preprocessing, demo digits", "graphviz": "graph drawings as PNG (or the dot program)",
            "threadpoolctl": "BLAS library and thread control"}


def _version(name):
    """The package's version if it imports, else None."""
    try:
        module = importlib.import_module(name)
    except Exception:  # any failure to import (missing, broken install) means: not usable
        return None
    return str(getattr(module, "__version__", "installed"))


def collect() -> dict:
    """Everything ``info`` reports, as a dict (``optional`` maps package name -> version or None)."""
    import numpy

    from .. import _native, backend
    from ..version import __version__

    return {"neuroflow": __version__, "python": platform.python_version(),
            "python_executable": sys.executable, "numpy": numpy.__version__, "blas": backend.blas_info(),
            "floatx": backend.floatx(), "compiled_kernels": _native.library() is not None,
            "optional": {name: _version(name) for name in OPTIONAL},
            "dot": shutil.which("dot")}


def format_info(info: dict) -> str:
    """The report as aligned ``key: value`` lines."""
    blas = info["blas"]
    blas_text = blas.get("library") or "unknown"
    if blas.get("version"):
        blas_text += f" {blas['version']}"
    threads = blas.get("threads")
    lines = [f"neuroflow:  {info['neuroflow']}",
             f"python:     {info['python']} ({info['python_executable']})",
             f"numpy:      {info['numpy']}",
             f"blas:       {blas_text}, threads: {threads if threads is not None else 'unknown'}",
             f"floatx:     {info['floatx']}",
             "kernels:    " + ("compiled (Adam, LSTM step)" if info.get("compiled_kernels")
                               else "NumPy only (no compiled kernels: built without a C compiler, or "
                                    "NEUROFLOW_NATIVE=0)"),
             "optional packages:"]
    for name, version in info["optional"].items():
        status = version if version is not None else "not installed"
        lines.append(f"  {name:<14} {status:<14} {OPTIONAL[name]}")
    lines.append(f"  {'dot program':<14} {info['dot'] or 'not found':<14} renders graphs without graphviz")
    return "\n".join(lines)


def run() -> int:
    """Print the report; exit status 0."""
    print(format_info(collect()))
    return 0
