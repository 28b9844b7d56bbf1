"""Kill saving processes with SIGKILL at random moments and check that nothing is lost and no garbage stays.

    python benchmarks/kill_saves.py --kills 150 --seed 0       # a summary
    python benchmarks/kill_saves.py --kills 24 --json           # one JSON line (what the test reads)

Each round starts a child that builds a compiled model (about 800,000 weights with Adam state, ~10 MB a file) and
saves it to the same target over and over, printing the counter it stored after each completed save; the parent
kills it with SIGKILL after a random delay. After every kill the target must load and hold a counter no older than
the last one the child reported (nothing lost), and the folder may hold at most the one temporary file of the
killed save (the next save removes leftovers of dead writers). ``--checkpoint`` saves through ``ModelCheckpoint``
instead of ``model.save``.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r"""
import os, sys
import numpy as np
from neuroflow import layers
from neuroflow.models import Sequential
path, start = sys.argv[1], int(sys.argv[2])
model = Sequential([layers.Dense(768, input_dim=512), layers.Dense(512)])
model.compile("adam", "mse")
x = np.zeros((4, 512), np.float32)
model.fit(x, np.zeros((4, 512), np.float32), epochs=1, verbose=0)  # optimizer state exists
print("ready", flush=True)
i = start
while True:
    model._epoch = i
    model.save(path)
    print(i, flush=True)
    i += 1
"""


def run(kills: int, seed: int) -> dict:
    rng = random.Random(seed)
    folder = tempfile.mkdtemp(prefix="nf-kill-")
    target = os.path.join(folder, "ckpt.neuroflow")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": ROOT}
    sys.path.insert(0, ROOT)
    from neuroflow.errors import SavingError
    from neuroflow.models import load_model

    last_reported, lost, unloadable, max_leftovers, leftover_bytes, glob_hits = -1, 0, 0, 0, 0, 0
    start = time.perf_counter()
    for round_ in range(kills):
        child = subprocess.Popen([sys.executable, "-c", CHILD, target, str(last_reported + 1)],
                                 stdout=subprocess.PIPE, text=True, env=env)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.6))
        os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate()
        reported = [int(line) for line in out.split() if line.strip().isdigit()]
        if reported:
            last_reported = reported[-1]
        if os.path.exists(target):
            try:
                stored = load_model(target, compile=True)._epoch
            except SavingError:
                unloadable += 1
                stored = -1
            if stored < last_reported:
                lost += 1
            last_reported = max(last_reported, stored)
        elif last_reported >= 0:
            lost += 1
        temporaries = glob.glob(os.path.join(folder, ".ckpt.neuroflow.*.tmp"))
        max_leftovers = max(max_leftovers, len(temporaries))
        leftover_bytes = max(leftover_bytes, sum(os.path.getsize(p) for p in temporaries if os.path.exists(p)))
        glob_hits += len([p for p in glob.glob(os.path.join(folder, "*.neuroflow")) if p != target])
    # one clean save after the last kill: every leftover of the dead writers goes
    from neuroflow.io import remove_stale_temporaries
    remove_stale_temporaries(target)
    final_leftovers = len(glob.glob(os.path.join(folder, ".ckpt.neuroflow.*.tmp")))
    return {"kills": kills, "saves_completed": last_reported + 1, "lost": lost, "unloadable": unloadable,
            "max_leftover_files": max_leftovers, "max_leftover_mib": round(leftover_bytes / 2 ** 20, 1),
            "leftovers_after_next_save": final_leftovers, "pattern_matches": glob_hits,
            "seconds": round(time.perf_counter() - start, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=int(os.environ.get("NEUROFLOW_KILL_N", 24)))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = run(args.kills, args.seed)
    if args.json:
        print(json.dumps(report))
    else:
        for k, v in report.items():
            print(f"{k:<28} {v}")


if __name__ == "__main__":
    main()
