"""``neuroflow.function``: compile a user's function of Tensors/arrays (``tf.function``'s role).

The function is traced per input signature (the shapes and dtypes of its Tensor and array arguments, the values
of its other arguments, grad mode), twice, and then replayed without Python op dispatch; host reads of values
(``if ops.mean(x) > 0:``) become guards, and a call whose guard fails re-traces. What it returns is graph-free:
its Tensors carry values, not a graph (call the function eagerly, or under an input that requires grad, to
differentiate through it: such a call runs eagerly). A function that calls ``backward()`` or draws random numbers
outside graph nodes runs eagerly too; ``f.status()`` says why.
"""
from __future__ import annotations

import functools

from ..autograd import function as _function
from ..autograd.function import is_grad_enabled
from ..autograd.tensor import Tensor
from ..backend import is_array
from ..errors import ConfigError
from .. import random as nf_random
from .program_cache import ProgramCache
from .optimized import optimized_executable
from .trace import Recorder


def _flatten(struct, leaves):
    """Leaves of nested lists/tuples/dicts into ``leaves``; returns the structure with leaves numbered."""
    if isinstance(struct, (list, tuple)):
        return type(struct)(_flatten(s, leaves) for s in struct) if not hasattr(struct, "_fields") else \
            type(struct)(*[_flatten(s, leaves) for s in struct])
    if isinstance(struct, dict):
        return {k: _flatten(v, leaves) for k, v in struct.items()}
    leaves.append(struct)
    return _Leaf(len(leaves) - 1)


class _Leaf:
    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i

    def __eq__(self, other):
        return isinstance(other, _Leaf) and other.i == self.i

    def __hash__(self):
        return hash(self.i)


def _pack(shape, values):
    if isinstance(shape, _Leaf):
        return values[shape.i]
    if isinstance(shape, (list, tuple)):
        items = [_pack(s, values) for s in shape]
        return type(shape)(*items) if hasattr(shape, "_fields") else type(shape)(items)
    if isinstance(shape, dict):
        return {k: _pack(v, values) for k, v in shape.items()}
    return shape


def _key_of(shape):
    """A hashable form of a flattened structure."""
    if isinstance(shape, _Leaf):
        return ("leaf", shape.i)
    if isinstance(shape, (list, tuple)):
        return (type(shape).__name__,) + tuple(_key_of(s) for s in shape)
    if isinstance(shape, dict):
        return ("dict",) + tuple((k, _key_of(v)) for k, v in shape.items())
    return shape


