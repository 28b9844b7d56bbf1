"""Differentiable functions, NumPy-like (``neuroflow.ops``, the name Keras 3 uses).

Each op records one graph node when an input requires grad; its forward and backward sit side by side in the
module of its family: ``math`` (arithmetic, powers, exp/log, selection, matmul), ``reduce``, ``shape``, ``index``,
``activation``, ``compare``, ``nn`` (fused dense, dropout), ``loss`` (cross-entropies from logits).
"""
from .activation import (elu, gelu, hard_sigmoid, leaky_relu, log_softmax, relu, selu, sigmoid, silu,
                         softmax, softplus, softsign, swish, tanh)
from .conv import conv, conv_transpose, depthwise_conv
from . import conv_double  # noqa: F401 - installs the convolution's differentiable backward (create_graph)
from .ctc import ctc_decode, ctc_loss
from .pooling import average_pool, max_pool
from .compare import (equal, greater, greater_equal, less, less_equal, logical_and, logical_not, logical_or,
                      not_equal)
from .index import getitem
from .loss import binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy
from .math import (abs, add, cast, clip, divide, dot, exp, expm1, log, log1p, matmul, maximum, minimum,
                   multiply, negative, power, sqrt, square, subtract, where)
from .fused import dropout, linear
from .normalization import batch_normalization, batch_normalization_training, layer_normalization
from .recurrent import gru, lstm, simple_rnn
from .reduce import argmax, argmin, logsumexp, max, mean, min, prod, std, sum, var
from .shape import (broadcast_to, concatenate, expand_dims, flip, pad, repeat, reshape, split, squeeze, stack,
                    tile, transpose)
from . import image, tensor_methods
from ._registry import DIFFERENTIABLE, NOT_DIFFERENTIABLE
# The rest of Keras' ops by family; each module's __all__ lists its public functions.
from .elementwise import *  # noqa: E402,F401,F403 - trigonometry, logs, erf, rounding, bits...
from .creation import *  # noqa: E402,F401,F403 - zeros, ones, arange, linspace, eye...
from .arrays import *  # noqa: E402,F401,F403 - moveaxis, roll, tril, diag, take, scatter...
from .statistics import *  # noqa: E402,F401,F403 - cumsum, sort, quantile, nan-reductions...
from .products import *  # noqa: E402,F401,F403 - einsum, tensordot, outer, kron, cross, cdist
from .linalg import *  # noqa: E402,F401,F403 - det, inv, solve, cholesky, norm...
from .nn_functions import *  # noqa: E402,F401,F403 - relu6, glu, one_hot, attention...
from .signal import *  # noqa: E402,F401,F403 - fft, stft, extract_sequences, segment_sum...
from .patches import *  # noqa: E402,F401,F403 - rearrange, unfold, fold
from .core import *  # noqa: E402,F401,F403 - cond, scan, while_loop, custom_gradient, shape...
from .complex import *  # noqa: E402,F401,F403 - polar, view_as_complex, view_as_real
from . import linalg, nn, numpy  # noqa: E402,F401 - Keras' ops.linalg, ops.nn and ops.numpy namespaces
import builtins  # ops.all and ops.any shadow the builtins here

from .. import backend as _backend
from ..autograd.tensor import Tensor as _Tensor

tensor_methods.install(_Tensor)  # t + u, t[i], t.sum()...: Tensor's operators are these ops

# Keras / NumPy spellings of the same functions.
true_divide = divide
amax, amin = max, min
absolute = fabs = abs


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` as a Tensor (Keras' ``ops.convert_to_tensor``): Python ints (and lists of them) become int32 and bools
    bool, as in Keras (``Tensor(x)`` makes Python data float32). Sparse and ragged tensors do not exist here.
    Shapes: ``x``'s."""
    import numpy
    from ..errors import ConfigError
    if sparse or ragged:
        raise ConfigError(f"convert_to_tensor: {'sparse' if sparse else 'ragged'}=True is not supported "
                          f"(neuroflow's tensors are dense)")
    if isinstance(x, _Tensor) and dtype is None:
        return x
    if dtype is None and _python_numbers(x):
        try:
            kind = numpy.asarray(x).dtype.kind  # Python numbers only: host data
        except ValueError:  # ragged: Tensor's own error below names it
            kind = ""
        dtype = "int32" if kind and kind in "iu" else "bool" if kind == "b" else None
    return _Tensor(x, dtype=dtype)


def convert_to_numpy(x):
    """The host NumPy array behind ``x`` (Keras' ``ops.convert_to_numpy``; device data is copied to the host)."""
    import numpy
    data = x.data if isinstance(x, _Tensor) else x
    return numpy.asarray(data if _backend.is_host(data) else _backend.to_host(data))


def _python_numbers(x) -> bool:
    """Whether ``x`` is a Python number or a (nested) list/tuple of them only."""
    if isinstance(x, (list, tuple)):
        return builtins.all(_python_numbers(v) for v in x)
    return type(x) in (bool, int, float)
