"""Merge layers: combine a list of tensors — Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum, Dot —
and their functional shortcuts (``add([a, b])``, ``concatenate([a, b])``...).

Element-wise merges follow Keras: the batch sizes must agree; the other axes broadcast (equal sizes, or 1), and
an input of lower rank gets size-1 axes inserted right after its batch axis, so ``(batch, 3)`` merges with
``(batch, 4, 3)``. Shape mismatches raise a ShapeError naming the layer and every input shape.
"""
from __future__ import annotations

from .. import _validate as check, ops
from ..errors import ConfigError, ShapeError
from ..registry import register_builtin
from .base import Layer


def _fmt(shapes) -> str:
    return ", ".join("(" + ", ".join("None" if s is None else str(s) for s in shape) +
                     ("," if len(shape) == 1 else "") + ")" for shape in shapes)


@register_builtin
class Merge(Layer):
    """Base class of the merge layers: called on a list of tensors, returns one tensor.

    Subclasses implement ``_merge(tensors)`` and ``_output_shape(shapes)`` (which also validates the shapes and
    raises ShapeError); ``min_inputs``/``max_inputs`` bound the list's length.
    """

    min_inputs, max_inputs = 1, None

    def _kind(self) -> str:
        return f"{type(self).__name__} {self.name!r}"

    def _check_list(self, shapes):
        if not isinstance(shapes, list) or not shapes or not all(isinstance(s, (tuple, list)) for s in shapes):
            raise ShapeError(f"{self._kind()}: a merge layer is called on a list of tensors, e.g. "
                             f"{type(self).__name__}()([a, b]); got input shape {shapes}")
        n = len(shapes)
        if n < self.min_inputs or (self.max_inputs is not None and n > self.max_inputs):
            want = (f"exactly {self.min_inputs}" if self.min_inputs == self.max_inputs
                    else f"at least {self.min_inputs}")
            raise ShapeError(f"{self._kind()}: expects {want} inputs, got {n} (shapes {_fmt(shapes)})")
        if any(len(s) < 1 for s in shapes):
            raise ShapeError(f"{self._kind()}: inputs need a batch axis, got shapes {_fmt(shapes)}")
        batches = {s[0] for s in shapes if s[0] is not None}
        if len(batches) > 1:
            raise ShapeError(f"{self._kind()}: inputs have different batch sizes: shapes {_fmt(shapes)}")

    def build(self, input_shape):
        shapes = [tuple(s) for s in input_shape] if isinstance(input_shape, list) else input_shape
        self._check_list(shapes)
        self._output_shape(shapes)
        self.built = True

    def call(self, inputs):
        tensors = list(inputs) if isinstance(inputs, (list, tuple)) else inputs
        shapes = [tuple(t.shape) for t in tensors] if isinstance(tensors, list) else tuple(inputs.shape)
        self._check_list(shapes)
        self._output_shape(shapes)
        return self._merge(tensors)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        self._check_list(shapes)
        return self._output_shape(shapes)

    def _merge(self, tensors):  # pragma: no cover - abstract
        raise NotImplementedError

    def _output_shape(self, shapes):  # pragma: no cover - abstract
        raise NotImplementedError


class _ElementwiseMerge(Merge):
    """Merges by a binary op folded over the list, with Keras' broadcasting (see the module docstring)."""

    def _output_shape(self, shapes):
        batch = next((s[0] for s in shapes if s[0] is not None), None)
        rank = max(len(s) for s in shapes) - 1
        out = [1] * rank
        for shape in shapes:
            rest = (1,) * (rank - len(shape) + 1) + tuple(shape[1:])  # size-1 axes right after the batch axis
            for i, (o, r) in enumerate(zip(out, rest)):
                if o is None or r is None:  # unknown: a known size other than 1 decides, else stays unknown
                    known = r if o is None else o
                    out[i] = known if known not in (None, 1) else None
                elif o == 1:
                    out[i] = r
                elif r != 1 and r != o:
                    raise ShapeError(f"{self._kind()}: inputs have incompatible shapes {_fmt(shapes)}: they must "
                                     f"be equal (or 1) along every axis but the batch axis")
        return (batch,) + tuple(out)

    def _merge(self, tensors):
        rank = max(t.ndim for t in tensors)
        tensors = [t if t.ndim == rank else ops.reshape(t, (t.shape[0],) + (1,) * (rank - t.ndim) + t.shape[1:])
                   for t in tensors]
        out = tensors[0]
        for t in tensors[1:]:
            out = self._op(out, t)
        return self._finish(out, len(tensors))

    def _finish(self, out, n):
        return out


@register_builtin
class Add(_ElementwiseMerge):
    """Element-wise sum of the inputs. Shapes: ``[(batch, ...), ...]`` -> the broadcast shape."""

    _op = staticmethod(ops.add)


@register_builtin
class Subtract(_ElementwiseMerge):
    """``inputs[0] - inputs[1]`` (exactly two inputs). Shapes: ``[(batch, ...), (batch, ...)]`` -> broadcast."""

    min_inputs = max_inputs = 2
    _op = staticmethod(ops.subtract)


@register_builtin
class Multiply(_ElementwiseMerge):
    """Element-wise product of the inputs. Shapes: ``[(batch, ...), ...]`` -> the broadcast shape."""

    _op = staticmethod(ops.multiply)


@register_builtin
class Average(_ElementwiseMerge):
    """Element-wise mean of the inputs. Shapes: ``[(batch, ...), ...]`` -> the broadcast shape."""

    _op = staticmethod(ops.add)

    def _finish(self, out, n):
        return out if n == 1 else ops.multiply(out, 1.0 / n)


@register_builtin
class Maximum(_ElementwiseMerge):
    """Element-wise maximum of the inputs (gradient to the larger). Shapes: as :class:`Add`."""

    _op = staticmethod(ops.maximum)