class CompiledFunction:
    """A function compiled by :func:`function`; call it as the function itself. ``status()`` lists what each
    input signature does (traces, replays, why it runs eagerly)."""

    def __init__(self, fn, reduce_retracing: bool = False, passes: int = 0):
        if not callable(fn):
            raise ConfigError(f"neuroflow.function: expected a callable, got {type(fn).__name__}")
        if passes not in (0, 1, 2) or isinstance(passes, bool):
            raise ConfigError(f"neuroflow.function: passes must be 0, 1 or 2, got {passes!r}")
        self.fn = fn
        self.reduce_retracing = bool(reduce_retracing)
        self.passes = passes
        self.cache = ProgramCache(f"function {getattr(fn, '__name__', 'fn')!r}", make=self._executable)
        functools.update_wrapper(self, fn)

    def _executable(self, trace):
        """The trace's executable, its program optimised at level ``passes`` (guarded slots kept)."""
        return optimized_executable(trace, self.passes)

    def programs(self) -> list:
        """The programs compiled so far (after passes), most recently used first, for inspection
        (``program.graph_table()``, ``program.to_dot()``; ``program.meta["unoptimized"]`` with passes)."""
        return [exe.program for e in self.cache.entries.values() for exe in e.executables]

    def __call__(self, *args, **kwargs):
        if _function._recorder is not None:  # inside another trace: that one records these ops
            return self.fn(*args, **kwargs)
        leaves = []
        shape = _flatten((args, kwargs), leaves)
        feeds, sig = [], []
        for leaf in leaves:
            if isinstance(leaf, Tensor):
                if leaf.requires_grad:  # the caller differentiates through this call: eager, with its graph
                    return self.fn(*args, **kwargs)
                feeds.append(leaf.data)
                sig.append(("tensor", leaf.data.shape, leaf.data.dtype.str))
            elif is_array(leaf):  # a NumPy or device array
                feeds.append(leaf)
                sig.append(("array", leaf.shape, leaf.dtype.str))
            else:
                try:
                    hash(leaf)
                except TypeError:
                    return self.fn(*args, **kwargs)  # an unhashable Python value: no signature, eager
                sig.append(("value", type(leaf).__name__, leaf))
        if not feeds:
            return self.fn(*args, **kwargs)
        key = (_key_of(shape), tuple(sig), is_grad_enabled())
        return self.cache.run(key, lambda exe: self._replay(exe, feeds),
                              lambda: self._trace(args, kwargs, feeds),
                              lambda: self.fn(*args, **kwargs))

    def _trace(self, args, kwargs, feeds):
        rec = Recorder(feeds, [nf_random.default_generator()])
        with rec:
            result = self.fn(*args, **kwargs)
        out_leaves = []
        out_shape = _flatten(result, out_leaves)
        tensors = [t for t in out_leaves if isinstance(t, Tensor)]
        trace = rec.finish(tensors)
        if rec.backward_called:
            trace.unsafe = trace.unsafe or ("the function calls backward(): gradients and optimizer updates are "
                                            "not recorded, so it runs eagerly")
        if any(is_array(t) for t in out_leaves):  # NumPy's or a device's: either was computed outside the graph
            trace.unsafe = trace.unsafe or ("the function returns a NumPy array, computed outside the graph: it "
                                            "runs eagerly (return Tensors to compile it)")
        trace.output_shape = out_shape
        trace.output_leaves = [None if isinstance(t, Tensor) else t for t in out_leaves]
        return result, trace

    def _replay(self, exe, feeds):
        arrays = exe.forward(feeds)
        trace = exe.trace
        it = iter(arrays)
        values = [Tensor._from_op(next(it), None) if leaf is None else leaf for leaf in trace.output_leaves]
        return _pack(trace.output_shape, values)

    def status(self) -> list:
        """One dict per input signature: ``compiled``, ``traces``, ``replays``, ``eager`` (why, or None)."""
        return list(self.cache.status().values())

    def __get__(self, obj, objtype=None):  # a decorated method binds like a function
        if obj is None:
            return self
        return functools.partial(self.__call__, obj)


def function(fn=None, *, reduce_retracing: bool = False, jit_compile=None, passes: int = 0):
    """Compile ``fn`` (a function of Tensors and arrays): ``f = neuroflow.function(fn)`` or ``@neuroflow.function``.

    Each call with a new input signature (shapes and dtypes of its Tensor/array arguments, the values of its
    other arguments) traces ``fn`` — twice, on two calls — and later calls replay the recorded ops without Python
    dispatch. Results equal the eager function's bit for bit; Tensors a replayed call returns carry no graph. A call with an
    input that requires grad runs eagerly (with its graph). ``reduce_retracing`` and ``jit_compile`` are
    TensorFlow's arguments, accepted for compatibility (signatures here are exact shapes). ``passes`` (0, 1 or
    2): optimise each compiled program with ``neuroflow.compile.passes.optimize`` at that level (1: dead nodes,
    constant folding, common subexpressions, values bit for bit; 2: also element-wise fusion, within its
    stated tolerance).
    """
    if fn is None:
        return lambda f: CompiledFunction(f, reduce_retracing, passes)
    return CompiledFunction(fn, reduce_retracing, passes)


__all__ = ["function", "CompiledFunction"]
