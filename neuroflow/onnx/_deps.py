"""The optional ``onnx`` package: imported only when an export runs, with an error that names the extra."""
from __future__ import annotations

import importlib

from ..errors import MissingDependencyError  # noqa: F401 - re-exported for the exporter's callers


def require_onnx():
    """The ``onnx`` module; MissingDependencyError (an ImportError) naming ``neuroflow[onnx]`` when absent."""
    try:
        return importlib.import_module("onnx")
    except ImportError as err:
        raise MissingDependencyError(
            f"ONNX export needs the 'onnx' package, which is not installed ({err}); install it with "
            f"pip install 'neuroflow[onnx]' (or pip install onnx)") from None
