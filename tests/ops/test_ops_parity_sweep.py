"""keras.ops result dtypes and values on integer, bool and mixed inputs, against Keras 3 (torch backend).

Keras promotes like JAX: ``int32 + float32`` is float32 (NumPy says float64), a Python number is weak (``int32 + 2``
stays int32), integer ``sqrt``/``exp``/``mean``/``/`` give floatx (NumPy gives float64, or float16 for int8 and
bool), integer sums and scans keep 32 bits (NumPy widens to int64), and indices are int32.
"""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import ops

from ..keras_oracle import keras as keras_oracle

R = np.random.default_rng(5)
F32 = R.normal(size=(3, 4)).astype("float32")
I32 = R.integers(-5, 5, size=(3, 4)).astype("int32")
INPUTS = {"f32": F32, "i32": I32, "i8": I32.astype("int8"), "u8": np.abs(I32).astype("uint8"), "b": F32 > 0}


@pytest.fixture(scope="module")
def k():
    return keras_oracle()


def _same(keras, ours, theirs, label):
    theirs = np.asarray(keras.ops.convert_to_numpy(theirs))
    ours = ours.numpy()
    assert (ours.shape, str(ours.dtype)) == (theirs.shape, str(theirs.dtype)), label
    np.testing.assert_allclose(ours.astype("float64"), theirs.astype("float64"), rtol=1e-5, atol=1e-5,
                               err_msg=label)


FLOAT_RESULT = ["sqrt", "exp", "log1p", "expm1", "tanh", "sigmoid", "sin", "arctan", "reciprocal", "log2", "erf",
                "mean", "var", "std", "logsumexp", "median", "average", "norm"]


@pytest.mark.parametrize("name", FLOAT_RESULT)
@pytest.mark.parametrize("kind", ["i32", "i8", "u8", "b"])
def test_integer_input_gives_floatx(k, name, kind):
    x = np.abs(INPUTS[kind]) if name in ("sqrt", "log2", "median") else INPUTS[kind]
    fn = getattr(ops, name, None) or getattr(ops.nn, name)
    _same(k, fn(x), (getattr(k.ops, name, None) or getattr(k.ops.nn, name))(x), f"{name}({kind})")


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "maximum", "minimum", "power",
                                  "floor_divide", "mod", "where", "matmul", "outer", "einsum"])
@pytest.mark.parametrize("pair", [("f32", "i32"), ("i32", "f32"), ("i32", "i8"), ("u8", "i8"), ("i32", "i32"),
                                  ("b", "i32")])
def test_mixed_dtypes_promote_as_keras(k, name, pair):
    a, b = INPUTS[pair[0]], INPUTS[pair[1]]
    if name == "power":
        b = np.abs(b)  # NumPy refuses integers to negative integer powers
    if name in ("floor_divide", "mod"):
        b = np.where(b == 0, 1, b).astype(b.dtype)  # no division by zero
    calls = {"where": lambda m: m.where(F32 > 0, a, b), "matmul": lambda m: m.matmul(a, b.T),
             "einsum": lambda m: m.einsum("ij,kj->ik", a, b)}
    call = calls.get(name, lambda m: getattr(m, name)(a, b))
    if name == "einsum":  # Keras' torch einsum refuses mixed dtypes; its rule is result_type's
        dtype = k.backend.result_type(a.dtype, b.dtype)
        a, b = a.astype(dtype), b.astype(dtype)
        theirs, (a, b) = call(k.ops), (INPUTS[pair[0]], INPUTS[pair[1]])
    else:
        theirs = call(k.ops)
    _same(k, call(ops), theirs, f"{name}{pair}")


@pytest.mark.parametrize("kind", ["f32", "i32", "i8", "u8", "b"])
@pytest.mark.parametrize("scalar", [2, 2.5, True])
@pytest.mark.parametrize("name", ["add", "multiply", "subtract", "maximum", "divide"])
def test_python_numbers_are_weak(k, kind, scalar, name):
    x = INPUTS[kind]
    if kind == "b" and name == "subtract" and scalar is True:
        pytest.skip("torch cannot subtract booleans")
    _same(k, getattr(ops, name)(x, scalar), getattr(k.ops, name)(x, scalar), f"{name}({kind}, {scalar!r})")
    _same(k, getattr(ops, name)(nf.Tensor(x, dtype=x.dtype), scalar), getattr(k.ops, name)(x, scalar),
          f"{name}(Tensor {kind}, {scalar!r})")


@pytest.mark.parametrize("name", ["sum", "prod", "cumsum", "cumprod", "argmax", "argmin", "argsort",
                                  "count_nonzero", "tril", "triu"])
@pytest.mark.parametrize("kind", ["f32", "i32", "i8", "b"])
def test_reductions_scans_and_indices_keep_keras_dtypes(k, name, kind):
    x = INPUTS[kind]
    if name in ("prod", "cumprod"):
        x = np.clip(x, -2, 2).astype(x.dtype)  # no int8 overflow
    _same(k, getattr(ops, name)(x), getattr(k.ops, name)(x), f"{name}({kind})")


def test_nonzero_indices_are_int32(k):
    for ours, theirs in zip(ops.nonzero(I32), k.ops.nonzero(I32)):
        _same(k, ours, theirs, "nonzero")


