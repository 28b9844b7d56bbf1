"""Counting Python-level calls: how tests show that work is vectorised without timing it.

A kernel that loops over samples or pixels in Python makes more calls for a bigger batch; a vectorised one makes
the same number. Tests compare the counts for two batch sizes instead of asserting a duration (which fails on a
loaded machine).
"""
import sys


def count_python_calls(fn, skip_code_in: str | None = None) -> int:
    """The number of Python and C function calls ``fn()`` makes (``sys.setprofile`` events ``call``/``c_call``).
    ``skip_code_in``: calls of functions whose file path contains it, and the C calls those make, are not counted
    (e.g. the strict stand-in's Python emulation of what CuPy runs as compiled code)."""
    count = [0]

    def profile(frame, event, arg):
        if event in ("call", "c_call") and (skip_code_in is None or skip_code_in not in frame.f_code.co_filename):
            count[0] += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count[0]
