"""Shape and layout ops: reshape, transpose, expand_dims, squeeze, broadcast_to, concatenate, stack, split, pad,
flip, repeat, tile. Their backward only moves gradient values back to where they came from."""
from __future__ import annotations

from ..autograd.function import Function, sum_to
from ..autograd.tensor import as_tensor
import numpy

from .._validate import fits_in_memory, int_tuple
from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from ._axes import normalize_axes
from ._registry import differentiable
from .index import getitem


class Reshape(Function):
    __slots__ = ("src", "dst")
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def __init__(self, dst):
        self.dst = dst

    def forward(self, x):
        self.src = x.shape
        return x.reshape(self.dst)

    def backward(self, g):
        return (g.reshape(self.src),)


@differentiable
def reshape(x, newshape):
    """The same elements in a new shape (one axis may be -1). Shapes: ``(...)`` -> ``newshape``."""
    x = as_tensor(x)
    shape = int_tuple(newshape, "reshape", "newshape", minimum=-1)
    try:
        return Reshape(shape).apply(x)
    except ValueError:
        raise ShapeError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                         f"into shape {shape}") from None


class Transpose(Function):
    __slots__ = ("axes",)
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return get_array_module(x).transpose(x, self.axes)

    def backward(self, g):
        xp = get_array_module(g)
        inverse = tuple(int(i) for i in numpy.argsort(self.axes)) if self.axes is not None else None  # host metadata
        return (xp.transpose(g, inverse),)


@differentiable
def transpose(x, axes=None):
    """Permute axes (reverse them when ``axes`` is None). Shapes: ``(d0, ..., dn)`` -> ``(d[axes[0]], ...)``."""
    x = as_tensor(x)
    if axes is not None:
        axes = tuple(int(a) for a in axes)
        if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ShapeError(f"transpose: axes {axes} are not a permutation of the {x.ndim} axes of shape {x.shape}")
    return Transpose(axes).apply(x)


@differentiable
def expand_dims(x, axis):
    """Insert a size-1 axis at ``axis``. Shapes: ``(d0, ..., dn)`` -> one more axis of size 1."""
    x = as_tensor(x)
    nd = x.ndim + 1
    if not -nd <= axis < nd:
        raise ShapeError(f"expand_dims: axis {axis} is out of range for a result with {nd} dimensions")
    axis %= nd
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


@differentiable
def squeeze(x, axis=None):
    """Remove size-1 axes (all of them, or those in ``axis``). Shapes: ``(d0, ..., dn)`` -> fewer axes."""
    x = as_tensor(x)
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        axes = normalize_axes(axis, x.ndim, "squeeze")
        bad = [a for a in axes if x.shape[a] != 1]
        if bad:
            raise ShapeError(f"squeeze: axis {bad[0]} has size {x.shape[bad[0]]}, not 1 (shape {x.shape})")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


class BroadcastTo(Function):
    __slots__ = ("src", "dst")
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def __init__(self, dst):
        self.dst = dst

    def forward(self, x):
        self.src = x.shape
        return get_array_module(x).broadcast_to(x, self.dst)

    def backward(self, g):
        return (sum_to(g, self.src),)


@differentiable
def broadcast_to(x, shape):
    """Broadcast to ``shape`` (a read-only view). Shapes: ``(...)`` -> ``shape``."""
    x = as_tensor(x)
    shape = tuple(int(s) for s in shape)
    try:
        return BroadcastTo(shape).apply(x)
    except ValueError:
        raise ShapeError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None


class Concatenate(Function):
    __slots__ = ("axis", "sizes")
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        self.sizes = [x.shape[self.axis] for x in xs]
        return get_array_module(xs[0]).concatenate(xs, axis=self.axis)

    def backward(self, g):
        xp = get_array_module(g)
        bounds = numpy.cumsum(self.sizes[:-1]).tolist()  # host metadata: no device round trip
        return tuple(xp.split(g, bounds, axis=self.axis))


def _same_dtype(xs, op):
    xs = [as_tensor(x) for x in xs]
    if not xs:
        raise ShapeError(f"{op}: needs at least one tensor")
    floats = [x for x in xs if x.dtype.kind == "f"]
    if floats:
        xs = [as_tensor(x.data, like=floats[0]) if not x.requires_grad else x for x in xs]
    return xs


