"""``keras.export.ExportArchive`` on neuroflow: Keras' API, written out as ONNX.

Keras builds a TensorFlow SavedModel from tracked resources and endpoint functions; neuroflow has no TensorFlow
graph to write. It keeps the API — ``track(model)``, ``add_endpoint(name, fn, input_signature=None)``,
``track_and_add_endpoint(name, model, input_signature)``, ``add_variable_collection(name, variables)``,
``write_out(filepath, options=None, verbose=True)`` — and writes the archive's endpoint as an ONNX file when
``filepath`` ends in ``.onnx`` (the model's inference pass with a dynamic batch axis, as ``model.export(path,
format="onnx")``). What ONNX cannot carry is refused with a ConfigError that says so: a SavedModel directory (it
needs TensorFlow), several endpoints in one file (write one archive per endpoint), or an endpoint that is an
arbitrary Python function rather than a tracked model (or its ``__call__``/``call``/``serve`` method).
"""
from __future__ import annotations

import os

from ..errors import ConfigError
from ..onnx import export as onnx_export


class ExportArchive:
    """See the module docstring. ``ExportArchive(format="saved_model")``: the format of Keras' archive; neuroflow
    takes it and writes ONNX (``write_out`` to a ``.onnx`` path)."""

    def __init__(self, format="saved_model"):
        if format not in ("saved_model", "neptune_model"):
            raise ConfigError(f"ExportArchive: format must be 'saved_model' (Keras' default), got {format!r}")
        self.format = format
        self.tracked, self.endpoints, self.variable_collections = [], {}, {}

    def track(self, resource):
        """Track a model (or layer) whose inference pass an endpoint exports."""
        if not callable(resource) or not hasattr(resource, "weights"):
            raise ConfigError(f"ExportArchive.track: expected a neuroflow model or layer, got "
                              f"{type(resource).__name__}")
        if not any(r is resource for r in self.tracked):
            self.tracked.append(resource)
        return resource

    def add_endpoint(self, name, fn, input_signature=None, **kwargs):
        """Register endpoint ``name``: ``fn`` is a tracked model, or its ``__call__``/``call``/``serve`` method."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(f"ExportArchive.add_endpoint: name must be an identifier, got {name!r}")
        if name in self.endpoints:
            raise ConfigError(f"ExportArchive.add_endpoint: endpoint {name!r} already exists")
        owner = fn if any(fn is r for r in self.tracked) else getattr(fn, "__self__", None)
        if owner is None or not any(owner is r for r in self.tracked):
            raise ConfigError(f"ExportArchive.add_endpoint({name!r}): neuroflow exports the inference pass of a "
                              f"tracked model; pass the model (after archive.track(model)) or its bound method, "
                              f"not an arbitrary function ({getattr(fn, '__name__', type(fn).__name__)!r}), whose "
                              f"Python code ONNX cannot hold")
        self.endpoints[name] = (owner, input_signature)
        return fn

    def track_and_add_endpoint(self, name, resource, input_signature, **kwargs):
        self.track(resource)
        return self.add_endpoint(name, resource, input_signature, **kwargs)

    def add_variable_collection(self, name, variables):
        """Keep a named list of variables with the archive (ONNX stores the weights the endpoint uses)."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(f"ExportArchive.add_variable_collection: name must be an identifier, got {name!r}")
        self.variable_collections[name] = list(variables)

    def write_out(self, filepath, options=None, verbose=True):
        """Write the archive's one endpoint to ``filepath`` (``*.onnx``) as ONNX; returns the path."""
        path = os.fspath(filepath)
        if not path.endswith(".onnx"):
            raise ConfigError(f"ExportArchive.write_out({path!r}): a TensorFlow SavedModel needs TensorFlow, which "
                              f"neuroflow does not use; give a path ending in '.onnx' to write the endpoint as ONNX")
        if len(self.endpoints) != 1:
            raise ConfigError(f"ExportArchive.write_out: an ONNX file holds one endpoint, the archive has "
                              f"{len(self.endpoints)} ({sorted(self.endpoints)}); add exactly one (one archive per "
                              f"endpoint)")
        (model, signature), = self.endpoints.values()
        written = onnx_export(model, path, input_signature=signature)
        if verbose:
            print(f"Saved artifact at '{written}'. Endpoint: {next(iter(self.endpoints))}")
        return written


__all__ = ["ExportArchive"]
