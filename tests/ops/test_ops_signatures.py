"""keras.ops signatures, keyword calls and edge inputs, against Keras 3 (torch backend).

The sweep reads ``inspect.signature`` of every function Keras exports under ``keras.ops``, ``keras.ops.nn``,
``keras.ops.numpy``, ``keras.ops.linalg``, ``keras.ops.image`` and ``keras.random`` and checks neuroflow's
same-named function: it exists, accepts every Keras parameter under the same name, kind and default, in Keras'
positional order, and its own extra parameters are optional. (Keras 3.15 has no public ``keras.ops.core``: its
functions are exported as ``keras.ops.*`` and swept there.) ``DELIBERATE`` lists the few differences on purpose.

The edge cases run the same calls (empty arrays, 0-d tensors, ``axis=None``, negative axes, ``keepdims``) through
both; where Keras' torch backend departs from NumPy's definition (``keepdims`` with ``axis=None``, 0-d tensors
with an axis), neuroflow follows NumPy and raises a neuroflow error, as ``test_numpy_rule_where_keras_torch_differs``
records.
"""
import inspect

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import errors, ops

from ..keras_oracle import keras as keras_oracle

NAMESPACES = ["ops", "ops.nn", "ops.numpy", "ops.linalg", "ops.image", "random"]

#: (namespace, function) -> why neuroflow's signature differs from Keras' on purpose (each still accepts every
#: Keras call).
DELIBERATE = {
    **{(ns, "clip"): "x_min and x_max default to None, so one side can be left open (PyTorch's clamp); Keras "
                     "requires both" for ns in ("ops", "ops.numpy")},
    **{(ns, "batch_normalization"): "axis defaults to -1 (the channels-last feature axis); Keras requires it"
       for ns in ("ops", "ops.nn")},
}

EMPTY = inspect.Parameter.empty


@pytest.fixture(scope="module")
def k():
    return keras_oracle()


def _module(root, namespace):
    for part in namespace.split("."):
        root = getattr(root, part)
    return root


def _functions(k, namespace):
    module = _module(k, namespace)
    for name in sorted(dir(module)):
        fn = getattr(module, name)
        if name.startswith("_") or not callable(fn) or inspect.isclass(fn):
            continue
        yield name, fn


