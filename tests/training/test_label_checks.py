"""The host-side label check that ``fit``/``evaluate`` run for a model on a device (``training/label_checks.py``):
called directly here so that the CPU run checks it too; ``test_fit.py::test_labels_that_do_not_fit_the_loss`` sees
it through ``fit`` on the strict device."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import DataError
from neuroflow.training.label_checks import check_sparse_class_ids, has_sparse_loss


def _model(loss):
    inp = nf.Input((2,))
    model = nf.Model(inp, [layers.Dense(3, activation="softmax", name="kind")(inp),
                           layers.Dense(1, name="score")(inp)])
    model.compile("sgd", loss=[loss, "mse"])
    return model


def test_an_id_beyond_the_units_names_the_output_and_the_id():
    model = _model("sparse_categorical_crossentropy")
    assert has_sparse_loss(model)
    check_sparse_class_ids(model, [np.array([0, 2, 1]), np.zeros((3, 1))], "fit()")  # in range: nothing
    message = r"fit\(\): y for output 'kind' holds class id 3, .* 3 classes \(expected ids 0\.\.2\)"
    with pytest.raises(DataError, match=message):
        check_sparse_class_ids(model, [np.array([0, 3, 1]), np.zeros((3, 1))], "fit()")
    with pytest.raises(DataError, match="class id -1"):
        check_sparse_class_ids(model, [np.array([[0], [-1], [1]]), np.zeros((3, 1))], "evaluate()")
    with pytest.raises(DataError, match="non-integer"):
        check_sparse_class_ids(model, [np.array([0.5, 1.0, 1.0]), np.zeros((3, 1))], "fit()")


def test_ignore_class_entries_are_allowed_and_other_losses_are_not_read():
    model = _model(nf.losses.SparseCategoricalCrossentropy(ignore_class=-1))
    check_sparse_class_ids(model, [np.array([0, -1, 2]), np.zeros((3, 1))], "fit()")
    with pytest.raises(DataError, match="class id 7"):
        check_sparse_class_ids(model, [np.array([0, -1, 7]), np.zeros((3, 1))], "fit()")
    assert not has_sparse_loss(_model("categorical_crossentropy"))
