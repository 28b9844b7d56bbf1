"""Keras' ``keras.ops.numpy``: the NumPy-named ops, gathered from the family modules where each is defined.

Nothing is defined here: ``ops.numpy.sin is ops.sin``. Shapes and gradients: see each function.
"""
from .activation import (  # noqa: F401
    tanh)
from .arrays import (  # noqa: F401
    append, array_split, conj, conjugate, copy, diag, diagflat, diagonal, dsplit, dstack, fliplr, flipud,
    get_item, hsplit, hstack, imag, moveaxis, nan_to_num, ravel, real, roll, rot90, select, swapaxes, take,
    take_along_axis, trace, tril, triu, view, vsplit, vstack)
from .compare import (  # noqa: F401
    equal, greater, greater_equal, less, less_equal, logical_and, logical_not, logical_or, not_equal)
from .core import (  # noqa: F401
    ndim, size)
from .creation import (  # noqa: F401
    arange, array, bartlett, blackman, empty, empty_like, eye, full, full_like, geomspace, hamming, hanning,
    identity, kaiser, linspace, logspace, meshgrid, ones, ones_like, tri, vander, zeros, zeros_like)
from .elementwise import (  # noqa: F401
    angle, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, bitwise_and, bitwise_invert,
    bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift, bitwise_xor, cbrt, ceil, cos, cosh,
    deg2rad, divide_no_nan, exp2, floor, floor_divide, fmax, fmin, fmod, gcd, heaviside, hypot, i0, isfinite,
    isinf, isnan, isneginf, isposinf, isreal, lcm, ldexp, left_shift, log10, log2, logaddexp, logaddexp2,
    logical_xor, mod, nextafter, rad2deg, reciprocal, right_shift, round, sign, signbit, sin, sinc, sinh, tan,
    trunc, vectorize)
from .linalg import (  # noqa: F401
    slogdet)
from .math import (  # noqa: F401
    abs, abs as absolute, add, clip, divide, dot, exp, expm1, abs as fabs, log, log1p, matmul,
    maximum, minimum, multiply, negative, power, sqrt, square, subtract, divide as true_divide, where)
from .products import (  # noqa: F401
    cross, einsum, inner, kron, outer, tensordot, vdot)
from .reduce import (  # noqa: F401
    max as amax, min as amin, argmax, argmin, max, mean, min, prod, std, sum, var)
from .shape import (  # noqa: F401
    broadcast_to, concatenate, expand_dims, flip, pad, repeat, reshape, split, squeeze, stack, tile, transpose)
from .statistics import (  # noqa: F401
    all, allclose, any, argpartition, argsort, average, bincount, corrcoef, correlate, count_nonzero, cumprod,
    cumsum, diff, digitize, histogram, isclose, isin, median, nanargmax, nanargmin, nancumprod, nancumsum,
    nanmax, nanmean, nanmedian, nanmin, nanpercentile, nanprod, nanquantile, nanstd, nansum, nanvar, nonzero,
    percentile, ptp, quantile, searchsorted, sort, trapezoid, unique, unravel_index)
