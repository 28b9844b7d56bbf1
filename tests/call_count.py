"""Counting Python-level calls: how tests show that work is vectorised without timing it.

A kernel that loops over samples or pixels in Python makes more calls for a bigger batch; a vectorised one makes
the same number. Tests compare the counts for two batch sizes instead of asserting a duration (which fails on a
loaded machine).
"""
import sys


def count_python_calls(fn) -> int:
    """The number of Python and C function calls ``fn()`` makes (``sys.setprofile`` events ``call``/``c_call``)."""
    count = [0]

    def profile(frame, event, arg):
        if event in ("call", "c_call"):
            count[0] += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count[0]
