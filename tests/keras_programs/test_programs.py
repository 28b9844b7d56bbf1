"""Run every Keras 3 program of the corpus against neuroflow, and the same program against Keras 3 itself.

A program is written as a Keras user writes it (from Keras' guides and docstrings); only its ``keras`` module
differs. The neuroflow run must finish; where Keras 3 is installed the same program runs on Keras' torch backend
(``tests/keras_oracle.py``) to confirm it is valid Keras, and the values both return (shapes, parameter counts,
deterministic numbers) must agree.
"""
import numpy as np
import pytest

import neuroflow

from tests.keras_oracle import keras as keras_oracle
from tests.keras_programs import guides_models, guides_training, guides_examples, guides_api

# Programs that need something Keras 3 has but neuroflow does not yet: name -> reason (xfail, strict).
NEUROFLOW_GAPS = {
}
# Programs whose Keras run needs a package absent here (tf.data for Keras' dataset utilities).
ORACLE_NEEDS = {
    "timeseries_forecasting": "tensorflow",
    "image_classification_from_directory": "tensorflow",
    "text_classification": "tensorflow",
}

ALL = [p for module in (guides_models, guides_training, guides_examples, guides_api) for p in module.PROGRAMS]


def _param(program):
    marks = []
    if program.__name__ in NEUROFLOW_GAPS:
        marks.append(pytest.mark.xfail(strict=True, reason=NEUROFLOW_GAPS[program.__name__]))
    return pytest.param(program, id=program.__name__, marks=marks)


def _plain(value):
    """Results as comparable Python values: arrays to rounded lists, tuples to lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return _plain(value.tolist())
    if isinstance(value, float):
        return round(value, 4)
    return value


@pytest.mark.parametrize("program", [_param(p) for p in ALL])
def test_program_runs_on_neuroflow(program, tmp_path):
    neuroflow.utils.set_random_seed(0)
    result = program(neuroflow, tmp_path)
    assert isinstance(result, dict)


@pytest.mark.parametrize("program", [pytest.param(p, id=p.__name__) for p in ALL])
def test_program_matches_keras(program, tmp_path):
    if program.__name__ in ORACLE_NEEDS:
        pytest.importorskip(ORACLE_NEEDS[program.__name__], reason="Keras' dataset utilities build tf.data")
    keras = keras_oracle()
    keras.utils.set_random_seed(0)
    (tmp_path / "keras").mkdir()
    expected = _plain(program(keras, tmp_path / "keras"))  # the program is valid Keras 3
    if program.__name__ in NEUROFLOW_GAPS:
        pytest.skip(NEUROFLOW_GAPS[program.__name__])
    neuroflow.utils.set_random_seed(0)
    (tmp_path / "nf").mkdir()
    got = _plain(program(neuroflow, tmp_path / "nf"))
    assert got == expected