def test_float16_tensor_with_integer_and_python_operands_stays_float16(k):
    h = R.normal(size=(3, 4)).astype("float16")
    t = nf.Tensor(h, dtype="float16")
    for other in (I32, 2, 2.5):
        _same(k, ops.add(t, other), k.ops.add(h, other), f"add(float16, {type(other).__name__})")
        _same(k, ops.multiply(other, t), k.ops.multiply(other, h), f"multiply({type(other).__name__}, float16)")


def test_float_and_integer_tensor_gradient_flows_in_float32():
    x = nf.Tensor(F32, requires_grad=True)
    y = ops.sum(ops.multiply(x, nf.Tensor(I32, dtype="int32")))
    y.backward()
    assert y.dtype == "float32" and x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, I32.astype("float32"))


# Integer and bool inputs whose result dtype Keras fixes differently from NumPy (each case failed before its fix).
@pytest.mark.parametrize("name, kinds", [
    ("floor", "i32 i8 u8 b"), ("ceil", "i32 i8 u8 b"), ("i0", "i32 i8 u8 b"), ("angle", "i32 i8 b"),
    ("sign", "b"), ("square", "b"), ("relu6", "i32 i8 u8"), ("hard_tanh", "i32 i8"), ("softsign", "i32 i8 u8"),
    ("median", "b"), ("trunc", "i32 b")])
def test_unary_integer_and_bool_results_have_keras_dtypes(k, name, kinds):
    for kind in kinds.split():
        fn = getattr(ops, name, None) or getattr(ops.nn, name)
        _same(k, fn(INPUTS[kind]), (getattr(k.ops, name, None) or getattr(k.ops.nn, name))(INPUTS[kind]),
              f"{name}({kind})")


@pytest.mark.parametrize("name, kinds", [("heaviside", "i32 i8 u8 b"), ("nextafter", "i32 i8 u8 b"),
                                         ("ldexp", "i32 i8"), ("fmax", "i32 i8 u8 b"), ("fmin", "i32 u8"),
                                         ("matmul", "i8 u8 i32"), ("dot", "i8 i32")])
def test_binary_integer_and_bool_results_have_keras_dtypes(k, name, kinds):
    for kind in kinds.split():
        a = INPUTS[kind]
        b = a.T if name in ("matmul", "dot") else np.abs(a)
        _same(k, getattr(ops, name)(a, b), getattr(k.ops, name)(a, b), f"{name}({kind}, {kind})")


def test_threshold_keeps_integers(k):
    for kind in ("i32", "i8"):
        _same(k, ops.nn.threshold(INPUTS[kind], 0, 1), k.ops.nn.threshold(INPUTS[kind], 0, 1), f"threshold({kind})")


@pytest.mark.parametrize("a, b", [(2, 3), (2.0, 3), (2, 3.0), (True, 2), (True, False), (7, -2)])
@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "power", "floor_divide", "mod"])
def test_two_python_numbers_convert_as_keras(k, name, a, b):
    if type(a) is bool and type(b) is bool and name in ("power", "floor_divide", "mod"):
        return  # torch has no boolean kernels for these
    _same(k, getattr(ops, name)(a, b), getattr(k.ops, name)(a, b), f"{name}({a!r}, {b!r})")


def test_convert_to_tensor_of_python_ints_is_int32(k):
    for x in (3, [1, 2], [[True], [False]], [1.5, 2], 2.5):
        _same(k, ops.convert_to_tensor(x), k.ops.convert_to_tensor(x), f"convert_to_tensor({x!r})")


def test_integer_power_with_negative_exponents_truncates_as_keras(k):
    base = np.array([0, 1, -1, 2, -2, 3, -3], "int32")
    expo = np.array([-1, -2, -3, -1, -3, 0, 2], "int32")
    for a, b in ((base, expo), (base, -1), (base, -2), (nf.Tensor(base, dtype="int32"), -3), (2, -1)):
        a_k = base if isinstance(a, nf.Tensor) else a  # Keras gets the host array
        _same(k, ops.power(a, b), k.ops.power(a_k, b), f"power({a!r}, {b!r})")
    _same(k, ops.power(nf.Tensor(base, dtype="int32"), 2.5), k.ops.power(base, 2.5), "power(int32, 2.5)")


@pytest.mark.parametrize("name", ["median", "quantile", "percentile"])
def test_order_statistics_of_bools(k, name):
    b = INPUTS["b"]
    args = {"median": (), "quantile": (0.25,), "percentile": (75,)}[name]
    for axis in (None, 0, -1):
        _same(k, getattr(ops, name)(b, *args, axis=axis), getattr(k.ops, name)(b, *args, axis=axis),
              f"{name}(bool, axis={axis})")


def test_counting_and_search_indices_are_int32(k):
    x = np.array([0, 2, 2, 5], "int32")
    _same(k, ops.bincount(x), k.ops.bincount(x), "bincount")
    w = np.array([0.5, 1.0, 1.5, 2.0], "float32")
    _same(k, ops.bincount(x, weights=w), k.ops.bincount(x, weights=w), "bincount(weights float32)")
    s = np.array([1.0, 2.0, 3.0], "float32")
    _same(k, ops.searchsorted(s, F32), k.ops.searchsorted(s, F32), "searchsorted")
