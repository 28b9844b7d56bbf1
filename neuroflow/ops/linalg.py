"""Linear algebra (Keras' ``ops.linalg``) on the last two axes, batched over the leading ones.

Differentiable: ``det``, ``inv``, ``solve``, ``solve_triangular``, ``cholesky``, ``cholesky_inverse``,
``slogdet``/``logdet`` and ``norm`` (their gradients are the textbook matrix identities, e.g.
d det(A) = det(A) A^-T). The factorisations whose gradients are not written yet (``eig``, ``eigh``, ``qr``,
``svd``, ``lstsq``, ``lu_factor``, ``pinv``, ``matrix_rank``) return constants.
"""
from __future__ import annotations

import inspect

from ..autograd.function import Function
from ..autograd.functional import keras_jvp as jvp  # noqa: F401 - Keras' ops.jvp / ops.linalg.jvp
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from ._axes import normalize_axes
from ._registry import differentiable, not_differentiable
from .elementwise import reciprocal  # noqa: F401 - part of the namespace users expect beside inv
from .math import abs as _abs, log, matmul, power, sqrt
from .reduce import max as _max, min as _min, sum as _sum
from .shape import transpose


def _mT(a):
    return a.swapaxes(-1, -2)


def _mT_graph(t):
    """:func:`_mT` of a Tensor, recorded."""
    axes = list(range(t.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(t, axes)


def _square(x, who):
    x = as_tensor(x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ShapeError(f"{who}: expected square matrices (..., n, n), got shape {x.shape}")
    return x


def _const(arr):
    arr = get_array_module().asarray(arr)
    return Tensor(arr, dtype=arr.dtype)


def _run(who, fn, *args):
    try:
        return fn(*args)
    except get_array_module().linalg.LinAlgError as err:
        raise ConfigError(f"{who}: {err}") from None


class Det(Function):
    __slots__ = ("a", "y")

    def forward(self, a):
        self.a, self.y = a, _run("det", get_array_module(a).linalg.det, a)
        return self.y

    def backward(self, g):
        xp = get_array_module(g)
        return ((g * self.y)[..., None, None] * _mT(xp.linalg.inv(self.a)),)

    def backward_graph(self, g):  # with ops (create_graph)
        a = self.inputs[0]
        return ((g * det(a))[..., None, None] * _mT_graph(inv(a)),)


class Inv(Function):
    __slots__ = ("y",)

    def forward(self, a):
        self.y = _run("inv", get_array_module(a).linalg.inv, a)
        return self.y

    def backward(self, g):
        yt = _mT(self.y)
        return (-(yt @ g @ yt),)

    def backward_graph(self, g):
        yt = _mT_graph(inv(self.inputs[0]))
        return (-(yt @ g @ yt),)


class Solve(Function):
    __slots__ = ("a", "x", "vector", "lower")

    def __init__(self, vector, lower=None):
        self.vector, self.lower = vector, lower

    def _masked(self, a):
        xp = get_array_module(a)
        if self.lower is None:
            return a
        return xp.tril(a) if self.lower else xp.triu(a)

    def forward(self, a, b):
        xp = get_array_module(a)
        self.a = self._masked(a)
        rhs = b[..., None] if self.vector else b
        self.x = _run("solve", xp.linalg.solve, self.a, rhs)
        return self.x[..., 0] if self.vector else self.x

    def backward(self, g):
        xp = get_array_module(g)
        gg = g[..., None] if self.vector else g
        gb = xp.linalg.solve(_mT(self.a), gg)
        ga = self._masked(-(gb @ _mT(self.x)))
        ia, ib = self.inputs
        ga = _sum_to_batch(ga, ia.shape)
        gb = gb[..., 0] if self.vector else gb
        return (ga if ia.requires_grad else None), (_sum_to_batch(gb, ib.shape) if ib.requires_grad else None)

    def backward_graph(self, g):
        """The same rule with ops (create_graph): ``x`` re-solved as a recorded node."""
        from ..autograd.higher_order import sum_to_graph
        a, b = self.inputs
        a_m = self._masked_graph(a)
        x = Solve(self.vector, self.lower).apply(a, b)
        gg, x2 = (g[..., None], x[..., None]) if self.vector else (g, x)
        gb = Solve(False).apply(_mT_graph(a_m), gg)
        ga = self._masked_graph(-(gb @ _mT_graph(x2)))
        gb = gb[..., 0] if self.vector else gb
        return (sum_to_graph(ga, a.shape) if a.requires_grad else None,
                sum_to_graph(gb, b.shape) if b.requires_grad else None)

    def _masked_graph(self, t):
        if self.lower is None:
            return t
        xp = get_array_module(t.data)
        ones = xp.ones(t.shape[-2:], dtype=t.dtype)
        return t * Tensor._from_op(xp.tril(ones) if self.lower else xp.triu(ones), None)


def _sum_to_batch(g, shape):
    from ..autograd.function import sum_to
    return sum_to(g, tuple(shape))


class SlogDet(Function):
    __slots__ = ("a",)

    def forward(self, a):
        self.a = a
        return _run("slogdet", get_array_module(a).linalg.slogdet, a)[1]

    def backward(self, g):
        return (g[..., None, None] * _mT(get_array_module(g).linalg.inv(self.a)),)

    def backward_graph(self, g):
        return (g[..., None, None] * _mT_graph(inv(self.inputs[0])),)


class Cholesky(Function):
    __slots__ = ("l",)

    def forward(self, a):
        self.l = _run("cholesky", get_array_module(a).linalg.cholesky, a)
        return self.l

    def backward(self, g):
        # A = L L^T: dA = L^-T Phi(L^T dL) L^-1, symmetrised (Phi: lower triangle with a halved diagonal).
        xp = get_array_module(g)
        l = self.l
        p = xp.tril(_mT(l) @ xp.tril(g))
        p = p - 0.5 * xp.eye(l.shape[-1], dtype=l.dtype) * p
        linv = xp.linalg.inv(l)
        s = _mT(linv) @ p @ linv
        return (0.5 * (s + _mT(s)),)

    def backward_graph(self, g):
        """The same rule with ops (create_graph): ``L`` re-factored as a recorded node, the triangles as masks."""
        xp = get_array_module(g.data)
        n = g.shape[-1]
        lower = _const(xp.tril(xp.ones((n, n), dtype=g.dtype)))
        halve = _const((1 - 0.5 * xp.eye(n)).astype(g.dtype))  # Phi: the diagonal halved
        l = Cholesky().apply(self.inputs[0])
        p = ((_mT_graph(l) @ (g * lower)) * lower) * halve
        linv = inv(l)
        s = _mT_graph(linv) @ p @ linv
        return (0.5 * (s + _mT_graph(s)),)


@differentiable
def det(x):
    """Determinants. Shapes: ``(..., n, n)`` -> ``(...)``."""
    return Det().apply(_square(x, "det"))


@differentiable
def inv(x):
    """Matrix inverses. Shapes: ``(..., n, n)`` -> same."""
    return Inv().apply(_square(x, "inv"))


@differentiable
def solve(a, b):
    """``x`` with ``a @ x = b``. Shapes: a ``(..., n, n)``, b ``(..., n)`` or ``(..., n, k)`` -> b's shape."""
    a, b = _square(a, "solve"), as_tensor(b)
    vector = b.ndim == a.ndim - 1
    if b.shape[-1 if vector else -2] != a.shape[-1]:
        raise ShapeError(f"solve: a {a.shape} and b {b.shape} are not aligned")
    return Solve(vector).apply(a, b)


@differentiable
def solve_triangular(a, b, lower=False):
    """``x`` with ``tri(a) @ x = b`` for the lower (or upper) triangle of ``a``. Shapes: as ``solve``."""
    a, b = _square(a, "solve_triangular"), as_tensor(b)
    vector = b.ndim == a.ndim - 1
    return Solve(vector, lower=bool(lower)).apply(a, b)


@differentiable
def cholesky(x, upper=False):
    """The Cholesky factor of symmetric positive-definite matrices (lower, or upper with ``upper=True``).
    Shapes: ``(..., n, n)`` -> same."""
    l = Cholesky().apply(_square(x, "cholesky"))
    return transpose(l, tuple(range(l.ndim - 2)) + (l.ndim - 1, l.ndim - 2)) if upper else l


@differentiable
def cholesky_inverse(x, upper=False):
    """The inverse of ``L L^T`` from its Cholesky factor ``L`` (or ``U^T U`` with ``upper=True``).
    Shapes: ``(..., n, n)`` -> same."""
    f = _square(x, "cholesky_inverse")
    ft = transpose(f, tuple(range(f.ndim - 2)) + (f.ndim - 1, f.ndim - 2))
    return inv(matmul(ft, f) if upper else matmul(f, ft))


@differentiable
def slogdet(x):
    """Sign and log of the absolute determinant (the log part is differentiable).
    Shapes: ``(..., n, n)`` -> ``((...), (...))``."""
    x = _square(x, "slogdet")
    sign = get_array_module(x).linalg.slogdet(x.data)[0]
    return _const(sign.astype(x.dtype)), SlogDet().apply(x)


@differentiable
def logdet(x):
    """``log(det(x))`` for matrices with positive determinant (NaN otherwise). Shapes: ``(..., n, n)`` -> ``(...)``."""
    sign, logabs = slogdet(x)
    return logabs + log(sign) if (sign.data <= 0).any() else logabs


@differentiable
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - NumPy's argument name
    """Vector or matrix norms, as NumPy's ``linalg.norm`` (``ord`` None/2/1/inf/-inf/p for vectors; None/'fro'/
    1/-1/inf/-inf for matrices). Shapes: the reduced axes removed (kept with ``keepdims``)."""
    x = as_tensor(x)
    if axis is None:
        if ord is None:  # NumPy: the 2-norm of all elements, whatever the rank
            return _norm2(x, tuple(range(x.ndim)), keepdims)
        if x.ndim > 2:
            raise ConfigError(f"norm: ord={ord!r} needs axis for a tensor of rank {x.ndim}")
        axis = tuple(range(x.ndim))
    normalize_axes(axis, x.ndim, "norm")  # refuses a bad axis; the order given matters for matrix norms
    axes = tuple(a % x.ndim for a in ((axis,) if isinstance(axis, int) else tuple(axis)))
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) != 2:
        raise ConfigError(f"norm: axis must be an int or a pair, got {axis}")
    return _matrix_norm(x, ord, axes, keepdims)


def _norm2(x, axes, keepdims):
    return sqrt(_sum(x * x, axis=axes, keepdims=keepdims))


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return _norm2(x, (axis,), keepdims)
    a = _abs(x)
    if ord == float("inf"):
        return _max(a, axis=axis, keepdims=keepdims)
    if ord == -float("inf"):
        return _min(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return _const((x.data != 0).sum(axis=axis, keepdims=keepdims).astype(x.dtype))
    if ord == 1:
        return _sum(a, axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ConfigError(f"norm: ord={ord!r} is a matrix norm; give two axes")
    return power(_sum(power(a, float(ord)), axis=axis, keepdims=keepdims), 1.0 / float(ord))


def _matrix_norm(x, ord, axes, keepdims):
    r, c = axes
    if ord in (None, "fro"):
        return _norm2(x, axes, keepdims)
    a = _abs(x)
    if ord in (1, -1):
        s = _sum(a, axis=r, keepdims=True)
        out = (_max if ord == 1 else _min)(s, axis=c, keepdims=True)
    elif ord in (float("inf"), -float("inf")):
        s = _sum(a, axis=c, keepdims=True)
        out = (_max if ord > 0 else _min)(s, axis=r, keepdims=True)
    elif ord not in (2, -2, "nuc"):
        raise ConfigError(f"norm: ord must be one of None, 'fro', 'nuc', 1, -1, 2, -2, inf, -inf for a matrix "
                          f"norm, got {ord!r}")
    else:
        arr = get_array_module(x).linalg.norm(x.data, ord=ord, axis=axes, keepdims=keepdims)
        return _const(arr.astype(x.dtype))  # nuclear and spectral norms: no gradient yet
    from .shape import squeeze
    return out if keepdims else squeeze(out, axis=tuple(sorted(axes)))


def _factor(name, fn, doc):
    def op(x, *args, **kwargs):
        out = _run(name, lambda *a: fn(*a, **kwargs), get_array_module(), as_tensor(x).data, *args)
        return tuple(_const(o) for o in out) if isinstance(out, tuple) else _const(out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc + " (no gradient yet)."
    params = list(inspect.signature(fn).parameters.values())[1:]  # Keras' parameters: fn's, less its ``xp``
    op.__signature__ = inspect.Signature(params)
    return not_differentiable(op)


def _pinv(xp, x, rcond=None):
    # None: NumPy 2's and PyTorch's default cut-off, max(m, n) * eps, written out (CuPy's default differs)
    return xp.linalg.pinv(x, max(x.shape[-2:]) * xp.finfo(x.dtype).eps if rcond is None else rcond)


eig = _factor("eig", lambda xp, x: tuple(xp.linalg.eig(x)), "Eigenvalues and eigenvectors. Shapes: "
              "``(..., n, n)`` -> ``((..., n), (..., n, n))``")
eigh = _factor("eigh", lambda xp, x: tuple(xp.linalg.eigh(x)), "Eigen-decomposition of symmetric matrices. "
               "Shapes: ``(..., n, n)`` -> ``((..., n), (..., n, n))``")
qr = _factor("qr", lambda xp, x, mode="reduced": tuple(xp.linalg.qr(x, mode=mode)), "QR decomposition. Shapes: "
             "``(..., m, n)`` -> ``((..., m, k), (..., k, n))``")
svd = _factor("svd", lambda xp, x, full_matrices=True, compute_uv=True: (
    tuple(xp.linalg.svd(x, full_matrices, compute_uv)) if compute_uv else xp.linalg.svd(x, full_matrices, False)),
    "Singular value decomposition ``(u, s, vh)``. Shapes: ``(..., m, n)`` -> as NumPy")
pinv = _factor("pinv", _pinv, "Moore-Penrose pseudo-inverse. "
               "Shapes: ``(..., m, n)`` -> ``(..., n, m)``")
matrix_rank = _factor("matrix_rank", lambda xp, x, tol=None: xp.linalg.matrix_rank(x, tol).astype("int32"),
                      "Matrix rank. Shapes: ``(..., m, n)`` -> ``(...)`` int32")


@not_differentiable
def lstsq(a, b, rcond=None):
    """Least-squares solution of ``a @ x = b`` (no gradient yet). Shapes: ``(m, n), (m, k)`` -> ``(n, k)``."""
    xp = get_array_module()
    return _const(_run("lstsq", xp.linalg.lstsq, as_tensor(a).data, as_tensor(b).data, rcond)[0])


@not_differentiable
def lu_factor(x):
    """LU factorisation with partial pivoting, as SciPy's ``lu_factor``: ``(lu, pivots)`` (no gradient).
    Shapes: ``(n, n)`` -> ``((n, n), (n,) int32)``."""
    xp = get_array_module()
    a = as_tensor(x).data.astype(as_tensor(x).dtype, copy=True)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ShapeError(f"lu_factor: expected a square matrix, got shape {a.shape}")
    n = a.shape[0]
    piv = xp.zeros(n, dtype=xp.int32)
    for k in range(n):  # a loop over columns (n steps of vectorised row work), as LAPACK's getrf
        p = k + int(xp.argmax(xp.abs(a[k:, k])))
        piv[k] = p
        if p != k:
            a[[k, p]] = a[[p, k]]
        if a[k, k] != 0:
            a[k + 1:, k] /= a[k, k]
            a[k + 1:, k + 1:] -= xp.outer(a[k + 1:, k], a[k, k + 1:])
    return _const(a), _const(piv)


__all__ = ["det", "inv", "solve", "solve_triangular", "cholesky", "cholesky_inverse", "slogdet", "logdet", "norm",
           "eig", "eigh", "qr", "svd", "pinv", "matrix_rank", "lstsq", "lu_factor", "jvp"]
