"""Print how much of Keras 3's public API neuroflow has at Keras' own paths, module by module.

A name counts when ``import neuroflow as keras`` reaches it at the same dotted path with the same kind (a module
does not stand in for a function or class). The list of Keras' names comes from
``../shared/keras/keras-3.15.1-public-api.json`` beside the repository (enumerated from an installed Keras 3.15.1),
or from ``--api PATH``.

    python scripts/keras_coverage.py                 # the everyday modules (issue #14's 1,199 names)
    python scripts/keras_coverage.py --all           # every public module, applications included
    python scripts/keras_coverage.py --missing ops   # also list what is missing in modules matching "ops"
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
from pathlib import Path

#: The modules a Keras user meets every day; keras.applications, quantizers and the like are left to --all.
EVERYDAY = ("keras", "keras.layers", "keras.ops", "keras.ops.nn", "keras.ops.numpy", "keras.ops.linalg",
            "keras.ops.image", "keras.activations", "keras.losses", "keras.metrics", "keras.optimizers",
            "keras.optimizers.schedules", "keras.callbacks", "keras.initializers", "keras.regularizers",
            "keras.constraints", "keras.models", "keras.utils", "keras.random")
DEFAULT_API = Path(__file__).resolve().parents[1].parent / "shared" / "keras" / "keras-3.15.1-public-api.json"



def _share(have: int, total: int) -> str:
    """A percentage that never rounds a gap away: 1195 of 1199 is 99.7%, not 100%."""
    if have == total:
        return "100%"
    return f"{have / total:.0%}" if have / total < 0.99 else f"{have / total:.1%}"

def kind_of(obj) -> str:
    """``"module"``, ``"class"``, ``"function"`` or ``"object"``, as the API list spells them."""
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "object"


def coverage(api: dict, modules) -> list[tuple[str, int, int, list[str]]]:
    """For each module: ``(keras path, present, total, missing names)``."""
    rows = []
    for mod in modules:
        names = api.get(mod, {})
        try:
            target = importlib.import_module("neuroflow" + mod[len("keras"):])
        except Exception:  # a module that fails to import counts as absent, with everything in it
            target = None
        missing = []
        for name, kind in sorted(names.items()):
            try:
                obj = getattr(target, name, None) if target is not None else None
            except Exception:  # a lazily loaded name whose module fails to import
                obj = None
            # Keras lists a few callables as "object"; accept any callable there, and a class where a function is
            # listed (Keras' own "functions" are sometimes classes in disguise, and the reverse).
            ok = obj is not None and (kind_of(obj) == kind or (kind in ("function", "class", "object")
                                                              and kind_of(obj) in ("function", "class")))
            if not ok:
                missing.append(name)
        rows.append((mod, len(names) - len(missing), len(names), missing))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", type=Path, default=DEFAULT_API, help="Keras' public API list (JSON)")
    parser.add_argument("--all", action="store_true", help="every module in the list, not only the everyday ones")
    parser.add_argument("--missing", default=None, help="list missing names of modules containing this text")
    args = parser.parse_args(argv)
    if not args.api.is_file():
        print(f"keras_coverage: no API list at {args.api}; pass --api PATH", file=sys.stderr)
        return 2
    api = json.loads(args.api.read_text())
    modules = sorted(api) if args.all else [m for m in EVERYDAY if m in api]
    rows = coverage(api, modules)
    print("| Keras module | present | of | share |")
    print("|---|---|---|---|")
    for mod, have, total, _ in rows:
        print(f"| `{mod}` | {have} | {total} | {_share(have, total)} |")
    have, total = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"| **all** | **{have}** | **{total}** | **{_share(have, total)}** |")
    if args.missing:
        for mod, _, _, missing in rows:
            if args.missing in mod and missing:
                print(f"\n{mod} missing ({len(missing)}): {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
