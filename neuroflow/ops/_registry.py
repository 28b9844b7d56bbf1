"""Bookkeeping of which public ops are differentiable.

``differentiable`` marks a public op function; the op test table (``tests/ops/op_table.py``) must hold a row for
every name marked here, and a test fails when one is missing, so a new op cannot slip in unchecked.
"""
DIFFERENTIABLE: dict = {}
NOT_DIFFERENTIABLE: dict = {}


def differentiable(fn):
    """Mark ``fn`` as a public differentiable op (it must have a row in the op test table)."""
    DIFFERENTIABLE[fn.__name__] = fn
    return fn


def not_differentiable(fn):
    """Mark ``fn`` as a public op without gradient (comparisons, argmax...)."""
    NOT_DIFFERENTIABLE[fn.__name__] = fn
    return fn
