"""Keras 3 as a test oracle, never a dependency of neuroflow.

Keras' NumPy backend imports JAX (for its FFT), which is not installed here, so the oracle runs on Keras' torch
backend with the CPU torch that ``.ci/run`` installs. Tests call :func:`keras` and compare neuroflow against it with
the same inputs and weights; where Keras is missing they skip with that reason.
"""
import os

import pytest


def keras():
    """The ``keras`` module on its torch backend, or a skip when Keras 3 (or torch) is not installed."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch", reason="the Keras oracle runs on Keras' torch backend")
    return pytest.importorskip("keras", reason="Keras 3 is the API oracle (pip install -e '.[test]')")