def _signature_problems(keras_fn, ours):
    theirs, mine = inspect.signature(keras_fn).parameters, inspect.signature(ours).parameters
    kinds = {p.kind for p in mine.values()}
    problems = []
    for name, p in theirs.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            if p.kind not in kinds:
                problems.append(f"no {'*' if p.kind == p.VAR_POSITIONAL else '**'}{name}")
            continue
        q = mine.get(name)
        if q is None:
            problems.append(f"missing {name}")
        elif q.default != p.default and not (q.default is EMPTY and p.default is EMPTY):
            problems.append(f"{name}: default {q.default!r}, Keras {p.default!r}")
        elif p.kind != p.KEYWORD_ONLY and q.kind == q.KEYWORD_ONLY:
            problems.append(f"{name} is keyword-only (Keras: positional)")
    positional = [n for n, p in theirs.items() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    ours_positional = [n for n, p in mine.items() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if ours_positional[:len(positional)] != positional and inspect.Parameter.VAR_POSITIONAL not in kinds:
        problems.append(f"positional order {ours_positional}, Keras {positional}")
    for name, q in mine.items():  # a parameter Keras lacks must not be needed by a Keras call
        if name not in theirs and q.default is EMPTY and q.kind not in (q.VAR_POSITIONAL, q.VAR_KEYWORD):
            problems.append(f"extra required parameter {name}")
    return problems


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_keras_function_is_here_with_its_signature(k, namespace):
    ours, problems = _module(nf, namespace), []
    for name, keras_fn in _functions(k, namespace):
        fn = getattr(ours, name, None)
        if fn is None:
            problems.append(f"{namespace}.{name}: missing")
            continue
        try:
            inspect.signature(keras_fn)
        except (TypeError, ValueError):
            continue  # a builtin without a signature: nothing to compare
        found = _signature_problems(keras_fn, fn)
        if found and (namespace, name) not in DELIBERATE:
            problems.append(f"{namespace}.{name}: " + "; ".join(found))
    assert not problems, "\n".join(problems)


def test_deliberate_differences_are_still_there(k):
    # the list stays short and true: a difference that was closed leaves it
    for namespace, name in DELIBERATE:
        assert _signature_problems(getattr(_module(k, namespace), name), getattr(_module(nf, namespace), name))


# --- calls by Keras' parameter names (each failed before its fix) --------------------------------------------------
A = np.random.default_rng(3).normal(size=(3, 4)).astype("float32")
I = np.array([[3, -2, 5], [0, 7, 1]], "int32")


def _np(k, x):
    if isinstance(x, (tuple, list)):
        return [_np(k, v) for v in x]
    return np.asarray(k.ops.convert_to_numpy(x)) if not isinstance(x, nf.Tensor) else x.numpy()


def _same(k, ours, theirs, rtol=1e-5, atol=1e-6):
    ours, theirs = _np(k, ours), _np(k, theirs)
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(k, a, b, rtol, atol)
        return
    assert (ours.shape, str(ours.dtype)) == (theirs.shape, str(theirs.dtype))
    np.testing.assert_allclose(ours.astype("float64"), theirs.astype("float64"), rtol=rtol, atol=atol)


KEYWORD_CALLS = [
    ("add", {"x1": A, "x2": 2.0}), ("matmul", {"x1": A, "x2": A.T}), ("power", {"x1": A, "x2": 2}),
    ("greater", {"x1": A, "x2": 0.0}), ("logical_xor", {"x1": A > 0, "x2": A < 1}),
    ("bitwise_and", {"x": I, "y": 6}), ("left_shift", {"x": I, "y": 1}), ("floor", {"x": A}),
    ("heaviside", {"x1": A, "x2": 0.5}), ("reshape", {"x": A, "newshape": (4, 3)}),
    ("tile", {"x": A, "repeats": (1, 2)}), ("stack", {"x": [A, A], "axis": 1}), ("where", {"condition": A > 0}),
    ("where", {"condition": A > 0, "x1": A, "x2": 0.0}), ("max", {"x": A, "axis": 0, "initial": 0.5}),
    ("min", {"x": A, "initial": -0.25}), ("prod", {"x": I, "axis": 1, "dtype": "float32"}),
    ("nanstd", {"x": A, "axis": 0, "keepdims": True}),
    ("pad", {"x": A, "pad_width": ((1, 1), (0, 2)), "constant_values": None}),
    ("cdist", {"x": A, "y": A[:2]}), ("kaiser", {"x": 6, "beta": 3.0}), ("dot", {"x1": 2.0, "x2": A}),
    ("unique", {"x": np.array([3, 1, 3, 2], "int32"), "return_index": True, "return_counts": True, "size": 5}),
    ("scatter_update", {"inputs": A, "indices": [[0], [2], [0]], "updates": A[:3] * 3, "reduction": "add"}),
    ("scatter_update", {"inputs": A, "indices": [[0], [2], [0]], "updates": A[:3] * 3, "reduction": "max"}),
    ("scatter_update", {"inputs": A, "indices": [[1, 1], [1, 1]], "updates": [2.0, 3.0], "reduction": "mul"}),
    ("pinv", {"x": A}), ("pinv", {"x": A, "rcond": 0.5}), ("matrix_rank", {"x": A, "tol": 1.0}),
    ("svd", {"x": A, "full_matrices": False, "compute_uv": False}), ("qr", {"x": A.T, "mode": "complete"}),
    ("layer_normalization", {"x": A * 1e-3}), ("layer_normalization", {"x": A, "gamma": A[0], "rms_scaling": True}),
    ("einsum", {"optimize": "greedy"}),
]


@pytest.mark.filterwarnings("ignore::UserWarning")  # Keras' rms_scaling deprecation warning, repeated here
@pytest.mark.parametrize("name, kwargs", KEYWORD_CALLS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(KEYWORD_CALLS)])
def test_keyword_calls_match_keras(k, name, kwargs):
    args = ("ij->j", A) if name == "einsum" else ()
    fn = getattr(ops, name, None) or getattr(ops.nn, name)
    keras_fn = getattr(k.ops, name, None) or getattr(k.ops.nn, name)
    ours, theirs = fn(*args, **kwargs), keras_fn(*args, **kwargs)
    if name in ("svd", "qr"):  # factors are unique up to signs: compare what they determine
        ours, theirs = _np(k, ours), _np(k, theirs)
        if name == "svd":
            return _same(k, nf.Tensor(ours), nf.Tensor(theirs), atol=1e-5)
        return _same(k, nf.Tensor(np.abs(ours[1])), nf.Tensor(np.abs(theirs[1])), atol=1e-5)
    if name == "where" and "x1" not in kwargs:  # torch stacks int64 indices, NumPy and JAX give a tuple
        theirs = list(_np(k, theirs).astype("int32"))
    if name == "unique":  # torch's indices are int64 like NumPy's; compare values
        return _same(k, [o.numpy().astype("int64") for o in ours], [_np(k, t).astype("int64") for t in theirs])
    _same(k, ours, theirs, atol=1e-5)


def test_nanstd_positional_keepdims_is_keras_order(k):
    x = np.array([[1.0, np.nan], [3.0, 4.0]], "float32")
    _same(k, ops.nanstd(x, 0, True), k.ops.nanstd(x, 0, True))
    _same(k, ops.nanvar(x, -1, True), k.ops.nanvar(x, -1, True))


@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("size", [(5, 4), (4, 7), (24, 20)])
def test_resize_antialias_matches_keras(k, size, antialias):
    x = np.random.default_rng(0).random((2, 12, 10, 3)).astype("float32")
    _same(k, ops.image.resize(x, size, antialias=antialias), k.ops.image.resize(x, size, antialias=antialias),
          atol=1e-5)
    _same(k, ops.image.resize(x, size, "nearest", antialias), k.ops.image.resize(x, size, "nearest", antialias))


def test_bad_new_arguments_raise_neuroflow_errors():
    x = np.ones((2, 3), "float32")
    cases = [lambda: ops.image.resize(x[None, ..., None], (2, 2), fill_mode="reflect"),
             lambda: ops.pad(x, 1, mode="reflect", constant_values=0.0),
             lambda: ops.scatter_update(x, [[0]], x[:1], reduction="mean"),
             lambda: ops.where(x > 0, x), lambda: ops.convert_to_tensor(x, sparse=True),
             lambda: ops.layer_normalization(x, scaling=True), lambda: ops.max(np.zeros((0,), "float32"))]
    for case in cases:
        with pytest.raises(errors.NeuroflowError):
            case()
    with pytest.raises(errors.GraphError, match="reduction='max' has no gradient"):
        ops.scatter_update(nf.Tensor(x, requires_grad=True), [[0]], x[:1], reduction="max")


def test_pooling_without_data_format_follows_the_config():
    x = np.random.default_rng(1).random((1, 4, 6, 2)).astype("float32")
    assert ops.max_pool(x, 2).shape == (1, 2, 3, 2)
    nf.config.set_image_data_format("channels_first")
    try:
        assert ops.max_pool(x, 2).shape == (1, 4, 3, 1)
        assert ops.average_pool(x, 2).shape == (1, 4, 3, 1)
    finally:
        nf.config.set_image_data_format("channels_last")
    assert ops.average_pool(x, 2).shape == (1, 2, 3, 2)  # the cached plan did not keep the other format


# --- edge inputs ------------------------------------------------------------------------------------------------
E = np.zeros((0, 3), "float32")
S0 = np.array(1.5, "float32")
B = np.random.default_rng(7).normal(size=(2, 3)).astype("float32")
B3 = np.random.default_rng(8).normal(size=(2, 3, 4)).astype("float32")

EDGE_CASES = [
    ("sum", (E,), {}), ("sum", (E,), {"axis": 0}), ("sum", (B3,), {"axis": (0, -1)}), ("sum", (B,), {"axis": [0, 1]}),
    ("mean", (B3,), {"axis": -2, "keepdims": True}), ("prod", (E,), {"axis": 0}), ("prod", (S0,), {}),
    ("max", (B,), {"axis": -1, "keepdims": True}), ("max", (E,), {"initial": 0.0}),
    ("min", (S0,), {}), ("var", (B3,), {"axis": (0, 2)}), ("std", (B,), {"axis": -1, "keepdims": True}),
    ("argmax", (B,), {"keepdims": True}), ("argmin", (B3,), {"axis": -1}), ("logsumexp", (E,), {}),
    ("logsumexp", (E,), {"axis": 0}), ("logsumexp", (B,), {"axis": -1, "keepdims": True}),
    ("any", (E,), {"axis": 0}), ("all", (S0,), {}), ("count_nonzero", (B,), {"axis": ()}),
    ("nansum", (E,), {}), ("nanmean", (B,), {"axis": -1}), ("median", (B3,), {"axis": -1, "keepdims": True}),
    ("ptp", (B,), {"axis": 0}), ("cumsum", (E,), {"axis": 0}), ("cumsum", (S0,), {}), ("cumprod", (B3,), {"axis": -2}),
    ("sort", (E,), {}), ("argsort", (B,), {"axis": None}), ("flip", (S0,), {}), ("diff", (B,), {"axis": 0}),
    ("squeeze", (S0,), {}), ("expand_dims", (S0,), {"axis": -1}), ("concatenate", ([E, E],), {"axis": 0}),
    ("stack", ([S0, S0],), {}), ("transpose", (E,), {}),
    ("reshape", (E, (3, 0)), {}), ("tile", (S0, (2,)), {}), ("repeat", (S0, 3), {}), ("repeat", (E, 2), {"axis": 0}),
    ("ravel", (S0,), {}), ("trace", (B3,), {"axis1": -1, "axis2": 0}), ("moveaxis", (B3, -1, 0), {}),
    ("roll", (B, 1), {}), ("roll", (E, 1), {"axis": 0}), ("softmax", (E,), {}), ("log_softmax", (B,), {"axis": (0, 1)}),
    ("norm", (E,), {}), ("norm", (S0,), {}), ("norm", (B3,), {"axis": (0, 1)}), ("average", (B,), {"axis": None}),
    ("quantile", (B, [0.2, 0.7]), {}), ("take", (B, np.zeros(0, "int32")), {"axis": 0}),
    ("hstack", ([S0, S0],), {}), ("vstack", ([S0, S0],), {}), ("outer", (S0, B), {}), ("inner", (S0, B), {}),
    ("dot", (S0, B), {}), ("matmul", (E.T, E), {}), ("einsum", ("ii", B[:, :2]), {}), ("searchsorted", (B[0], S0), {}),
    ("bincount", (np.zeros(0, "int32"),), {}), ("allclose", (E, E), {}), ("one_hot", (np.array([0, 2, -1]), 3), {}),
    ("eye", (0,), {}), ("arange", (0,), {}), ("zeros", ((0, 2),), {}), ("unique", (E,), {}),
]


@pytest.mark.parametrize("name, args, kwargs", EDGE_CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(EDGE_CASES)])
def test_edge_inputs_match_keras(k, name, args, kwargs):
    fn = getattr(ops, name, None) or getattr(ops.nn, name)
    keras_fn = getattr(k.ops, name, None) or getattr(k.ops.nn, name)
    _same(k, fn(*args, **kwargs), keras_fn(*args, **kwargs), atol=1e-5)


