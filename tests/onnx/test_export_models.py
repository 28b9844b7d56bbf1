"""ONNX export of normalization and merge layers, functional models (several inputs and outputs, shared layers,
nested models) and ``model.export``."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers as L

from .onnx_check import check_export


def seq(shape, *stack):
    return nf.Sequential([L.Input(shape)] + list(stack))


def _randomize(model, seed=21):
    """Random weights everywhere (moving variances kept positive), so that every parameter matters."""
    rng = np.random.default_rng(seed)
    model.set_weights([np.abs(w) + 0.5 if "variance" in v.path else rng.normal(0, 0.5, w.shape).astype(w.dtype)
                       for v, w in zip(model.weights, model.get_weights())])
    return model


@pytest.mark.parametrize("layer", [lambda: L.BatchNormalization(), lambda: L.BatchNormalization(axis=1),
                                   lambda: L.BatchNormalization(center=False, scale=False, epsilon=0.1),
                                   lambda: L.LayerNormalization(), lambda: L.LayerNormalization(axis=[1, 2]),
                                   lambda: L.LayerNormalization(axis=1, center=False),
                                   lambda: L.LayerNormalization(axis=[-1], scale=False, epsilon=1e-5)],
                         ids=["bn", "bn_axis1", "bn_plain", "ln", "ln_12", "ln_axis1_nocenter", "ln_noscale"])
def test_normalization_layers(tmp_path, layer):
    nf.random.set_seed(20)
    model = _randomize(seq((4, 5), layer(), L.Dense(3)))
    check_export(model, tmp_path, [((4, 5), "float32")])


MERGES = {
    "add": lambda: L.Add(), "subtract": lambda: L.Subtract(), "multiply": lambda: L.Multiply(),
    "average": lambda: L.Average(), "maximum": lambda: L.Maximum(), "minimum": lambda: L.Minimum(),
    "concatenate": lambda: L.Concatenate(), "concatenate_axis1": lambda: L.Concatenate(axis=1),
}


@pytest.mark.parametrize("case", sorted(MERGES))
def test_merge_layers(tmp_path, case):
    nf.random.set_seed(22)
    a, b = L.Input((3, 4), name="a"), L.Input((3, 4), name="b")
    merged = MERGES[case]()([L.Dense(4)(a), b])
    model = nf.Model([a, b], merged)
    check_export(model, tmp_path, [((3, 4), "float32")] * 2)


def test_elementwise_merge_broadcasts_lower_rank(tmp_path):
    a, b, c = L.Input((4, 3)), L.Input((3,)), L.Input((1, 3))
    model = nf.Model([a, b, c], [L.Add()([a, b, c]), L.Maximum()([b, a])])
    check_export(model, tmp_path, [((4, 3), "float32"), ((3,), "float32"), ((1, 3), "float32")])


@pytest.mark.parametrize("axes,shapes,normalize", [(1, [(5,), (5,)], False), (1, [(5,), (5,)], True),
                                                   ((2, 1), [(3, 4), (4, 2)], False), ((2, 2), [(3, 4), (2, 4)], True),
                                                   (1, [(3, 4), (3, 2)], False)])
def test_dot(tmp_path, axes, shapes, normalize):
    a, b = L.Input(shapes[0]), L.Input(shapes[1])
    model = nf.Model([a, b], L.Dot(axes, normalize=normalize)([a, b]))
    check_export(model, tmp_path, [(s, "float32") for s in shapes])


def test_functional_shared_layers_several_inputs_and_outputs(tmp_path):
    """A siamese encoder (one Dense used twice), two heads, an output that is also an intermediate value."""
    nf.random.set_seed(23)
    left, right, extra = L.Input((6,), name="left"), L.Input((6,), name="right"), L.Input((2,), name="extra")
    encoder = L.Dense(4, activation="tanh", name="encoder")
    e1, e2 = encoder(left), encoder(right)
    distance = L.Subtract(name="difference")([e1, e2])
    joined = L.Concatenate(name="joined")([distance, extra])
    score = L.Dense(1, activation="sigmoid", name="score")(joined)
    classes = L.Dense(3, activation="softmax", name="classes")(L.Multiply()([e1, e2]))
    model = nf.Model([left, right, extra], [score, classes, e1])
    session = check_export(model, tmp_path, [((6,), "float32"), ((6,), "float32"), ((2,), "float32")])
    assert [i.name for i in session.get_inputs()] == ["left", "right", "extra"]
    assert [o.name for o in session.get_outputs()][:2] == ["score", "classes"]


def test_nested_models(tmp_path):
    """A Sequential block and a functional model used as layers inside another functional model."""
    nf.random.set_seed(24)
    block = nf.Sequential([L.Input((5,)), L.Dense(4, activation="relu"), L.BatchNormalization()], name="block")
    inner_in = L.Input((4,))
    inner = nf.Model(inner_in, L.Dense(2)(L.LayerNormalization()(inner_in)), name="inner")
    x = L.Input((5,))
    y = inner(block(x))
    model = _randomize(nf.Model(x, [y, block(x)]))
    check_export(model, tmp_path, [((5,), "float32")])


def test_shape_layers(tmp_path):
    nf.random.set_seed(25)
    model = seq((12,), L.Reshape((3, 4)), L.Permute((2, 1)), L.Reshape((-1,)), L.Dense(5), L.RepeatVector(3),
                L.Flatten())
    check_export(model, tmp_path, [((12,), "float32")])


def test_model_export_method(tmp_path):
    nf.random.set_seed(26)
    model = seq((4,), L.Dense(3, activation="relu"), L.Dense(2))
    path = tmp_path / "model.onnx"
    model.export(path, format="onnx", verbose=False)
    import onnxruntime as ort
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(session.run(None, {session.get_inputs()[0].name: x})[0],
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_model_export_opset_version_and_verbose(tmp_path, capsys):
    import onnx
    model = seq((4,), L.Dense(2))
    model.export(tmp_path / "m.onnx", format="onnx", opset_version=18)
    assert onnx.load(tmp_path / "m.onnx").opset_import[0].version == 18
    assert "m.onnx" in capsys.readouterr().out


def test_signature_forms_and_single_input_concatenate(tmp_path):
    """input_signature as a dict by input name, with an int64 dtype from an array; Concatenate of one input."""
    nf.random.set_seed(27)
    ids, feats = L.Input((4,), name="ids"), L.Input((3,), name="feats")
    emb = L.Flatten()(L.Embedding(6, 2)(ids))
    model = nf.Model([ids, feats], L.Concatenate()([L.Concatenate()([emb]), feats]))
    signature = {"ids": np.zeros((1, 4), np.int64), "feats": L.Input((3,))}

    def make(n, rng):
        return [rng.integers(0, 6, (n, 4)), rng.standard_normal((n, 3)).astype("float32")]
    check_export(model, tmp_path, make_inputs=make, input_signature=signature)


def test_outputs_that_are_inputs_or_repeated(tmp_path):
    """An input as an output, one value as two outputs, a nested model that passes its input through."""
    x = L.Input((3,), name="x")
    inner_in = L.Input((3,))
    inner = nf.Model(inner_in, inner_in, name="identity_model")
    y = L.Dense(2, name="y")(x)
    model = nf.Model(x, [x, y, y, inner(x)])
    session = check_export(model, tmp_path, [((3,), "float32")])
    assert len(session.get_outputs()) == 4
