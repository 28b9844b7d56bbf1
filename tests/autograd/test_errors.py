"""Errors a user can cause in the engine: each is a NeuroflowError subclass (and the built-in exception a Python
user would catch), and its message names the operation and the shapes or dtypes involved."""
import inspect

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import errors, ops
from neuroflow.errors import (DTypeError, GraphError, IndexOutOfRangeError, NeuroflowError, ShapeError)


def test_every_error_class_is_a_neuroflow_error():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, BaseException)]
    assert len(classes) >= 8
    for cls in classes:
        assert issubclass(cls, NeuroflowError), cls
        if cls is not NeuroflowError:  # each also is the built-in exception users already catch
            assert set(cls.__mro__) & {ValueError, TypeError, IndexError, RuntimeError, KeyError, ImportError}, cls


def test_matmul_shape_mismatch_names_the_op_and_both_shapes():
    a, b = nf.Tensor(np.ones((2, 3))), nf.Tensor(np.ones((4, 5)))
    with pytest.raises(ShapeError) as info:
        a @ b
    msg = str(info.value)
    assert "matmul" in msg and "(2, 3)" in msg and "(4, 5)" in msg
    assert isinstance(info.value, ValueError)


def test_matmul_batch_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"matmul.*\(2, 3, 4\).*\(5, 4, 6\)"):
        ops.matmul(np.ones((2, 3, 4)), nf.Tensor(np.ones((5, 4, 6))))


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "maximum"])
def test_broadcast_mismatch_names_the_op_and_both_shapes(op):
    a = nf.Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ShapeError) as info:
        getattr(ops, op)(a, np.ones(4))
    msg = str(info.value)
    assert op in msg and "(2, 3)" in msg and "(4,)" in msg


def test_operator_broadcast_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"add.*\(3,\).*\(2,\)"):
        nf.Tensor([1.0, 2.0, 3.0]) + nf.Tensor([1.0, 2.0])


def test_backward_on_a_non_scalar_without_grad_names_the_shape():
    y = nf.Tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    with pytest.raises(GraphError) as info:
        y.backward()
    msg = str(info.value)
    assert "scalar" in msg and "(2, 3)" in msg and "grad" in msg


def test_backward_with_a_grad_of_the_wrong_shape():
    y = nf.Tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    with pytest.raises(ShapeError, match=r"\(3, 2\).*\(2, 3\)"):
        y.backward(np.ones((3, 2)))


def test_backward_on_a_tensor_without_grad():
    with pytest.raises(GraphError, match="does not require grad"):
        (nf.Tensor([1.0]) * 2.0).sum().backward()


@pytest.mark.parametrize("index", [5, -4, (0, 3), [0, 7]], ids=["int", "negative", "tuple", "array"])
def test_index_out_of_range_is_an_index_error(index):
    x = nf.Tensor(np.ones((3, 3)), requires_grad=True)
    with pytest.raises(IndexOutOfRangeError) as info:
        x[index]
    assert isinstance(info.value, IndexError) and isinstance(info.value, NeuroflowError)
    assert "(3, 3)" in str(info.value)


def test_index_out_of_range_without_grad_too():
    with pytest.raises(IndexOutOfRangeError):
        nf.Tensor([1.0, 2.0])[2]


def test_requires_grad_on_an_int_tensor():
    ints = np.arange(3)
    with pytest.raises(DTypeError, match=str(ints.dtype)) as info:
        nf.Tensor(ints, requires_grad=True)
    assert "floating" in str(info.value) or "float" in str(info.value)


def test_reshape_to_an_impossible_shape_names_both_shapes():
    x = nf.Tensor(np.ones((2, 3)))
    with pytest.raises(ShapeError) as info:
        x.reshape(4, 2)
    msg = str(info.value)
    assert "reshape" in msg and "(2, 3)" in msg and "(4, 2)" in msg
    with pytest.raises(ShapeError):
        x.reshape(-1, 4)


def test_item_on_many_elements():
    with pytest.raises(ShapeError, match=r"\(3,\)"):
        nf.Tensor([1.0, 2.0, 3.0]).item()


def test_freed_graph_inspection_is_a_graph_error():
    y = (nf.Tensor([1.0], requires_grad=True) * 2.0).sum()
    y.backward()
    with pytest.raises(GraphError, match="retain_graph=True"):
        nf.graph_table(y)
