"""fit/evaluate/predict ask glibc to keep freed blocks for reuse (backend.keep_freed_memory); the env var turns it
off. Checked in fresh processes, since the setting is made once per process."""
from __future__ import annotations

import platform
import subprocess
import sys

import pytest

CODE = ("import numpy as np, neuroflow as nf\n"
        "from neuroflow import backend, layers\n"
        "m = nf.Sequential([nf.Input(shape=(3,)), layers.Dense(1)])\n"
        "m.predict(np.zeros((2, 3), np.float32), verbose=0)\n"
        "print(backend._memory_kept)\n")


def _run(env_value):
    import os
    env = dict(os.environ)
    env.pop("NEUROFLOW_KEEP_MEMORY", None)
    if env_value is not None:
        env["NEUROFLOW_KEEP_MEMORY"] = env_value
    return subprocess.run([sys.executable, "-c", CODE], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_predict_keeps_freed_memory_unless_turned_off():
    assert _run(None) == "True"
    assert _run("0") == "False"