@differentiable
def concatenate(xs, axis=0):
    """Join tensors along an existing ``axis`` (``None``: flattened first, as NumPy). Shapes: all equal except
    along ``axis`` -> summed along it."""
    xs = _same_dtype(xs, "concatenate")
    if axis is None:
        xs, axis = [reshape(x, (-1,)) for x in xs], 0
    nd = xs[0].ndim
    if not -nd <= axis < nd:
        raise ShapeError(f"concatenate: axis {axis} is out of range for tensors with {nd} dimensions")
    axis %= nd
    for i, x in enumerate(xs):
        if x.ndim != nd or any(a != b for j, (a, b) in enumerate(zip(x.shape, xs[0].shape)) if j != axis):
            raise ShapeError(f"concatenate: tensor {i} has shape {x.shape}, which does not match {xs[0].shape} "
                             f"outside axis {axis}")
    return Concatenate(axis).apply(*xs)


@differentiable
def stack(x, axis=0):
    """Join the equally shaped tensors of the sequence ``x`` along a new ``axis``. Shapes: n x ``(...)`` -> one
    more axis of size n."""
    xs = _same_dtype(x, "stack")
    for i, x in enumerate(xs):
        if x.shape != xs[0].shape:
            raise ShapeError(f"stack: tensor {i} has shape {x.shape}, expected {xs[0].shape} like tensor 0")
    return concatenate([expand_dims(x, axis) for x in xs], axis=axis)


@differentiable
def split(x, indices_or_sections, axis=0):
    """Split into a list of tensors along ``axis``: into n equal parts, or at the given indices (NumPy rules)."""
    from .index import getitem
    x = as_tensor(x)
    axis = normalize_axes(axis, x.ndim, "split")[0]
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if indices_or_sections <= 0 or n % indices_or_sections:
            raise ShapeError(f"split: axis {axis} of size {n} cannot be split into {indices_or_sections} equal parts")
        step = n // indices_or_sections
        bounds = list(range(0, n + 1, step))
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    lead = (slice(None),) * axis
    return [getitem(x, lead + (slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:])]


class Pad(Function):
    __slots__ = ("width", "mode", "value")

    def __init__(self, width, mode, value):
        self.width, self.mode, self.value = width, mode, value

    def forward(self, x):
        xp = get_array_module(x)
        if self.mode == "constant":
            return xp.pad(x, self.width, mode="constant", constant_values=self.value)
        return xp.pad(x, self.width, mode=self.mode)

    def backward(self, g):
        index = tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(self.width))
        return (g[index],)

    def backward_graph(self, g):  # (affine for a non-zero constant, so not the generic linear rule)
        return (getitem(g, tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(self.width))),)


