"""Keras' ``model_to_dot`` and ``plot_model``: a model's layers and connections as a Graphviz drawing.

The DOT text is built here (nothing installed needed); ``plot_model`` renders it with the ``dot`` program or the
``graphviz`` Python package, and otherwise writes the ``.dot`` text beside the requested file with a warning.
``model_to_dot`` returns a ``pydot.Dot`` when pydot is installed (as Keras does), else the DOT text.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import warnings


def _q(text) -> str:
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def _shape(layer, which):
    """The shapes a layer's first call in the graph took (``which="input"``) or gave (``"output"``)."""
    nodes = getattr(layer, "_inbound_nodes", [])
    if not nodes:  # an InputLayer: its tensor is both
        t = getattr(layer, "output", None)
        return str(getattr(t, "shape", "?"))
    node = nodes[0]
    tensors = node.flat_inputs() if which == "input" else node.outputs
    tensors = tensors if isinstance(tensors, (list, tuple)) else [tensors]
    return ", ".join(str(getattr(t, "shape", "?")) for t in tensors)


def _edges(model):
    """(parent layer, child layer) pairs: a Sequential chain, or the functional graph's inbound nodes."""
    layers = list(model.layers)
    names = {id(layer) for layer in layers}
    edges = []
    for layer in layers:
        for node in getattr(layer, "_inbound_nodes", []):
            for t in node.flat_inputs():
                parent = getattr(getattr(t, "node", None), "layer", None)
                if parent is not None and id(parent) in names:
                    edges.append((parent, layer))
    if not edges:  # a Sequential model: its layers in order
        edges = list(zip(layers[:-1], layers[1:]))
    return layers, edges


def model_to_dot_text(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                      show_layer_activations=False, show_trainable=False, dpi=200) -> str:
    """The DOT text of ``model``: one box per layer (name, class, optionally shapes, dtype, activation,
    trainability), one arrow per connection."""
    layers, edges = _edges(model)
    out = [f'digraph "{_q(model.name)}" {{', f"  rankdir={rankdir};", f"  dpi={int(dpi)};",
           '  node [shape=record, fontname="Helvetica", fontsize=10];']
    for layer in layers:
        title = f"{layer.name}|{type(layer).__name__}" if show_layer_names else type(layer).__name__
        extra = []
        if show_layer_activations and getattr(layer, "activation", None) is not None:
            extra.append(f"activation: {getattr(layer.activation, '__name__', layer.activation)}")
        if show_dtype:
            extra.append(f"dtype: {getattr(layer, 'dtype', '?')}")
        if show_shapes:
            extra += [f"input: {_shape(layer, 'input')}", f"output: {_shape(layer, 'output')}"]
        if show_trainable:
            extra.append(f"trainable: {getattr(layer, 'trainable', True)}")
        label = "{" + "|".join(_q(p) for p in [title] + extra) + "}"
        out.append(f'  "{id(layer)}" [label="{label}"];')
    for parent, child in edges:
        out.append(f'  "{id(parent)}" -> "{id(child)}";')
    out.append("}")
    return "\n".join(out)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False, show_trainable=False,
                 **kwargs):
    """A ``pydot.Dot`` of the model (DOT text when pydot is not installed)."""
    text = model_to_dot_text(model, show_shapes, show_dtype, show_layer_names, rankdir, show_layer_activations,
                             show_trainable, dpi)
    try:
        import pydot
    except ImportError:
        return text
    return pydot.graph_from_dot_data(text)[0]


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
               **kwargs):
    """Draw ``model`` to ``to_file`` (format from the extension: png, svg, pdf, or dot for the text itself).
    Returns the path written (the ``.dot`` fallback's when no Graphviz renderer is installed)."""
    text = model_to_dot_text(model, show_shapes, show_dtype, show_layer_names, rankdir, show_layer_activations,
                             show_trainable, dpi)
    fmt = os.path.splitext(str(to_file))[1].lstrip(".").lower() or "png"
    if fmt == "dot":
        with open(to_file, "w") as f:
            f.write(text)
        return to_file
    exe = shutil.which("dot")
    if exe:
        subprocess.run([exe, f"-T{fmt}", "-o", str(to_file)], input=text.encode(), check=True)
        return to_file
    try:
        import graphviz
        with open(to_file, "wb") as f:
            f.write(graphviz.Source(text).pipe(format=fmt))
        return to_file
    except Exception:  # no graphviz package, or no dot binary behind it
        fallback = os.path.splitext(str(to_file))[0] + ".dot"
        with open(fallback, "w") as f:
            f.write(text)
        warnings.warn(f"plot_model: Graphviz is not installed, so {to_file} was not drawn; the DOT text is in "
                      f"{fallback} (apt-get install graphviz, or render it at any Graphviz viewer)", stacklevel=2)
        return fallback


__all__ = ["model_to_dot", "plot_model"]
