"""The ``neuroflow`` command: ``neuroflow info`` and ``neuroflow demo [--out DIR] [--epochs N] [--quick]``.

Installed as a console script (``pyproject.toml``); also ``python -m neuroflow.cli.main ...``.
"""
from __future__ import annotations

import argparse
import sys


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its ``info`` and ``demo`` subcommands."""
    from ..version import __version__
    from .demo import DEFAULT_EPOCHS, DEFAULT_OUT, QUICK_EPOCHS

    parser = argparse.ArgumentParser(prog="neuroflow", description="neuroflow: deep learning on NumPy.")
    parser.add_argument("--version", action="version", version=f"neuroflow {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("info", help="check the installation: versions, BLAS, default dtype, optional packages",
                   description="Print neuroflow, Python and NumPy versions, the BLAS library and its threads, "
                               "the default float dtype and which optional packages are installed.")
    demo = sub.add_parser("demo", help="train a small network end to end, save and reload it",
                          description="Train a small MLP on scikit-learn's bundled digits (or generated data), "
                                      "print test accuracy and a confusion matrix, save and reload the model, "
                                      "and plot the training curves.")
    demo.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                      help=f"folder for the model file and plots (default: ./{DEFAULT_OUT})")
    demo.add_argument("--epochs", type=_positive_int, default=None, metavar="N",
                      help=f"training epochs (default: {DEFAULT_EPOCHS}, or {QUICK_EPOCHS} with --quick)")
    demo.add_argument("--quick", action="store_true", help="a few-second run (fewer epochs)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    return parser


def main(argv=None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "info":
        from .info import run
        return run()
    if args.command == "demo":
        from .demo import run
        run(out=args.out, epochs=args.epochs, quick=args.quick, seed=args.seed)
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
