"""The shared check of the ONNX tests: export a model, run the file in onnxruntime at batch sizes 1 and 5 and
compare every output with ``model.predict`` (float32: within 1e-5 relative, 1e-5 absolute by default)."""
import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def random_inputs(model_inputs, batch, rng):
    """One array per ``(shape without batch, dtype)`` entry: floats ~ N(0, 1), integers in [0, 10)."""
    out = []
    for shape, dtype in model_inputs:
        dtype = np.dtype(dtype)
        if dtype.kind in "iu":
            out.append(rng.integers(0, 10, size=(batch,) + tuple(shape)).astype(dtype))
        else:
            out.append(rng.standard_normal((batch,) + tuple(shape)).astype(dtype))
    return out


def check_export(model, tmp_path, inputs=None, make_inputs=None, rtol=1e-5, atol=1e-5, opset=None,
                 input_signature=None, batches=(1, 5), seed=0):
    """Export ``model``, check the file, and compare onnxruntime with ``model.predict`` on each batch size.

    ``inputs``: ``[(shape, dtype)]`` per model input (random data is drawn), or ``make_inputs(batch, rng)``
    returning the list of arrays. Returns the onnxruntime session.
    """
    from neuroflow.onnx import export

    path = export(model, tmp_path / f"{model.name}.onnx", opset=opset, input_signature=input_signature)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    assert all(i.shape[0] == "batch" for i in session.get_inputs())
    rng = np.random.default_rng(seed)
    for batch in batches:
        xs = make_inputs(batch, rng) if make_inputs is not None else random_inputs(inputs, batch, rng)
        got = session.run(None, dict(zip(names, xs)))
        want = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        want = want if isinstance(want, list) else [want]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.shape[0] == batch
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
    return session
