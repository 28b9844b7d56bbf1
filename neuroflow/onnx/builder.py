"""The ONNX graph builder: unique names, initializers, nodes and value infos, assembled with ``onnx.helper``.

Converters never touch protobuf: they ask the builder for nodes (``g.node('Relu', [x])``) and constants
(``g.const(array)``) by name, and get back the names of the values made. Values flowing between layers are
:class:`Value`: an ONNX name with the static shape neuroflow knows (the batch axis ``None``, exported as the
symbolic dimension ``'batch'``), a dtype, and the Keras mask that travels with it (a float 0/1 Value of shape
``(batch, timesteps)``, or None).
"""
from __future__ import annotations

import numpy as np

BATCH = "batch"  # the symbolic name of every free axis (the batch axis) in the exported graph


class Value:
    """One tensor of the exported graph: ``name`` (ONNX), ``shape`` (batch axis ``None``), ``dtype``, ``mask``."""

    __slots__ = ("name", "shape", "dtype", "mask")

    def __init__(self, name, shape, dtype, mask=None):
        self.name = name
        self.shape = None if shape is None else tuple(shape)
        self.dtype = np.dtype(dtype)
        self.mask = mask

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<Value {self.name} shape={self.shape} dtype={self.dtype}>"


class GraphBuilder:
    """Collects the nodes, initializers, inputs, outputs and value infos of one ONNX graph at ``opset``.

    ``onnx`` is the imported ``onnx`` module (passed in, so that this file imports nothing optional).
    """

    def __init__(self, onnx, opset: int):
        self.onnx, self.opset = onnx, int(opset)
        self.nodes, self.initializers, self.inputs, self.outputs, self.value_infos = [], [], [], [], []
        self._taken = set()
        self._consts = {}
        self._described = set()  # values with a value info, graph inputs included (they carry their own)

    # --- names and declarations -------------------------------------------------------------------------------
    def name(self, hint: str) -> str:
        """``hint``, or ``hint_1``, ``hint_2``... : a name no other value, node or initializer has."""
        base = "".join(c if c.isalnum() or c in "_./-" else "_" for c in str(hint)) or "v"
        name, n = base, 0
        while name in self._taken:
            n += 1
            name = f"{base}_{n}"
        self._taken.add(name)
        return name

    def _tensor_type(self, name, shape, dtype):
        dims = [BATCH if d is None else int(d) for d in shape]
        elem = self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
        return self.onnx.helper.make_tensor_value_info(name, elem, dims)

    def add_input(self, hint, shape, dtype) -> Value:
        """A graph input of ``shape`` (None: the batch axis) and ``dtype``."""
        name = self.name(hint)
        self._described.add(name)
        self.inputs.append(self._tensor_type(name, shape, dtype))
        return Value(name, shape, dtype)

    def reserve(self, hints) -> list:
        """Unique names for ``hints``, taken now so that no node made later uses them (the graph's output names)."""
        return [self.name(h) for h in hints]

    def add_output(self, value: Value, name: str) -> str:
        """Expose ``value`` as the graph output ``name`` (from :meth:`reserve`), through an Identity, so that one
        value can be two outputs, or an input an output."""
        self.nodes.append(self.onnx.helper.make_node("Identity", [value.name], [name], name=self.name(f"{name}/out")))
        self.outputs.append(self._tensor_type(name, value.shape, value.dtype))
        return name

    def describe(self, value: Value) -> None:
        """Record ``value``'s shape and dtype as a value info (documentation for viewers, a check for onnx)."""
        if value.shape is not None and value.name not in self._described:
            self._described.add(value.name)
            self.value_infos.append(self._tensor_type(value.name, value.shape, value.dtype))

    # --- constants --------------------------------------------------------------------------------------------
    def const(self, array, hint: str = "const", dtype=None) -> str:
        """An initializer holding ``array`` (cast to ``dtype`` when given); the name of its value."""
        arr = np.asarray(array, dtype=dtype)
        if arr.dtype == np.float64 and dtype is None and not isinstance(array, np.ndarray):
            arr = arr.astype(np.float32)  # Python floats become float32 unless a dtype says otherwise
        name = self.name(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def ints(self, values, hint: str = "ints") -> str:
        """A 1-D int64 initializer (shapes, axes, pads), shared between equal requests."""
        key = tuple(int(v) for v in values)
        if key not in self._consts:
            self._consts[key] = self.const(np.array(key, dtype=np.int64), hint)
        return self._consts[key]

    def scalar(self, value, dtype, hint: str = "scalar") -> str:
        """A 0-d initializer of ``dtype`` (for element-wise arithmetic with a value of that dtype)."""
        return self.const(np.array(value, dtype=dtype), hint)

    # --- nodes ------------------------------------------------------------------------------------------------
    def node(self, op: str, inputs, hint: str | None = None, outputs: int = 1, **attrs):
        """Append an ``op`` node on the named ``inputs`` ("" for an omitted optional one) with ``attrs``.

        Returns the output name, or a list of ``outputs`` names when more than one.
        """
        hint = hint or op.lower()
        outs = [self.name(hint if outputs == 1 else f"{hint}_{i}") for i in range(outputs)]
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), outs, name=self.name(f"{hint}/{op}"),
                                                     **attrs))
        return outs[0] if outputs == 1 else outs

    # --- common shapes of nodes (opset differences live here) -------------------------------------------------
    def reduce(self, op: str, x: str, axes, keepdims: bool = False, hint=None) -> str:
        """``op`` (ReduceMean, ReduceMax, ReduceSum...) over ``axes``: an attribute before opset 18 (13 for
        ReduceSum), an input from then on."""
        axes = [int(a) for a in axes]
        as_input = self.opset >= (13 if op == "ReduceSum" else 18)
        if as_input:
            return self.node(op, [x, self.ints(axes, "axes")], hint, keepdims=int(keepdims))
        return self.node(op, [x], hint, axes=axes, keepdims=int(keepdims))

    def reshape(self, x: str, shape, hint=None) -> str:
        """Reshape to ``shape``: ``0`` keeps the input's size on that axis (the batch axis), ``-1`` is inferred."""
        return self.node("Reshape", [x, self.ints(shape, "shape")], hint)

    def transpose(self, x: str, perm, hint=None) -> str:
        """``x`` with its axes in ``perm`` order (no node for the identity permutation)."""
        perm = [int(p) for p in perm]
        if perm == sorted(perm):
            return x
        return self.node("Transpose", [x], hint, perm=perm)

    def unsqueeze(self, x: str, axes, hint=None) -> str:
        """``x`` with size-1 axes inserted at ``axes`` (positions in the output)."""
        return self.node("Unsqueeze", [x, self.ints(axes, "axes")], hint)

    def squeeze(self, x: str, axes, hint=None) -> str:
        """``x`` without its size-1 ``axes``."""
        return self.node("Squeeze", [x, self.ints(axes, "axes")], hint)

    def slice(self, x: str, starts, ends, axes, steps=None, hint=None) -> str:
        """``x[starts:ends:steps]`` along ``axes`` (static bounds)."""
        ins = [x, self.ints(starts, "starts"), self.ints(ends, "ends"), self.ints(axes, "axes")]
        if steps is not None:
            ins.append(self.ints(steps, "steps"))
        return self.node("Slice", ins, hint)

    def flip(self, x: str, axis: int, hint=None) -> str:
        """Reverse ``x`` along ``axis`` (a Slice with step -1)."""
        return self.slice(x, [-1], [np.iinfo(np.int64).min], [axis], [-1], hint or "flip")

    def cast(self, x: str, dtype, hint=None) -> str:
        """``x`` converted to the NumPy ``dtype``."""
        return self.node("Cast", [x], hint, to=self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))

    # --- the model ------------------------------------------------------------------------------------------------
    def model(self, graph_name: str, doc: str = ""):
        """The assembled ``ModelProto``."""
        helper = self.onnx.helper
        graph = helper.make_graph(self.nodes, graph_name, self.inputs, self.outputs, self.initializers,
                                  doc_string=doc, value_info=self.value_infos)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="neuroflow")
        model.ir_version = min(model.ir_version, _max_ir_version(self.onnx, self.opset))
        return model


def _max_ir_version(onnx, opset: int) -> int:
    """The IR version that came with ``opset`` (older runtimes refuse files of a newer IR version)."""
    rows = getattr(onnx.helper, "VERSION_TABLE", [])  # (release, ir_version, ai.onnx opset, ...)
    fitting = [row[1] for row in rows if row[2] == opset]
    return min(fitting) if fitting else onnx.IR_VERSION