@differentiable
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad (NumPy's ``pad_width`` forms: int, (before, after), or one pair per axis) with a constant, or by
    ``'reflect'``, ``'symmetric'``, ``'edge'`` or ``'wrap'`` (read from inside the tensor).

    Shapes: ``(d0, ..., dn)`` -> ``(d0 + before0 + after0, ...)``. Every mode is differentiable: the non-constant
    ones are gathers along each padded axis, whose backward adds each padded entry's gradient to its source.
    """
    x = as_tensor(x)
    xp = get_array_module(x.data)
    try:
        width = numpy.broadcast_to(numpy.asarray(pad_width), (x.ndim, 2))  # host metadata
    except ValueError:
        width = None
    if width is None or width.dtype.kind not in "iu" or (width < 0).any():
        raise ConfigError(f"pad: pad_width must be ints >= 0 (an int, a (before, after) pair or one pair per axis "
                          f"of the {x.ndim}-d input), got {pad_width!r}")
    width = width.tolist()
    if mode == "constant":
        value = 0 if constant_values is None else constant_values
        return Pad(tuple(tuple(w) for w in width), mode, value).apply(x)
    if mode not in ("reflect", "symmetric", "edge", "wrap"):
        raise ShapeError(f"pad: mode must be one of constant, reflect, symmetric, edge, wrap; got {mode!r}")
    if constant_values is not None:
        raise ConfigError(f"pad: constant_values can only be given with mode='constant', got mode={mode!r} and "
                          f"constant_values={constant_values!r}")
    for axis, (before, after) in enumerate(width):
        if before or after:
            if mode == "reflect" and max(before, after) >= x.shape[axis]:
                raise ShapeError(f"pad: reflect padding of {max(before, after)} needs more than {x.shape[axis]} "
                                 f"elements on axis {axis}")
            source = xp.pad(xp.arange(x.shape[axis]), (before, after), mode=mode)  # where each entry comes from
            x = getitem(x, (slice(None),) * axis + (source,))
    return x


class Flip(Function):
    __slots__ = ("axes",)
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return get_array_module(x).flip(x, self.axes)

    def backward(self, g):
        return (get_array_module(g).flip(g, self.axes),)


@differentiable
def flip(x, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None). Shapes: any -> same."""
    x = as_tensor(x)
    return Flip(normalize_axes(axis, x.ndim, "flip")).apply(x)


class Repeat(Function):
    __slots__ = ("repeats", "axis", "shape")
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def __init__(self, repeats, axis):
        self.repeats, self.axis = repeats, axis

    def forward(self, x):
        self.shape = x.shape
        return get_array_module(x).repeat(x, self.repeats, axis=self.axis)

    def backward(self, g):
        xp = get_array_module(g)
        if self.axis is None:
            g = g.reshape(-1)
            axis, n = 0, int(numpy.prod(self.shape))
        else:
            axis, n = self.axis, self.shape[self.axis]
        if isinstance(self.repeats, int):
            split_shape = g.shape[:axis] + (n, self.repeats) + g.shape[axis + 1:]
            gx = g.reshape(split_shape).sum(axis=axis + 1)
        else:
            starts = xp.concatenate([xp.zeros(1, dtype=int), xp.cumsum(self.repeats)[:-1]])
            gx = xp.add.reduceat(g, starts, axis=axis)
            gx[(slice(None),) * axis + (xp.asarray(self.repeats) == 0,)] = 0  # reduceat cannot express empty runs
        return (gx.reshape(self.shape),)


@differentiable
def repeat(x, repeats, axis=None):
    """Repeat each element ``repeats`` times along ``axis`` (flattened when None), as ``numpy.repeat``."""
    x = as_tensor(x)
    if axis is not None:
        axis = normalize_axes(axis, x.ndim, "repeat")[0]
    if isinstance(repeats, (int, list, tuple)):  # host values: checked here, not by NumPy's bare ValueError
        int_tuple(repeats, "repeat", "repeats", minimum=0)
    if not isinstance(repeats, int):
        repeats = get_array_module().asarray(repeats, dtype=int)
    return Repeat(repeats, axis).apply(x)


class Tile(Function):
    __slots__ = ("reps", "shape")
    linear = True  # differentiable backward by the generic linear rule (autograd/higher_order.py)

    def __init__(self, reps):
        self.reps = reps

    def forward(self, x):
        self.shape = x.shape
        return get_array_module(x).tile(x, self.reps)

    def backward(self, g):
        nd = g.ndim
        reps = (1,) * (nd - len(self.reps)) + tuple(self.reps)
        src = (1,) * (nd - len(self.shape)) + tuple(self.shape)
        split_shape = []
        for r, n in zip(reps, src):
            split_shape += [r, n]
        gx = g.reshape(split_shape).sum(axis=tuple(range(0, 2 * nd, 2)))
        return (gx.reshape(self.shape),)


@differentiable
def tile(x, repeats):
    """Repeat the whole tensor ``repeats`` times per axis, as ``numpy.tile``."""
    x = as_tensor(x)
    reps = int_tuple(repeats, "tile", "repeats", minimum=0)
    n = max(len(reps), x.ndim)  # NumPy tiles axis by axis: a huge result would fill memory before failing
    fits_in_memory(tuple(a * b for a, b in zip((1,) * (n - len(reps)) + reps, (1,) * (n - x.ndim) + x.shape)),
                   "tile", "the output shape", x.dtype.itemsize)
    return Tile(reps).apply(x)
