"""Scenarios whose results were recorded from the optimizer code before its pipeline refactor (commit fce2fc9).

Each scenario trains the weights of a small MLP (12-16-8-1 plus one large 300x256 kernel where noted) for 40
updates from fixed gradients (element-wise arithmetic only, so the digests do not depend on the BLAS library),
in several modes: per variable, packed as ``fit`` packs them (``build(..., owns_storage=True)``), ``flat=True``,
with some gradients missing, with and without the compiled Adam kernel. The SHA-256 of the final weights and the
optimizer state is compared with ``golden_head.json``: the update must stay bit for bit what it was.

``python -m tests.optimizers.golden --record`` rewrote that file; do it only on code known to be right.
"""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

import neuroflow as nf
from neuroflow import _native, optimizers
from neuroflow.optimizers import schedules
from tests.conftest import host

RECORD = Path(__file__).with_name("golden_head.json")
SHAPES = [(12, 16), (16,), (16, 8), (8,), (8, 1), (1,)]
LARGE = (300, 256)  # above backend.SPLIT_MIN_SIZE: updated in slices
STEPS = 40

SCENARIOS = {
    "sgd": ("sgd", dict(learning_rate=0.05)),
    "sgd-momentum": ("sgd", dict(learning_rate=0.05, momentum=0.9)),
    "sgd-nesterov": ("sgd", dict(learning_rate=0.05, momentum=0.9, nesterov=True)),
    "adam": ("adam", dict(learning_rate=0.01)),
    "adam-amsgrad": ("adam", dict(learning_rate=0.01, amsgrad=True)),
    "adamw": ("adamw", dict(learning_rate=0.01)),
    "adamw-exclude-bias": ("adamw", dict(learning_rate=0.01, weight_decay=0.1)),
    "rmsprop": ("rmsprop", dict(learning_rate=0.01)),
    "rmsprop-centered-momentum": ("rmsprop", dict(learning_rate=0.01, momentum=0.5, centered=True)),
    "adagrad": ("adagrad", dict(learning_rate=0.05)),
    "adadelta": ("adadelta", dict(learning_rate=1.0)),
    "adamax": ("adamax", dict(learning_rate=0.01)),
    "nadam": ("nadam", dict(learning_rate=0.01)),
    "adam-ema": ("adam", dict(learning_rate=0.01, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=7)),
    "sgd-ema": ("sgd", dict(learning_rate=0.05, momentum=0.5, use_ema=True)),
    "adam-schedule": ("adam", dict(learning_rate=schedules.ExponentialDecay(0.02, decay_steps=5, decay_rate=0.7))),
    "sgd-step-callable": ("sgd", dict(learning_rate=lambda step: 0.1 / (1 + step))),
    "adam-clipvalue": ("adam", dict(learning_rate=0.01, clipvalue=0.3)),
    "sgd-loss-scale": ("sgd", dict(learning_rate=0.05, momentum=0.9, loss_scale_factor=8.0)),
    "adam-loss-scale-clipvalue": ("adam", dict(learning_rate=0.01, loss_scale_factor=4.0, clipvalue=0.2)),
    "adam-clipnorm": ("adam", dict(learning_rate=0.01, clipnorm=0.5)),
    "rmsprop-global-clipnorm": ("rmsprop", dict(learning_rate=0.01, global_clipnorm=1.0)),
    "sgd-weight-decay": ("sgd", dict(learning_rate=0.05, momentum=0.9, weight_decay=0.05)),
}
#: how the variables are handed over: (pack as fit does, flat argument, drop gradients, with the large kernel)
MODES = {
    "step": (False, False, False, False),
    "fit": (True, "auto", False, False),
    "flat": (False, True, False, False),
    "flat-missing-grads": (False, True, True, False),
    "large": (True, "auto", False, True),
}


def _gradients(shapes, seed=7):
    """``STEPS`` lists of float32 gradients; every fifth step a tenth of the entries are zero."""
    rng = np.random.default_rng(seed)
    steps = []
    for t in range(STEPS):
        grads = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        if t % 5 == 4:
            for g in grads:
                g.reshape(-1)[::10] = 0
        steps.append(grads)
    return steps


def run(scenario: str, mode: str):
    """Train per ``scenario`` in ``mode``; returns the final weights and the optimizer's state."""
    name, kwargs = SCENARIOS[scenario]
    pack, flat, missing, large = MODES[mode]
    shapes = SHAPES + [LARGE] if large else SHAPES
    rng = np.random.default_rng(3)
    vs = [nf.Variable((rng.standard_normal(s) * 0.5).astype(np.float32)) for s in shapes]
    opt = optimizers.ALL_OPTIMIZERS[name](flat=flat, **kwargs)
    if scenario == "adamw-exclude-bias":
        opt.exclude_from_weight_decay(var_list=[vs[1], vs[3], vs[5]])
    if pack:
        opt.build(vs, owns_storage=True)
    for t, grads in enumerate(_gradients(shapes)):
        for i, (v, g) in enumerate(zip(vs, grads)):
            v.grad = None if missing and t % 3 == 1 and i == 2 else g.copy()
        opt.step(vs)
    return [v.data.copy() for v in vs], opt.get_state()


def digest(weights, state) -> str:
    h = hashlib.sha256()
    for w in weights:
        h.update(np.ascontiguousarray(host(w)).tobytes())  # on a device: read on the host, explicitly
    for key in sorted(state):
        h.update(key.encode())
        h.update(np.ascontiguousarray(host(state[key])).tobytes())
    return h.hexdigest()


def digests(native: bool) -> dict:
    out = {}
    for scenario in SCENARIOS:
        for mode in MODES:
            if native:
                out[f"{scenario}/{mode}"] = digest(*run(scenario, mode))
            else:
                with _native.disabled():
                    out[f"{scenario}/{mode}"] = digest(*run(scenario, mode))
    return out


if __name__ == "__main__" and "--record" in sys.argv:
    record = {"numpy": digests(native=False)}
    if _native.library() is not None:
        record["native"] = digests(native=True)
    RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    print(f"wrote {RECORD}: {sum(len(v) for v in record.values())} digests")
