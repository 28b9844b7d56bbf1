"""``keras.export.ExportArchive``: Keras' API, written out as ONNX (checked with onnxruntime)."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError
from neuroflow.export import ExportArchive

ort = pytest.importorskip("onnxruntime", reason="the written file is checked with onnxruntime")
pytest.importorskip("onnx", reason="ONNX export needs the onnx package")

X = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")


def _model():
    nf.utils.set_random_seed(0)
    return nf.Sequential([nf.Input((3,)), nf.layers.Dense(4, activation="relu"), nf.layers.Dense(2)])


def test_endpoint_written_as_onnx_runs_like_the_model(tmp_path):
    model = _model()
    archive = ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", model.__call__, input_signature=[(None, 3)])
    archive.add_variable_collection("my_vars", model.weights)
    path = archive.write_out(tmp_path / "m.onnx", verbose=False)
    session = ort.InferenceSession(path)
    got = session.run(None, {session.get_inputs()[0].name: X})[0]
    np.testing.assert_allclose(got, model.predict(X, verbose=0), rtol=1e-5, atol=1e-6)


def test_what_onnx_cannot_hold_is_refused(tmp_path):
    model = _model()
    archive = ExportArchive()
    archive.track_and_add_endpoint("serve", model, input_signature=[(None, 3)])
    with pytest.raises(ConfigError, match="SavedModel needs TensorFlow"):
        archive.write_out(tmp_path / "saved_model_dir")
    with pytest.raises(ConfigError, match="arbitrary function"):
        archive.add_endpoint("double", lambda x: model(x) * 2)
    archive.track(model)
    archive.add_endpoint("again", model)
    with pytest.raises(ConfigError, match="one endpoint"):
        archive.write_out(tmp_path / "m.onnx")
