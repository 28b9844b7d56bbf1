"""Seeding and random generators.

One call, :func:`set_seed`, makes every initializer, dropout mask, noise layer and shuffle reproducible. Each
consumer asks for its own :class:`numpy.random.Generator` with :func:`generator`; those generators are spawned
from one root ``SeedSequence``, so they are independent of each other and of NumPy's global state (which
neuroflow never touches).
"""
from __future__ import annotations

import numpy as np

_root = np.random.SeedSequence()
_default: np.random.Generator = np.random.default_rng(_root.spawn(1)[0])


def set_seed(seed: int) -> None:
    """Reseed neuroflow: generators made afterwards (and the default one) draw reproducible streams.

    Keras spells this ``keras.utils.set_random_seed``; both names call this function. Python's ``random``
    module is seeded too, because user code written for Keras expects that.
    """
    global _root, _default
    import random as _pyrandom

    _root = np.random.SeedSequence(int(seed))
    _default = np.random.default_rng(_root.spawn(1)[0])
    _pyrandom.seed(int(seed))


def generator(seed: int | None = None) -> np.random.Generator:
    """A new, independent ``numpy.random.Generator``.

    With ``seed`` given, it depends only on that seed; otherwise it is the next child of the root seed set by
    :func:`set_seed` (so a fixed global seed makes the sequence of generators reproducible).
    """
    if seed is not None:
        return np.random.default_rng(int(seed))
    return np.random.default_rng(_root.spawn(1)[0])


def default_generator() -> np.random.Generator:
    """The shared generator for one-off draws (``ops.dropout`` without an explicit ``rng``, shuffles)."""
    return _default