@register_builtin
class Minimum(_ElementwiseMerge):
    """Element-wise minimum of the inputs (gradient to the smaller). Shapes: as :class:`Add`."""

    _op = staticmethod(ops.minimum)


@register_builtin
class Concatenate(Merge):
    """Joins the inputs along ``axis`` (default: the last).

    Shapes: ``[(batch, ..., d_i, ...), ...]`` (equal ranks, equal sizes off ``axis``) -> ``(batch, ..., sum d_i,
    ...)``.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if not check.is_int(axis):
            raise check.ArgumentTypeError(f"Concatenate {self.name!r}: axis must be an int, got "
                                          f"{check.describe(axis)}")
        self.axis = axis

    def _output_shape(self, shapes):
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            raise ShapeError(f"{self._kind()}: inputs must have the same rank, got shapes {_fmt(shapes)}")
        if not -rank <= self.axis < rank:
            raise ShapeError(f"{self._kind()}: axis {self.axis} is out of range for inputs of rank {rank} "
                             f"(shapes {_fmt(shapes)})")
        axis = self.axis % rank
        out = []
        for i in range(rank):
            sizes = [s[i] for s in shapes]
            if i == axis:
                out.append(None if None in sizes else sum(sizes))
                continue
            known = {n for n in sizes if n is not None}
            if len(known) > 1:
                raise ShapeError(f"{self._kind()}: inputs must match on every axis except the concatenation "
                                 f"axis {self.axis}; got shapes {_fmt(shapes)}")
            out.append(known.pop() if known else None)
        return tuple(out)

    def _merge(self, tensors):
        return tensors[0] if len(tensors) == 1 else ops.concatenate(tensors, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


@register_builtin
class Dot(Merge):
    """Batch dot product of two tensors (Keras' ``Dot``): contracts ``inputs[0]``'s axis ``axes[0]`` with
    ``inputs[1]``'s axis ``axes[1]`` per sample; ``normalize=True`` L2-normalizes both along those axes first
    (giving cosine similarity).

    ``axes``: an int (the same axis for both) or a pair; never the batch axis 0.
    Shapes: ``(batch, *a)``, ``(batch, *b)`` -> ``(batch, *a without axes[0], *b without axes[1])``, and
    ``(batch, 1)`` when nothing else remains, e.g. ``(b, n), (b, n)`` -> ``(b, 1)``; ``(b, m, n), (b, n, p)``
    with ``axes=(2, 1)`` -> ``(b, m, p)``.
    """

    min_inputs = max_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        ok = check.is_int(axes) or (isinstance(axes, (list, tuple)) and len(axes) == 2 and
                                    all(check.is_int(a) for a in axes))
        if not ok:
            raise ConfigError(f"Dot {self.name!r}: axes must be an int or a pair of ints, got {axes!r}")
        self.axes = axes if isinstance(axes, int) else tuple(axes)
        self.normalize = check.boolean(normalize, f"Dot {self.name!r}", "normalize")

    def _resolve(self, shapes):
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        out = []
        for a, shape in zip(pair, shapes):
            if not -len(shape) <= a < len(shape) or a % len(shape) == 0:
                raise ShapeError(f"{self._kind()}: axes {self.axes} must name a non-batch axis of each input; "
                                 f"got shapes {_fmt(shapes)}")
            out.append(a % len(shape))
        return out

    def _output_shape(self, shapes):
        a0, a1 = self._resolve(shapes)
        s0, s1 = shapes
        if s0[a0] is not None and s1[a1] is not None and s0[a0] != s1[a1]:
            raise ShapeError(f"{self._kind()}: cannot contract axis {a0} of size {s0[a0]} with axis {a1} of size "
                             f"{s1[a1]} (shapes {_fmt(shapes)})")
        rest = [n for i, n in enumerate(s0) if i != a0] + [n for i, n in enumerate(s1[1:], 1) if i != a1]
        return tuple(rest) + ((1,) if len(rest) == 1 else ())

    def _merge(self, tensors):
        x1, x2 = tensors
        a0, a1 = self._resolve([x1.shape, x2.shape])
        if self.normalize:
            x1, x2 = _l2_normalize(x1, a0), _l2_normalize(x2, a1)
        b = x1.shape[0]
        rest1 = [i for i in range(1, x1.ndim) if i != a0]
        rest2 = [i for i in range(1, x2.ndim) if i != a1]
        # one batched matmul: (b, P, k) @ (b, k, Q), P and Q the flattened remaining axes
        m1 = _transposed(x1, [0] + rest1 + [a0])
        m2 = _transposed(x2, [0, a1] + rest2)
        m1 = ops.reshape(m1, (b, -1, x1.shape[a0]))
        m2 = ops.reshape(m2, (b, x2.shape[a1], -1))
        out_shape = (b,) + tuple(x1.shape[i] for i in rest1) + tuple(x2.shape[i] for i in rest2)
        return ops.reshape(ops.matmul(m1, m2), out_shape if len(out_shape) > 1 else (b, 1))

    def get_config(self):
        axes = self.axes if isinstance(self.axes, int) else list(self.axes)
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}


def _transposed(x, perm):
    return x if perm == list(range(x.ndim)) else ops.transpose(x, tuple(perm))


def _l2_normalize(x, axis, epsilon=1e-12):
    """``x / sqrt(max(sum(x**2, axis), epsilon))`` (Keras' ``l2_normalize``)."""
    return ops.divide(x, ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), epsilon)))


# --- functional shortcuts (Keras: ``keras.layers.add([a, b])``) ------------------------------------------------------
def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """``Dot(axes, normalize, **kwargs)(inputs)``."""
    return Dot(axes, normalize=normalize, **kwargs)(inputs)
