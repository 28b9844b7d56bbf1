"""ONNX export: ``neuroflow.onnx.export(model, path)`` or ``model.export(path, format="onnx")``.

The model's inference pass becomes an ONNX graph (opset 17 by default) with a dynamic batch axis, runnable in any
ONNX runtime. The ``onnx`` package (``pip install 'neuroflow[onnx]'``) is imported only when an export runs.

Layout: :mod:`~neuroflow.onnx.builder` (names, initializers, nodes, value infos), :mod:`~neuroflow.onnx.registry`
(the converter table keyed by layer class name), :mod:`~neuroflow.onnx.exporter` (inputs, model walks, the file),
and one converter module per layer family (``dense``, ``conv``, ``pool``, ``rnn``, ``norm``, ``merge``, ``shape``,
``activation``, ``preprocess``, ``wrappers``).
"""
from __future__ import annotations

from ..errors import ConfigError
from ._deps import MissingDependencyError
from .registry import UnsupportedLayerError


def export(model, path, opset=None, input_signature=None) -> str:
    """Write ``model``'s inference pass to the ONNX file ``path`` and return the path.

    See :func:`neuroflow.onnx.exporter.export` for the arguments. Shapes: graph inputs and outputs are the
    model's, with the batch axis a symbolic dimension ``'batch'``.
    """
    from .exporter import export as _export  # the converters load with the first export, not with neuroflow

    return _export(model, path, opset=opset, input_signature=input_signature)


_KERAS_FORMATS = ("tf_saved_model", "onnx", "openvino", "litert", "torch")


def export_artifact(model, filepath, format="tf_saved_model", verbose=None, input_signature=None,
                    opset_version=None, **kwargs):
    """``Model.export``: Keras 3's arguments, ONNX the one format neuroflow writes (the others need TensorFlow,
    OpenVINO, LiteRT or PyTorch graphs). Prints where the file went unless ``verbose`` is False, as Keras does."""
    if format != "onnx":
        known = "is one of Keras' formats, which neuroflow cannot write" if format in _KERAS_FORMATS else \
            f"is not a format Keras knows ({', '.join(_KERAS_FORMATS)})"
        raise ConfigError(f"model.export: format={format!r} {known}; neuroflow exports format='onnx'")
    if kwargs:
        raise ConfigError(f"model.export(format='onnx'): unexpected argument(s) {sorted(kwargs)}; it takes "
                          f"filepath, verbose, input_signature and opset_version")
    path = export(model, filepath, opset=opset_version, input_signature=input_signature)
    if verbose is None or verbose:
        print(f"Saved artifact at '{path}'.")
    return path


__all__ = ["export", "export_artifact", "MissingDependencyError", "UnsupportedLayerError"]