@pytest.mark.parametrize("call", [
    lambda m: m.sum(S0, axis=0), lambda m: m.mean(S0, axis=-1), lambda m: m.max(S0, axis=0),
    lambda m: m.var(S0, axis=0), lambda m: m.argmax(S0, axis=0), lambda m: m.logsumexp(S0, axis=0),
    lambda m: m.nanmean(S0, axis=0), lambda m: m.nanstd(S0, axis=0), lambda m: m.cumsum(S0, axis=0),
    lambda m: m.nonzero(S0), lambda m: m.max(E), lambda m: m.take_along_axis(B[0], np.zeros((1, 3), "int32")),
], ids=["sum", "mean", "max", "var", "argmax", "logsumexp", "nanmean", "nanstd", "cumsum", "nonzero", "max-empty",
        "take_along_axis"])
def test_numpy_rule_where_keras_torch_differs(call):
    # NumPy (and JAX, TensorFlow) refuse an axis on a 0-d tensor and the maximum of nothing; Keras' torch backend
    # accepts some of these (torch's dims 0 and -1 of a scalar). neuroflow raises its own error, never NumPy's.
    with pytest.raises(errors.NeuroflowError):
        call(ops)


def test_axis_none_follows_numpy():
    # NumPy's and JAX's rule (Keras' torch backend drops the axes of sum/max/prod here, but not logsumexp's)
    for name in ("sum", "max", "prod", "mean", "logsumexp", "ptp"):
        assert getattr(ops, name)(B3, axis=None, keepdims=True).shape == (1, 1, 1), name
    # and an empty axis reduced with initial keeps the other axes (Keras' torch backend returns a scalar)
    np.testing.assert_array_equal(ops.max(E, axis=0, initial=0.5).numpy(), np.full(3, 0.5, "float32"))
    # concatenate with axis=None flattens first (torch's cat refuses it)
    np.testing.assert_array_equal(ops.concatenate([B, B3], axis=None).numpy(), np.concatenate([B, B3], axis=None))
