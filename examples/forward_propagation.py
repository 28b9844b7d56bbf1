"""The course's hand-computed forward passes, run as neuroflow models with the weights set by hand.

Network 1 (bank transactions): inputs ``[2, 3]`` (children, accounts); hidden node 0 has weights ``[1, 1]``,
node 1 ``[-1, 1]``; the output node ``[2, -1]``; no biases. With linear activations: hidden ``[5, 1]``, output
``2*5 - 1*1 = 9`` transactions. The same network with a tanh hidden layer gives ``2*tanh(5) - tanh(1) = 1.2382``
and with a relu hidden layer ``9`` again (both hidden values are positive).

Network 2 (two relu hidden layers, DataCamp "Deep Learning in Python"): input ``[3, 5]``; layer 0: node_0_0
``[2, 4]`` -> 26, node_0_1 ``[4, -5]`` -> relu(-13) = 0; layer 1: node_1_0 ``[-1, 2]`` -> relu(-26) = 0,
node_1_1 ``[1, 2]`` -> 26; output ``[2, 7]`` -> ``7*26 = 182``.

A Dense kernel has shape ``(inputs, units)``: column ``j`` holds node ``j``'s weights, so the course's per-node
weight lists are stacked as columns. Every value is printed next to an independent NumPy computation and the
course's number.

Run: ``python examples/forward_propagation.py``.
"""
from __future__ import annotations

import os
import sys

import numpy as np

try:
    import neuroflow as keras
except ImportError:  # run from a source checkout without installing: the package sits one folder up
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import neuroflow as keras
from neuroflow.layers import Dense
from neuroflow.models import Sequential

# The course's weights, one list per node.
INPUT_1 = [2, 3]
WEIGHTS_1 = {"node_0": [1, 1], "node_1": [-1, 1], "output": [2, -1]}
INPUT_2 = [3, 5]
WEIGHTS_2 = {"node_0_0": [2, 4], "node_0_1": [4, -5], "node_1_0": [-1, 2], "node_1_1": [1, 2], "output": [2, 7]}

# The numbers printed in the course, to compare with.
COURSE = {"linear": {"hidden": [5.0, 1.0], "output": 9.0},
          "tanh": {"hidden": [0.9999092042625951, 0.7615941559557649], "output": 1.2382242525694254},
          "relu": {"hidden": [5.0, 1.0], "output": 9.0},
          "two_layer": {"hidden_0": [26.0, 0.0], "hidden_1": [0.0, 26.0], "output": 182.0}}


def _kernel(*nodes):
    """Per-node weight lists -> a Dense kernel ``(inputs, units)`` (one column per node)."""
    return np.array(nodes, dtype="float32").T


def network_1(activation):
    """The 2-2-1 network with ``activation`` on the hidden layer, weights set from ``WEIGHTS_1``."""
    model = Sequential([Dense(2, activation=activation, use_bias=False, input_dim=2),
                        Dense(1, activation="linear", use_bias=False)])
    model.layers[0].set_weights([_kernel(WEIGHTS_1["node_0"], WEIGHTS_1["node_1"])])
    model.layers[1].set_weights([_kernel(WEIGHTS_1["output"])])
    return model


def network_2():
    """The 2-2-2-1 network with two relu hidden layers, weights set from ``WEIGHTS_2``."""
    w = WEIGHTS_2
    model = Sequential([Dense(2, activation="relu", use_bias=False, input_dim=2),
                        Dense(2, activation="relu", use_bias=False),
                        Dense(1, activation="linear", use_bias=False)])
    model.layers[0].set_weights([_kernel(w["node_0_0"], w["node_0_1"])])
    model.layers[1].set_weights([_kernel(w["node_1_0"], w["node_1_1"])])
    model.layers[2].set_weights([_kernel(w["output"])])
    return model


def layer_outputs(model, x):
    """Each layer's output for one sample ``x`` (shape ``(features,)``), as lists of Python floats."""
    h = np.asarray([x], dtype="float32")  # a batch of one
    outs = []
    with keras.no_grad():
        for layer in model.layers:
            h = layer(h)
            outs.append([float(v) for v in h.data[0]])
    return outs


def numpy_network_1(activation):
    """Independent float64 computation of network 1: (hidden, output)."""
    act = {"linear": lambda z: z, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[activation]
    x = np.array(INPUT_1, dtype="float64")
    hidden = act(np.array([x @ WEIGHTS_1["node_0"], x @ WEIGHTS_1["node_1"]], dtype="float64"))
    return hidden.tolist(), float(hidden @ WEIGHTS_1["output"])


def numpy_network_2():
    """Independent float64 computation of network 2: (hidden_0, hidden_1, output)."""
    w = WEIGHTS_2
    x = np.array(INPUT_2, dtype="float64")
    h0 = np.maximum([x @ w["node_0_0"], x @ w["node_0_1"]], 0)
    h1 = np.maximum([h0 @ w["node_1_0"], h0 @ w["node_1_1"]], 0)
    return h0.tolist(), h1.tolist(), float(h1 @ w["output"])


def _fmt(v):
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return f"{v:g}" if float(v).is_integer() else f"{v:.6f}"


def _show(label, value, numpy_value, course_value):
    print(f"  {label:<9} = {_fmt(value):<22} (numpy: {_fmt(numpy_value)}, course: {_fmt(course_value)})")


def main(argv=None):
    """Run every network; print and return ``{name: {'hidden'...: [...], 'output': float}}``."""
    results = {}
    for act in ("linear", "tanh", "relu"):
        hidden, out = layer_outputs(network_1(act), INPUT_1)
        results[act] = {"hidden": hidden, "output": out[0]}
        np_hidden, np_out = numpy_network_1(act)
        print(f"Network 1, {act} hidden layer, input {INPUT_1}:")
        _show("hidden", hidden, np_hidden, COURSE[act]["hidden"])
        _show("output", out[0], np_out, COURSE[act]["output"])
    h0, h1, out = layer_outputs(network_2(), INPUT_2)
    results["two_layer"] = {"hidden_0": h0, "hidden_1": h1, "output": out[0]}
    np_h0, np_h1, np_out = numpy_network_2()
    print(f"Network 2, two relu hidden layers, input {INPUT_2}:")
    _show("hidden_0", h0, np_h0, COURSE["two_layer"]["hidden_0"])
    _show("hidden_1", h1, np_h1, COURSE["two_layer"]["hidden_1"])
    _show("output", out[0], np_out, COURSE["two_layer"]["output"])
    return results


if __name__ == "__main__":
    main()
